"""Reader of the FINESS+ structures JSON (schema-structures-v1). Pure: no database.

Top level `pmej`: the legal entities, each with its sites in `ege`. The published files (2026 sample) differ
from the schema in places, so both spellings are read:

- `informationsGeneralesPMEJ` (files) / `informationsGeneralesPmej` (schema);
- `categorieentiteGeographiqueExercice` as a code string (files) / `categorieEntiteGeographiqueExercice` as a
  coding `{code, system}` (schema); likewise `etatObjet` and `statutJuridique` are a string or a coding;
- `etatObjet` and `dateDerniereMaj` beside `informationsGeneralesPMEJ` (files) or inside it (schema);
  `dateDerniereMaj` is "AAAA-MM-JJ hh:mm:ss" (files) or `{dateEvenement}` (schema);
- `siret` inside `informationsGeneralesEGE` (files) or beside it (schema).

Coordinates are read from `directionLatitude`/`directionLongitude` (WGS84 from the BAN geocoder); the
`coordonneeX/Y` pair beside them is projected and not used. Errors name the JSON path.
"""

import json
from collections.abc import Callable
from datetime import date

from .records import (
    CATEGORY_RE,
    INSEE_RE,
    NO_COORDINATES,
    POSTCODE_RE,
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
    closed_state,
    fail,
    join_address,
)

STATES = ("A", "I")  # actif, inactif (fermé)


class _Obj:
    """A JSON object and its path, with typed, located reads."""

    def __init__(self, value: object, path: str):
        if not isinstance(value, dict):
            raise fail(path, f"objet attendu, trouvé {type(value).__name__}")
        self.value, self.path = value, path

    def at(self, *names: str) -> str:
        return f"{self.path}.{self.key(*names) or names[0]}" if self.path else (self.key(*names) or names[0])

    def key(self, *names: str) -> str | None:
        return next((name for name in names if self.value.get(name) is not None), None)

    def text(self, *names: str) -> str:
        name = self.key(*names)
        return clean(self.value[name], self.at(name)) if name else ""

    def code(self, *names: str) -> str:
        """A code given as a string or as a coding {code, system}."""
        name = self.key(*names)
        if name is None:
            return ""
        value = self.value[name]
        if isinstance(value, dict):
            return _Obj(value, self.at(name)).text("code")
        return clean(value, self.at(name))

    def date(self, *names: str) -> date | None:
        name = self.key(*names)
        if name is None:
            return None
        value = self.value[name]
        if isinstance(value, dict):
            inner = _Obj(value, self.at(name))
            return check_date(inner.text("dateEvenement"), inner.at("dateEvenement"))
        return check_date(clean(value, self.at(name)), self.at(name))

    def number(self, name: str) -> float | None:
        value = self.value.get(name)
        if isinstance(value, int | float) and not isinstance(value, bool):
            value = str(value)
        return check_float(clean(value, self.at(name)), self.at(name))

    def obj(self, *names: str, required: bool = False) -> "_Obj | None":
        name = self.key(*names)
        if name is None:
            if required:
                raise fail(self.at(*names), "objet manquant")
            return None
        return _Obj(self.value[name], self.at(name))

    def items(self, name: str) -> list["_Obj"]:
        value = self.value.get(name)
        if value is None:
            return []
        if not isinstance(value, list):
            raise fail(self.at(name), f"liste attendue, trouvé {type(value).__name__}")
        return [_Obj(item, f"{self.at(name)}[{index}]") for index, item in enumerate(value)]


def decode(raw: bytes) -> object:
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise FinessError(
            f"fichier JSON non UTF-8 : octet 0x{raw[error.start]:02X} à la position {error.start}"
        ) from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        raise FinessError(f"JSON invalide, ligne {error.lineno} colonne {error.colno} : {error.msg}") from None


def _state(*nodes: _Obj) -> str:
    for node in nodes:
        state = node.code("etatObjet")
        if state:
            if state not in STATES:
                raise fail(node.at("etatObjet"), f"état invalide « {state} » (A ou I)")
            return state
    return "A"


def _address(node: _Obj) -> dict:
    """Fields of the first address: street, postcode, city, INSEE commune and WGS84 coordinates."""
    addresses = node.items("adresse")
    if not addresses:
        return {"flag": NO_COORDINATES}
    a = addresses[0]
    fields = {
        "address_line": check_text(
            join_address(
                a.text("numeroVoie"),
                a.text("complementVoie"),
                a.text("typeVoie"),
                a.text("libelleVoie"),
                a.text("lieuDit"),
                a.text("complementPointGeographique"),
            ),
            a.at("libelleVoie"),
            "address_line",
        ),
        "postal_code": check_pattern(a.text("codePostal"), a.at("codePostal"), POSTCODE_RE, "code postal"),
        "city": check_text(a.text("ligneAcheminement"), a.at("ligneAcheminement"), "city"),
        "commune_code": check_pattern(a.text("cogCommune"), a.at("cogCommune"), INSEE_RE, "code commune INSEE"),
        "flag": NO_COORDINATES,
    }
    geo = a.obj("coordonneesGeographique")
    if geo is not None:
        latitude, longitude = geo.number("directionLatitude"), geo.number("directionLongitude")
        if (latitude is None) != (longitude is None):
            missing = "directionLatitude" if latitude is None else "directionLongitude"
            raise fail(geo.at(missing), "coordonnée manquante (latitude et longitude vont ensemble)")
        if latitude is not None:
            if not -90 <= latitude <= 90:
                raise fail(geo.at("directionLatitude"), f"latitude hors de [-90, 90] « {latitude} »")
            if not -180 <= longitude <= 180:
                raise fail(geo.at("directionLongitude"), f"longitude hors de [-180, 180] « {longitude} »")
            fields.update(
                latitude=round(latitude, 6),
                longitude=round(longitude, 6),
                coordinates_source="FINESS+ (BAN)" if geo.text("cleInInteropBAN") else "FINESS+",
                flag="",
            )
    return fields


def _phone(node: _Obj) -> str:
    for contact in node.items("contact"):
        telecom = contact.obj("telecom")
        if telecom is not None and telecom.text("telephone"):
            return check_text(telecom.text("telephone"), telecom.at("telephone"), "phone")
    return ""


def _entity(pm: _Obj, today: date) -> EntityRecord:
    info = pm.obj("informationsGeneralesPMEJ", "informationsGeneralesPmej", required=True)
    name = info.text("denominationPm") or info.text("denominationLonguePmSmsse")
    if not name:
        raise fail(info.at("denominationPm"), "raison sociale manquante")
    updated = pm.date("dateDerniereMaj") or info.date("dateDerniereMaj")
    is_open, closed_on = closed_state(
        _state(pm, info), check_date(info.text("dateFermeture"), info.at("dateFermeture")), updated, today
    )
    address = _address(pm)
    address.pop("flag")
    return EntityRecord(
        finess=check_finess(info.text("numFinessPm"), info.at("numFinessPm")),
        name=check_text(name, info.at("denominationPm"), "name"),
        long_name=check_text(info.text("denominationLonguePmSmsse"), info.at("denominationLonguePmSmsse"), "long_name"),
        siren=check_pattern(info.text("siren"), info.at("siren"), SIREN_RE, "SIREN"),
        legal_status=check_text(info.code("statutJuridique"), info.at("statutJuridique"), "legal_status"),
        phone=_phone(pm),
        is_open=is_open,
        opened_on=check_date(info.text("dateCreation"), info.at("dateCreation")),
        closed_on=closed_on,
        source_updated_on=updated,
        where=pm.path,
        **{key: value for key, value in address.items() if key in EntityRecord.__dataclass_fields__},
    )


def _site(ege: _Obj, legal_entity: str, today: date) -> SiteRecord:
    info = ege.obj("informationsGeneralesEGE", "informationsGeneralesEge", required=True)
    name = info.text("nomEgeCourt") or info.text("nomEgeLong")
    if not name:
        raise fail(info.at("nomEgeCourt"), "nom manquant")
    updated = ege.date("dateDerniereMaj")
    is_open, closed_on = closed_state(
        _state(ege, info), check_date(info.text("dateFermeture"), info.at("dateFermeture")), updated, today
    )
    siret_node = info if info.key("siret") else ege
    category_keys = ("categorieentiteGeographiqueExercice", "categorieEntiteGeographiqueExercice")
    return SiteRecord(
        finess=check_finess(info.text("numFinessEge"), info.at("numFinessEge")),
        legal_entity=legal_entity,
        name=check_text(name, info.at("nomEgeCourt"), "name"),
        long_name=check_text(info.text("nomEgeLong"), info.at("nomEgeLong"), "long_name"),
        siret=check_pattern(siret_node.text("siret"), siret_node.at("siret"), SIRET_RE, "SIRET"),
        category=check_pattern(ege.code(*category_keys), ege.at(*category_keys), CATEGORY_RE, "code catégorie"),
        phone=_phone(ege),
        is_open=is_open,
        opened_on=check_date(info.text("dateOuverture"), info.at("dateOuverture")),
        closed_on=closed_on,
        source_updated_on=updated,
        where=ege.path,
        **_address(ege),
    )


def read_finessplus(raw: bytes, *, today: date, tick: Callable[[int], None] | None = None) -> Parsed:
    """Parse and check the whole file; raise FinessError at the first malformed value."""
    data = decode(raw)
    if not isinstance(data, dict) or "pmej" not in data:
        raise FinessError("pmej : clé manquante à la racine (ce n'est pas un fichier FINESS+ structures)")
    root = _Obj(data, "")
    parsed = Parsed("FINESS+ (JSON)")
    for pm in root.items("pmej"):
        entity = _entity(pm, today)
        parsed.add("legal_entities", entity)
        for ege in pm.items("ege"):
            parsed.add("sites", _site(ege, entity.finess, today))
        if tick is not None:
            tick(1)
    return parsed
