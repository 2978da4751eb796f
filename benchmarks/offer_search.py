"""Benchmark of the offer search on a national demo directory (not a timed test).

    python benchmarks/offer_search.py [--seed 1] [--queries 1000] [--rebuild]

Builds once, then reuses, a SQLite database under var/bench/ keyed by the seed (DATABASE_URL set before
django.setup(), migrate, `demo_territory --scale national`: over 100,000 sites and 150,000 units). Runs
`--queries` deterministic mixed searches (radii 5 to 100 km; domains, categories, care modes, free places
only, ages, GIR, Alzheimer units, deficiencies; from communes, postcodes and points) through the code the
page and the API call: search_criteria_parse() then offer_search(), which also builds the result objects.
The same queries are then answered in memory by a scipy cKDTree over the sites' unit-sphere coordinates
(query_ball_point with the chord radius, then the same filters, eligibility zones and tie rotation in
numpy/python). Both answers are compared (agreement: share of queries with the same sites in the same
order). The last line printed is one JSON object: p50_ms, p95_ms (target 30), sites, units,
kdtree_p95_ms, ratio (p95_ms / kdtree_p95_ms), and details.
"""

import argparse
import json
import os
import random
import statistics
import sys
import time
from pathlib import Path

from machine import machine

ROOT = Path(__file__).resolve().parent.parent
TARGET_P95_MS = 30
RADII = (5, 10, 20, 30, 50, 100)
DOMAIN_AGES = {
    "older_people": (60, 98),
    "disabled_children": (1, 19),
    "disabled_adults": (20, 62),
    "multi_public": (20, 90),
    "health": (18, 90),
}
CARE_MODES = (
    "permanent_accommodation", "temporary_accommodation", "day_care", "home_services", "internat", "semi_internat",
    "externat", "sheltered_work",
)  # fmt: skip
DOMAIN_MODES = {  # the care modes people look for in each domain
    "older_people": ("permanent_accommodation", "temporary_accommodation", "day_care", "home_services"),
    "disabled_children": ("externat", "semi_internat", "internat", "home_services"),
    "disabled_adults": ("permanent_accommodation", "temporary_accommodation", "day_care", "sheltered_work"),
    "multi_public": ("home_services",),
    "health": ("permanent_accommodation", "day_care"),
}
CATEGORY_SETS = (("500",), ("183", "186"), ("246",), ("354", "209"), ("448", "449"), ("255",), ("182",), ("202",))


def setup(seed: int, rebuild: bool) -> dict:
    path = ROOT / "var" / "bench" / f"offer-search-seed{seed}.sqlite3"
    path.parent.mkdir(parents=True, exist_ok=True)
    if rebuild:
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
    os.environ["DATABASE_URL"] = f"sqlite:///{path}"
    os.environ.setdefault("SECRET_KEY", "benchmark-only-not-a-secret")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command

    from relais.offer.models import Site

    call_command("migrate", verbosity=0)
    built = {"db": str(path.relative_to(ROOT)), "reused": True}
    if Site.objects.count() < 100_000:
        started = time.perf_counter()
        call_command("demo_territory", scale="national", seed=seed, stdout=open(os.devnull, "w"))  # noqa: SIM115
        built.update(reused=False, demo_s=round(time.perf_counter() - started, 1))
    return built


def make_queries(seed: int, n: int) -> list[dict]:
    """Deterministic mixed queries, as query parameters (strings), like the page and the API receive."""
    from relais.territory.models import Commune, PostalCode

    rng = random.Random(f"offer-search-bench:{seed}")
    communes = list(
        Commune.objects.exclude(latitude=None).order_by("insee_code").values_list("insee_code", "population")
    )
    located = {code for code, _ in communes}
    postcodes = sorted(set(PostalCode.objects.filter(commune_id__in=located).values_list("code", flat=True)))
    weights = [max(p or 1, 1) for _, p in communes]
    coords = dict(Commune.objects.exclude(latitude=None).values_list("insee_code", "latitude"))
    lons = dict(Commune.objects.exclude(latitude=None).values_list("insee_code", "longitude"))
    queries = []
    for _ in range(n):
        # Half the searches where people live (population-weighted), half anywhere.
        code = rng.choices(communes, weights=weights)[0][0] if rng.random() < 0.5 else rng.choice(communes)[0]
        q: dict[str, str] = {"radius_km": str(rng.choice(RADII)), "rotation": str(rng.randint(0, 10**6))}
        origin = rng.random()
        if origin < 0.5:
            q["commune"] = code
        elif origin < 0.75:
            q["postal_code"] = rng.choice(postcodes)
        else:
            q["lat"] = f"{coords[code] + rng.uniform(-0.1, 0.1):.5f}"
            q["lon"] = f"{lons[code] + rng.uniform(-0.1, 0.1):.5f}"
        domain = None
        roll = rng.random()
        if roll < 0.45:
            domain = rng.choice(list(DOMAIN_AGES))
            q["domain"] = domain
        elif roll < 0.6:
            q["category"] = ",".join(rng.choice(CATEGORY_SETS))
        if rng.random() < 0.4:
            q["care_mode"] = rng.choice(DOMAIN_MODES.get(domain, CARE_MODES))
        if rng.random() < 0.35:
            q["free_only"] = "1"
        if rng.random() < 0.3:
            q["age"] = str(rng.randint(*DOMAIN_AGES.get(domain, (2, 95))))
        if domain == "older_people" and rng.random() < 0.3:
            q["gir"] = str(rng.randint(1, 6))
        if domain == "older_people" and rng.random() < 0.15:
            q["alzheimer"] = "1"
        if domain in ("disabled_children", "disabled_adults") and rng.random() < 0.3:
            q["deficiency"] = rng.choice(["intellectual", "autism", "psychic", "motor", "multiple"])
        queries.append(q)
    return queries


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(p / 100 * len(ordered)) - 1))]


def run_selector(queries: list[dict], *, count: bool = False) -> tuple[list[float], list[list[int]]]:
    """Each query's time and answer; `count`: as the page and the API ask, with the total of every page (0037)."""
    from django.http import QueryDict

    from relais.offer.search_criteria import search_criteria_parse
    from relais.offer.selectors import offer_search

    def params(q: dict) -> QueryDict:
        data = QueryDict(mutable=True)
        data.update(q)
        return data

    for q in queries[:50]:  # warm the page cache and the code paths; not measured
        offer_search(search_criteria_parse(params(q)))
    times, answers = [], []
    for q in queries:
        data = params(q)
        started = time.perf_counter()
        results = offer_search(search_criteria_parse(data), count=count)
        times.append((time.perf_counter() - started) * 1000)
        answers.append([r.site.pk for r in results.results])
    return times, answers


class KDTreeIndex:
    """The whole directory in memory: sites in a cKDTree, units as numpy arrays in site order (CSR)."""

    def __init__(self):
        import numpy as np
        from scipy.spatial import cKDTree

        from relais.offer.codes import REPLACED_CATEGORIES, CareMode, Deficiency
        from relais.offer.models import Category, Site, Unit
        from relais.territory.models import Commune, PostalCode

        self.np = np
        self.replaced = REPLACED_CATEGORIES
        self.domains = {}
        for code, domain in Category.objects.values_list("code", "domain"):
            self.domains.setdefault(domain, set()).add(code)
        rows = list(
            Site.objects.exclude(latitude=None)
            .order_by("id")
            .values_list("id", "latitude", "longitude", "is_open", "category_id")
        )
        self.site_id = np.array([r[0] for r in rows], dtype=np.int64)
        lat = np.radians([r[1] for r in rows])
        lon = np.radians([r[2] for r in rows])
        self.lat, self.lon = lat, lon
        self.xyz = np.column_stack((np.cos(lat) * np.cos(lon), np.cos(lat) * np.sin(lon), np.sin(lat)))
        self.tree = cKDTree(self.xyz)
        self.open = np.array([r[3] for r in rows], dtype=bool)
        self.category = np.array([r[4] or "" for r in rows], dtype=object)
        position = {site_id: i for i, site_id in enumerate(self.site_id.tolist())}
        modes = {m: i for i, m in enumerate(CareMode.values)}
        bits = {d: 1 << i for i, d in enumerate(Deficiency.values)}
        self.modes, self.bits = modes, bits
        fields = ("site_id", "care_mode", "available", "age_min", "age_max", "gir_min", "gir_max", "alzheimer_unit")
        rows = Unit.objects.filter(is_open=True).values_list(
            *fields, "deficiencies", "eligibility_zone", "capacity_updated_at", "site__capacity_update_days"
        )
        units = sorted(((position[r[0]], *r[1:]) for r in rows if r[0] in position), key=lambda u: u[0])
        self.u_site = np.array([u[0] for u in units], dtype=np.int64)
        self.u_mode = np.array([modes[u[1]] for u in units], dtype=np.int64)
        self.u_available = np.array([u[2] for u in units], dtype=np.int64)
        from relais.offer.capacity_selectors import capacity_is_fresh

        # Free places count only when the figures are within their site's period (decision 0037).
        self.u_fresh = np.array([capacity_is_fresh(u[10], u[11]) for u in units], dtype=bool)
        self.u_age_min = np.array([-1 if u[3] is None else u[3] for u in units], dtype=np.int64)
        self.u_age_max = np.array([10**6 if u[4] is None else u[4] for u in units], dtype=np.int64)
        self.u_gir_min = np.array([99 if u[5] is None else u[5] for u in units], dtype=np.int64)
        self.u_gir_max = np.array([-1 if u[6] is None else u[6] for u in units], dtype=np.int64)
        self.u_alzheimer = np.array([u[7] for u in units], dtype=bool)
        self.u_deficiency = np.array([sum(bits[d] for d in u[8]) for u in units], dtype=np.int64)
        self.u_zone = [frozenset(u[9]) for u in units]
        self.u_has_zone = np.array([bool(u[9]) for u in units], dtype=bool)
        counts = np.bincount(self.u_site, minlength=len(rows))
        self.u_count = counts
        self.u_start = np.concatenate(([0], np.cumsum(counts)[:-1]))
        self.communes = {c: (la, lo) for c, la, lo in Commune.objects.exclude(latitude=None).values_list(
            "insee_code", "latitude", "longitude")}  # fmt: skip
        self.postcodes: dict[str, list[str]] = {}
        for code, commune in PostalCode.objects.order_by("commune_id").values_list("code", "commune_id"):
            self.postcodes.setdefault(code, []).append(commune)

    def origin(self, q: dict):
        if "lat" in q:
            return float(q["lat"]), float(q["lon"]), frozenset()
        if "commune" in q:
            return (*self.communes[q["commune"]], frozenset({q["commune"]}))
        codes = self.postcodes[q["postal_code"]]
        points = [self.communes[c] for c in codes if c in self.communes]
        return sum(p[0] for p in points) / len(points), sum(p[1] for p in points) / len(points), frozenset(codes)

    def search(self, q: dict) -> list[int]:
        from relais.offer.geo import EARTH_RADIUS_KM, chord_for_km, unit_vector
        from relais.offer.selectors import PRIME, _coefficients

        np = self.np
        lat0, lon0, communes = self.origin(q)
        radius, limit = float(q["radius_km"]), 50
        candidates = np.array(self.tree.query_ball_point(unit_vector(lat0, lon0), chord_for_km(radius)), dtype=np.int64)
        candidates = candidates[self.open[candidates]]
        codes = None
        if "category" in q:
            wanted = set(q["category"].split(","))
            wanted |= {old for old, new in self.replaced.items() if new in wanted}
            codes = wanted
        if "domain" in q:
            codes = self.domains.get(q["domain"], set()) if codes is None else codes & self.domains[q["domain"]]
        if codes is not None:
            candidates = candidates[np.isin(self.category[candidates], list(codes))]
        phi0, lam0 = np.radians(lat0), np.radians(lon0)
        phi, lam = self.lat[candidates], self.lon[candidates]
        a = np.sin((phi - phi0) / 2) ** 2 + np.cos(phi0) * np.cos(phi) * np.sin((lam - lam0) / 2) ** 2
        distance = 2 * EARTH_RADIUS_KM * np.arcsin(np.minimum(1.0, np.sqrt(a)))
        keep = distance <= radius
        candidates, distance = candidates[keep], distance[keep]
        # The units of the candidates (ragged gather), then the unit criteria.
        counts = self.u_count[candidates]
        owner = np.repeat(np.arange(len(candidates)), counts)
        starts = np.repeat(self.u_start[candidates] - np.cumsum(counts) + counts, counts)
        units = starts + np.arange(counts.sum())
        ok = np.ones(len(units), dtype=bool)
        explicit = False
        if "care_mode" in q:
            ok &= self.u_mode[units] == self.modes[q["care_mode"]]
            explicit = True
        if q.get("free_only") == "1":
            ok &= (self.u_available[units] > 0) & self.u_fresh[units]
            explicit = True
        if "age" in q:
            age = int(q["age"])
            ok &= (self.u_age_min[units] <= age) & (self.u_age_max[units] >= age)
            explicit = True
        if "gir" in q:
            gir = int(q["gir"])
            ok &= (self.u_gir_min[units] <= gir) & (self.u_gir_max[units] >= gir)
            explicit = True
        if q.get("alzheimer") == "1":
            ok &= self.u_alzheimer[units]
            explicit = True
        if "deficiency" in q:
            ok &= (self.u_deficiency[units] & self.bits[q["deficiency"]]) != 0
            explicit = True
        if communes:
            for i in np.nonzero(ok & self.u_has_zone[units])[0]:
                if not (self.u_zone[units[i]] & communes):
                    ok[i] = False
        matching = np.bincount(owner[ok], minlength=len(candidates)) > 0
        if not explicit:
            matching |= counts == 0  # a site without units matches when no unit criterion is asked
        candidates, distance = candidates[matching], distance[matching]
        a_, b_, c_ = _coefficients(int(q["rotation"]))
        ids = self.site_id[candidates]
        x = (ids * a_ + b_) % PRIME
        rotation = (x * x % PRIME + ids * c_) % PRIME
        order = np.lexsort((rotation, np.round(distance + 1e-9, 1)))[:limit]
        return ids[order].tolist()


def run_kdtree(queries: list[dict]) -> tuple[list[float], list[list[int]], float]:
    started = time.perf_counter()
    index = KDTreeIndex()
    build_s = time.perf_counter() - started
    for q in queries[:50]:
        index.search(q)
    times, answers = [], []
    for q in queries:
        started = time.perf_counter()
        answers.append(index.search(q))
        times.append((time.perf_counter() - started) * 1000)
    return times, answers, build_s


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--queries", type=int, default=1000)
    parser.add_argument("--rebuild", action="store_true", help="rebuild the database even if present")
    args = parser.parse_args()
    built = setup(args.seed, args.rebuild)
    from relais.offer.models import Site, Unit

    queries = make_queries(args.seed, args.queries)
    times, answers = run_selector(queries)
    count_times, _ = run_selector(queries[: max(1, len(queries) // 5)], count=True)
    kd_times, kd_answers, kd_build_s = run_kdtree(queries)
    same = sum(a == b for a, b in zip(answers, kd_answers, strict=True))
    p95, kd_p95 = percentile(times, 95), percentile(kd_times, 95)
    result = {
        "p50_ms": round(percentile(times, 50), 2),
        "p95_ms": round(p95, 2),
        "p99_ms": round(percentile(times, 99), 2),
        "mean_ms": round(statistics.fmean(times), 2),
        "max_ms": round(max(times), 2),
        "sites": Site.objects.count(),
        "units": Unit.objects.count(),
        "queries": len(queries),
        "empty_results": sum(not a for a in answers),
        "with_total_p95_ms": round(percentile(count_times, 95), 2),
        "kdtree_p50_ms": round(percentile(kd_times, 50), 3),
        "kdtree_p95_ms": round(kd_p95, 3),
        "kdtree_build_s": round(kd_build_s, 2),
        "ratio": round(p95 / kd_p95, 1),
        "agreement": round(same / len(queries), 4),
        "target_p95_ms": TARGET_P95_MS,
        "meets_target": p95 <= TARGET_P95_MS,
        "database": built,
        "machine": machine(),
    }
    print(
        f"Recherche : p50 {result['p50_ms']} ms, p95 {result['p95_ms']} ms (cible {TARGET_P95_MS}) ; "
        f"KD-tree en mémoire : p95 {result['kdtree_p95_ms']} ms ; mêmes réponses : {same}/{len(queries)}"
    )
    print(json.dumps(result))


if __name__ == "__main__":
    main()
