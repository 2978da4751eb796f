"""The invitation e-mail, sent by the worker after the membership's transaction committed.

The queue (and a failed attempt's JobFailure row) holds only the user's and the organisation's ids: the password-set
link and its token are built here, at send time, so no usable token sits in Redis, huey's SQLite file or the database.
"""

from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.core.mail import send_mail
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from huey.contrib.djhuey import db_task

from relais.jobs.tasks import EMAIL_RETRIES

from .models import Organisation, User


@db_task(retries=EMAIL_RETRIES, retry_delay=60)
def invitation_email(user_id: int, organisation_id: int) -> None:
    user = User.objects.filter(pk=user_id, is_active=True).first()
    organisation = Organisation.objects.filter(pk=organisation_id).first()
    # Nothing to send when the account went away or was deactivated, or when its owner already chose a password
    # (a late retry must not mail a fresh password-set link to an account in use).
    if user is None or organisation is None or user.has_usable_password():
        return
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    link = settings.SITE_URL.rstrip("/") + reverse(
        "accounts:password_reset_confirm", kwargs={"uidb64": uid, "token": token}
    )
    send_mail(
        f"Relais — invitation de {organisation.name}",
        (
            f"Bonjour,\n\n{organisation.name} vous a ouvert un accès à Relais.\n"
            f"Choisissez votre mot de passe en suivant ce lien (valable quelques jours) :\n{link}\n"
        ),
        None,
        [user.email],
    )
