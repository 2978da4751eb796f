"""How a person and a unit are named on the ESMS screens: the waiting list, the request page and the matching
proposals use these two functions, so the same person reads the same everywhere (decision 0033). A decision's
categories and types of care are named here too (words, not codes: decision 0038)."""

from relais.offer.codes import CareMode
from relais.offer.models import Category


def person_label(person) -> str:
    """Used (else birth) family name in capitals, then the used (else civil) first names: « LE GALL Yann »."""
    family = (person.used_name or person.family_name or "").upper()
    first = person.used_first_name or person.first_names or ""
    return f"{family} {first}".strip()


def unit_label(unit, *, with_site: bool = True) -> str:
    """« Hébergement permanent — EHPAD Les Tilleuls »: the unit, then its site when several may be shown."""
    return f"{unit.name} — {unit.site.name}" if with_site else unit.name


def category_names(codes) -> str:
    """The FINESS categories of a decision by their names (« Maison d'accueil spécialisée (M.A.S.) »), an unknown
    code as it is: words, not codes (decision 0038)."""
    codes = [str(code) for code in codes or ()]
    names = dict(Category.objects.filter(code__in=codes).values_list("code", "label"))
    return ", ".join(names.get(code, code) for code in codes)


def care_mode_names(codes) -> str:
    """The decision's types of care by their names (« Hébergement permanent »)."""
    labels = dict(CareMode.choices)
    return ", ".join(labels.get(str(code), str(code)) for code in codes or ())
