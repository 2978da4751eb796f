"""Queued side effects of the orientation follow-up (huey tasks; registered from ``OrientationConfig.ready``)."""

from datetime import date

from huey.contrib.djhuey import db_task

from relais.orientation import notification_kinds as notices
from relais.orientation.requests import statuses as st
from relais.orientation.requests.models import AdmissionRequest

NOTIFY_RETRIES = 8


@db_task(retries=NOTIFY_RETRIES, retry_delay=60)
def admitted_elsewhere_notify(request_ids: list[int]) -> None:
    """Notify the ESMS (and senders) of requests closed because the person was admitted elsewhere. Queued after the
    admission's commit; each notice has a dedup key, so a retry or the daily job never sends it twice."""
    rows = AdmissionRequest.objects.filter(pk__in=request_ids).select_related(
        "person", "site__legal_entity__organisation", "site__organisation", "created_by_organisation", "created_by_user"
    )
    for request in rows.order_by("pk"):
        notify_closed(request)


def notify_closed(request: AdmissionRequest) -> int:
    """The closed request's ESMS staff and its sender; the dedup key makes a second notice (daily job) a no-op."""
    kind = notices.ADMITTED_ELSEWHERE.code
    initials = notices.initials(request.person)
    subject = f"Demande close — {initials} admis·e dans un autre ESMS"
    body = (
        f"La demande n° {request.pk} adressée à « {request.site.name} » pour {initials} a été close "
        f"automatiquement (« {st.status_word(st.ADMISSION_IMPOSSIBLE_CONFIRMED)} », motif « "
        f"{st.reason_word(st.REASON_ADMITTED_ELSEWHERE)} ») : la personne a été admise dans un autre établissement."
    )
    dedup_key = f"{kind}:request:{request.pk}"
    sent = notices.notify_esms(kind=kind, request=request, subject=subject, body=body, dedup_key=dedup_key)
    sent += notices.notify_sender(
        kind=kind,
        organisation=request.created_by_organisation,
        user=request.created_by_user,
        person_id=request.person_id,
        subject=subject,
        body=body,
        dedup_key=dedup_key,
    )
    return len(sent)


def notify_reminder(request: AdmissionRequest, *, since: date, day: date, days: int) -> int:
    """Remind the request's ESMS staff that it waits for an answer since ``since`` (daily reminders and the work
    list's reminders alike); one notice per request and ``day`` (dedup key)."""
    kind = notices.REMINDER.code
    initials = notices.initials(request.person)
    sent = notices.notify_esms(
        kind=kind,
        request=request,
        subject=f"Relance — demande n° {request.pk} sans réponse ({initials})",
        body=(
            f"La demande n° {request.pk} pour {initials}, adressée à « {request.site.name} », est au "
            f"statut « {st.status_word(request.status)} » depuis le {since:%d/%m/%Y} "
            f"(au moins {days} jour{'s' if days > 1 else ''}). Merci de la lire et d'y répondre dans Relais."
        ),
        dedup_key=f"{kind}:request:{request.pk}:{day.isoformat()}",
    )
    return len(sent)
