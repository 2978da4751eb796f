"""The one helper every feature calls to trace an access to personal data."""

from django.db import models, transaction
from django.utils import timezone

from .chain import GENESIS_HASH, entry_hash
from .models import AccessAction, AccessLogEntry, ChainHead


def _object_ref(obj: models.Model) -> tuple[str, str]:
    return obj._meta.label_lower, str(obj.pk)


def access_log_record(
    *,
    actor,
    action: str,
    ground: str,
    obj: models.Model | None = None,
    object_type: str = "",
    object_id: str = "",
    subject: models.Model | str | None = None,
    detail: str = "",
) -> AccessLogEntry:
    """Append one entry: who (actor), for which organisation, did what, to which object, on which ground.

    `subject` is the person the data is about (defaults to `obj` itself when it is a user).
    Runs inside the caller's transaction, so a failed write leaves no entry behind.
    """
    if action not in AccessAction.values:
        raise ValueError(f"Unknown access action {action!r}")
    if not ground:
        raise ValueError("An access needs a ground (the rule that allowed it).")
    if obj is not None:
        object_type, object_id = _object_ref(obj)
    if subject is None and obj is not None and obj._meta.label_lower == "accounts.user":
        subject = obj
    if isinstance(subject, models.Model):
        subject = "{}:{}".format(*_object_ref(subject))
    user = getattr(actor, "user", None)
    client = getattr(actor, "api_client", None)
    organisation = getattr(actor, "organisation", None)
    with transaction.atomic():
        # The head row is the lock that keeps the chain a single line (SQLite
        # serialises writers anyway; PostgreSQL needs the row lock).
        head, _ = ChainHead.objects.select_for_update().get_or_create(
            id=1, defaults={"last_seq": 0, "last_hash": GENESIS_HASH}
        )
        fields = {
            "seq": head.last_seq + 1,
            "at": timezone.now(),
            "user_id": user.pk if user else None,
            "api_client_id": client.pk if client else None,
            "actor_label": actor.label if actor is not None else "système",
            "organisation_id": organisation.pk if organisation else None,
            "organisation_label": str(organisation) if organisation else "",
            "action": action,
            "object_type": object_type,
            "object_id": str(object_id),
            "subject": subject or "",
            "ground": ground,
            "detail": detail[:300],
            "prev_hash": head.last_hash,
        }
        entry = AccessLogEntry(**fields, hash=entry_hash(fields))
        entry.save()
        head.last_seq, head.last_hash = entry.seq, entry.hash
        head.save(update_fields=["last_seq", "last_hash"])
    return entry
