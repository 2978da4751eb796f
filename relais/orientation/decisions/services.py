"""Writes of orientation decisions: creation, expiry and cancellation (with the cascade on the decision's requests).

- Creation (``orientation_decision_create``): checked by the model, traced in the access log about the person.

- Expiry (``orientation_decision_expire``, run by ``orientation_tick`` the day after ``validity_end``): pending unit
  pairs (182/183/184) → 180 with reason 98 "fin de validité de la notification"; ESMS pairs not yet entered → 49
  "notification annulée" with reason 174 "décision clôturée par la MDPH" — ASS_A32 gives 98 to no ESMS status (open
  question 1 of decision 0013); 49 is closed but reactivable (54) when the decision is renewed, 37 would be final.
- Cancellation (``orientation_decision_cancel``, by the orientation side): ESMS pairs not yet entered → 37 with the
  given reason (112, 124, 173, 174); unit pairs → 180 with the same reason when ASS_A32 allows it there, else 95.
Pairs already entered (47), in trial (43) or reorientation (51) are left alone: ending a stay is the ESMS's act.
See docs/decisions/0018-follow-up-and-notifications.md.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from relais.audit.services import access_log_record
from relais.orientation import notification_kinds as notices
from relais.orientation.decisions.models import DecisionStatus, OrientationDecision
from relais.orientation.requests import services
from relais.orientation.requests import statuses as st
from relais.orientation.requests import workflow as wf
from relais.orientation.requests.models import ESMS_ENDED, AdmissionRequest, Source, UnitRequestStatus
from relais.orientation.terminology.selectors import sdo_rules
from relais.persons.models import Person

# Expiry: the ESMS pair is closed (reactivable on renewal), the unit pairs removed as "notification expired".
EXPIRY_ESMS_STATUS, EXPIRY_ESMS_REASON = st.NOTIFICATION_CANCELLED, st.REASON_DECISION_CLOSED_BY_MDPH
EXPIRY_UNIT_REASON = st.REASON_NOTIFICATION_EXPIRED


@transaction.atomic
def orientation_decision_create(*, actor, person: Person, **fields) -> OrientationDecision:
    decision = OrientationDecision(person=person, **fields)
    decision.full_clean()
    decision.save()
    access_log_record(
        actor=actor, action="create", obj=decision, subject=f"persons.person:{person.pk}", ground=services.GROUND
    )
    return decision


@dataclass
class Cascade:
    decision: OrientationDecision
    closed: list[AdmissionRequest] = field(default_factory=list)
    unit_pairs: int = 0


def unit_pair_remove(*, actor, request: AdmissionRequest, unit, reason: str) -> UnitRequestStatus:
    """Move a (person, unit) pair to 180; ``actor=None`` is the automatic follow-up."""
    source = Source.SYSTEM if actor is None else Source.WEB
    return services.unit_request_transition(
        actor=actor,
        request=request,
        unit=unit,
        target=st.UNIT_REMOVED,
        reason=reason,
        system=actor is None,
        source=source,
    )


def unit_pairs_remove(*, actor, request: AdmissionRequest, reason: str) -> int:
    rows = UnitRequestStatus.objects.filter(request=request, status__in=st.UNIT_PENDING).select_related("unit")
    count = 0
    for row in rows.order_by("unit_id"):
        unit_pair_remove(actor=actor, request=request, unit=row.unit, reason=reason)
        count += 1
    return count


def _closable(request: AdmissionRequest, target: str, actor_kind: str) -> bool:
    """Open, and the workflow lets ``actor_kind`` move it to ``target`` (not entered, not in trial)."""
    return request.status not in ESMS_ENDED and actor_kind in wf.allowed_actors(request.status, target)


def _lock(decision: OrientationDecision) -> OrientationDecision:
    return OrientationDecision.objects.select_for_update().get(pk=decision.pk)


def _set_status(actor, decision: OrientationDecision, status: str, detail: str) -> None:
    decision.status = status
    decision.save(update_fields=["status", "updated_at"])
    services._trace(actor, "update", decision, decision.person_id, detail)


@transaction.atomic
def orientation_decision_expire(*, decision: OrientationDecision, today: date) -> Cascade:
    """Expire a decision whose validity ended before ``today`` and close its pending requests (system act)."""
    decision = _lock(decision)
    if decision.status != DecisionStatus.VALID:
        raise ValidationError(f"La décision n° {decision.pk} n'est plus en cours de validité.")
    if decision.validity_end is None or decision.validity_end >= today:
        end = f"{decision.validity_end:%d/%m/%Y}" if decision.validity_end else "sans date de fin"
        raise ValidationError(f"La décision n° {decision.pk} est valide jusqu'au {end} : elle n'a pas expiré.")
    _set_status(None, decision, DecisionStatus.EXPIRED, f"décision expirée (fin {decision.validity_end})")
    cascade = Cascade(decision)
    for request in decision.requests.exclude(status__in=ESMS_ENDED).order_by("pk"):
        if _closable(request, EXPIRY_ESMS_STATUS, wf.SYSTEM):
            cascade.unit_pairs += unit_pairs_remove(actor=None, request=request, reason=EXPIRY_UNIT_REASON)
            closed = services.admission_request_transition(
                actor=None,
                request=request,
                target=EXPIRY_ESMS_STATUS,
                reason=EXPIRY_ESMS_REASON,
                system=True,
                source=Source.SYSTEM,
                comment=f"Décision arrivée à échéance le {decision.validity_end:%d/%m/%Y}",
            )
            cascade.closed.append(closed)
    return cascade


def _may_cancel(actor, decision: OrientationDecision) -> bool:
    if actor is None or actor.organisation.kind not in services.ORIENTATION_KINDS:
        return False
    if decision.organisation_id is not None:
        return decision.organisation_id == actor.organisation.pk
    return decision.requests.filter(created_by_organisation=actor.organisation).exists()


def orientation_decision_cancel(*, actor, decision: OrientationDecision, reason: str) -> Cascade:
    """Cancel a decision (the organisation that issued it, or for a request without decision the one that sent
    it): every request not yet entered → 37 with ``reason``; then the ESMS concerned are notified."""
    cascade = _cancel(actor=actor, decision=decision, reason=reason)
    initials = notices.initials(cascade.decision.person)
    for request in cascade.closed:
        notices.notify_esms(
            kind=notices.DECISION_CANCELLED.code,
            request=request,
            subject=f"Décision d'orientation annulée — demande n° {request.pk} ({initials})",
            body=(
                f"La décision d'orientation de {initials} a été annulée ; la demande n° {request.pk} adressée à "
                f"« {request.site.name} » est close (« {st.status_word(st.DECISION_CANCELLED)} »)."
            ),
            dedup_key=f"{notices.DECISION_CANCELLED.code}:request:{request.pk}",
        )
    return cascade


@transaction.atomic
def _cancel(*, actor, decision: OrientationDecision, reason: str) -> Cascade:
    if not _may_cancel(actor, decision):
        raise PermissionDenied("Seule l'organisation qui a pris la décision (ou envoyé les demandes) peut l'annuler.")
    decision = _lock(decision)
    if decision.status == DecisionStatus.CANCELLED:
        raise ValidationError(f"La décision n° {decision.pk} est déjà annulée.")
    rules = sdo_rules()
    allowed = sorted(rules.get(st.DECISION_CANCELLED) or (), key=int)
    if reason not in allowed:
        expected = ", ".join(allowed)
        raise ValidationError({"reason": f"Motif d'annulation invalide « {reason} » : attendu l'un de {expected}."})
    unit_reason = reason if reason in (rules.get(st.UNIT_REMOVED) or ()) else st.REASON_AUTOMATIC_CANCELLATION
    _set_status(actor, decision, DecisionStatus.CANCELLED, f"décision annulée motif {reason}")
    cascade = Cascade(decision)
    # Closed pairs (44, 46, 49) end too: once the decision is cancelled they may no longer be reactivated.
    for request in decision.requests.exclude(status__in=wf.TERMINAL[wf.ESMS]).select_related("site").order_by("pk"):
        if wf.ORIENTATION not in wf.allowed_actors(request.status, st.DECISION_CANCELLED):
            continue
        cascade.unit_pairs += unit_pairs_remove(actor=actor, request=request, reason=unit_reason)
        cascade.closed.append(
            services.admission_request_transition(
                actor=actor, request=request, target=st.DECISION_CANCELLED, reason=reason, comment="Décision annulée"
            )
        )
    return cascade
