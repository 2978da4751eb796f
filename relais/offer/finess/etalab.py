"""Reader of the classic etalab FINESS extract (CSV). Pure: no database.

latin-1, `;`-separated, no header row: a first line `finess;etalab;<n>;<date>`, then one record per line,
its first field naming its section and the others following in the order of the published layouts:
`structureet` (cs1100507/cs1100502: sites, ending with `;`; cs1100502 adds `numuai`), `geolocalisation`
(cs1100507: projected coordinates of a site) and `structureej` (cs1100501: legal entities). Values holding
a `;` are quoted ("" for a quote), so the csv module splits lines. Line numbers in errors are 1-based.
"""

import csv
import io
import re
from collections.abc import Callable
from datetime import date

from .projection import OUTSIDE_ZONE, UNKNOWN_PROJECTION, choose, to_wgs84
from .records import (
    AGGREGATE_RE,
    CATEGORY_RE,
    NO_COORDINATES,
    SIREN_RE,
    SIRET_RE,
    EntityRecord,
    FinessError,
    Parsed,
    SiteRecord,
    check_date,
    check_finess,
    check_float,
    check_pattern,
    check_text,
    clean,
    fail,
    join_address,
    max_length,
    placeholder_name,
)

# Fields after the section name, in 'rang' order (finess_etalab_format_cs1100507.csv, ranks 2 to 31).
SITE_FIELDS = (
    "nofinesset", "nofinessej", "rs", "rslongue", "complrs", "compldistrib", "numvoie", "typvoie", "voie",
    "compvoie", "lieuditbp", "commune", "departement", "libdepartement", "ligneacheminement", "telephone",
    "telecopie", "categetab", "libcategetab", "categagretab", "libcategagretab", "siret", "codeape", "codemft",
    "libmft", "codesph", "libsph", "dateouv", "dateautor", "datemaj",
)  # fmt: skip
GEO_FIELDS = ("nofinesset", "coordxet", "coordyet", "sourcecoordet", "datemaj")  # ranks 33 to 37
# cs1100501 (legal entities), in the order of its layout.
ENTITY_FIELDS = (
    "nofiness", "rs", "rslongue", "complrs", "numvoie", "typvoie", "voie", "compvoie", "compldistrib",
    "lieuditbp", "commune", "ligneacheminement", "departement", "libdepartement", "telephone", "statutjuridique",
    "libstatutjuridique", "categetab", "libcategetab", "siren", "codeape", "datecrea",
)  # fmt: skip
SECTIONS = ("structureet", "geolocalisation", "structureej")
UAI_RE = re.compile(r"[0-9]{7}[A-Z]")
DEPARTEMENT_RE = re.compile(r"[0-9]{2}|2[AB]|9[A-Z]|97[1-8]|98[0-9]")
COMMUNE_RE = re.compile(r"[0-9]{3}")
STATUS_RE = re.compile(r"[0-9]{2}")
ACHEMINEMENT_RE = re.compile(r"([0-9]{5}) +(.*)")
ORPHAN_GEOLOCATION = "lignes geolocalisation sans ligne structureet (ignorées)"


def decode(raw: bytes) -> str:
    """latin-1 as published; an extract re-encoded to UTF-8 (by a reuser) is recognised and read as such."""
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("latin-1")


def insee_code(departement: str, commune: str) -> str:
    """FINESS writes the département (01…95, 2A, 9A…9F overseas) and a 3-digit commune number."""
    if departement[0] == "9" and departement[1].isalpha():
        return ("97" if departement[1] <= "F" else "98") + commune
    return departement[:2] + commune


def _split_acheminement(value: str) -> tuple[str, str]:
    match = ACHEMINEMENT_RE.fullmatch(value)
    return (match.group(1), match.group(2)) if match else ("", value)


def _fields(row: list[str], names: tuple[str, ...], number: int, section: str) -> dict[str, str]:
    values = row[1:]
    if len(values) < len(names):
        missing = names[len(values)]
        raise fail(
            f"ligne {number}, champ « {missing} »",
            f"ligne {section} tronquée ({len(values)} champs sur {len(names)})",
        )
    extra = values[len(names) :]
    if section == "structureet" and extra and UAI_RE.fullmatch(extra[0].strip()):
        extra = extra[1:]  # cs1100502: numuai (not kept)
    if len(extra) > 2 or any(value.strip() for value in extra):
        raise FinessError(
            f"ligne {number} : {len(values)} champs dans une ligne {section}, {len(names)} attendus "
            "(un « ; » non protégé dans une valeur ?)"
        )
    return {name: clean(value) for name, value in zip(names, values, strict=False)}


def _place(f: dict[str, str], at: Callable[[str], str]) -> tuple[str, str]:
    departement = check_pattern(f["departement"], at("departement"), DEPARTEMENT_RE, "code département", required=True)
    commune = check_pattern(f["commune"], at("commune"), COMMUNE_RE, "code commune", required=True)
    return departement, insee_code(departement, commune)


def _site(f: dict[str, str], number: int) -> SiteRecord:
    def at(name: str) -> str:
        return f"ligne {number}, champ « {name} »"

    departement, commune = _place(f, at)
    postal_code, city = _split_acheminement(f["ligneacheminement"])
    check_date(f["dateautor"], at("dateautor"))
    if not (f["rs"] or f["rslongue"]):
        raise fail(at("rs"), "raison sociale manquante")
    return SiteRecord(
        finess=check_finess(f["nofinesset"], at("nofinesset")),
        legal_entity=check_finess(f["nofinessej"], at("nofinessej")),
        name=check_text(f["rs"] or f["rslongue"], at("rs"), "name"),
        long_name=check_text(f["rslongue"], at("rslongue"), "long_name"),
        address_line=check_text(
            join_address(f["numvoie"], f["compvoie"], f["typvoie"], f["voie"], f["lieuditbp"], f["compldistrib"]),
            at("voie"),
            "address_line",
        ),
        postal_code=postal_code,
        city=check_text(city, at("ligneacheminement"), "city"),
        commune_code=commune,
        phone=check_text(f["telephone"], at("telephone"), "phone"),
        opened_on=check_date(f["dateouv"], at("dateouv")),
        source_updated_on=check_date(f["datemaj"], at("datemaj")),
        siret=check_pattern(f["siret"], at("siret"), SIRET_RE, "SIRET"),
        category=check_pattern(f["categetab"], at("categetab"), CATEGORY_RE, "code catégorie", required=True),
        category_label=f["libcategetab"],
        category_aggregate=check_pattern(f["categagretab"], at("categagretab"), AGGREGATE_RE, "code agrégat"),
        departement=departement,
        where=f"ligne {number}",
    )


def _entity(f: dict[str, str], number: int) -> EntityRecord:
    def at(name: str) -> str:
        return f"ligne {number}, champ « {name} »"

    _departement, commune = _place(f, at)
    postal_code, city = _split_acheminement(f["ligneacheminement"])
    if not (f["rs"] or f["rslongue"]):
        raise fail(at("rs"), "raison sociale manquante")
    return EntityRecord(
        finess=check_finess(f["nofiness"], at("nofiness")),
        name=check_text(f["rs"] or f["rslongue"], at("rs"), "name"),
        long_name=check_text(f["rslongue"], at("rslongue"), "long_name"),
        address_line=check_text(
            join_address(f["numvoie"], f["compvoie"], f["typvoie"], f["voie"], f["lieuditbp"], f["compldistrib"]),
            at("voie"),
            "address_line",
        ),
        postal_code=postal_code,
        city=check_text(city, at("ligneacheminement"), "city"),
        commune_code=commune,
        phone=check_text(f["telephone"], at("telephone"), "phone"),
        siren=check_pattern(f["siren"], at("siren"), SIREN_RE, "SIREN"),
        legal_status=check_pattern(f["statutjuridique"], at("statutjuridique"), STATUS_RE, "statut juridique"),
        opened_on=check_date(f["datecrea"], at("datecrea")),
        where=f"ligne {number}",
    )


def _geolocation(row: list[str], number: int) -> tuple[str, tuple]:
    values = row[1:]
    if len(values) == len(GEO_FIELDS) + 1 and not values[-1].strip():
        values = values[:-1]
    if len(values) > len(GEO_FIELDS):  # an older extract split sourcecoordet's commas into fields
        values = [*values[:3], ",".join(values[3:-1]), values[-1]]
    f = _fields(["geolocalisation", *values], GEO_FIELDS, number, "geolocalisation")

    def at(name: str) -> str:
        return f"ligne {number}, champ « {name} »"

    finess = check_finess(f["nofinesset"], at("nofinesset"))
    x, y = check_float(f["coordxet"], at("coordxet")), check_float(f["coordyet"], at("coordyet"))
    if (x is None) != (y is None):
        raise fail(at("coordyet" if y is None else "coordxet"), "coordonnée manquante (X et Y vont ensemble)")
    check_date(f["datemaj"], at("datemaj"))
    return finess, (x, y, f["sourcecoordet"], f"ligne {number}")


def _locate(parsed: Parsed, geolocations: dict[str, tuple]) -> None:
    """Attach coordinates to sites, converting each projection's points in one vectorised call."""
    batches: dict[int, list[tuple[SiteRecord, float, float, object]]] = {}
    source_length = max_length("coordinates_source")
    for site in parsed.sites.values():
        x, y, source, _where = geolocations.pop(site.finess, (None, None, "", ""))
        site.coordinates_source = source[:source_length]
        if x is None:
            site.flag = NO_COORDINATES
            continue
        epsg, zone = choose(source, site.departement)
        if epsg is None:
            site.flag = UNKNOWN_PROJECTION
            continue
        batches.setdefault(epsg, []).append((site, x, y, zone))
    for epsg, batch in batches.items():
        latitudes, longitudes = to_wgs84(epsg, [b[1] for b in batch], [b[2] for b in batch])
        for (site, _x, _y, zone), latitude, longitude in zip(batch, latitudes, longitudes, strict=True):
            if zone.contains(latitude, longitude):
                site.latitude, site.longitude = latitude, longitude
            else:
                site.flag = OUTSIDE_ZONE
    if geolocations:
        parsed.warnings[ORPHAN_GEOLOCATION] += len(geolocations)


def read_etalab(raw: bytes, *, today: date, tick: Callable[[int], None] | None = None) -> Parsed:
    """Parse and check the whole extract; raise FinessError at the first malformed line."""
    del today  # the extract has no state nor closing date: every site it lists is open
    parsed = Parsed("etalab (CSV)")
    geolocations: dict[str, tuple] = {}
    reader = csv.reader(io.StringIO(decode(raw), newline=""), delimiter=";")
    first, ticked = True, 0
    try:
        for row in reader:
            number = reader.line_num
            if tick is not None and number - ticked >= 10_000:
                tick(number - ticked)
                ticked = number
            section = row[0].strip() if row else ""
            if not section and not any(value.strip() for value in row):
                continue
            if section == "structureet":
                parsed.add("sites", _site(_fields(row, SITE_FIELDS, number, section), number))
            elif section == "geolocalisation":
                finess, geolocation = _geolocation(row, number)
                seen = geolocations.get(finess)
                if seen is not None and seen[:3] != geolocation[:3]:
                    raise fail(f"ligne {number}", f"deuxième géolocalisation différente pour {finess} ({seen[3]})")
                geolocations[finess] = geolocation
            elif section == "structureej":
                parsed.add("legal_entities", _entity(_fields(row, ENTITY_FIELDS, number, section), number))
            elif not (first and section == "finess"):
                raise fail(f"ligne {number}", f"section inconnue « {section[:40]} » (attendu : {', '.join(SECTIONS)})")
            first = False
    except csv.Error as error:
        raise fail(f"ligne {reader.line_num}", f"CSV illisible ({error})") from None
    if tick is not None:
        tick(reader.line_num - ticked)
    if not parsed.sites and not parsed.entities:
        raise FinessError("aucune ligne structureet ni structureej : ce n'est pas un extrait FINESS etalab")
    _locate(parsed, geolocations)
    for site in parsed.sites.values():
        if site.legal_entity not in parsed.entities:
            parsed.entities[site.legal_entity] = EntityRecord(
                finess=site.legal_entity, name=placeholder_name(site.legal_entity), placeholder=True, where=site.where
            )
    return parsed
