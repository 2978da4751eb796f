"""Every resource type Relais serves, read and searched on the demo territory, conforms to the profiles it claims.

The demo is built once for the module (smallest scale). For each registered type, the resources come from its own
handlers, called as the demo's members (and anonymously for public types), then each is checked by
relais.fhir.conformance against the committed snapshot of the ANS profiles (decision 0048).
"""

import io
import re
from collections import Counter
from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.http import Http404
from django.utils import timezone

from relais.accounts.actor import Actor
from relais.accounts.models import Membership
from relais.agenda.models import SlotKind
from relais.agenda.services import agenda_create, appointment_book, slot_create
from relais.demo.logins import EMAIL_DOMAIN
from relais.evaluations.models import FormDefinition
from relais.evaluations.services import evaluation_save
from relais.fhir import registry
from relais.fhir.conformance import check
from relais.fhir.errors import FhirError
from relais.pathway.events.subscriptions import subscription_set
from relais.pathway.matrix import MEDICAL
from relais.pathway.record.models import EventKind
from relais.pathway.record.services import event_post

from ..demo.shared import demo_once
from ..evaluations.answers import AGGIR_ANSWERS
from ..pathway.fhir.circle import build_circle

pytestmark = pytest.mark.django_db

demo = demo_once("--seed", "1", "--scale", "departement", "--departement", "2A", RELAIS_REQUIRE_2FA=False)


@pytest.fixture(scope="module")
def world(demo, django_db_blocker):
    """What the demo does not build, added once through the real services (rolled back with the demo): a care circle
    with relatives (tests/pathway/fhir/circle.py), the nurse's agenda with a booked appointment, subscriptions (all
    kinds; one national event type) and the notice of a discharge, an AGGIR evaluation."""
    with django_db_blocker.unblock():
        circle = build_circle()
        nurse = circle.subjects["health_care_team"].actor
        agenda = agenda_create(actor=nurse)
        start = timezone.now().replace(minute=0, second=0, microsecond=0) + timedelta(days=2)
        slot = slot_create(actor=nurse, agenda=agenda, start=start, duration_minutes=30, kind=SlotKind.HOME_VISIT)
        slot_create(
            actor=nurse, agenda=agenda, start=start + timedelta(hours=1), duration_minutes=30, kind=SlotKind.HOME_VISIT
        )
        appointment_book(actor=nurse, slot=slot, person=circle.person, purpose="Pansement")
        subscription_set(actor=nurse, person=circle.person)
        # A subscription to one national event type (NdE profile) and the notice of such an event.
        gp = circle.subjects["health_consent"].actor
        subscription_set(actor=gp, person=circle.person, kinds=["pathway.discharge"])
        event_post(actor=nurse, person=circle.person, kind=EventKind.DISCHARGE, title="Sortie", category=MEDICAL)
        call_command("load_forms", stdout=io.StringIO())  # an AGGIR evaluation, so QuestionnaireResponse is served
        aggir = FormDefinition.objects.get(key="aggir")
        evaluation_save(actor=nurse, person=circle.person, definition=aggir, raw=AGGIR_ANSWERS, complete=True)
    return circle


# Types that do not conform yet, with why. Each is expected to fail (strict): once a type conforms, its test fails
# until it is removed from here. Issue 14 (items 1 and 3) is fixing them in parallel: see the decision record 0048.
KNOWN_GAPS = {
    # Not conformant yet (their problems are printed by `pytest tests/fhir/test_conformance.py --runxfail`):
    "HealthcareService": "ROR HealthcareService: no specialty (TRE_R211) for day care, externat, semi-internat and "
    "sheltered work units (decision 0049, Gaps)",
    # Task conforms on the pages read above; the unit-level Tasks that still do not, on the whole demo, are pinned by
    # test_unit_level_tasks_of_every_kind_of_unit below (decision 0050, gaps).
    # Nothing to check: the demo (with the module's additions) serves none, or Relais serves none to read.
    "Bundle": "create only: Relais serves no Bundle to read (the SI-SDO notification is received, not served)",
}
PAGE = 8  # resources per search page: enough to meet each shape the demo builds, small enough to stay fast


def _types():
    return [
        pytest.param(r.type, marks=pytest.mark.xfail(strict=True, reason=KNOWN_GAPS[r.type]))
        if r.type in KNOWN_GAPS
        else r.type
        for r in registry.registrations()
    ]


def _actors(circle) -> list[Actor]:
    """The demo's named members (one per role), then the members of the module's care circle."""
    memberships = Membership.objects.select_related("user", "organisation").order_by("pk")
    named = [m for m in memberships if m.user.email.endswith(f"@{EMAIL_DOMAIN}")]
    actors = [Actor(organisation=m.organisation, role=m.role, user=m.user) for m in named]
    return actors + [s.actor for s in circle.subjects.values() if s.actor is not None]


def _searches(registration) -> list[dict]:
    """The searches to run: no parameter, then one per person for the types searched by patient."""
    searches: list[dict] = [{}]
    if registration.search_param("patient") is not None:
        searches += [{"patient": [f"Patient/{pk}"]} for pk in _person_ids()]
    return searches


def _person_ids() -> list[int]:
    """The persons of the demo's coordination records (the ones the pathway's resources are about)."""
    from relais.pathway.circle.models import CoordinationRecord

    return list(CoordinationRecord.objects.order_by("pk").values_list("person_id", flat=True))


def served(type_name: str, circle) -> list[dict]:
    """Resources of the type, as its handlers serve them to actors allowed to see them: searched, then read.

    For each search, the first actor who sees something; its first and last pages (a shared type's parts come one
    after the other in a search, so the last page shows the last part).
    """
    registration = registry.get(type_name)
    callers = ([None] if registration.public else []) + _actors(circle)
    found: dict[str, dict] = {}
    for params in _searches(registration):
        for actor in callers:
            try:
                page, total = registration.search(actor, params, 0, PAGE)
                if total > PAGE:
                    page += registration.search(actor, params, max(total - PAGE, PAGE), PAGE)[0]
            except (FhirError, PermissionDenied, ValidationError, Http404):
                continue
            for resource in page:
                found.setdefault(resource["id"], resource)
                read = registration.read(actor, resource["id"])
                assert read is not None, f"{type_name}/{resource['id']} found by search but not read"
                found[f"read:{resource['id']}"] = read
            if page:
                break  # one actor allowed to see them is enough for these parameters
    return list(found.values())


def _report(type_name: str, resources: list[dict]) -> str:
    """The problems, grouped by path without list indexes, with how many resources show each."""
    counter: Counter = Counter()
    examples: dict = {}
    unchecked: set[str] = set()
    for resource in resources:
        result = check(resource)
        unchecked |= {re.sub(r"\[\d+\]", "[n]", u) for u in result.unchecked}
        for problem in result.errors:
            key = (re.sub(r"\[\d+\]", "[n]", problem.path), re.sub(r"\[\d+\]", "[n]", problem.message))
            counter[key] += 1
            examples.setdefault(key, str(problem))
    lines = [f"{type_name}: {len(counter)} kinds of problems on {len(resources)} resources"]
    lines += [f"  {count:3} × {examples[key]}" for key, count in counter.most_common()]
    lines += ["not checked (outside the snapshot or unknown to Relais):"] + [f"  {u}" for u in sorted(unchecked)]
    return "\n".join(lines)


@pytest.mark.parametrize("type_name", _types())
def test_each_served_type_conforms_to_its_profiles(world, type_name):
    resources = served(type_name, world)
    assert resources, f"{type_name}: the demo serves no resource of this type to any of its members"
    problems = [p for r in resources for p in check(r).errors]
    assert not problems, _report(type_name, resources)


# Kinds of unit (FINESS category of the site, care mode) whose status Tasks still break regle-StatutUnite, and why:
# home services (TRE_R213 49) have no modePriseCharge (JDV_J264 has 46-48 only); an autonomous day centre (207) has no
# TRE_R244 category (none of the list is an "accueil de jour", decision 0049). Decision 0050, gaps.
UNIT_TASK_GAPS = {
    ("182", "home_services"): "modePriseCharge",
    ("445", "home_services"): "modePriseCharge",
    ("446", "home_services"): "modePriseCharge",
    ("354", "home_services"): "modePriseCharge",
    ("209", "home_services"): "modePriseCharge",
    ("460", "home_services"): "modePriseCharge",
    ("207", "day_care"): "categorieOrganisation",
}


def test_unit_level_tasks_of_every_kind_of_unit(demo):
    """One unit-level Task per kind of unit the demo's requests reached, checked: only the known gaps remain."""
    from relais.orientation.fhir.task_out import task_resource
    from relais.orientation.requests.models import StatusTransition

    first: dict[tuple, StatusTransition] = {}
    transitions = StatusTransition.objects.filter(unit__isnull=False).select_related("unit", "request__site")
    for transition in transitions.order_by("pk"):
        unit = transition.unit
        first.setdefault((transition.request.site.category_id, unit.care_mode, unit.alzheimer_unit), transition)
    assert len(first) > 5, "the demo reaches too few kinds of unit to tell"
    failing = {}
    for (category, mode, _alzheimer), transition in first.items():
        task = task_resource(transition)
        if errors := check(task).errors:
            names = {i["type"]["text"] for i in task["input"]}
            missing = [name for name in ("modePriseCharge", "categorieOrganisation") if name not in names]
            failing[(category, mode)] = ",".join(missing) or "; ".join(str(e) for e in errors)
    assert failing == {key: why for key, why in UNIT_TASK_GAPS.items() if key in failing}, failing
