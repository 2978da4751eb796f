"""Search criteria of the offer directory: parsing request parameters, resolving the place searched from.

Shared by the search page, the REST API and the benchmark; errors name the parameter (SearchError).
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass

from .codes import CareMode, Deficiency, Domain
from .geo import bounding_box, centroid
from .places_elsewhere import departements_of, folded

DEFAULT_RADIUS_KM, MAX_RADIUS_KM = 30.0, 200.0
DEFAULT_LIMIT, MAX_LIMIT = 50, 200
MAX_OFFSET = 10_000  # paging reads the nearest offset + limit results: deep pages are refused, not slow
AGE_MAX, GIR_VALUES = 120, range(1, 7)
INSEE_RE = re.compile(r"(?:\d{5}|2[AB]\d{3})")
POSTCODE_RE = re.compile(r"\d{5}")
CATEGORY_RE = re.compile(r"\d{3,4}")
TRUE, FALSE = {"1", "true", "oui", "on", "yes", "vrai"}, {"0", "false", "non", "off", "no", "faux", ""}


class SearchError(ValueError):
    """Invalid search parameters; `errors` maps each parameter name to a message in French."""

    def __init__(self, errors: dict[str, str]):
        super().__init__("; ".join(f"{k} : {v}" for k, v in errors.items()))
        self.errors = errors


@dataclass(frozen=True)
class SearchCriteria:
    domains: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    care_modes: tuple[str, ...] = ()
    age: int | None = None
    deficiencies: tuple[str, ...] = ()
    gir: int | None = None
    alzheimer: bool = False
    free_only: bool = False
    commune: str = ""
    postal_code: str = ""
    latitude: float | None = None
    longitude: float | None = None
    radius_km: float = DEFAULT_RADIUS_KM
    limit: int = DEFAULT_LIMIT
    offset: int = 0
    rotation: int | None = None

    @property
    def has_unit_criteria(self) -> bool:
        """Criteria that a unit must meet: without them, a site without units matches too."""
        return bool(
            self.care_modes or self.age is not None or self.deficiencies or self.gir or self.alzheimer or self.free_only
        )

    @property
    def has_origin(self) -> bool:
        return bool(self.commune or self.postal_code or self.latitude is not None)


@dataclass(frozen=True)
class Origin:
    latitude: float
    longitude: float
    label: str
    communes: frozenset[str] = frozenset()  # for the eligibility zones of home services


# --- Parameters -------------------------------------------------------------------------------------------


def _raw(params: Mapping, name: str) -> list[str]:
    raw = params.getlist(name) if hasattr(params, "getlist") else params.get(name, [])
    return [str(v) for v in ([raw] if isinstance(raw, str | int | float) else list(raw or []))]


def _values(params: Mapping, name: str) -> list[str]:
    """A repeatable parameter, each value possibly a comma-separated list."""
    return [part.strip() for value in _raw(params, name) for part in value.split(",") if part.strip()]


def _one(params: Mapping, name: str) -> str:
    """A single value (the last one given): a decimal comma stays a decimal comma."""
    values = [value.strip() for value in _raw(params, name) if value.strip()]
    return values[-1] if values else ""


def _choices(params, name, allowed, label, errors) -> tuple[str, ...]:
    values = _values(params, name)
    wrong = [v for v in values if v not in allowed]
    if wrong:
        errors[name] = f"{label} inconnu(s) : {', '.join(wrong)} (valeurs possibles : {', '.join(allowed)})."
    return tuple(dict.fromkeys(values))


def _number(params, name, errors, kind, low, high, label):
    text = _one(params, name).replace(",", ".") if kind is float else _one(params, name)
    if not text:
        return None
    try:
        value = kind(text)
    except ValueError:
        errors[name] = f"{label} : nombre {'entier ' if kind is int else ''}attendu, pas « {text} »."
        return None
    if not (math.isfinite(value) and low <= value <= high):
        errors[name] = f"{label} : valeur attendue entre {low} et {high}, pas {text}."
        return None
    return value


def _flag(params, name, errors, label) -> bool:
    text = _one(params, name).lower()
    if text in TRUE:
        return True
    if text not in FALSE:
        errors[name] = f"{label} : oui ou non (1 ou 0, true ou false) attendu, pas « {text} »."
    return False


def search_criteria_parse(params: Mapping) -> SearchCriteria:
    """Criteria from query parameters (a QueryDict or a plain mapping); SearchError names each bad one."""
    errors: dict[str, str] = {}
    categories = tuple(dict.fromkeys(_values(params, "category")))
    if bad := [c for c in categories if not CATEGORY_RE.fullmatch(c)]:
        errors["category"] = f"Catégorie FINESS : code à 3 chiffres attendu, pas {', '.join(bad)}."
    commune, postal_code = _one(params, "commune").upper(), _one(params, "postal_code")
    if commune and not INSEE_RE.fullmatch(commune):
        errors["commune"] = f"Commune : code INSEE attendu (5 caractères, ex. 35238 ou 2A004), pas « {commune} »."
    if postal_code and not POSTCODE_RE.fullmatch(postal_code):
        errors["postal_code"] = f"Code postal : 5 chiffres attendus, pas « {postal_code} »."
    latitude = _number(params, "lat", errors, float, -90, 90, "Latitude")
    longitude = _number(params, "lon", errors, float, -180, 180, "Longitude")
    if (latitude is None) != (longitude is None) and not {"lat", "lon"} & set(errors):
        errors["lon" if longitude is None else "lat"] = "Un point se donne avec sa latitude et sa longitude."
    origins = [name for name, given in (("commune", commune), ("postal_code", postal_code), ("lat", latitude)) if given]
    for name in origins[1:]:
        errors[name] = "Une seule origine à la fois : commune, code postal ou point (lat, lon)."
    radius = _number(params, "radius_km", errors, float, 0.1, MAX_RADIUS_KM, "Rayon (km)")
    limit = _number(params, "limit", errors, int, 1, MAX_LIMIT, "Nombre de résultats")
    offset = _number(params, "offset", errors, int, 0, MAX_OFFSET, "Décalage (offset)")
    criteria = SearchCriteria(
        domains=_choices(params, "domain", Domain.values, "Domaine", errors),
        categories=categories,
        care_modes=_choices(params, "care_mode", CareMode.values, "Mode de prise en charge", errors),
        age=_number(params, "age", errors, int, 0, AGE_MAX, "Âge"),
        deficiencies=_choices(params, "deficiency", Deficiency.values, "Déficience", errors),
        gir=_number(params, "gir", errors, int, 1, 6, "GIR"),
        alzheimer=_flag(params, "alzheimer", errors, "Unité Alzheimer"),
        free_only=_flag(params, "free_only", errors, "Places libres seulement"),
        commune=commune,
        postal_code=postal_code,
        latitude=latitude,
        longitude=longitude,
        radius_km=radius if radius is not None else DEFAULT_RADIUS_KM,
        limit=limit if limit is not None else DEFAULT_LIMIT,
        offset=offset or 0,
        rotation=_number(params, "rotation", errors, int, 0, 10**9, "Rotation"),
    )
    if errors:
        raise SearchError(errors)
    return criteria


def origin_resolve(criteria: SearchCriteria) -> Origin | None:
    """The point distances are measured from; SearchError when the commune or postcode is unknown."""
    from relais.territory.models import Commune

    if criteria.latitude is not None:
        _point_check(criteria.latitude, criteria.longitude, criteria.radius_km)
        return Origin(criteria.latitude, criteria.longitude, f"{criteria.latitude:.4f}, {criteria.longitude:.4f}")
    if criteria.commune:
        commune = Commune.objects.filter(insee_code=criteria.commune).first()
        if commune is None:
            raise SearchError({"commune": f"Commune inconnue : {criteria.commune}."})
        if commune.latitude is None:
            raise SearchError({"commune": f"{commune.name} n'a pas de coordonnées : choisissez une commune voisine."})
        label = commune_label(commune.insee_code, commune.name)
        return Origin(commune.latitude, commune.longitude, label, frozenset({commune.insee_code}))
    if criteria.postal_code:
        rows = list(
            Commune.objects.filter(postal_codes__code=criteria.postal_code)
            .order_by("-population", "insee_code")
            .values_list("insee_code", "latitude", "longitude", "name")
        )
        if not rows:
            raise SearchError({"postal_code": f"Code postal inconnu : {criteria.postal_code}."})
        point = centroid((lat, lon) for _, lat, lon, _ in rows if lat is not None)
        if point is None:
            raise SearchError(
                {"postal_code": f"Les communes du code postal {criteria.postal_code} n'ont pas de coordonnées."}
            )
        towns = ", ".join(row[3] for row in rows[:3]) + (", …" if len(rows) > 3 else "")
        return Origin(*point, f"{towns} ({criteria.postal_code})", frozenset(row[0] for row in rows))
    return None


def commune_postcode(insee_code: str) -> str:
    """The postcode shown for a commune (its lowest; a city has several): families know it, not the INSEE code."""
    from relais.territory.models import PostalCode

    return (
        PostalCode.objects.filter(commune_id=insee_code).order_by("code").values_list("code", flat=True).first() or ""
    )


def commune_label(insee_code: str, name: str) -> str:
    """ "Ajaccio (20000)": the name and the postcode, never the INSEE code (public pages, decision 0037)."""
    postcode = commune_postcode(insee_code)
    return f"{name} ({postcode})" if postcode else name


def _loaded_departements() -> list[str]:
    from relais.territory.models import Departement

    return sorted(Departement.objects.filter(communes__isnull=False).distinct().values_list("name", flat=True))


def territory_label() -> str:
    """The départements whose communes are loaded: "Corse-du-Sud" or "Corse-du-Sud, Haute-Corse"."""
    return ", ".join(_loaded_departements()) or "aucun département chargé"


def _outside(what: str, departements: list[str]) -> SearchError:
    return SearchError(
        {
            "lieu": f"{what} ({', '.join(departements)}) : hors du territoire couvert ({territory_label()}). "
            "Cherchez une commune de ce territoire."
        }
    )


POINT_MARGIN_KM = 10.0  # a point a little off the coast or over the border still searches the territory


def _point_check(latitude: float, longitude: float, radius_km: float) -> None:
    """A point (the map, the API) with no loaded commune within the radius (plus a margin) is outside the territory:
    say so rather than answer "no result". Nothing loaded at all (an empty directory) is not checked."""
    from relais.territory.models import Commune

    located = Commune.objects.filter(latitude__isnull=False)
    lat_min, lat_max, lon_min, lon_max = bounding_box(latitude, longitude, radius_km + POINT_MARGIN_KM)
    near = located.filter(latitude__range=(lat_min, lat_max), longitude__range=(lon_min, lon_max))
    if not near.exists() and located.exists():
        raise SearchError(
            {
                "lieu": f"Le point {latitude:.4f}, {longitude:.4f} : hors du territoire couvert ({territory_label()}). "
                "Cherchez une commune de ce territoire."
            }
        )


def _unknown_code(code: str) -> SearchError:
    """An unknown postcode or INSEE code: « hors du territoire couvert » when it belongs to a département not loaded."""
    elsewhere = [name for name in departements_of(code=code) if name not in _loaded_departements()]
    if elsewhere:
        return _outside(code, elsewhere)
    return SearchError({"lieu": f"Aucun code postal ni code INSEE {code} connu dans le territoire couvert."})


def _unknown_name(text: str) -> SearchError:
    elsewhere = [name for name in departements_of(name=text) if name not in _loaded_departements()]
    if elsewhere:
        return _outside(f"« {text} »", elsewhere)
    return SearchError(
        {
            "lieu": f"Aucune commune ne s'appelle « {text} » dans le territoire couvert ({territory_label()}) : "
            "essayez son code postal."
        }
    )


_folded = folded


def place_resolve(text: str) -> tuple[str, str, str]:
    """What a person types as a place → ("commune" | "postal_code", value, note).

    A postcode, an INSEE code, "Name (code)", or a commune's name (accents and case ignored; among
    homonyms the most populated, with a note saying so). SearchError on "lieu" when nothing matches.
    """
    from relais.territory.models import Commune, PostalCode

    text = " ".join(text.split())
    code = text.upper()
    if match := re.search(r"^(.*?)\s*\((\d{5}|2[AB]\d{3})\)$", code):
        # "Ajaccio (20000)", as the page labels a commune; "Ajaccio (2A004)" also works.
        name, code = _folded(match.group(1)), match.group(2)
        towns = Commune.objects.filter(postal_codes__code=code).values_list("insee_code", "name")
        named = [insee for insee, town in towns if _folded(town) == name]
        if named:
            return "commune", named[0], ""
        if Commune.objects.filter(insee_code=code).exists():
            return "commune", code, ""
        text = code  # a postcode alone, then
    if POSTCODE_RE.fullmatch(code) and PostalCode.objects.filter(code=code).exists():
        return "postal_code", code, ""
    if INSEE_RE.fullmatch(code) and Commune.objects.filter(insee_code=code).exists():
        return "commune", code, ""
    if POSTCODE_RE.fullmatch(code) or INSEE_RE.fullmatch(code):
        raise _unknown_code(code)
    wanted = _folded(text)
    ascii_prefix = re.match(r"[A-Za-z' -]*", text).group(0).strip()
    rows = Commune.objects.order_by("-population", "insee_code").values_list("insee_code", "name", "population")
    narrowed = rows.filter(name__istartswith=ascii_prefix[:3]) if len(ascii_prefix) >= 3 else rows
    matches = [row for row in narrowed if _folded(row[1]) == wanted] or [
        row for row in rows if _folded(row[1]) == wanted
    ]
    if not matches:
        raise _unknown_name(text)
    insee, name, _ = matches[0]
    note = ""
    if len(matches) > 1:
        note = (
            f"{len(matches)} communes s'appellent {name} : {commune_label(insee, name)}, la plus peuplée, est retenue. "
            "Précisez le code postal pour une autre."
        )
    return "commune", insee, note


# --- Fair rotation of ties ----------------------------------------------------------------------------------
