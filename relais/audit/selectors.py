"""Reads of the access log."""

from django.db.models import QuerySet

from .chain import ChainProblem, verify_chain
from .models import AccessLogEntry, ChainHead

_VERIFY_FIELDS = ("id", *tuple(f.name for f in AccessLogEntry._meta.concrete_fields if f.name not in {"id"}))


def access_log_for_organisation(*, actor) -> QuerySet[AccessLogEntry]:
    """Entries written by people acting for the actor's organisation, newest first."""
    return AccessLogEntry.objects.filter(organisation_id=actor.organisation.pk).order_by("-seq")


def access_log_for_subject(*, subject: str) -> QuerySet[AccessLogEntry]:
    return AccessLogEntry.objects.filter(subject=subject).order_by("-seq")


def access_log_verify() -> ChainProblem | None:
    entries = AccessLogEntry.objects.order_by("seq").values(*_VERIFY_FIELDS).iterator(chunk_size=5000)
    head = ChainHead.objects.filter(id=1).values("last_seq", "last_hash").first()
    return verify_chain(entries, head)
