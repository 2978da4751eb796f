"""Reads of admission requests for services. What a user may see is scoped by ``policy.requests_visible_to``."""

from __future__ import annotations

from datetime import date

from django.db.models import OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce

from relais.offer.models import Unit
from relais.orientation.decisions.models import DecisionKind
from relais.orientation.requests import workflow as wf
from relais.orientation.requests.coverage import DecisionFacts, UnitFacts, age_on, coverage
from relais.orientation.requests.models import ESMS_ENDED, AdmissionRequest, StatusTransition


def open_requests_of(person):
    return AdmissionRequest.objects.filter(person=person).exclude(status__in=ESMS_ENDED).order_by("wish_rank", "pk")


def with_sent_at(queryset: QuerySet[AdmissionRequest]) -> QuerySet[AdmissionRequest]:
    """Annotates ``sent_at``: the request's first ESMS-level transition (its sending), else its creation. The one
    date the time waited is counted from, on the waiting list and in matching alike (decision 0033)."""
    first = StatusTransition.objects.filter(request=OuterRef("pk"), level=wf.ESMS).order_by("at", "pk").values("at")
    return queryset.annotate(sent_at=Coalesce(Subquery(first[:1]), "created_at"))


def decision_facts(decision) -> DecisionFacts:
    if decision is None:
        return DecisionFacts()
    return DecisionFacts(
        categories=frozenset(str(c) for c in decision.categories or ()),
        care_modes=frozenset(str(c) for c in decision.care_types or ()),
        by_cdaph=decision.kind == DecisionKind.MDPH,
    )


def sites_coverage(*, decision, person, sites, day: date) -> dict[int, list[str]]:
    """For each site, the reasons the decision does not cover it for ``person`` on ``day`` (empty: covered)."""
    units: dict[int, list[UnitFacts]] = {site.pk: [] for site in sites}
    rows = Unit.objects.filter(site__in=list(units), is_open=True).order_by("name", "pk")
    for unit in rows.values("site_id", "name", "care_mode", "age_min", "age_max"):
        units[unit.pop("site_id")].append(UnitFacts(**unit))
    facts = decision_facts(decision)
    age = age_on(person.birth_date, day) if person.birth_date else None
    return {
        site.pk: coverage(
            decision=facts,
            category=site.category_id or "",
            category_label=site.category.label if site.category_id else "",
            units=units[site.pk],
            age=age,
        )
        for site in sites
    }
