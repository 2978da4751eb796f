"""Admitting a person into a unit: the ESMS-level status 71, the unit-level status 184 and one place taken, together.

The unit's row is locked first (``select_for_update``), so when many staff admit into the last place at once the
database serialises them: the first takes the place, the others find none and get a clear message. Nothing is
half-written: statuses, log rows, capacity figures and proposals change in one transaction. The reverse, an admission
undone, is ``requests.services.admission_places_release``.
See docs/decisions/0015-admission-file-and-policy.md.
"""

from __future__ import annotations

from datetime import timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from relais.offer.codes import CapacityStatus
from relais.offer.models import CapacityUpdate, Unit
from relais.offer.services import place_taking, unit_capacity_update
from relais.orientation.follow_up.admitted_elsewhere import admission_request_transition_closing_others
from relais.orientation.policy import may_process_request
from relais.orientation.proposals.models import MatchProposal, ProposalStatus
from relais.orientation.requests import statuses as st
from relais.orientation.requests.models import AdmissionRequest, Source, UnitRequestStatus
from relais.orientation.requests.schedule import admission_request_dates_set
from relais.orientation.requests.services import unit_request_transition
from relais.orientation.requests.statuses import ADMISSIBLE, ADMITTED, REACTIVATED, UNDER_ANALYSIS, UNIT_PENDING

# The unit-level path a pair walks to "admitted" (J253): under analysis → admissible → admitted.
UNIT_PATH_TO_ADMITTED = UNIT_PENDING
# ESMS-level statuses (the waiting list) from which an admission may be declared, and the steps to 71.
ADMISSIBLE_FROM = {
    UNDER_ANALYSIS: (ADMISSIBLE, ADMITTED),
    REACTIVATED: (UNDER_ANALYSIS, ADMISSIBLE, ADMITTED),
    ADMISSIBLE: (ADMITTED,),
}


# A last place taken this recently by someone else is reported as such; otherwise the unit simply has none.
RECENTLY_TAKEN = timedelta(minutes=30)
WHAT_TO_DO = (
    "Si une place s'est libérée sans être déclarée (sortie, fin de séjour), confirmez l'admission en l'indiquant : "
    "elle prend cette place et l'unité reste à 0 place disponible. Sinon, la personne reste sur la liste d'attente : "
    "déclarez-la admissible et notez la date d'entrée prévue dans son dossier."
)


class NoPlaceLeft(ValidationError):
    """The unit has no free place (none left, or the last one just taken by someone else)."""


def no_place_message(unit: Unit, actor) -> str:
    """Why there is no place, without blaming a colleague unless one did take the last place recently."""
    last = CapacityUpdate.objects.filter(unit=unit, status=CapacityStatus.AVAILABLE).order_by("-at", "-pk").first()
    user_id = getattr(getattr(actor, "user", None), "pk", None)
    taken = (
        last is not None
        and last.previous_value is not None
        and last.value < last.previous_value
        and last.at >= timezone.now() - RECENTLY_TAKEN
        and (last.by_id is None or last.by_id != user_id)
    )
    if taken:
        at = timezone.localtime(last.at)
        return (
            f"La dernière place de l'unité « {unit.name} » vient d'être prise (à {at:%H:%M}, par {last.by_label}). "
            + WHAT_TO_DO
        )
    return f"L'unité « {unit.name} » n'a aucune place disponible. " + WHAT_TO_DO


@transaction.atomic
def admission_admit(
    *,
    actor,
    request: AdmissionRequest,
    unit: Unit,
    source: str = Source.WEB,
    keep_request_ids=None,
    shown_request_ids=None,
    entry_on=None,
    undeclared_place: bool = False,
) -> AdmissionRequest:
    """Admit under the unit's lock; in the same transaction, close the person's other open requests (46 + 119)
    except ``keep_request_ids`` (default: those marked ``stay_on_list``) and, when ``shown_request_ids`` is given
    (the screen's list), any the user did not see. Their ESMS are notified after the commit. ``entry_on``, the day
    the person is admitted from, becomes the request's planned entry date (``schedule``'s rules; decision 0043).

    The place taken follows ``offer.services.place_taking``. A unit with no place declared free is admitted into
    only with ``undeclared_place=True``: the admission team states, on a confirmation that said so, that a place
    has freed since the unit's figures. Without it, ``NoPlaceLeft``: two colleagues admitting into the last
    declared place are still told that it has just been taken, instead of both silently passing."""
    unit = Unit.objects.select_for_update().select_related("site__legal_entity").get(pk=unit.pk)
    request = AdmissionRequest.objects.select_related("site__legal_entity").get(pk=request.pk)
    if not may_process_request(actor, request):
        raise PermissionDenied("Seule l'équipe d'admission de l'établissement peut prononcer une admission.")
    if unit.site_id != request.site_id:
        raise ValidationError("Cette unité n'appartient pas à l'établissement de la demande.")
    taking = place_taking(unit)
    if taking.undeclared and not undeclared_place:
        raise NoPlaceLeft(no_place_message(unit, actor), code="no_place_left")
    path = ADMISSIBLE_FROM.get(request.status)
    if path is None:
        raise ValidationError(
            "Cette demande ne peut pas être admise dans son statut actuel : elle doit être en liste d'attente "
            "ou déclarée admissible.",
            code="not_admissible",
        )
    for target in path:  # reaching 71 closes the person's other requests (but the kept ones), same transaction
        request = admission_request_transition_closing_others(
            actor=actor,
            request=request,
            target=target,
            source=source,
            keep_ids=keep_request_ids,
            shown_ids=shown_request_ids,
        )
    current = UnitRequestStatus.objects.filter(request=request, unit=unit).values_list("status", flat=True).first()
    remaining = UNIT_PATH_TO_ADMITTED[UNIT_PATH_TO_ADMITTED.index(current) + 1 :] if current else UNIT_PATH_TO_ADMITTED
    if current and current not in UNIT_PATH_TO_ADMITTED:
        raise ValidationError(
            f"Le statut de la personne dans cette unité (« {st.status_word(current)} ») ne permet pas l'admission."
        )
    for target in remaining:
        unit_request_transition(actor=actor, request=request, unit=unit, target=target, source=source)
    unit_capacity_update(actor=actor, unit=unit, available=taking.available, occupied=taking.occupied)
    if entry_on is not None:
        request = admission_request_dates_set(
            actor=actor,
            request=request,
            planned_entry_on=entry_on,
            interview_at=request.interview_at,
            source=source,
            comment=f"admission dans l'unité « {unit.name} »",
        )
    MatchProposal.objects.filter(request=request, status=ProposalStatus.PROPOSED).update(
        status=ProposalStatus.WITHDRAWN, decided_at=timezone.now(), decided_by="admission prononcée"
    )
    return request
