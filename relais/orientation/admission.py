"""Admitting a person into a unit: the ESMS-level status 71, the unit-level status 184 and one place taken, together.

The unit's row is locked first (``select_for_update``), so when many staff admit into the last place at once the
database serialises them: the first takes the place, the others find none and get a clear message. Nothing is
half-written: statuses, log rows, capacity figures and proposals change in one transaction.
See docs/decisions/0015-admission-file-and-policy.md.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from relais.offer.models import Unit
from relais.offer.services import unit_capacity_update

from .admission_models import AdmissionRequest, Source, UnitRequestStatus
from .file_models import MatchProposal, ProposalStatus
from .policy import may_process_request
from .services import admission_request_transition, unit_request_transition
from .terminology import sdo_rules

# The unit-level path a pair walks to "admitted" (J253): under analysis → admissible → admitted.
UNIT_PATH_TO_ADMITTED = ("182", "183", "184")
# ESMS-level statuses from which an admission may be declared; 42 passes through 72 (admissible) first.
ADMISSIBLE_FROM = {"42": ("72", "71"), "54": ("42", "72", "71"), "72": ("71",)}


class NoPlaceLeft(ValidationError):
    """The unit has no free place any more (someone else took the last one)."""


@transaction.atomic
def admission_admit(*, actor, request: AdmissionRequest, unit: Unit, source: str = Source.WEB) -> AdmissionRequest:
    unit = Unit.objects.select_for_update().select_related("site__legal_entity").get(pk=unit.pk)
    request = AdmissionRequest.objects.select_related("site__legal_entity").get(pk=request.pk)
    if not may_process_request(actor, request):
        raise PermissionDenied("Seule l'équipe d'admission de l'établissement peut prononcer une admission.")
    if unit.site_id != request.site_id:
        raise ValidationError("Cette unité n'appartient pas à l'établissement de la demande.")
    if unit.available < 1:
        raise NoPlaceLeft(
            f"Il n'y a plus de place disponible dans l'unité « {unit.name} » : elle vient sans doute d'être "
            "attribuée par un·e collègue. Rechargez la liste d'attente.",
            code="no_place_left",
        )
    path = ADMISSIBLE_FROM.get(request.status)
    if path is None:
        raise ValidationError(
            "Cette demande ne peut pas être admise dans son statut actuel : elle doit être en liste d'attente "
            "ou déclarée admissible.",
            code="not_admissible",
        )
    for target in path:
        request = admission_request_transition(actor=actor, request=request, target=target, source=source)
    current = UnitRequestStatus.objects.filter(request=request, unit=unit).values_list("status", flat=True).first()
    remaining = UNIT_PATH_TO_ADMITTED[UNIT_PATH_TO_ADMITTED.index(current) + 1 :] if current else UNIT_PATH_TO_ADMITTED
    if current and current not in UNIT_PATH_TO_ADMITTED:
        raise ValidationError(f"Le statut de la personne dans cette unité ({current}) ne permet pas l'admission.")
    for target in remaining:
        unit_request_transition(actor=actor, request=request, unit=unit, target=target, source=source)
    unit_capacity_update(actor=actor, unit=unit, available=unit.available - 1, occupied=unit.occupied + 1)
    MatchProposal.objects.filter(request=request, status=ProposalStatus.PROPOSED).update(
        status=ProposalStatus.WITHDRAWN, decided_at=timezone.now(), decided_by="admission prononcée"
    )
    return request


# An admission that does not happen (71 → 45 impossible, 49 cancelled, 37 decision cancelled) gives its place back.
ADMISSION_UNDONE = frozenset({"45", "49", "37"})
UNIT_ADMITTED, UNIT_REMOVED, UNIT_REMOVED_DEFAULT_REASON = "184", "180", "95"


def admission_places_release(*, actor, request: AdmissionRequest, reason: str | None, system: bool = False) -> int:
    """Called by ``services.admission_request_transition`` when a request leaves 71 for an ended status: each unit
    pair still "admitted" (184) is removed (180, with the ESMS-level reason when ASS_A32 allows it on 180, else 95
    automatic cancellation) and its place is free again. Runs inside the caller's transaction."""
    allowed = sdo_rules().get(UNIT_REMOVED) or ()
    unit_reason = reason if reason in allowed else UNIT_REMOVED_DEFAULT_REASON
    released = 0
    for row in UnitRequestStatus.objects.filter(request=request, status=UNIT_ADMITTED).order_by("unit_id"):
        unit = Unit.objects.select_for_update().get(pk=row.unit_id)
        unit_request_transition(
            actor=actor, request=request, unit=unit, target=UNIT_REMOVED, reason=unit_reason, system=system
        )
        # Capacity follows the status whoever changed it (the orientation may cancel): set-up path, labelled.
        unit_capacity_update(
            actor=None,
            unit=unit,
            available=min(unit.available + 1, unit.installed),
            occupied=max(unit.occupied - 1, 0),
            by_label=f"{actor.label if actor else 'suivi automatique'} (admission annulée)",
        )
        released += 1
    return released
