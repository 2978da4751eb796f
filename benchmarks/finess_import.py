"""Benchmark of `manage.py import_finess` on a synthetic national etalab extract (not a timed test).

    python benchmarks/finess_import.py [--sites 100000] [--seed 1] [--no-geography]

In a temporary directory: a fresh SQLite database (DATABASE_URL set before django.setup(), then migrate),
the reference geography of a dozen départements (so sites link to real communes; not timed), and a
deterministic latin-1 extract with `structureet` and `geolocalisation` lines: real communes and postcodes,
Lambert-93 points (UTM 40S for La Réunion) scattered around each commune, 3 % of sites without
coordinates. The extract is imported twice through the command itself (call_command). The last line
printed is one JSON object: sites, import_s (target 60), reimport_s (target 20), and details, among them
all_changed_s: a third run where every site's update date moved on, so every site is rewritten.
Nothing is written outside the temporary directory.
"""

import argparse
import io
import json
import os
import random
import re
import sys
import tempfile
import time
from pathlib import Path

from machine import machine

ROOT = Path(__file__).resolve().parent.parent
TARGETS = {"import_s": 60, "reimport_s": 20}
DEPARTEMENTS = {"06", "13", "2A", "31", "33", "35", "44", "59", "67", "69", "75", "974"}
CATEGORIES = [  # code, label, aggregate, aggregate label, weight
    ("620", "Pharmacie d'Officine", "3201", "Commerce de Biens à Usage Médicaux", 22),
    ("500", "Etablissement d'hébergement pour personnes âgées dépendantes", "4401", "EHPA", 8),
    ("460", "Service autonomie aide", "4601", "Services à domicile", 6),
    ("354", "Service de Soins Infirmiers A Domicile", "4602", "Services de soins à domicile", 3),
    ("183", "Institut Médico-Educatif (I.M.E.)", "4102", "Etablissements pour Enfants Handicapés", 3),
    ("182", "Service d'Éducation Spéciale et de Soins à Domicile", "4106", "Services pour Handicapés", 3),
    ("246", "Etablissement et Service d'Aide par le Travail (E.S.A.T.)", "4301", "Travail protégé", 3),
    ("449", "Etablissement d'Accueil Non Médicalisé pour personnes handicapées", "4302", "Hébergement", 3),
    ("355", "Centre Hospitalier (C.H.)", "1102", "Centres Hospitaliers", 2),
    ("365", "Etablissement de Soins Pluridisciplinaire", "1110", "Soins de Courte Durée", 2),
    ("124", "Centre de Santé", "2204", "Centres de Santé", 8),
    ("611", "Laboratoire d'Analyses", "3301", "Laboratoires", 5),
    ("223", "Protection Maternelle et Infantile (P.M.I.)", "2202", "PMI et Planification", 4),
    ("437", "Foyer d'Accueil Médicalisé pour Adultes Handicapés (F.A.M.)", "4302", "Hébergement", 1),
]
STREET_TYPES = ["R", "AV", "BD", "PL", "CHE", "RTE", "ALL", "IMP", "QUAI", "CRS"]
STREETS = (
    "DE LA REPUBLIQUE|JEAN JAURES|DU GENERAL DE GAULLE|VICTOR HUGO|PASTEUR|DE LA GARE|DES ÉCOLES|DE L'ÉGLISE|DU MOULIN|"
    "DES TILLEULS|FOCH|GAMBETTA|DE PARIS|DU STADE|DES LILAS"
).split("|")
NAMES = (
    "LES TILLEULS|LE BOIS JOLI|SAINT JOSEPH|LES GLYCINES|LA ROSERAIE|DU CENTRE|LES CÈDRES|BEL AIR|LE VAL FLEURI|"
    "SAINTE MARIE|DU PARC|LES OLIVIERS|LA SOURCE|DES ÉTANGS"
).split("|")
L93 = "1,ATLASANTE,96,BAN,EPSG:2154 RGF93 / Lambert-93 (Métropole)"
REUNION = "1,ATLASANTE,96,BAN,EPSG:2975 RGR92 / UTM zone 40S (Réunion)"


def communes() -> list[tuple]:
    """(insee, name, postcode, latitude, longitude) of the loaded communes with coordinates, in code order."""
    from relais.territory.models import Commune

    rows = []
    for commune in Commune.objects.exclude(latitude=None).prefetch_related("postal_codes").order_by("insee_code"):
        codes = sorted(p.code for p in commune.postal_codes.all())
        postcode = codes[0] if codes else commune.insee_code.replace("A", "0").replace("B", "0")
        rows.append((commune.insee_code, commune.name, postcode, commune.latitude, commune.longitude))
    if not rows:  # --no-geography: a few real places, no commune rows to link
        rows = [
            ("35238", "Rennes", "35000", 48.1114, -1.6799),
            ("13055", "Marseille", "13001", 43.2965, 5.3698),
            ("69123", "Lyon", "69001", 45.7640, 4.8357),
            ("97411", "Saint-Denis", "97400", -20.8823, 55.4504),
        ]
    return rows


def generate(path: Path, sites: int, seed: int) -> dict:
    from pyproj import Transformer

    rng = random.Random(seed)
    places = communes()
    to_l93 = Transformer.from_crs("EPSG:4326", "EPSG:2154", always_xy=True)
    to_utm40s = Transformer.from_crs("EPSG:4326", "EPSG:2975", always_xy=True)
    categories, weights = CATEGORIES, [c[4] for c in CATEGORIES]
    structures, geolocations, entity = [], [], 0
    remaining_in_entity = 0
    for n in range(sites):
        insee, name, postcode, latitude, longitude = rng.choice(places)
        name = name.upper().replace("Œ", "OE")  # FINESS writes latin-1
        overseas = insee.startswith("97")
        departement, commune = ("9D", insee[2:]) if overseas else (insee[:2], insee[2:])
        prefix = "97" if overseas else insee[:2]
        if remaining_in_entity == 0:
            entity, remaining_in_entity = entity + 1, rng.choice((1, 1, 1, 2, 2, 3, 4, 6))
            entity_number = f"{prefix}{5_000_000 + entity:07d}"
        remaining_in_entity -= 1
        code, label, aggregate, aggregate_label, _ = rng.choices(categories, weights)[0]
        short = f"{label.split(' (')[0][:14].upper()} {rng.choice(NAMES)}"
        opened = f"{rng.randint(1950, 2024)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
        updated = f"{rng.randint(2015, 2026)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
        fields = [
            f"{prefix}{n:07d}", entity_number, short[:38] + " " * rng.choice((0, 0, 3)),
            f"{short} {name}"[:60], "", "", str(rng.randint(1, 250)), rng.choice(STREET_TYPES),
            rng.choice(STREETS), rng.choice(("", "", "", "B")), rng.choice(("", "", "", "BP 12")), commune, departement,
            "DEPARTEMENT", f"{postcode} {name}"[:32], f"0{rng.randint(100_000_000, 999_999_999)}", "", code,
            label, aggregate, aggregate_label, rng.choice(("", f"{rng.randint(10**13, 10**14 - 1)}")), "", "03",
            "ARS", "", "", opened, opened, updated,
        ]  # fmt: skip
        structures.append("structureet;" + ";".join(fields) + ";")
        if rng.random() < 0.015:
            continue  # no geolocalisation line
        if rng.random() < 0.015:
            geolocations.append(f"geolocalisation;{fields[0]};;;;2026-05-04")
            continue
        jitter_lat, jitter_lon = rng.uniform(-0.02, 0.02), rng.uniform(-0.02, 0.02)
        x, y = (to_utm40s if overseas else to_l93).transform(longitude + jitter_lon, latitude + jitter_lat)
        geolocations.append(f"geolocalisation;{fields[0]};{x:.1f};{y:.1f};{REUNION if overseas else L93};2026-05-04")
    lines = ["finess;etalab;111;2026-05-12", *structures, *geolocations]
    path.write_text("\r\n".join(lines) + "\r\n", encoding="latin-1", errors="replace")
    return {"legal_entities": entity, "lines": len(lines), "communes": len(places), "bytes": path.stat().st_size}


def timed_import(path: Path) -> tuple[float, float, dict]:
    """(total seconds, seconds spent reading and checking the file, JSON summary)."""
    from django.core.management import call_command

    out = io.StringIO()
    started = time.perf_counter()
    call_command("import_finess", str(path), stdout=out, stderr=io.StringIO())
    elapsed = time.perf_counter() - started
    lines = out.getvalue().splitlines()
    read = re.search(r"lu en ([0-9.]+) s", lines[0])
    return elapsed, float(read.group(1)) if read else -1.0, json.loads(lines[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--sites", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--no-geography", action="store_true", help="skip loading communes (sites get none)")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="relais-finess-bench-") as directory:
        tmp = Path(directory)
        os.environ["DATABASE_URL"] = f"sqlite:///{tmp / 'bench.sqlite3'}"
        os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
        os.environ.setdefault("SECRET_KEY", "benchmark-only-not-a-secret")
        sys.path.insert(0, str(ROOT))
        import django

        django.setup()
        from django.core.management import call_command

        started = time.perf_counter()
        call_command("migrate", verbosity=0)
        if not args.no_geography:
            from relais.territory.services import geography_load

            geography_load(departements=DEPARTEMENTS)
        setup_s = time.perf_counter() - started
        print(f"Base prête en {setup_s:.1f} s ; génération de {args.sites} établissements…", flush=True)
        started = time.perf_counter()
        extract = tmp / "etalab-cs1100507-synthetique.csv"
        generated = generate(extract, args.sites, args.seed)
        generate_s = time.perf_counter() - started
        print(f"Extrait généré en {generate_s:.1f} s ({generated['bytes'] / 1e6:.1f} Mo) ; import…", flush=True)
        import_s, import_read_s, first = timed_import(extract)
        print(f"Import : {import_s:.1f} s {json.dumps(first)}", flush=True)
        reimport_s, reimport_read_s, second = timed_import(extract)
        print(f"Réimport : {reimport_s:.1f} s {json.dumps(second)}", flush=True)
        # Not a target: the same extract with every site's update date moved on, so every site is rewritten.
        extract.write_bytes(re.sub(rb";20[0-9]{2}-[0-9]{2}-[0-9]{2};\r\n", b";2026-12-31;\r\n", extract.read_bytes()))
        changed_s, _read, third = timed_import(extract)
        print(f"Tout modifié : {changed_s:.1f} s {json.dumps(third)}", flush=True)

    changes = sum(second[kind][key] for kind in second for key in ("created", "updated", "closed"))
    result = {
        "sites": args.sites,
        "legal_entities": generated["legal_entities"],
        "import_s": round(import_s, 2),
        "reimport_s": round(reimport_s, 2),
        "targets": TARGETS,
        "read_s": {"import": import_read_s, "reimport": reimport_read_s},
        "all_changed_s": round(changed_s, 2),
        "all_changed_updated": third["sites"]["updated"],
        "within_targets": import_s <= TARGETS["import_s"] and reimport_s <= TARGETS["reimport_s"],
        "sites_created": first["sites"]["created"],
        "reimport_changes": changes,
        "lines": generated["lines"],
        "file_mb": round(generated["bytes"] / 1e6, 1),
        "communes": generated["communes"],
        "setup_s": round(setup_s, 1),
        "generate_s": round(generate_s, 1),
        "database": "sqlite",
        "machine": machine(),
    }
    print(json.dumps(result, ensure_ascii=False))


if __name__ == "__main__":
    main()
