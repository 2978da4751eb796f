"""E-mails of notifications, sent by the worker after the notification's transaction committed.

Retried with back-off by huey (relais/jobs/tasks.py records each failure). Delivery is at-least-once, not
exactly-once: the mail server accepts the message before ``emailed_at`` is written, so if that write fails (database
unreachable) or the worker dies in between, the retry sends the e-mail again. The dedup that exists: a notification
already marked ``emailed_at`` is skipped, and the marking UPDATE only touches unmarked rows, so a duplicate needs a
failure in that short window. (A worker killed outright after taking a task and before sending loses it: huey has
no acknowledgement.) Acceptable because the e-mail carries no medical data and only points to the notification,
which is in Relais whatever happens to the e-mail.
"""

from django.core.mail import send_mail
from django.utils import timezone
from huey.contrib.djhuey import db_task

from relais.jobs.tasks import EMAIL_RETRIES

from .models import Notification


@db_task(retries=EMAIL_RETRIES, retry_delay=60)
def notification_email(notification_id: int, subject: str, text: str) -> None:
    notification = Notification.objects.select_related("recipient").filter(pk=notification_id).first()
    # A recipient deactivated between the notification and the worker's turn gets no e-mail (checked at send time).
    if notification is None or notification.emailed_at is not None or not notification.recipient.is_active:
        return
    send_mail(subject, text, None, [notification.recipient.email])
    Notification.objects.filter(pk=notification_id, emailed_at__isnull=True).update(emailed_at=timezone.now())


@db_task(retries=EMAIL_RETRIES, retry_delay=60)
def digest_email(email: str, subject: str, text: str, notification_ids: list[int]) -> None:
    # Checked at send time: a recipient deactivated since the digest was built gets nothing.
    pending = Notification.objects.filter(pk__in=notification_ids, emailed_at__isnull=True, recipient__is_active=True)
    if not pending.exists():
        return
    send_mail(subject, text, None, [email])
    pending.update(emailed_at=timezone.now())
