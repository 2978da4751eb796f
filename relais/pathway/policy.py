"""THE access policy of the coordination record: one function decides, and says why.

``decide(user=, organisation=, person=, category=, action=)`` returns a ``Decision``: allowed or not, the rule that
decided (a stable code for logs and tests) and a French sentence for the user. Every view, API and FHIR endpoint of
the pathway asks it; a refusal is shown as a 404, exactly like a missing object. Order of the checks:

1. an account, a coordination record, an active membership of the circle for the acting organisation, and a
   professional member still eligible on their ground (``circle/eligibility.py``, decision 0031; rule ``ineligible``);
2. the sharing matrix (``matrix.py``): which profile may read or write which category (medical → health professionals);
3. the ground of access: same care team (the person was informed and has not objected), consent (not revoked, covering
   the category), or the proxy's own quality (legal guardian, trusted person, carer).

Objections and revocations are read at each call: they take effect at once. ``decide_each`` answers the same question
for several categories with one read of the record and the circle (a page asking for all of them); ``decide_many`` for
many records in a fixed number of queries (the coordinator's dashboard, decision 0044).
See docs/decisions/0019-care-circle-policy.md.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db.models import OuterRef, Q, Subquery
from django.utils import timezone

from relais.accounts.models import Membership
from relais.pathway.circle.eligibility import professional_eligibility
from relais.pathway.circle.models import (
    CircleMember,
    CircleRole,
    Consent,
    CoordinationRecord,
    Ground,
    MemberKind,
    Objection,
)

from . import matrix as m


@dataclass(frozen=True)
class Decision:
    allowed: bool
    rule: str
    message: str
    member: CircleMember | None = None

    def __bool__(self) -> bool:
        return self.allowed


def _deny(rule: str, message: str, member=None) -> Decision:
    return Decision(False, rule, message, member)


def _fr(day) -> str:
    return timezone.localtime(day).strftime("%d/%m/%Y") if hasattr(day, "hour") else day.strftime("%d/%m/%Y")


def active_memberships(*, user, organisation, record: CoordinationRecord, today: date | None = None):
    return active_memberships_in(user=user, organisation=organisation, records=[record], today=today)


def active_memberships_in(*, user, organisation, records, today: date | None = None):
    """The user's active memberships (for the acting organisation, or as a proxy) of the circles of ``records`` (a
    list or a queryset of records; None: every circle), each with the role held today in the member's organisation."""
    today = today or timezone.localdate()
    mine = Q(kind=MemberKind.PROFESSIONAL, user=user, organisation=organisation) | Q(kind=MemberKind.PROXY, user=user)
    # The role held today in the member's organisation, for the eligibility rule (None: no active membership there).
    role = Membership.objects.filter(
        user=OuterRef("user"), organisation=OuterRef("organisation"), is_active=True
    ).values("role")[:1]
    rows = CircleMember.objects.all() if records is None else CircleMember.objects.filter(record__in=records)
    return (
        rows.filter(mine)
        .filter(Q(start__lte=today), Q(end__isnull=True) | Q(end__gte=today))
        .annotate(membership_role=Subquery(role))
    )


def profile_of(member: CircleMember) -> str:
    if member.kind == MemberKind.PROXY:
        return member.proxy_role
    return m.profile_of_professional(member.user.professional_category)


def decide(*, user, organisation, person, category: str, action: str = m.READ) -> Decision:
    return decide_each(user=user, organisation=organisation, person=person, categories=[category], action=action)[
        category
    ]


def decide_each(*, user, organisation, person, categories, action: str = m.READ) -> dict[str, Decision]:
    """``decide`` for several categories at once, reading the record, the circle, objections and consents once."""
    if any(c not in m.CATEGORIES for c in categories) or action not in m.ACTIONS:
        raise ValueError(f"Unknown category or action: {categories!r}, {action!r}.")
    if user is None or not user.is_authenticated:
        return dict.fromkeys(categories, _deny("anonymous", "Connectez-vous pour accéder au dossier."))
    record = CoordinationRecord.objects.filter(person=person).first()
    if record is None:
        return dict.fromkeys(categories, _deny("no_record", "Cette personne n'a pas de dossier de coordination."))
    members = list(
        active_memberships(user=user, organisation=organisation, record=record).select_related("user", "organisation")
    )
    if not members:
        refusal = _deny(
            "not_in_circle",
            f"Vous ne faites pas partie du cercle de soins de cette personne au titre de « {organisation} ».",
        )
        return dict.fromkeys(categories, refusal)
    return _judge(members, record, categories, action, {})


def _judge(members, record, categories, action: str, grounds: dict) -> dict[str, Decision]:
    """The decision per category for the user's active ``members`` of one circle (``grounds``: per member, the
    care-team decision or the consents, read once for all categories, possibly read beforehand for many records)."""
    result = {}
    for category in categories:
        decisions = [_decide_for(member, record, category, action, grounds) for member in members]
        result[category] = next((d for d in decisions if d.allowed), decisions[0])
    return result


def decide_many(*, user, organisation, records, categories=None, action: str = m.READ) -> dict[int, dict]:
    """``decide_each`` for many records at once (a dashboard, its counts) in a fixed number of queries: the user's
    active memberships of all the circles, then the objections and consents that bear on them. Answers
    ``{record id: {category: Decision}}`` for the records where the user has an active membership; a record left out
    is refused (``not_in_circle``), exactly as ``decide`` would say. ``records``: a list or a queryset of records."""
    categories = list(categories or m.CATEGORIES)
    if any(c not in m.CATEGORIES for c in categories) or action not in m.ACTIONS:
        raise ValueError(f"Unknown category or action: {categories!r}, {action!r}.")
    if user is None or not user.is_authenticated:
        return {}
    mine = active_memberships_in(user=user, organisation=organisation, records=records)
    members = list(mine.select_related("user", "organisation").order_by("record_id", "kind", "pk"))
    if not members:
        return {}
    objections: dict[int, list] = {}
    mine_ids = mine.values("pk")
    rows = Objection.objects.filter(record_id__in=mine.values("record_id"), withdrawn_at__isnull=True)
    for objection in rows.filter(Q(member__isnull=True) | Q(member_id__in=mine_ids)):
        objections.setdefault(objection.record_id, []).append(objection)
    consents: dict[int, list] = {}
    if any(member.ground == Ground.CONSENT for member in members):
        for consent in Consent.objects.filter(member_id__in=mine_ids).order_by("-collected_at", "-pk"):
            consents.setdefault(consent.member_id, []).append(consent)
    by_record: dict[int, list] = {}
    for member in members:
        by_record.setdefault(member.record_id, []).append(member)
    answer = {}
    for record_id, record_members in by_record.items():
        grounds: dict = {}
        for member in record_members:
            if member.ground == Ground.CARE_TEAM:
                grounds[member.pk] = _care_team(member, None, objections.get(record_id, []))
            elif member.ground == Ground.CONSENT:
                grounds[member.pk] = consents.get(member.pk, [])
        answer[record_id] = _judge(record_members, None, categories, action, grounds)
    return answer


def _decide_for(
    member: CircleMember, record: CoordinationRecord, category: str, action: str, grounds: dict
) -> Decision:
    if member.kind == MemberKind.PROFESSIONAL:
        key = ("eligible", member.pk)  # read once per member for all categories, like the ground below
        if key not in grounds:
            grounds[key] = _eligible(member)
        if not grounds[key].allowed:
            return grounds[key]
    profile = profile_of(member)
    if action not in m.allowed_actions(profile, category):
        if category == m.MEDICAL and action == m.READ:
            message = "Les données médicales sont réservées aux professionnels de santé du cercle de soins."
        else:
            message = (
                f"Un·e {m.PROFILES[profile]} ne peut pas {m.ACTIONS[action]} : {m.CATEGORIES[category]} "
                "(matrice de partage)."
            )
        return _deny("matrix", message, member)
    if member.ground == Ground.CARE_TEAM:
        if member.pk not in grounds:
            grounds[member.pk] = _care_team(member, record)
        return grounds[member.pk]
    if member.ground == Ground.CONSENT:
        if member.pk not in grounds:
            grounds[member.pk] = list(member.consents.order_by("-collected_at", "-pk"))
        return _consent(member, category, grounds[member.pk])
    return Decision(True, "proxy", f"Vous êtes {member.get_proxy_role_display().lower()} de cette personne.", member)


def _eligible(member: CircleMember) -> Decision:
    """A member added before the eligibility rule (decision 0031), or whose role or profession has changed since, is
    refused with the rule's reason: nobody gets access on a ground they are not eligible for."""
    role = getattr(member, "membership_role", None)
    if role is None:
        return _deny(
            "ineligible", f"Vous n'êtes plus membre actif·ve de « {member.organisation} » : plus aucun accès.", member
        )
    eligibility = professional_eligibility(
        ground=member.ground, kind=member.organisation.kind, role=role, category=member.user.professional_category
    )
    if not eligibility:
        return _deny("ineligible", eligibility.reason, member)
    return Decision(True, "eligible", eligibility.reason, member)


def _care_team(member: CircleMember, record: CoordinationRecord | None, objections: list | None = None) -> Decision:
    """``objections``: the record's active objections when already read (``decide_many``), else read here."""
    # An objection to the whole team spares the referent: the professional the person deals with directly, who
    # records the objection, keeps the record running (and can lift it); an objection naming them does not.
    spared = member.circle_role == CircleRole.REFERENT
    if objections is None:
        whole_team = Q(member__isnull=True) if not spared else Q(pk__in=[])
        objection = (
            Objection.objects.filter(record=record, withdrawn_at__isnull=True)
            .filter(whole_team | Q(member=member))
            .order_by("at")
            .first()
        )
    else:
        applying = [o for o in objections if o.member_id == member.pk or (o.member_id is None and not spared)]
        objection = min(applying, key=lambda o: (o.at, o.pk), default=None)
    if objection is not None:
        whom = "avec vous" if objection.member_id else "avec son équipe de soins"
        return _deny(
            "objection",
            f"La personne s'est opposée le {_fr(objection.at)} au partage de ses informations {whom} "
            "(CSP L1110-12) : l'accès est refusé.",
            member,
        )
    return Decision(
        True,
        "care_team",
        f"Vous faites partie de l'équipe de soins de cette personne au titre de « {member.organisation} » "
        f"(CSP L1110-12) ; elle en a été informée le {_fr(member.person_informed_at)} et ne s'y est pas opposée.",
        member,
    )


def _consent(member: CircleMember, category: str, consents: list) -> Decision:
    active = [c for c in consents if c.revoked_at is None]
    covering = next((c for c in active if category in c.scope), None)
    if covering is not None:
        return Decision(
            True,
            "consent",
            f"La personne a consenti le {_fr(covering.collected_at)} ({covering.get_method_display().lower()}) "
            f"au partage de {m.THEIR[category]} avec vous ; consentement recueilli par "
            f"{covering.collected_by}.",
            member,
        )
    if not active and consents:
        return _deny(
            "consent_revoked", f"La personne a retiré son consentement le {_fr(consents[0].revoked_at)}.", member
        )
    if not consents:
        return _deny("consent_missing", "Aucun consentement de la personne n'est enregistré pour vous.", member)
    return _deny("consent_scope", f"Le consentement recueilli ne couvre pas {m.THE[category]}.", member)


def persons_allowed(*, user, organisation, candidates, category: str = m.IDENTITY, action: str = m.READ) -> list:
    """Filter persons for lists and counts, so that nothing refused shows up anywhere."""
    return [
        p
        for p in candidates
        if decide(user=user, organisation=organisation, person=p, category=category, action=action)
    ]


def may_manage_circle(*, user, organisation, person) -> Decision:
    """Referents and coordinators of the circle add members, record consents and objections."""
    decision = decide(user=user, organisation=organisation, person=person, category=m.IDENTITY, action=m.WRITE)
    if not decision.allowed:
        return decision
    managers = (CircleRole.REFERENT, CircleRole.COORDINATOR)
    if decision.member.kind != MemberKind.PROFESSIONAL or decision.member.circle_role not in managers:
        return _deny("not_manager", "Seuls le ou la référent·e et les coordinateur·rices gèrent le cercle de soins.")
    return decision
