"""Reads of the access log."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.db.models import Q, QuerySet
from django.utils import timezone

from .chain import ChainProblem, listing_digest, verify_chain
from .heads import HeadError, HeadsFile, heads_expected, heads_read
from .models import LIST_PREFIX, AccessAction, AccessLogEntry, AccessLogListing

# The kinds of access a history may be filtered on: the actions, and "seen in a list" apart from other reads.
SEEN_IN_LIST = "list"
KINDS = {
    AccessAction.READ: "Consultation (fiche, page, document)",
    SEEN_IN_LIST: "Vu·e dans une liste",
    AccessAction.CREATE: "Création",
    AccessAction.UPDATE: "Modification",
    AccessAction.DELETE: "Suppression",
    AccessAction.EXPORT: "Export",
}

_VERIFY_FIELDS = ("id", *tuple(f.name for f in AccessLogEntry._meta.concrete_fields if f.name not in {"id"}))


def access_log_for_organisation(*, actor, filters: HistoryFilters | None = None) -> QuerySet[AccessLogEntry]:
    """Entries written by people acting for the actor's organisation, newest first (chained or not yet)."""
    return _narrowed(AccessLogEntry.objects.filter(organisation_id=actor.organisation.pk), filters)


@dataclass(frozen=True)
class HistoryFilters:
    """What a person's access history is narrowed to: a period (local days, both included), who (words found in the
    user's or the organisation's label), a kind (``KINDS``)."""

    start: date | None = None
    end: date | None = None
    who: str = ""
    kind: str = ""

    @property
    def active(self) -> bool:
        return bool(self.start or self.end or self.who or self.kind)


def _local_midnight(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def access_log_for_subject(*, subject: str, filters: HistoryFilters | None = None) -> QuerySet[AccessLogEntry]:
    """Entries about ``subject``, newest first: those written about it, and the lists it was shown in (read back
    from their ``AccessLogListing`` rows, indexed by subject; decision 0047)."""
    listed = AccessLogListing.objects.filter(subject=subject).values("entry_id")
    return _narrowed(AccessLogEntry.objects.filter(Q(subject=subject) | Q(pk__in=listed)), filters)


def _narrowed(entries: QuerySet[AccessLogEntry], filters: HistoryFilters | None) -> QuerySet[AccessLogEntry]:
    filters = filters or HistoryFilters()
    if filters.start:
        entries = entries.filter(at__gte=_local_midnight(filters.start))
    if filters.end:
        entries = entries.filter(at__lt=_local_midnight(filters.end + timedelta(days=1)))
    for word in filters.who.split()[:5]:
        entries = entries.filter(Q(actor_label__icontains=word) | Q(organisation_label__icontains=word))
    if filters.kind == SEEN_IN_LIST:
        entries = entries.filter(object_type__startswith=LIST_PREFIX)
    elif filters.kind == AccessAction.READ:
        entries = entries.filter(action=AccessAction.READ).exclude(object_type__startswith=LIST_PREFIX)
    elif filters.kind in KINDS:
        entries = entries.filter(action=filters.kind)
    return entries.order_by("-id")


def listing_grounds(*, subject: str, entries) -> dict[int, str]:
    """For the list entries among ``entries`` (a page), the ground on which ``subject`` was shown in each."""
    ids = [e.pk for e in entries if e.object_type.startswith(LIST_PREFIX)]
    if not ids:
        return {}
    rows = AccessLogListing.objects.filter(subject=subject, entry_id__in=ids).values_list("entry_id", "ground")
    return dict(rows)


def listing_problem() -> ChainProblem | None:
    """The first list entry whose rows no longer give the digest the chain signed (rows added, removed, changed)."""
    lists = AccessLogEntry.objects.filter(object_type__startswith=LIST_PREFIX).order_by("id")
    batch: list[tuple[int, int | None, str]] = []

    def check(batch) -> ChainProblem | None:
        rows: dict[int, list] = {}
        found = AccessLogListing.objects.filter(entry_id__in=[b[0] for b in batch])
        for entry_id, subject, object_id, ground in found.values_list("entry_id", "subject", "object_id", "ground"):
            rows.setdefault(entry_id, []).append((subject, object_id, ground))
        for entry_id, seq, digest in batch:
            if listing_digest(rows.get(entry_id, [])) != digest:
                return ChainProblem(seq or 0, entry_id, "les lignes d'une liste consultée ont été modifiées")
        return None

    for entry_id, seq, digest in lists.values_list("id", "seq", "object_id").iterator(chunk_size=1000):
        batch.append((entry_id, seq, digest))
        if len(batch) == 1000:
            problem = check(batch)
            if problem:
                return problem
            batch = []
    return check(batch) if batch else None


def access_log_verify_report() -> dict:
    """Check the chain link by link and against every signed head; a summary with the first problem (or None)."""
    try:
        heads = heads_read()
    except HeadError as error:  # the key is exposed or unreadable: reported in the summary, the chain still checked
        heads = HeadsFile(problems=[str(error)])
    chained = AccessLogEntry.objects.filter(seq__isnull=False).order_by("seq")
    problem = verify_chain(chained.values(*_VERIFY_FIELDS).iterator(chunk_size=5000), heads.heads)
    if not heads.heads and not heads.problems and chained.exists() and heads_expected():
        heads.problems.append(
            f"aucune tête signée dans {settings.RELAIS_AUDIT_HEADS_FILE} alors que la clé de signature existe et que "
            "la chaîne n'est pas vide : fichier des têtes supprimé, vidé ou déplacé ? (Nouvelle base avec l'ancienne "
            "clé : lancez audit_publish_head.)"
        )
    if heads.problems:  # the evidence outside the database was altered: say so first
        problem = ChainProblem(0, None, heads.problems[0])
    problem = problem or listing_problem()
    return {
        "problem": problem,
        "entries": AccessLogEntry.objects.count(),
        "chained": chained.count(),
        "waiting": AccessLogEntry.objects.filter(seq__isnull=True).count(),
        "signed_heads": len(heads.heads),
        "last_signed_seq": max((h["seq"] for h in heads.heads), default=None),
        "head_problems": heads.problems,
    }


def access_log_verify() -> ChainProblem | None:
    return access_log_verify_report()["problem"]
