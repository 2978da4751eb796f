"""The territory's view of the real demand: selectors that aggregate requests and decisions, never a person.

Scope (``territory_scope``): an MDPH or a conseil départemental sees its département, an ARS the départements of
its region, the national level everything. A person belongs to the territory of their residence (the admission
file's commune); an admission request to the territory of its person. Counts are computed in SQL (``Count``,
``Count(distinct=True)``, grouped); the delays from decision to admission need one integer per admission, so
the quartiles are computed exactly in Python (``statistics.quantiles``, inclusive method).

Small cells (for roles where ``policy.may_see_small_cells`` is false) are hidden by ``secrecy.py``; quartiles of
a category with a hidden count are hidden too.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from datetime import date, timedelta

from django.db.models import Count, Exists, OuterRef, Q, TextField
from django.db.models.functions import Cast
from django.utils import timezone

from relais.accounts.roles import OrganisationKind as Kind
from relais.offer.codes import CareMode
from relais.offer.models import Category
from relais.orientation import policy
from relais.orientation.admission.models import AdmissionFile
from relais.orientation.decisions.models import DecisionStatus, OrientationDecision
from relais.orientation.requests import statuses as st
from relais.orientation.requests import workflow as wf
from relais.orientation.requests.models import AdmissionRequest, StatusTransition
from relais.orientation.territory_figures.secrecy import Table
from relais.territory.models import Commune, Departement

# A list entry of the real demand: an open request without a place yet (``ESMS_WITHOUT_PLACE``). A solution: a
# request holding a place (``ESMS_PLACED``: admitted, trial period, entered, even asking a reorientation, 51).
# After 44 (trial inconclusive) or 48 (left) the person may be without solution again.


@dataclass(frozen=True)
class Scope:
    departements: tuple[str, ...] | None  # None: the whole country
    label: str


@dataclass(frozen=True)
class Filters:
    departement: str = ""
    category: str = ""
    start: date | None = None
    end: date | None = None
    days: int = 90


def territory_scope(actor) -> Scope | None:
    """The départements the actor's organisation looks after, or None when it may not see the territory."""
    if not policy.may_see_territory(actor):
        return None
    org = actor.organisation
    if org.kind == Kind.NATIONAL:
        return Scope(None, "France entière")
    if org.kind == Kind.ARS:
        if org.region_id is None:
            return Scope((), "région non renseignée")
        codes = Departement.objects.filter(region_id=org.region_id).order_by("code").values_list("code", flat=True)
        return Scope(tuple(codes), f"région {org.region.name}")
    if org.departement_id is None:
        return Scope((), "département non renseigné")
    return Scope((org.departement_id,), f"département {org.departement.name} ({org.departement_id})")


def departements_in(scope: Scope) -> list[tuple[str, str]]:
    qs = Departement.objects.order_by("code")
    if scope.departements is not None:
        qs = qs.filter(code__in=scope.departements)
    return list(qs.values_list("code", "name"))


def _codes(scope: Scope, filters: Filters) -> tuple[str, ...] | None:
    if filters.departement:
        allowed = scope.departements is None or filters.departement in scope.departements
        return (filters.departement,) if allowed else ()
    return scope.departements


def _person_place(codes, prefix: str) -> Q:
    """Rows whose person lives in ``codes``: the file's commune, else (no commune yet) the département of an
    organisation that decided for them. Two small subqueries of person ids, which the database hashes once,
    rather than joins with an OR that would defeat the indexes."""
    if codes is None:
        return Q()
    with_commune = AdmissionFile.objects.filter(commune__departement_id__in=codes).values("person_id")
    without_commune = OrientationDecision.objects.filter(
        organisation__departement_id__in=codes, person__admission_file__commune__isnull=True
    ).values("person_id")
    return Q(**{f"{prefix}pk__in": with_commune}) | Q(**{f"{prefix}pk__in": without_commune})


def _oriented_to(qs, category: str):
    """Decisions whose JSON list of categories holds ``category`` (text match: portable to SQLite)."""
    if not category:
        return qs
    return qs.annotate(_categories=Cast("categories", TextField())).filter(_categories__contains=f'"{category}"')


def _category_labels() -> dict[str, str]:
    return dict(Category.objects.values_list("code", "label"))


def _waiting(scope: Scope, filters: Filters):
    codes = _codes(scope, filters)
    qs = AdmissionRequest.objects.filter(status__in=st.ESMS_WITHOUT_PLACE).filter(_person_place(codes, "person__"))
    if filters.category:
        qs = qs.filter(site__category_id=filters.category)
    if filters.start:
        qs = qs.filter(created_at__date__gte=filters.start)
    if filters.end:
        qs = qs.filter(created_at__date__lte=filters.end)
    return qs


DEMAND_COLUMNS = ["Inscriptions en liste d'attente", "Personnes distinctes"]


def demand_tables(scope: Scope, filters: Filters) -> list[Table]:
    """The naive sum of list entries next to the persons behind them, by category, type of care and territory.
    The total counts each person once, whatever the number of lists they wait on."""
    qs = _waiting(scope, filters)
    labels = _category_labels()
    totals = qs.aggregate(entries=Count("pk"), persons=Count("person", distinct=True))
    total = [totals["entries"], totals["persons"]]

    by_category = (
        qs.values("site__category_id")
        .annotate(entries=Count("pk"), persons=Count("person", distinct=True))
        .order_by("site__category_id")
    )
    category_rows = [
        (
            f"{labels.get(r['site__category_id'], 'Non renseignée')} ({r['site__category_id'] or '—'})",
            [r["entries"], r["persons"]],
        )
        for r in by_category
    ]
    modes = dict(CareMode.choices)
    by_mode = (
        qs.values("unit_statuses__unit__care_mode")
        .annotate(entries=Count("pk", distinct=True), persons=Count("person", distinct=True))
        .order_by("unit_statuses__unit__care_mode")
    )
    mode_rows = [
        (modes.get(r["unit_statuses__unit__care_mode"], "Unité non encore précisée"), [r["entries"], r["persons"]])
        for r in by_mode
    ]
    codes = _codes(scope, filters)
    if codes is not None and len(codes) == 1:
        place, names = (
            "person__admission_file__commune_id",
            dict(Commune.objects.filter(departement_id=codes[0]).values_list("insee_code", "name")),
        )
        place_title = "par commune de résidence"
    else:
        place, names = (
            "person__admission_file__commune__departement_id",
            dict(Departement.objects.values_list("code", "name")),
        )
        place_title = "par département de résidence"
    by_place = qs.values(place).annotate(entries=Count("pk"), persons=Count("person", distinct=True)).order_by(place)
    place_rows = [
        (f"{names.get(r[place], 'Non renseigné')} ({r[place] or '—'})", [r["entries"], r["persons"]]) for r in by_place
    ]
    note = "Une personne inscrite sur plusieurs listes compte une fois dans le total des personnes."
    return [
        Table(
            "demande-categorie",
            "Demande réelle par catégorie d'établissement",
            DEMAND_COLUMNS,
            category_rows,
            total,
            note=note,
        ),
        Table(
            "demande-mode", "Demande réelle par mode de prise en charge", DEMAND_COLUMNS, mode_rows, total, note=note
        ),
        Table("demande-territoire", f"Demande réelle {place_title}", DEMAND_COLUMNS, place_rows, total, note=note),
    ]


def _decisions(scope: Scope, filters: Filters):
    codes = _codes(scope, filters)
    qs = OrientationDecision.objects.filter(_person_place(codes, "person__"))
    if filters.start:
        qs = qs.filter(decision_date__gte=filters.start)
    if filters.end:
        qs = qs.filter(decision_date__lte=filters.end)
    return qs


def _by_category(rows, filters: Filters) -> dict[str, set[int]]:
    """Decisions orient towards a list of categories (JSON): a person counts under each category of the list."""
    groups: dict[str, set[int]] = {}
    for person_id, categories in rows:
        for code in categories or [""]:
            if filters.category and code != filters.category:
                continue
            groups.setdefault(code, set()).add(person_id)
    return groups


def without_solution(decisions, *, today: date, days: int):
    """The one definition of a person without solution, for this page and the MDPH work list
    (``follow_up/work_list.py``): ``decisions`` narrowed to valid ones taken at least ``days`` days before ``today``
    whose person holds no place (``ESMS_PLACED``) anywhere."""
    placed = AdmissionRequest.objects.filter(status__in=st.ESMS_PLACED).values("person_id")
    return decisions.filter(status=DecisionStatus.VALID, decision_date__lte=today - timedelta(days=days)).exclude(
        person_id__in=placed
    )


def request_sent_after():
    """A decision (``OuterRef("pk")``) was followed by a request: one naming it, or (sent without naming it) a
    request of the person since its date. ``~request_sent_after()``: "aucune demande envoyée" (this page and the
    work list)."""
    return Exists(
        AdmissionRequest.objects.filter(
            Q(decision=OuterRef("pk"))
            | Q(person=OuterRef("person"), decision=None, created_at__date__gte=OuterRef("decision_date"))
        )
    )


def without_solution_table(scope: Scope, filters: Filters, today: date) -> Table:
    """Persons with a valid decision at least N days old and no place (``ESMS_PLACED``) anywhere."""
    qs = without_solution(_decisions(scope, filters), today=today, days=filters.days)
    groups = _by_category(_oriented_to(qs, filters.category).values_list("person_id", "categories"), filters)
    labels = _category_labels()
    rows = [(f"{labels.get(code, 'Non renseignée')} ({code or '—'})", [len(groups[code])]) for code in sorted(groups)]
    total = len(set().union(*groups.values())) if groups else 0
    return Table(
        "sans-solution",
        f"Personnes sans solution {filters.days} jours après la décision",
        ["Personnes"],
        rows,
        [total],
        note=f"Décision en cours de validité, aucune place obtenue ({st.words_text(st.ESMS_PLACED)}) depuis. "
        "Une personne orientée vers plusieurs catégories compte dans chacune, une seule fois au total.",
    )


def not_executed_table(scope: Scope, filters: Filters) -> Table:
    """Decisions (valid or expired) never followed by a request, or followed by requests but no admission."""
    qs = _decisions(scope, filters).filter(status__in=[DecisionStatus.VALID, DecisionStatus.EXPIRED])
    if filters.category:
        qs = qs.filter(pk__in=_oriented_to(OrientationDecision.objects.all(), filters.category).values("pk"))
    sent = request_sent_after()
    admitted = Exists(AdmissionRequest.objects.filter(person=OuterRef("person"), status__in=st.ESMS_PLACED))
    found: dict[str, list[int]] = {}
    for column, subset in enumerate((qs.filter(~sent), qs.filter(sent).filter(~admitted))):
        for status, n in subset.values_list("status").annotate(n=Count("pk")).order_by():
            found.setdefault(status, [0, 0])[column] = n
    rows = []
    for status, label in ((DecisionStatus.VALID, "En cours de validité"), (DecisionStatus.EXPIRED, "Expirées")):
        none, waiting = found.get(status, [0, 0])
        rows.append((label, [none, waiting, none + waiting]))
    total = [sum(r[1][j] for r in rows) for j in range(3)]
    return Table(
        "non-executees",
        "Décisions non exécutées",
        ["Aucune demande envoyée", "Demandes envoyées, aucune admission", "Total"],
        rows,
        total,
        row_total=True,
    )


@dataclass(frozen=True)
class Delays:
    label: str
    count: int
    q1: float | None
    median: float | None
    q3: float | None


def quartiles(values: list[int]) -> tuple[float, float, float] | None:
    """First quartile, median, third quartile (``statistics.quantiles``, inclusive method); None if empty."""
    if not values:
        return None
    if len(values) == 1:
        return float(values[0]), float(values[0]), float(values[0])
    q1, q2, q3 = statistics.quantiles(values, n=4, method="inclusive")
    return q1, q2, q3


def delay_rows(scope: Scope, filters: Filters) -> list[Delays]:
    """Days from the decision to the first admission (status 71) of one of its requests, by category of the ESMS."""
    codes = _codes(scope, filters)
    qs = StatusTransition.objects.filter(
        level=wf.ESMS, to_status=st.ADMITTED, request__decision__decision_date__isnull=False
    )
    qs = qs.filter(_person_place(codes, "request__person__"))
    if filters.category:
        qs = qs.filter(request__site__category_id=filters.category)
    if filters.start:
        qs = qs.filter(request__decision__decision_date__gte=filters.start)
    if filters.end:
        qs = qs.filter(request__decision__decision_date__lte=filters.end)
    first: dict[int, tuple] = {}
    for decision_id, category, decided, at in qs.order_by("at", "pk").values_list(
        "request__decision_id", "request__site__category_id", "request__decision__decision_date", "at"
    ):
        first.setdefault(decision_id, (category, max((timezone.localtime(at).date() - decided).days, 0)))
    by_category: dict[str, list[int]] = {}
    for category, days in first.values():
        by_category.setdefault(category or "", []).append(days)
    labels = _category_labels()
    out = []
    for code in sorted(by_category):
        q = quartiles(by_category[code])
        out.append(Delays(f"{labels.get(code, 'Non renseignée')} ({code or '—'})", len(by_category[code]), *q))
    every = [d for values in by_category.values() for d in values]
    q = quartiles(every)
    out.append(Delays("Toutes catégories", len(every), *(q or (None, None, None))))
    return out


def delay_table(rows: list[Delays], small_cells: bool) -> Table:
    """The delays as a table; a category with fewer than 5 admissions shows neither its count nor its quartiles."""
    table = Table(
        "delais",
        "Délai entre la décision et l'admission (jours)",
        ["Admissions", "1er quartile", "Médiane", "3e quartile"],
        [(d.label, [d.count]) for d in rows[:-1]],
        [rows[-1].count],
    )
    table.present(small_cells)
    grid = rows
    table.display = [
        [cell] + ([_fmt(d.q1), _fmt(d.median), _fmt(d.q3)] if cell.isdigit() else [cell] * 3)
        for cell, d in zip([r[0] for r in table.display], grid, strict=True)
    ]
    return table


def _fmt(value: float | None) -> str:
    if value is None:
        return "—"
    return f"{value:.0f}" if float(value).is_integer() else f"{value:.1f}".replace(".", ",")


def territory_report(actor, filters: Filters, today: date | None = None) -> dict | None:
    """Every table of the page, suppressed as the actor's role requires; None when out of scope."""
    scope = territory_scope(actor)
    if scope is None:
        return None
    today = today or timezone.localdate()
    small_cells = policy.may_see_small_cells(actor)
    tables = demand_tables(scope, filters)
    tables += [without_solution_table(scope, filters, today), not_executed_table(scope, filters)]
    for table in tables:
        table.present(small_cells)
    delays = delay_rows(scope, filters)
    tables.append(delay_table(delays, small_cells))
    return {"scope": scope, "tables": tables, "delays": delays, "small_cells": small_cells}
