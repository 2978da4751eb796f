"""Birth dates one keystroke apart (pure functions, no ORM): the typos of identity records on birth dates.

A date is typed as eight digits DDMMYYYY. Three slips are common in French records and caught here: day and month
inverted (a date read the American way), one digit mistyped, two neighbouring digits swapped.
`date_relation` names the slip between two dates; `birth_date_variants` lists the valid dates one slip away from a
date (what the database blocks on, indexed). Both follow the same rules, so a pair found by one is named by the other.
"""

from __future__ import annotations

from datetime import date

SAME = "same_birth_date"
DAY_MONTH_SWAPPED = "birth_date_day_month_swapped"
DIGIT_OFF = "birth_date_digit_off"
DIGITS_SWAPPED = "birth_date_digits_swapped"

REASONS = {
    SAME: "même date de naissance",
    DAY_MONTH_SWAPPED: "date de naissance : jour et mois inversés",
    DIGIT_OFF: "date de naissance : un chiffre différent",
    DIGITS_SWAPPED: "date de naissance : deux chiffres voisins inversés",
}


def as_digits(day: date) -> str:
    return f"{day.day:02d}{day.month:02d}{day.year:04d}"


def date_relation(a: str, b: str) -> str | None:
    """The slip between two dates typed as DDMMYYYY digits (`as_digits`), or None when more than one slip apart."""
    if a == b:
        return SAME
    if a[2:4] + a[0:2] + a[4:] == b:
        return DAY_MONTH_SWAPPED
    diff = [i for i in range(8) if a[i] != b[i]]
    if len(diff) == 1:
        return DIGIT_OFF
    if len(diff) == 2 and diff[1] == diff[0] + 1 and a[diff[0]] == b[diff[1]] and a[diff[1]] == b[diff[0]]:
        return DIGITS_SWAPPED
    return None


def birth_date_variants(day: date) -> set[date]:
    """The valid dates one slip away from ``day`` (``day`` itself excluded)."""
    typed = as_digits(day)
    candidates = {typed[2:4] + typed[0:2] + typed[4:]}
    for i, digit in enumerate(typed):
        for other in "0123456789":
            if other != digit:
                candidates.add(typed[:i] + other + typed[i + 1 :])
        if i + 1 < len(typed) and typed[i + 1] != digit:
            candidates.add(typed[:i] + typed[i + 1] + digit + typed[i + 2 :])
    variants = set()
    for text in candidates:
        try:
            variants.add(date(int(text[4:]), int(text[2:4]), int(text[0:2])))
        except ValueError:
            continue
    variants.discard(day)
    return variants
