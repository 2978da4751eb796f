"""Selectors that turn the database into matching instances (``relais.matching``), and nothing else.

The engine is pure; this module decides what it sees:
- units: open units with free places (``available``), of the sites the actor runs admissions for, or of a
  département for the simulation;
- requests: the open requests on a waiting list (``ESMS_ON_WAITING_LIST``: 42 "liste d'attente", 72 "admissible",
  54 "réactivée") addressed to those sites; for the simulation, the pending ones (``ESMS_PENDING``: 39 to 42, 72,
  54; not 45, a place the ESMS already refused) too;
- per request: the person's age (birth date), the admission file's urgency, GIR and commune (coordinates and
  département), the oriented categories (``oriented_categories``: the decision's, plus the site's own when the
  request was sent by derogation), the care modes asked for (``asked_care_modes``), the wish rank,
  and the days since the request was sent (``requests.selectors.with_sent_at``, as on the waiting list).

Categories are FINESS codes read through ``offer.codes.current_category`` on both sides (a FAM decision, 437, matches
an EAM unit, 448), exactly as ``requests/coverage.py`` does when sending: the pure core compares the codes it is given.

The GIR (medical part) is used for compatibility only; no explanation shown to ESMS staff ever states it.
"""

from __future__ import annotations

from datetime import date

from django.db.models import Q, QuerySet
from django.utils import timezone

from relais.matching.instance import Instance, Request, Unit
from relais.matching.priority import days_waited
from relais.offer.acting import site_filter
from relais.offer.codes import CareMode, current_category
from relais.offer.models import Unit as UnitModel
from relais.orientation.policy import ADMISSION_ROLES
from relais.orientation.requests.models import AdmissionRequest
from relais.orientation.requests.selectors import with_sent_at
from relais.orientation.requests.statuses import ESMS_ON_WAITING_LIST, ESMS_PENDING, UNIT_PENDING


def units_run_by(actor) -> QuerySet[UnitModel]:
    """Open units with free places of the sites whose admissions the actor runs (``policy.may_process_request``'s
    rule, for units): members with an admission role of the site's organisation or of its legal entity's."""
    if actor is None or (actor.api_client is None and actor.role not in ADMISSION_ROLES):
        return UnitModel.objects.none()
    return (
        UnitModel.objects.filter(site_filter(actor.organisation.pk))
        .filter(is_open=True, available__gt=0)
        .select_related("site__commune", "site__legal_entity")
        .order_by("pk")
    )


def units_of_departement(code: str) -> QuerySet[UnitModel]:
    return (
        UnitModel.objects.filter(site__commune__departement_id=code, is_open=True, available__gt=0)
        .select_related("site__commune")
        .order_by("pk")
    )


def _age(birth: date | None, today: date) -> int | None:
    if birth is None:
        return None
    return today.year - birth.year - ((today.month, today.day) < (birth.month, birth.day))


def _unit_record(unit: UnitModel) -> Unit:
    site = unit.site
    return Unit(
        id=unit.pk,
        site_id=unit.site_id,
        free=unit.available,
        category=current_category(site.category_id or ""),
        care_mode=unit.care_mode,
        age_min=unit.age_min,
        age_max=unit.age_max,
        deficiencies=frozenset(unit.deficiencies or ()),
        gir_min=unit.gir_min,
        gir_max=unit.gir_max,
        latitude=site.latitude,
        longitude=site.longitude,
        zone=site.commune.departement_id if site.commune_id else "",
    )


def oriented_categories(request: AdmissionRequest) -> frozenset[str]:
    """The categories the person is oriented to for this request, as current FINESS codes: the decision's (empty:
    any), plus the site's own when the request was sent by derogation (a recorded derogation is an orientation to
    that ESMS: sending accepted it, matching must not refuse it)."""
    decided = frozenset(current_category(str(c)) for c in (request.decision.categories if request.decision else ()))
    if decided and request.has_derogation and request.site.category_id:
        return decided | {current_category(request.site.category_id)}
    return decided


def asked_care_modes(request: AdmissionRequest) -> frozenset[str]:
    """The care modes the person asked for at this ESMS: the decision's types of care, narrowed to the modes of the
    units where the ESMS put the person on a list (pending unit pairs 182/183/184) when there are any — a person on
    the permanent unit's list only is not proposed a temporary place; sent by derogation, the listed modes alone.
    Empty means any (no decision, no pair)."""
    decided = frozenset(c for c in (request.decision.care_types if request.decision else ()) if c in CareMode.values)
    listed = frozenset(
        pair.unit.care_mode for pair in request.unit_statuses.all() if pair.status in UNIT_PENDING and pair.unit.is_open
    )
    if not listed:
        return decided
    if not decided or request.has_derogation:  # sent outside the decision: the lists the ESMS put the person on
        return listed
    return (decided & listed) or decided


def _request_record(request: AdmissionRequest, today: date) -> Request:
    person, site = request.person, request.site
    admission_file = getattr(person, "admission_file", None)
    commune = admission_file.commune if admission_file is not None else None
    modes = asked_care_modes(request)
    zone = commune.departement_id if commune is not None else (site.commune.departement_id if site.commune_id else "")
    return Request(
        id=request.pk,
        person_id=request.person_id,
        site_id=request.site_id,
        site_category=current_category(site.category_id or ""),
        urgency=admission_file.urgency if admission_file is not None else 0,
        days_waited=days_waited(timezone.localdate(request.sent_at), today),
        wish_rank=request.wish_rank,
        latitude=commune.latitude if commune is not None else None,
        longitude=commune.longitude if commune is not None else None,
        age=_age(person.birth_date, today),
        gir=admission_file.gir if admission_file is not None else None,
        categories=oriented_categories(request),
        care_modes=modes,
        zone=zone,
    )


def _requests(filters: Q, statuses) -> QuerySet[AdmissionRequest]:
    return (
        with_sent_at(
            AdmissionRequest.objects.filter(filters, status__in=statuses).select_related(
                "person__admission_file__commune", "site__commune", "decision"
            )
        )
        .prefetch_related("unit_statuses__unit")
        .order_by("pk")
    )


def instance_for_units(units, *, today: date | None = None) -> Instance:
    """The actor's units and the waiting-list requests addressed to their sites."""
    today = today or timezone.localdate()
    units = list(units)
    site_ids = {unit.site_id for unit in units}
    requests = _requests(Q(site_id__in=site_ids), ESMS_ON_WAITING_LIST)
    return Instance.from_records(
        units=[_unit_record(u) for u in units], requests=[_request_record(r, today) for r in requests]
    )


def instance_for_departement(code: str, *, today: date | None = None) -> Instance:
    """A département's free places, and the pending requests of persons living there or asking a site there."""
    today = today or timezone.localdate()
    units = units_of_departement(code)
    filters = Q(site__commune__departement_id=code) | Q(person__admission_file__commune__departement_id=code)
    requests = _requests(filters, ESMS_PENDING)
    return Instance.from_records(
        units=[_unit_record(u) for u in units], requests=[_request_record(r, today) for r in requests]
    )
