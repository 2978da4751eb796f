"""The medical part of the admission file reaches a page only where ``policy.can_read_medical`` allows it (issue 12
item 7, decision 0032): not in the HTML, not in the template context, not in htmx partials, exports or FHIR answers.

Each role renders every page that shows a person's file or a list of requests; the distinctive medical values are
searched in the answer and in the template context (walked through dicts, lists, dataclasses, forms and the fields
and related objects model instances have loaded).
"""

import dataclasses
import io
import re
import zipfile

import pytest
from django.db.models import Model, QuerySet
from django.forms import BaseForm
from django.test import Client
from django.urls import reverse

from relais.accounts.roles import OrganisationKind, Role
from relais.accounts.services import api_client_create
from relais.orientation.admission.models import AdmissionFile
from relais.orientation.admission.services import admission_file_medical_update

from .test_waiting_list import build_esms

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("no_2fa")]

CARE_NEEDS = "Besoins-soins-K8Z"
NOTES = "Notes-médicales-7Q3"
GIR = 5
NEEDLES = (CARE_NEEDS, NOTES)
# Pages that show the medical part to who may read it; every other page never does, whoever reads it.
MEDICAL_PAGES = {"person", "esms_request", "file_medical"}


@pytest.fixture
def scene(world, monkeypatch, make_organisation, make_member):
    esms = build_esms(world, monkeypatch)
    _u, author = make_member(world.coordinator.organisation, role=Role.COORDINATOR, professional_category="physician")
    admission_file_medical_update(
        actor=author, person=world.person, gir=GIR, care_needs=CARE_NEEDS, medical_notes=NOTES
    )
    _u, nurse = make_member(world.sites[0].organisation, role=Role.CARE_PROFESSIONAL, professional_category="nurse")
    departement = make_organisation(kind=OrganisationKind.DEPARTEMENT_COUNCIL)
    ars = make_organisation(kind=OrganisationKind.ARS)
    roles = {
        "ESMS admission officer": (world.staff[0], False),
        "ESMS health professional": (nurse, True),
        "ESMS director (managing body)": (world.body_director, False),
        "MDPH officer": (world.mdph, False),
        "département": (make_member(departement, role=Role.ORIENTATION_OFFICER)[1], False),
        "DAC coordinator": (world.coordinator, False),
        "ARS analyst": (make_member(ars, role=Role.ANALYST)[1], False),
        "hospital": (world.hospital, False),
        "medical author": (author, True),
    }
    return esms, roles


def pages(world, esms):
    person, request = world.person.pk, esms.yann.pk
    return {
        "person": (reverse("orientation:person", args=[person]), {}),
        "file_edit": (reverse("orientation:file_edit", args=[person]), {}),
        "file_medical": (reverse("orientation:file_medical", args=[person]), {}),
        "persons": (reverse("orientation:persons") + "?q=Gall", {}),
        "esms_request": (reverse("orientation:esms_request", args=[request]), {}),
        "waiting_list": (reverse("orientation:waiting_list"), {}),
        "waiting_list_htmx": (reverse("orientation:waiting_list"), {"HTTP_HX_REQUEST": "true"}),
        "export_csv": (reverse("orientation:waiting_list_export") + "?format=csv", {}),
        "export_xlsx": (reverse("orientation:waiting_list_export") + "?format=xlsx", {}),
        "proposals": (reverse("orientation:proposals"), {}),
    }


def text_of(response) -> str:
    content = response.content if not response.streaming else b"".join(response.streaming_content)
    if content[:2] == b"PK":  # xlsx: the strings live in the zip's XML parts
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            return " ".join(archive.read(name).decode("utf-8", "replace") for name in archive.namelist())
    return content.decode("utf-8", "replace")


def medical_in_context(value, path="context", seen=None, depth=0) -> list[str]:
    """Paths of the context where a medical value sits (walks loaded data only: no query is triggered)."""
    seen = set() if seen is None else seen
    if depth > 12 or id(value) in seen or value is None or isinstance(value, (int, float, bool, bytes, type)):
        return []
    seen.add(id(value))
    if isinstance(value, str):
        return [path] if any(needle in value for needle in NEEDLES) else []
    found = []
    if isinstance(value, AdmissionFile):
        loaded = {name for name in ("gir", "care_needs", "medical_notes") if name in value.__dict__}
        if loaded:
            found.append(f"{path} (AdmissionFile with {sorted(loaded)} loaded)")
    if isinstance(value, dict):
        items = value.items()
    elif isinstance(value, (list, tuple, set, frozenset)):
        items = enumerate(value)
    elif isinstance(value, QuerySet):
        items = enumerate(value._result_cache or [])
    elif isinstance(value, Model):
        items = [(k, v) for k, v in value.__dict__.items() if k != "_state"]
        items += list(value._state.fields_cache.items())
    elif isinstance(value, BaseForm):
        items = [("initial", value.initial), ("data", value.data), ("instance", getattr(value, "instance", None))]
    elif dataclasses.is_dataclass(value):
        items = [(f.name, getattr(value, f.name)) for f in dataclasses.fields(value)]
    elif hasattr(value, "__dict__") and type(value).__module__.startswith(("relais", "django.core.paginator")):
        items = vars(value).items()
    else:
        return found
    for key, item in items:
        found += medical_in_context(item, f"{path}.{key}", seen, depth + 1)
    return found


def context_of(response) -> dict:
    flat = {}
    for context in response.context or []:
        for layer in context.dicts if hasattr(context, "dicts") else [context]:
            flat.update({k: v for k, v in layer.items() if k not in ("request", "csrf_token", "perms", "messages")})
    return flat


def test_every_role_reads_the_medical_part_exactly_where_the_policy_allows(world, scene):
    esms, roles = scene
    report = {}
    for role, (actor, may_read) in roles.items():
        client = Client()
        client.force_login(actor.user)
        shown = []
        for name, (url, headers) in pages(world, esms).items():
            response = client.get(url, **headers)
            text = text_of(response)
            in_text = [needle for needle in NEEDLES if needle in text] + (
                ["GIR"] if f"GIR {GIR}" in text or f"<dt>GIR</dt><dd>{GIR}</dd>" in text else []
            )
            in_context = medical_in_context(context_of(response))
            report[(role, name)] = response.status_code
            if in_text:
                shown.append(name)
            allowed = may_read and name in MEDICAL_PAGES
            if not allowed:
                assert not in_text, f"{role} reads {in_text} on {name} ({url})"
                assert not in_context, f"{role}: medical values in the context of {name}: {in_context}"
            elif response.status_code == 200 and name != "file_medical":
                assert len(in_text) == 3, f"{role} should read the medical part on {name}, found {in_text}"
        if may_read:
            assert {"person", "esms_request"} & set(shown), f"{role} never reads the medical part: {report}"
    # The test saw real pages, not only refusals.
    assert report[("ESMS admission officer", "esms_request")] == 200
    assert report[("ESMS admission officer", "waiting_list")] == 200
    assert report[("DAC coordinator", "person")] == 200 and report[("MDPH officer", "person")] in (200, 404)


def test_the_medical_form_is_filled_in_only_for_its_readers(world, scene):
    _esms, roles = scene
    for role in ("medical author", "DAC coordinator"):
        actor, may_read = roles[role]
        client = Client()
        client.force_login(actor.user)
        response = client.get(reverse("orientation:file_medical", args=[world.person.pk]))
        if response.status_code != 200:
            assert not may_read
            continue
        assert (NOTES in response.content.decode()) is may_read


def test_fhir_answers_hold_no_medical_value(world, scene, settings):
    _esms, roles = scene
    settings.RELAIS_PUBLIC_RATE = "100000/m"
    tasks = {}
    for role, (actor, _may_read) in roles.items():
        _client, raw = api_client_create(actor=None, organisation=actor.organisation, name="Logiciel de test")
        headers = {"HTTP_AUTHORIZATION": f"Bearer {raw}"}
        for url in ("/fhir/Task", f"/fhir/Task?patient={world.person.pk}", "/fhir/Patient", "/fhir/metadata"):
            response = Client().get(url, **headers)
            text = response.content.decode()
            assert not [needle for needle in NEEDLES if needle in text], f"{role}: medical values in {url}"
            if url == "/fhir/Task":
                tasks[role] = (response.status_code, response.json().get("total"))
    assert tasks["ESMS admission officer"][0] == 200 and tasks["ESMS admission officer"][1], tasks


def test_the_waiting_list_loads_no_medical_column(world, scene):
    from relais.orientation.waiting_list.selectors import Filters, waiting_list

    _esms, roles = scene
    nurse, _ = roles["ESMS health professional"]
    result = waiting_list(actor=nurse, filters=Filters())
    files = [row.person.admission_file for row in result.rows if hasattr(row.person, "admission_file")]
    assert files and all(not {"gir", "care_needs", "medical_notes"} & set(f.__dict__) for f in files)


def test_templates_read_the_medical_part_only_from_the_medical_object():
    # A Person in a context reaches its file through the reverse accessor (person.admission_file.medical_notes):
    # no template may take that path, nor read a medical field from anything but the `medical` object.
    from pathlib import Path

    import relais

    pattern = re.compile(r"admission_file|(?<!medical)\.(gir|care_needs|medical_notes|medical_author)\b")
    root = Path(relais.__file__).parent
    offending = [
        f"{path.relative_to(root)}:{number}"
        for path in root.rglob("templates/**/*.*")
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if pattern.search(line)
        and not path.is_relative_to(root / "offer")
        and not path.is_relative_to(root / "evaluations")
    ]  # offer: a unit's GIR range (public); evaluations: an AGGIR grid's own result, under the record's policy
    assert not offending, offending
