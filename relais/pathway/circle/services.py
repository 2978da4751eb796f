"""Writes of the coordination record and its circle: opening, professionals and proxies, their end, consents,
objections (keyword-only, atomic, traced in the access log).

Access rules are not here: each service asks ``policy`` and refuses with the policy's sentence.
"""

from __future__ import annotations

from datetime import timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from relais.audit.services import access_log_record
from relais.pathway import matrix as m
from relais.pathway.circle.eligibility import professional_eligibility, proxy_account_eligibility
from relais.pathway.circle.models import (
    CircleMember,
    CircleRole,
    Consent,
    CoordinationRecord,
    Ground,
    MemberKind,
    Objection,
    ProxyRole,
)
from relais.pathway.guard import trace
from relais.pathway.policy import Decision, may_manage_circle
from relais.pathway.record.dates import past_only

INFORMED = "Personne informée le"  # the label the forms and the errors share

GROUND = "care_circle"


def _trace(actor, action: str, obj, person_id: int, detail: str = "", ground: str = GROUND) -> None:
    access_log_record(
        actor=actor, action=action, obj=obj, subject=f"persons.person:{person_id}", ground=ground, detail=detail
    )


def _require_manager(actor, person) -> Decision:
    decision = may_manage_circle(user=actor.user, organisation=actor.organisation, person=person)
    if not decision.allowed:
        raise PermissionDenied(decision.message)
    return decision


@transaction.atomic
def record_open(*, actor, person, informed_at=None, start=None) -> CoordinationRecord:
    """Open the record; the opener becomes its referent, in the care team of their organisation (from ``start``, a
    past date when a circle comes back from another system, else today)."""
    if actor is None or actor.user is None or not actor.reads_personal_data:
        raise PermissionDenied("Seul·e un·e professionnel·le identifié·e ouvre un dossier de coordination.")
    eligibility = professional_eligibility(
        ground=Ground.CARE_TEAM,
        kind=actor.organisation.kind,
        role=actor.role,
        category=actor.user.professional_category,
    )
    if not eligibility:  # the opener becomes referent in the care team: the same rule as any member (0031)
        raise PermissionDenied(f"Vous ne pouvez pas ouvrir de dossier de coordination : {eligibility.reason}")
    if CoordinationRecord.objects.filter(person=person).exists():
        raise ValidationError("Cette personne a déjà un dossier de coordination.")
    past_only(informed_at, field="informed_at", label=INFORMED)
    record = CoordinationRecord.objects.create(
        person=person, opened_by_organisation=actor.organisation, opened_by=actor.public_label
    )
    CircleMember.objects.create(
        record=record,
        kind=MemberKind.PROFESSIONAL,
        user=actor.user,
        organisation=actor.organisation,
        circle_role=CircleRole.REFERENT,
        ground=Ground.CARE_TEAM,
        person_informed_at=informed_at or timezone.now(),
        start=start or timezone.localdate(),
        added_by=actor.public_label,
    )
    _trace(actor, "create", record, person.pk)
    return record


@transaction.atomic
def circle_professional_add(
    *,
    actor,
    person,
    user,
    organisation,
    circle_role=CircleRole.MEMBER,
    ground,
    informed_at=None,
    consent=None,
    start=None,
) -> CircleMember:
    """Add a professional. Same care team needs the date the person was informed; consent needs the consent itself
    (``{"scope": [...], "method": ..., "given_by": ...}``), recorded in the same transaction."""
    _require_manager(actor, person)
    membership = organisation.memberships.filter(user=user, is_active=True, user__is_active=True).first()
    if membership is None:
        raise ValidationError({"user": "Ce professionnel n'est pas membre actif de l'organisation indiquée."})
    eligibility = professional_eligibility(
        ground=ground, kind=organisation.kind, role=membership.role, category=user.professional_category
    )
    if not eligibility:
        raise ValidationError({"user": f"{user} ({organisation}) ne peut pas être ajouté·e : {eligibility.reason}"})
    if ground == Ground.CARE_TEAM and informed_at is None:
        raise ValidationError({"informed_at": "Indiquez quand la personne a été informée (CSP L1110-12)."})
    past_only(informed_at, field="informed_at", label=INFORMED)
    if ground == Ground.CONSENT and not consent:
        raise ValidationError({"consent": "Enregistrez le consentement de la personne pour ce professionnel."})
    member = CircleMember(
        record=person.coordination_record,
        kind=MemberKind.PROFESSIONAL,
        user=user,
        organisation=organisation,
        circle_role=circle_role,
        ground=ground,
        person_informed_at=informed_at,
        start=start or timezone.localdate(),
        added_by=actor.public_label,
    )
    member.full_clean()
    member.save()
    if ground == Ground.CONSENT:
        consent_record(actor=actor, member=member, **consent)
    _trace(actor, "create", member, person.pk, f"ajout au cercle ({Ground(ground).label})")
    return member


@transaction.atomic
def consent_record(*, actor, member: CircleMember, scope, method, given_by, collected_at=None) -> Consent:
    person = member.record.person
    _require_manager(actor, person)
    unknown = sorted(set(scope) - set(m.CATEGORIES))
    if not scope or unknown:
        raise ValidationError({"scope": f"Catégories inconnues ou absentes : {', '.join(unknown) or '(aucune)'}."})
    past_only(collected_at, field="collected_at", label="Consentement recueilli le")
    consent = Consent(
        member=member,
        scope=sorted(set(scope)),
        method=method,
        given_by=given_by,
        collected_by=actor.public_label,
        collected_at=collected_at or timezone.now(),
    )
    consent.full_clean()
    consent.save()
    _trace(actor, "create", consent, person.pk, f"consentement {', '.join(consent.scope)}")
    return consent


@transaction.atomic
def consent_revoke(*, actor, consent: Consent, revoked_by: str) -> Consent:
    consent = Consent.objects.select_for_update().get(pk=consent.pk)
    person = consent.member.record.person
    _require_manager(actor, person)
    if consent.revoked_at is None:
        consent.revoked_at, consent.revoked_by = timezone.now(), revoked_by or actor.public_label
        consent.save(update_fields=["revoked_at", "revoked_by"])
        _trace(actor, "update", consent, person.pk, "retrait du consentement")
    return consent


@transaction.atomic
def objection_record(*, actor, person, expressed_by: str, member: CircleMember | None = None) -> Objection:
    """The person objects (to one member, or to the whole care team): effective at once."""
    _require_manager(actor, person)
    record = person.coordination_record
    if member is not None and member.record_id != record.pk:
        raise ValidationError({"member": "Ce membre n'appartient pas à ce cercle de soins."})
    objection = Objection.objects.create(
        record=record, member=member, expressed_by=expressed_by, recorded_by=actor.public_label, at=timezone.now()
    )
    _trace(actor, "create", objection, person.pk, "opposition")
    return objection


@transaction.atomic
def objection_withdraw(*, actor, objection: Objection, withdrawn_by: str) -> Objection:
    """The person lifts an objection: sharing resumes at once for those it covered."""
    objection = Objection.objects.select_for_update().select_related("record__person").get(pk=objection.pk)
    person = objection.record.person
    _require_manager(actor, person)
    if objection.withdrawn_at is None:
        objection.withdrawn_at = timezone.now()
        objection.save(update_fields=["withdrawn_at"])
        _trace(actor, "update", objection, person.pk, f"opposition levée ({withdrawn_by or actor.public_label})")
    return objection


def proxy_name(given_name: str, family_name: str) -> str:
    return " ".join(part.strip() for part in (given_name, family_name) if part.strip())


@transaction.atomic
def circle_proxy_add(
    *,
    actor,
    person,
    proxy_role: str,
    display_name: str = "",
    family_name: str = "",
    given_name: str = "",
    phone: str = "",
    user=None,
    start=None,
) -> CircleMember:
    """Add a proxy (trusted person, legal guardian, carer), with or without an account.

    The shown name is ``display_name``, or the given and family names when only those are given."""
    display_name = display_name.strip() or proxy_name(given_name, family_name)
    decision = _require_manager(actor, person)
    if proxy_role not in ProxyRole.values:
        raise ValidationError({"proxy_role": "Choisissez la qualité du proche."})
    if user is None and not display_name.strip():
        raise ValidationError({"display_name": "Indiquez le nom du proche."})
    if user is not None:
        memberships = user.memberships.filter(is_active=True).select_related("organisation")
        eligibility = proxy_account_eligibility(
            (ms.organisation.name, ms.organisation.kind, ms.role, user.professional_category) for ms in memberships
        )
        if not eligibility:
            raise ValidationError({"email": eligibility.reason})
    member = CircleMember(
        record=person.coordination_record,
        kind=MemberKind.PROXY,
        user=user,
        proxy_role=proxy_role,
        display_name=display_name,
        family_name=family_name.strip(),
        given_name=given_name.strip(),
        phone=phone.strip(),
        ground=Ground.LEGAL,
        start=start or timezone.localdate(),
        added_by=actor.public_label,
    )
    member.full_clean()
    member.save()
    trace(
        actor=actor,
        action="create",
        obj=member,
        person=person,
        decision=decision,
        detail=f"proche : {member.get_proxy_role_display().lower()}",
    )
    return member


@transaction.atomic
def circle_member_end(*, actor, member: CircleMember, end=None) -> CircleMember:
    """End a membership. By default its last day is yesterday, so access stops at once; a membership that started
    today can only end today (the period check), and then stops at midnight."""
    member = CircleMember.objects.select_for_update().select_related("record__person").get(pk=member.pk)
    person = member.record.person
    decision = _require_manager(actor, person)
    end = max(end or timezone.localdate() - timedelta(days=1), member.start)
    if member.end is None or member.end > end:
        member.end = end
        member.full_clean()
        member.save(update_fields=["end"])
        trace(actor=actor, action="update", obj=member, person=person, decision=decision, detail="fin d'appartenance")
    return member
