"""Reads of the access log."""

from django.conf import settings
from django.db.models import QuerySet

from .chain import ChainProblem, verify_chain
from .heads import HeadError, HeadsFile, heads_expected, heads_read
from .models import AccessLogEntry

_VERIFY_FIELDS = ("id", *tuple(f.name for f in AccessLogEntry._meta.concrete_fields if f.name not in {"id"}))


def access_log_for_organisation(*, actor) -> QuerySet[AccessLogEntry]:
    """Entries written by people acting for the actor's organisation, newest first (chained or not yet)."""
    return AccessLogEntry.objects.filter(organisation_id=actor.organisation.pk).order_by("-id")


def access_log_for_subject(*, subject: str) -> QuerySet[AccessLogEntry]:
    return AccessLogEntry.objects.filter(subject=subject).order_by("-id")


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
