"""The SI-SDO status state machine (TRE_R357), pure Python: no Django, no database.

Two levels: the (person, ESMS) pair follows the JDV_J252 statuses, the (person, unit) pair the JDV_J253 ones.
The edges, and who may trigger each, are decisions of Relais written here and explained in
docs/decisions/0013-sdo-workflow.md; the status codes are the national ones, named in ``statuses``. Which reasons
(TRE_R358) a status needs comes from ASS_A32 and is passed in as ``rules`` (``terminology.sdo_rules()`` reads it from
the database).
"""

from collections.abc import Collection, Mapping
from dataclasses import dataclass

from relais.orientation.requests import statuses
from relais.orientation.requests.statuses import (
    ADMISSIBLE,
    ADMISSION_IMPOSSIBLE_CONFIRMED,
    ADMISSION_IMPOSSIBLE_REPORTED,
    ADMITTED,
    CONTACTED,
    DECISION_CANCELLED,
    ENTERED,
    ESMS_CLOSED,
    ESMS_PENDING,
    LEFT,
    NOTIFICATION_CANCELLED,
    NOTIFICATION_READ,
    NOTIFIED,
    REACTIVATED,
    REORIENTATION_REQUESTED,
    TRIAL,
    TRIAL_INCONCLUSIVE,
    UNDER_ANALYSIS,
    UNIT_ADMISSIBLE,
    UNIT_ADMITTED,
    UNIT_CARE_ENDED,
    UNIT_CLOSED,
    UNIT_PENDING,
    UNIT_REMOVED,
    UNIT_REORIENTATION_REQUESTED,
    UNIT_TAKEN_IN_CHARGE,
    UNIT_TRIAL,
    UNIT_TRIAL_INCONCLUSIVE,
    UNIT_UNDER_ANALYSIS,
)

ESMS, UNIT = "esms", "unit"
LEVELS = (ESMS, UNIT)

# Who triggers a change: ESMS staff (or their record system), the orientation side (MDPH, coordinator, orientation
# system), or Relais's automatic follow-up (orientation_tick: cancellation "admitted elsewhere", expiry).
ESMS_STAFF, ORIENTATION, SYSTEM = "esms", "orientation", "system"
ACTOR_KINDS = (ESMS_STAFF, ORIENTATION, SYSTEM)
ACTOR_LABELS = {ESMS_STAFF: "l'ESMS", ORIENTATION: "l'orientation (MDPH, coordination)", SYSTEM: "le suivi automatique"}

_E, _O, _S = frozenset({ESMS_STAFF}), frozenset({ORIENTATION}), frozenset({SYSTEM})
_EO, _OS, _EOS = _E | _O, _O | _S, _E | _O | _S

# (from, to) -> actor kinds allowed. None as "from" is the creation of the pair.
ESMS_TRANSITIONS: dict[tuple[str | None, str], frozenset[str]] = {
    (None, NOTIFIED): _O,  # the orientation notifies the ESMS
    (None, UNDER_ANALYSIS): _E,  # a request received directly by the ESMS (older people: no orientation decision)
    (NOTIFIED, NOTIFICATION_READ): _E,
    (REACTIVATED, NOTIFICATION_READ): _E,
    (NOTIFICATION_READ, CONTACTED): _E,
    (REACTIVATED, CONTACTED): _E,
    (NOTIFICATION_READ, UNDER_ANALYSIS): _E,
    (CONTACTED, UNDER_ANALYSIS): _E,
    (REACTIVATED, UNDER_ANALYSIS): _E,
    (UNDER_ANALYSIS, ADMISSIBLE): _E,
    (ADMISSIBLE, ADMITTED): _E,
    (ADMITTED, TRIAL): _E,
    (ADMITTED, ENTERED): _E,  # entry without a trial period
    (TRIAL, ENTERED): _E,
    (TRIAL, TRIAL_INCONCLUSIVE): _E,
    (ENTERED, LEFT): _E,
    (ENTERED, REORIENTATION_REQUESTED): _E,
    (REORIENTATION_REQUESTED, LEFT): _E,
    (REORIENTATION_REQUESTED, ENTERED): _O,  # the reorientation is not granted: the person stays
    # Admission impossible: reported by the ESMS, confirmed (46) or sent back to analysis (42) by the orientation.
    **{
        (source, ADMISSION_IMPOSSIBLE_REPORTED): _E
        for source in (NOTIFICATION_READ, CONTACTED, UNDER_ANALYSIS, ADMISSIBLE, ADMITTED, REACTIVATED)
    },
    (ADMISSION_IMPOSSIBLE_REPORTED, ADMISSION_IMPOSSIBLE_CONFIRMED): _OS,
    (ADMISSION_IMPOSSIBLE_REPORTED, UNDER_ANALYSIS): _O,
    # Admitted elsewhere (reason 119): the follow-up closes the other pending requests directly.
    **{(source, ADMISSION_IMPOSSIBLE_CONFIRMED): _S for source in ESMS_PENDING},
    # Notification cancelled by the orientation (person's wish, moving, death, decision replaced or closed).
    **{(source, NOTIFICATION_CANCELLED): _OS for source in (*ESMS_PENDING, ADMITTED, ADMISSION_IMPOSSIBLE_REPORTED)},
    # Orientation decision cancelled: every pair not yet entered ends.
    **{
        (source, DECISION_CANCELLED): _OS
        for source in (*ESMS_PENDING, ADMITTED, ADMISSION_IMPOSSIBLE_REPORTED, TRIAL, *ESMS_CLOSED)
    },
    # Reactivation of a closed notification (to put the person back on the list, after a move, an error).
    **{(source, REACTIVATED): _O for source in ESMS_CLOSED},
}

UNIT_TRANSITIONS: dict[tuple[str | None, str], frozenset[str]] = {
    (None, UNIT_UNDER_ANALYSIS): _E,
    (UNIT_UNDER_ANALYSIS, UNIT_ADMISSIBLE): _E,
    (UNIT_ADMISSIBLE, UNIT_ADMITTED): _E,
    (UNIT_ADMITTED, UNIT_TRIAL): _E,
    (UNIT_ADMITTED, UNIT_TAKEN_IN_CHARGE): _E,  # taken in charge without a trial period
    (UNIT_TRIAL, UNIT_TAKEN_IN_CHARGE): _E,
    (UNIT_TRIAL, UNIT_TRIAL_INCONCLUSIVE): _E,
    (UNIT_TAKEN_IN_CHARGE, UNIT_REORIENTATION_REQUESTED): _E,
    (UNIT_REORIENTATION_REQUESTED, UNIT_TAKEN_IN_CHARGE): _O,
    (UNIT_TAKEN_IN_CHARGE, UNIT_CARE_ENDED): _E,
    (UNIT_REORIENTATION_REQUESTED, UNIT_CARE_ENDED): _E,
    # Removed from the list (person's wish, moving, death, error) or cancelled automatically (95) / expired (98).
    **{(source, UNIT_REMOVED): _EOS for source in UNIT_PENDING},
}

TRANSITIONS = {ESMS: ESMS_TRANSITIONS, UNIT: UNIT_TRANSITIONS}
STATUSES = {level: {code for edge in edges for code in edge if code} for level, edges in TRANSITIONS.items()}
# Final: nothing follows. Closed: ended, but the orientation may reactivate (54).
TERMINAL = {level: STATUSES[level] - {s for s, _t in edges if s} for level, edges in TRANSITIONS.items()}
CLOSED = {ESMS: frozenset(ESMS_CLOSED), UNIT: frozenset(UNIT_CLOSED)}

# Statuses whose TRE_R357 labels name the same step at both levels (same words, "ESMS" vs "unité").
# Documented only: the rule that binds the two levels is an open question (see the decision record).
PARALLEL_STATUSES = statuses.PARALLEL_STATUSES


class TransitionError(ValueError):
    """A forbidden change; ``code`` says why: unknown_status, forbidden, actor, reason_missing, reason_not_allowed,
    reason_unexpected."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code


@dataclass(frozen=True)
class TransitionResult:
    level: str
    source: str | None
    target: str
    actor_kind: str
    reason: str | None
    is_terminal: bool
    is_closed: bool


def level_of(code: str) -> str | None:
    return next((level for level in LEVELS if code in STATUSES[level]), None)


def _status_name(code: str | None, labels: Mapping[str, str] | None, *, with_code: bool = False) -> str:
    """How a message names a status: its word when ``labels`` has one (``STATUS_WORDS``, decision 0038), the code
    before it only where codes are the point (``with_code``: the documentation's tables)."""
    if code is None:
        return "(création)"
    label = (labels or {}).get(code)
    if not label:
        return code
    return f"{code} « {label} »" if with_code else f"« {label} »"


def next_statuses(current: str | None, actor_kind: str | None = None, *, level: str | None = None) -> list[str]:
    """The statuses reachable from ``current`` (by ``actor_kind`` if given), in code order."""
    level = level or (level_of(current) if current else None)
    levels = [level] if level else list(LEVELS)
    return sorted(
        (
            t
            for lv in levels
            for (s, t), actors in TRANSITIONS[lv].items()
            if s == current and (actor_kind is None or actor_kind in actors)
        ),
        key=lambda code: (int(code) if code.isdigit() else 0, code),
    )


def allowed_actors(current: str | None, target: str) -> frozenset[str]:
    level = level_of(target)
    return TRANSITIONS[level].get((current, target), frozenset()) if level else frozenset()


def transition(
    current: str | None,
    target: str,
    *,
    actor_kind: str,
    reason: str | None = None,
    rules: Mapping[str, Collection[str]],
    labels: Mapping[str, str] | None = None,
    with_code: bool = False,
) -> TransitionResult:
    """Check the change ``current`` → ``target`` (``current`` None: creation) and return it, or raise
    TransitionError with a French message naming the statuses: by their label when ``labels`` are given (the words
    of the screens, decision 0038), preceded by the code with ``with_code`` (API answers keep codes)."""

    def _name(code: str | None, labels: Mapping[str, str] | None) -> str:
        return _status_name(code, labels, with_code=with_code)

    current = None if current is None else str(current)
    target, reason = str(target), (None if reason in (None, "") else str(reason))
    if actor_kind not in ACTOR_KINDS:
        raise TransitionError("actor", f"Type d'acteur inconnu : « {actor_kind} ».")
    level = level_of(target)
    if level is None or (current is not None and level_of(current) != level):
        unknown = target if level is None else current
        raise TransitionError("unknown_status", f"Statut {_name(unknown, labels)} inconnu à ce niveau (ESMS ou unité).")
    actors = TRANSITIONS[level].get((current, target))
    if actors is None:
        possible = ", ".join(_name(code, labels) for code in next_statuses(current, level=level)) or "aucun"
        start = "À la création" if current is None else f"Depuis le statut {_name(current, labels)}"
        raise TransitionError(
            "forbidden",
            f"Passage de {_name(current, labels)} à {_name(target, labels)} non autorisé. "
            f"{start}, statuts possibles : {possible}.",
        )
    if actor_kind not in actors:
        who = ", ".join(ACTOR_LABELS[a] for a in ACTOR_KINDS if a in actors)
        raise TransitionError(
            "actor",
            f"Le passage de {_name(current, labels)} à {_name(target, labels)} ne peut pas être fait par "
            f"{ACTOR_LABELS[actor_kind]} ; il revient à : {who}.",
        )
    allowed = rules.get(target) or ()
    if allowed and reason is None:
        raise TransitionError("reason_missing", f"Le statut {_name(target, labels)} demande un motif (ASS_A32).")
    if reason is not None and not allowed:
        raise TransitionError(
            "reason_unexpected", f"Le statut {_name(target, labels)} ne prend pas de motif (ASS_A32)."
        )
    if reason is not None and reason not in allowed:
        codes = ", ".join(sorted(allowed, key=lambda c: (len(c), c)))
        raise TransitionError(
            "reason_not_allowed",
            f"Le motif {reason} n'est pas prévu pour le statut {_name(target, labels)} (ASS_A32 : {codes}).",
        )
    return TransitionResult(
        level, current, target, actor_kind, reason, target in TERMINAL[level], target in CLOSED[level]
    )


def transitions_markdown(rules: Mapping[str, Collection[str]], labels: Mapping[str, str] | None = None) -> str:
    """The transition tables of both levels, as the Markdown printed in docs/decisions/0013-sdo-workflow.md."""
    lines = []
    for level, title in ((ESMS, "ESMS level (JDV_J252)"), (UNIT, "Unit level (JDV_J253)")):
        lines += [f"#### {title}", "", "| from | to | who | reason (ASS_A32) |", "|---|---|---|---|"]
        edges = sorted(TRANSITIONS[level].items(), key=lambda kv: tuple(int(c) if c else 0 for c in kv[0]))
        for (source, target), actors in edges:
            allowed = sorted(rules.get(target) or (), key=int)
            reason = f"required: {', '.join(allowed)}" if allowed else "none"
            who = ", ".join(a for a in ACTOR_KINDS if a in actors)
            source_name = _status_name(source, labels, with_code=True)
            target_name = _status_name(target, labels, with_code=True)
            lines.append(f"| {source_name} | {target_name} | {who} | {reason} |")
        terminal = ", ".join(sorted(TERMINAL[level], key=int))
        closed = ", ".join(sorted(CLOSED[level], key=int)) or "none"
        lines += ["", f"Final (no way out): {terminal}. Closed but reactivable (54): {closed}.", ""]
    return "\n".join(lines).rstrip() + "\n"
