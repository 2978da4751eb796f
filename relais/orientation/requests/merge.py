"""Persons merge hook: decisions and requests of the duplicate move to the kept person.

Open requests are unique per (person, site) and per (person, wish rank). When both records have an open request to
the same site, the less advanced one (``statuses.ESMS_PROGRESS``; on a tie the duplicate's) is cancelled by a system
transition to 49 with reason 112 "Erreur d'utilisation du logiciel" (a duplicate record is an entry error; no
TRE_R358 reason names a merge). When the workflow does not allow cancelling it (the person already entered through
it), the merge is refused. The duplicate's remaining open requests keep their relative order, ranked after the kept
person's ones.
"""

from django.core.exceptions import ValidationError
from django.db.models import Max

from relais.orientation.decisions.models import OrientationDecision
from relais.orientation.requests import workflow as wf
from relais.orientation.requests.models import ESMS_ENDED, AdmissionRequest, AdmissionSubmission, Source
from relais.orientation.requests.services import admission_request_transition
from relais.orientation.requests.statuses import ESMS_PROGRESS, NOTIFICATION_CANCELLED, REASON_SOFTWARE_ERROR

MERGE_CANCEL_STATUS, MERGE_CANCEL_REASON = NOTIFICATION_CANCELLED, REASON_SOFTWARE_ERROR


def _progress(request: AdmissionRequest) -> int:
    """How far a request went (``ESMS_PROGRESS``, from just notified to entered); higher is more advanced."""
    return ESMS_PROGRESS.index(request.status) if request.status in ESMS_PROGRESS else -1


def requests_merge_hook(*, actor, keep, duplicate) -> None:
    OrientationDecision.objects.filter(person=duplicate).update(person=keep)
    AdmissionSubmission.objects.filter(person=duplicate).update(person=keep)
    keep_open = {
        r.site_id: r
        for r in AdmissionRequest.objects.select_for_update().filter(person=keep).exclude(status__in=ESMS_ENDED)
    }
    dup_open = list(
        AdmissionRequest.objects.select_for_update()
        .select_related("site")
        .filter(person=duplicate)
        .exclude(status__in=ESMS_ENDED)
        .order_by("wish_rank", "pk")
    )
    for request in dup_open:
        other = keep_open.get(request.site_id)
        if other is None:
            continue
        loser = other if _progress(other) < _progress(request) else request
        if wf.SYSTEM not in wf.allowed_actors(loser.status, MERGE_CANCEL_STATUS):
            raise ValidationError(
                f"Les deux fiches ont une demande en cours auprès de « {request.site.name} » qui ne peut pas être "
                "annulée automatiquement : clôturez l'une d'elles avant la fusion."
            )
        admission_request_transition(
            actor=None,
            system=True,
            request=loser,
            target=MERGE_CANCEL_STATUS,
            reason=MERGE_CANCEL_REASON,
            source=Source.SYSTEM,
            comment=f"doublon : fusion de la fiche {duplicate.pk} dans la fiche {keep.pk}",
        )
    top = (
        AdmissionRequest.objects.filter(person=keep).exclude(status__in=ESMS_ENDED).aggregate(m=Max("wish_rank"))["m"]
        or 0
    )
    still_open = AdmissionRequest.objects.filter(person=duplicate).exclude(status__in=ESMS_ENDED)
    for offset, pk in enumerate(still_open.order_by("wish_rank", "pk").values_list("pk", flat=True), start=1):
        AdmissionRequest.objects.filter(pk=pk).update(person=keep, wish_rank=top + offset)
    AdmissionRequest.objects.filter(person=duplicate).update(person=keep)
