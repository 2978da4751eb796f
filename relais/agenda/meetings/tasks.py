"""Queued notices of concertation meetings (huey tasks, queued after the commit; registered from
``AgendaConfig.ready`` for the jobs consumer). The dedup key makes a retry a no-op."""

from huey.contrib.djhuey import db_task

from .models import Meeting
from .notices import notify_conclusions, notify_convened

NOTIFY_RETRIES = 8


def _meeting(meeting_id: int) -> Meeting | None:
    return Meeting.objects.select_related("person", "organisation").filter(pk=meeting_id).first()


@db_task(retries=NOTIFY_RETRIES, retry_delay=60)
def meeting_convened_notify(meeting_id: int) -> None:
    meeting = _meeting(meeting_id)
    if meeting is not None:
        notify_convened(meeting)


@db_task(retries=NOTIFY_RETRIES, retry_delay=60)
def meeting_conclusions_notify(meeting_id: int) -> None:
    meeting = _meeting(meeting_id)
    if meeting is not None:
        notify_conclusions(meeting)
