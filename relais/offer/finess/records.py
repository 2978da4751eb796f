"""What the FINESS readers produce, and the field checks they share. Pure: no database.

Both readers (etalab CSV, FINESS+ JSON) turn a file into `Parsed`: legal entities and sites keyed by
FINESS number, with every value already trimmed and checked. A check that fails raises FinessError whose
message starts with where the value is: `ligne 12, champ « nofinesset »` (CSV) or
`pmej[3].ege[0].informationsGeneralesEGE.numFinessEge` (JSON).
"""

import math
import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from functools import cache

FINESS_RE = re.compile(r"[0-9][0-9AB][0-9]{7}")
SIREN_RE = re.compile(r"[0-9]{9}")
SIRET_RE = re.compile(r"[0-9]{14}")
CATEGORY_RE = re.compile(r"[0-9]{3}")
AGGREGATE_RE = re.compile(r"[0-9]{4}")
POSTCODE_RE = re.compile(r"[0-9]{5}")
INSEE_RE = re.compile(r"[0-9][0-9AB][0-9]{3}")
# A date, optionally followed by a time (FINESS+ writes "2021-10-18 00:00:00").
DATE_RE = re.compile(
    r"([0-9]{4}-[0-9]{2}-[0-9]{2})(?:[ T][0-9]{2}:[0-9]{2}(?::[0-9]{2}(?:\.[0-9]+)?)?(?:Z|[+-][0-9:]{4,5})?)?"
)

# Insee codes FINESS still uses for Saint-Barthélemy and Saint-Martin (communes of Guadeloupe until 2007).
RENAMED_COMMUNES = {"97123": "97701", "97127": "97801"}

NO_COORDINATES = "sans coordonnées dans le fichier"


class FinessError(Exception):
    """The file is refused as a whole; the message names the line (CSV) or the JSON path."""


def fail(where: str, message: str) -> FinessError:
    return FinessError(f"{where} : {message}")


def clean(value: object, where: str = "") -> str:
    """Trim (FINESS pads its fixed-width fields) and collapse inner runs of spaces."""
    if value is None:
        return ""
    if not isinstance(value, str):
        raise fail(where, f"texte attendu, trouvé {type(value).__name__} « {value} »")
    return " ".join(value.split())


def check_finess(value: str, where: str, *, required: bool = True) -> str:
    if not value and not required:
        return ""
    if not FINESS_RE.fullmatch(value):
        raise fail(where, f"numéro FINESS invalide « {value} » (9 caractères : chiffre, chiffre/A/B, 7 chiffres)")
    return value


def check_pattern(value: str, where: str, regex: re.Pattern, what: str, *, required: bool = False) -> str:
    if not value:
        if required:
            raise fail(where, f"{what} manquant")
        return ""
    if not regex.fullmatch(value):
        raise fail(where, f"{what} invalide « {value} »")
    return value


def check_date(value: str, where: str, *, required: bool = False) -> date | None:
    if not value:
        if required:
            raise fail(where, "date manquante")
        return None
    match = DATE_RE.fullmatch(value)
    try:
        if match is None:
            raise ValueError
        return date.fromisoformat(match.group(1))
    except ValueError:
        raise fail(where, f"date invalide « {value} » (attendu AAAA-MM-JJ)") from None


def check_float(value: str, where: str) -> float | None:
    if not value:
        return None
    try:
        number = float(value.replace(",", "."))
    except ValueError:
        raise fail(where, f"nombre invalide « {value} »") from None
    if not math.isfinite(number):
        raise fail(where, f"nombre invalide « {value} »")
    return number


def check_length(value: str, where: str, max_length: int) -> str:
    if len(value) > max_length:
        raise fail(where, f"valeur trop longue ({len(value)} caractères, au plus {max_length})")
    return value


@cache
def max_length(name: str) -> int:
    """The column's max_length in relais.offer.models (sites first, then legal entities)."""
    from relais.offer.models import LegalEntity, Site

    fields = {f.name: f for f in (*LegalEntity._meta.fields, *Site._meta.fields)}
    return fields[name].max_length


def check_text(value: str, where: str, name: str) -> str:
    """A trimmed value that must fit its column (FINESS widths are below ours: this only catches a shifted line)."""
    return check_length(value, where, max_length(name))


def join_address(number: str, repetition: str, street_type: str, street: str, *extra: str) -> str:
    street_part = " ".join(part for part in (f"{number}{repetition}", street_type, street) if part)
    return ", ".join(part for part in (street_part, *extra) if part)


def closed_state(state: str, closed_on: date | None, fallback: date | None, today: date) -> tuple[bool, date | None]:
    """(is_open, closed_on). Closed when FINESS says inactive (I) or the closing date is past.

    An inactive record without a closing date is dated by its last update in FINESS (the state was recorded
    then); a future closing date on an active record is kept and the record stays open until that day.
    """
    if state == "I":
        return False, closed_on or fallback
    if closed_on is not None and closed_on <= today:
        return False, closed_on
    return True, closed_on


@dataclass(slots=True)
class Entry:
    """Fields shared by legal entities and sites (model field names, commune as an INSEE code)."""

    finess: str
    name: str
    long_name: str = ""
    address_line: str = ""
    postal_code: str = ""
    city: str = ""
    commune_code: str = ""
    phone: str = ""
    is_open: bool = True
    opened_on: date | None = None
    closed_on: date | None = None
    source_updated_on: date | None = None
    where: str = field(default="", compare=False)


@dataclass(slots=True)
class EntityRecord(Entry):
    siren: str = ""
    legal_status: str = ""
    # Known only by its number (etalab site extract): created if missing, never overwrites a real record.
    placeholder: bool = False


@dataclass(slots=True)
class SiteRecord(Entry):
    legal_entity: str = ""
    siret: str = ""
    category: str = ""
    category_label: str = ""
    category_aggregate: str = ""
    latitude: float | None = None
    longitude: float | None = None
    coordinates_source: str = ""
    # Why the site has no coordinates (flagged in the summary); "" when it has some.
    flag: str = ""
    departement: str = field(default="", compare=False)


@dataclass
class Parsed:
    format: str
    entities: dict[str, EntityRecord] = field(default_factory=dict)
    sites: dict[str, SiteRecord] = field(default_factory=dict)
    skipped: dict[str, Counter] = field(default_factory=lambda: {"legal_entities": Counter(), "sites": Counter()})
    warnings: Counter = field(default_factory=Counter)

    def add(self, kind: str, record: EntityRecord | SiteRecord) -> None:
        """Keep the first of two identical records (skipped as a duplicate); refuse conflicting ones."""
        records = self.entities if kind == "legal_entities" else self.sites
        seen = records.get(record.finess)
        if seen is None:
            records[record.finess] = record
        elif seen == record:
            self.skipped[kind]["en double dans le fichier (enregistrement identique)"] += 1
        else:
            raise fail(record.where, f"numéro FINESS {record.finess} déjà présent ({seen.where}) avec d'autres valeurs")


def placeholder_name(finess: str) -> str:
    return f"Entité juridique {finess}"
