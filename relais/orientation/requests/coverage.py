"""Does an orientation decision cover an ESMS? The one rule for sending requests (decision 0033). Pure: no ORM.

An ESMS (site) is covered when, on the day of sending:
1. category — its FINESS category is one of the decision's oriented categories (replaced codes read as their
   successors: a decision for a FAM, 437, covers an EAM, 448, and the reverse); a decision without categories, or no
   decision (older persons), does not restrict the category, nor does a site whose category the directory lacks;
2. units — at least one of its open units takes the decision's care modes (none: any) **and** the person's age (the
   unit's age bounds, inclusive; a missing bound does not restrict). A site without any unit described in the
   directory is judged on its category only: Relais cannot refuse what it does not know.

``coverage`` returns the French reasons an ESMS is not covered (empty: covered). Sending refuses an uncovered ESMS
unless the user records an explicit derogation (``requests.services.admission_requests_send``).

Before all that, an ESMS for disabled persons (``needs_a_decision``: the disability domains of ``offer.codes``, MAS,
EAM/FAM, IME, ESAT, SESSAD, SAMSAH, SAVS…) admits only on a CDAPH (MDPH) orientation decision (CASF L241-6): without
one, sending is refused (code ``decision_required``) and no derogation replaces it. Older persons' ESMS (EHPAD…)
need none.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from relais.offer.codes import MEDICO_SOCIAL_CATEGORIES, CareMode, Domain, current_category, domain_of

# The publics whose ESMS admit only on a CDAPH (MDPH) orientation decision (CASF L241-6).
DOMAINS_NEEDING_A_DECISION = frozenset({Domain.DISABLED_CHILDREN, Domain.DISABLED_ADULTS})
# Disability services entered without a CDAPH decision (free access, or no admission at all): CMPP, CAMSP, BAPU,
# resource centres; and a multi-public category that is for disabled persons only (experimental ESMS).
OPEN_ACCESS_CATEGORIES = frozenset({"189", "190", "221", "461"})
DISABILITY_ONLY_CATEGORIES = frozenset({"370"})


@dataclass(frozen=True)
class UnitFacts:
    name: str
    care_mode: str
    age_min: int | None = None
    age_max: int | None = None


@dataclass(frozen=True)
class DecisionFacts:
    categories: frozenset[str] = frozenset()  # FINESS codes; empty: any
    care_modes: frozenset[str] = frozenset()  # offer.codes.CareMode values; empty: any
    by_cdaph: bool = False  # a CDAPH (MDPH) orientation decision, not an older person's request without decision


def needs_a_decision(category: str) -> bool:
    """Does an ESMS of this FINESS category admit only on a CDAPH (MDPH) orientation decision?"""
    code = current_category(category or "")
    if not code or code in OPEN_ACCESS_CATEGORIES:
        return False
    return code in DISABILITY_ONLY_CATEGORIES or domain_of(code) in DOMAINS_NEEDING_A_DECISION


def category_name(code: str, label: str = "") -> str:
    """``MAS (255)``: the short label of ``offer.codes`` (else the directory's) and the code."""
    short = MEDICO_SOCIAL_CATEGORIES.get(code, (label or code, ""))[0]
    return f"{short} ({code})"


def decisions_to_name(categories) -> list[str]:
    """For the categories (``(code, directory label)`` pairs) that need a decision, the decisions to record: one
    French phrase per category, e.g. ``une décision d'orientation de la CDAPH vers un·e MAS (255)``."""
    seen, named = set(), []
    for old_code, label in categories:
        code = current_category(old_code)  # a FAM (437) is now an EAM (448): the decision names the EAM
        if needs_a_decision(code) and code not in seen:
            seen.add(code)
            named.append(f"une décision d'orientation de la CDAPH vers : {category_name(code, label)}")
    return named


def decision_missing(decision: DecisionFacts, category: str, category_label: str = "") -> str:
    """The French reason an ESMS of ``category`` cannot be asked with ``decision`` at all ("" when it can)."""
    if decision.by_cdaph or not needs_a_decision(category):
        return ""
    return (
        f"cet établissement ({category_name(category, category_label)}) n'admet que sur décision d'orientation de "
        "la CDAPH (MDPH), et la demande n'en cite aucune"
    )


def age_on(birth_date: date, day: date) -> int:
    """Full years on ``day``."""
    return day.year - birth_date.year - ((day.month, day.day) < (birth_date.month, birth_date.day))


def age_bounds_label(age_min: int | None, age_max: int | None) -> str:
    if age_min is not None and age_max is not None:
        return f"de {age_min} à {age_max} ans"
    if age_min is not None:
        return f"{age_min} ans et plus"
    if age_max is not None:
        return f"jusqu'à {age_max} ans"
    return "tout âge"


def takes_age(unit: UnitFacts, age: int | None) -> bool:
    if age is None:
        return True
    return (unit.age_min is None or unit.age_min <= age) and (unit.age_max is None or age <= unit.age_max)


def covers_category(decision: DecisionFacts, category: str) -> bool:
    if not decision.categories or not category:
        return True
    return current_category(category) in {current_category(code) for code in decision.categories}


def coverage(
    *, decision: DecisionFacts, category: str, category_label: str, units: list[UnitFacts], age: int | None
) -> list[str]:
    """The reasons (French) the decision does not cover this ESMS for a person of ``age``; empty when it does."""
    reasons = []
    missing = decision_missing(decision, category, category_label)
    if missing:
        reasons.append(missing)
    elif not covers_category(decision, category):
        oriented = ", ".join(sorted(decision.categories))
        reasons.append(
            f"sa catégorie ({category_label or category}, {category}) n'est pas "
            f"dans la décision d'orientation (catégories {oriented})"
        )
    if not units:
        return reasons
    modes = [u for u in units if not decision.care_modes or u.care_mode in decision.care_modes]
    if not modes:
        asked = ", ".join(CareMode(m).label if m in CareMode.values else m for m in sorted(decision.care_modes))
        offered = ", ".join(sorted({CareMode(u.care_mode).label for u in units if u.care_mode in CareMode.values}))
        reasons.append(
            f"aucune de ses unités ne propose le mode d'accueil de la décision ({asked} ; elle propose : {offered})"
        )
    elif not any(takes_age(u, age) for u in modes):
        bounds = "; ".join(f"« {u.name} » {age_bounds_label(u.age_min, u.age_max)}" for u in modes)
        reasons.append(f"aucune de ses unités n'accueille une personne de {age} ans ({bounds})")
    return reasons
