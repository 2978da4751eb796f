"""The access log's background jobs: chain new entries every minute (and soon after an access), sign a head every
five minutes. The daily audit_verify runs from relais/jobs/schedule.py (02:30)."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from .heads import access_log_publish_head
from .services import access_log_sequence


@db_periodic_task(crontab(minute="*"), name="audit.sequence")
def access_log_sequence_every_minute():
    access_log_sequence()


@db_task(name="audit.sequence_soon")
def access_log_sequence_soon():
    """Queued after a commit that wrote entries; returns at once when another sequencer is already at work."""
    access_log_sequence(wait=False)


@db_periodic_task(crontab(minute="*/5"), name="audit.publish_head")
def access_log_publish_head_every_five_minutes():
    access_log_sequence()
    access_log_publish_head()
