"""How a person and a unit are named on the ESMS screens: the waiting list, the request page and the matching
proposals use these two functions, so the same person reads the same everywhere (decision 0033)."""


def person_label(person) -> str:
    """Used (else birth) family name in capitals, then the used (else civil) first names: « LE GALL Yann »."""
    family = (person.used_name or person.family_name or "").upper()
    first = person.used_first_name or person.first_names or ""
    return f"{family} {first}".strip()


def unit_label(unit, *, with_site: bool = True) -> str:
    """« Hébergement permanent — EHPAD Les Tilleuls »: the unit, then its site when several may be shown."""
    return f"{unit.name} — {unit.site.name}" if with_site else unit.name
