"""Reads of the coordination record and its circle, filtered by ``policy.decide``: nothing refused shows up in a list
or a count.

A record the user may not open is a 404, exactly like a missing one (``record_get``); the ``RecordAccess`` it returns
holds the decision per data category that the content's reads (``record.selectors``) filter by. Also: my records, the
circle's members and objections, and who consulted the record.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Q
from django.http import Http404
from django.utils import timezone

from relais.accounts.models import Membership
from relais.accounts.roles import Role
from relais.audit import labels as audit_labels
from relais.audit.selectors import access_log_for_subject
from relais.pathway import matrix as m
from relais.pathway.circle.eligibility import FUNDER_KINDS, professional_eligibility
from relais.pathway.circle.models import CircleMember, CoordinationRecord, Ground, MemberKind
from relais.pathway.policy import Decision, decide, decide_each, may_manage_circle

# The French word of each ground code the pathway writes in the access log (the policy's rules), registered with
# ``audit.labels`` by the app (decision 0038); FHIR and subscription grounds are a prefix and the deciding rule.
GROUND_LABELS = {
    "care_team": "Équipe de soins (CSP L1110-12)",
    "consent": "Consentement de la personne",
    "proxy": "Proche de la personne (représentation ou désignation)",
    "legal": "Représentation légale ou désignation par la personne",
    "eligible": "Professionnel·le du cercle de soins",
    "care_circle": "Gestion du cercle de soins",
    "fhir": "Échange FHIR du dossier",
    "fhir_patient_create": "Création de la personne par échange FHIR",
}
GROUND_PREFIXES = {
    "subscription": "Notification d'un abonnement",
    "care_circle": "Accès par échange FHIR",
}


def ground_label(code: str) -> str:
    return audit_labels.ground_word(code)


def object_label(object_type: str) -> str:
    """ "pathway.plantask" → "action du plan": the model's French name, for the access history."""
    return audit_labels.subject_word(object_type)


@dataclass
class RecordAccess:
    """What one user may read in one record: a decision per data category, asked once per page."""

    record: CoordinationRecord
    decisions: dict[str, Decision] = field(default_factory=dict)

    def may(self, category: str) -> bool:
        return self.decisions[category].allowed

    @property
    def readable(self) -> list[str]:
        return [c for c, d in self.decisions.items() if d.allowed]

    def refusals(self, categories) -> list[dict]:
        """The refused categories among ``categories``, each with the policy's sentence. Said whether or not such
        content exists, so that the notice itself leaks nothing."""
        return [
            {"category": m.CATEGORIES[c], "message": self.decisions[c].message}
            for c in categories
            if not self.decisions[c].allowed
        ]


def record_get(*, user, organisation, pk: int) -> RecordAccess:
    """The record and what the user may read in it; a 404 when it is missing or its identity may not be read."""
    record = CoordinationRecord.objects.select_related("person").filter(pk=pk).first()
    if record is None:
        raise Http404("Dossier introuvable.")
    access = RecordAccess(record=record)
    access.decisions.update(
        decide_each(user=user, organisation=organisation, person=record.person, categories=list(m.CATEGORIES))
    )
    if not access.may(m.IDENTITY):
        raise Http404("Dossier introuvable.")
    return access


def records_for(*, user, organisation) -> list[CoordinationRecord]:
    """The records where the user is an active member for the acting organisation (or as a proxy) and may still go."""
    today = timezone.localdate()
    mine = Q(members__kind=MemberKind.PROFESSIONAL, members__user=user, members__organisation=organisation) | Q(
        members__kind=MemberKind.PROXY, members__user=user
    )
    candidates = (
        CoordinationRecord.objects.filter(mine, members__start__lte=today)
        .filter(Q(members__end__isnull=True) | Q(members__end__gte=today))
        .select_related("person")
        .distinct()
        .order_by("person__family_name", "person__first_names", "pk")
    )
    records = []
    for record in candidates:
        record.decision = decide(user=user, organisation=organisation, person=record.person, category=m.IDENTITY)
        if record.decision.allowed:
            records.append(record)
    return records


def circle_members(record: CoordinationRecord) -> list[CircleMember]:
    today = timezone.localdate()
    members = list(
        record.members.select_related("user", "organisation").prefetch_related("consents", "objections").all()
    )
    for member in members:
        member.is_active = member.start <= today and (member.end is None or member.end >= today)
        member.active_consents = [c for c in member.consents.all() if c.revoked_at is None]
        member.objected = any(o.withdrawn_at is None for o in member.objections.all())
        member.ineligible = member_ineligibility(member) if member.is_active else ""
    return members


def record_objections(record: CoordinationRecord):
    return record.objections.select_related("member__user").all()


def may_see_history(*, user, organisation, person) -> Decision:
    """Circle managers, and proxies with an account (the person's representatives), see who consulted the record."""
    decision = may_manage_circle(user=user, organisation=organisation, person=person)
    if decision.allowed:
        return decision
    identity = decide(user=user, organisation=organisation, person=person, category=m.IDENTITY)
    if identity.allowed and identity.member.kind == MemberKind.PROXY:
        return identity
    return decision


def access_history(person, filters=None):
    """The access-log entries about the person, newest first, the lists it was shown in included (decision 0047)."""
    return access_log_for_subject(subject=f"persons.person:{person.pk}", filters=filters)


def member_ineligibility(member: CircleMember) -> str:
    """Why a member may not (any longer) be in the circle, or "" (decision 0031). Proxies keep their ground."""
    if member.kind != MemberKind.PROFESSIONAL:
        return ""
    membership = Membership.objects.filter(
        user_id=member.user_id, organisation_id=member.organisation_id, is_active=True, user__is_active=True
    ).first()
    if membership is None:
        return f"n'est plus membre actif·ve de « {member.organisation} »."
    eligibility = professional_eligibility(
        ground=member.ground,
        kind=member.organisation.kind,
        role=membership.role,
        category=member.user.professional_category,
    )
    return "" if eligibility else eligibility.reason


CANDIDATES_SHOWN = 20
MIN_QUERY = 2


def circle_candidates(*, record: CoordinationRecord, ground: str, query: str) -> list[Membership]:
    """The picker: active memberships whose user's name contains every word of ``query`` (2 characters at least),
    eligible on ``ground`` and not already active members of the circle for that organisation; at most
    ``CANDIDATES_SHOWN``, by name. Analysts and the staff of funders are left out in SQL, the rest by the rule."""
    words = query.split()
    if len("".join(words)) < MIN_QUERY or ground not in (Ground.CARE_TEAM, Ground.CONSENT):
        return []
    rows = (
        Membership.objects.filter(is_active=True, user__is_active=True, organisation__is_active=True)
        .exclude(role=Role.ANALYST)
        .exclude(organisation__kind__in=FUNDER_KINDS)
        .select_related("user", "organisation")
        .order_by("user__last_name", "user__first_name", "organisation__name", "pk")
    )
    for word in words:
        rows = rows.filter(Q(user__last_name__icontains=word) | Q(user__first_name__icontains=word))
    today = timezone.localdate()
    present = set(
        record.members.filter(kind=MemberKind.PROFESSIONAL, start__lte=today)
        .filter(Q(end__isnull=True) | Q(end__gte=today))
        .values_list("user_id", "organisation_id")
    )
    found = []
    for membership in rows.iterator(chunk_size=200):
        if (membership.user_id, membership.organisation_id) in present:
            continue
        eligibility = professional_eligibility(
            ground=ground,
            kind=membership.organisation.kind,
            role=membership.role,
            category=membership.user.professional_category,
        )
        if eligibility:
            found.append(membership)
            if len(found) == CANDIDATES_SHOWN:
                break
    return found
