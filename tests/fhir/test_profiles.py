"""Every resource Relais serves says which profile it claims (meta.profile), and the CapabilityStatement lists them.

The framework puts the registered profile in meta.profile when a handler forgot it; the parts of a shared type each
bring theirs (decision 0048).
"""

import pytest

from relais.fhir import registry, shared
from relais.fhir.registry import registered
from relais.fhir.shared import TypePart
from relais.fhir.testing import fhir_json

from .conftest import NoteStore

pytestmark = pytest.mark.django_db

NOTE_PROFILE = "https://relais.example.org/StructureDefinition/note"
KEPT_PROFILE = "https://relais.example.org/StructureDefinition/kept"
PART_A = "https://relais.example.org/StructureDefinition/part-a"
PART_B = "https://relais.example.org/StructureDefinition/part-b"


def _statement_resource(client, type_name):
    statement = fhir_json(client.get("/fhir/metadata"), resource_type="CapabilityStatement")
    return next(r for r in statement["rest"][0]["resource"] if r["type"] == type_name)


@pytest.fixture
def profiled_notes():
    store = NoteStore()
    with registered(
        "Basic", read=store.read, search=store.search, create=store.create, profile=NOTE_PROFILE, documentation="Notes."
    ):
        yield store


def test_the_framework_serves_the_registered_profile_when_a_handler_forgot_it(
    client, profiled_notes, make_organisation, make_token
):
    organisation = make_organisation()
    token = make_token(organisation)
    note_id = profiled_notes.add(organisation, "sans profil")
    kept_id = profiled_notes.add(organisation, "avec le sien")
    profiled_notes.notes[kept_id][1]["meta"] = {"profile": [KEPT_PROFILE]}

    read = fhir_json(client.get(f"/fhir/Basic/{note_id}", **token), resource_type="Basic")
    assert read["meta"]["profile"] == [NOTE_PROFILE]
    bundle = fhir_json(client.get("/fhir/Basic", **token), resource_type="Bundle")
    profiles = {e["resource"]["id"]: e["resource"]["meta"]["profile"] for e in bundle["entry"]}
    assert profiles == {note_id: [NOTE_PROFILE], kept_id: [KEPT_PROFILE]}  # a handler's own profile is kept
    created = client.post(
        "/fhir/Basic",
        data={"resourceType": "Basic", "code": {"text": "nouvelle"}},
        content_type="application/fhir+json",
        **token,
    )
    assert created.status_code == 201, created.content
    assert created.json()["meta"]["profile"] == [NOTE_PROFILE]

    resource = _statement_resource(client, "Basic")
    assert resource["profile"] == NOTE_PROFILE
    assert resource["supportedProfile"] == [NOTE_PROFILE]


def test_each_part_of_a_shared_type_serves_its_own_profile_and_the_statement_lists_them_all(
    client, make_organisation, make_token
):
    organisation = make_organisation()
    token = make_token(organisation)
    first, second = NoteStore(), NoteStore()
    a_id = first.add(organisation, "a")
    b_id = second.add(organisation, "b")
    second.notes[b_id] = (organisation.pk, {**second.notes[b_id][1], "id": "b-1"})
    previous = registry.get("Basic")
    registry.unregister("Basic")
    try:
        shared.register_part(
            "Basic",
            TypePart("A", owns_id=str.isdigit, read=first.read, search=first.search, profile=PART_A),
            profile=None,
        )
        shared.register_part(
            "Basic",
            TypePart(
                "B",
                owns_id=lambda i: i.startswith("b-"),
                read=lambda actor, i: second.read(actor, b_id) if i == "b-1" else None,
                search=second.search,
                profile=PART_B,
                supported_profiles=(KEPT_PROFILE,),  # set by its handlers themselves
            ),
        )
        read_a = fhir_json(client.get(f"/fhir/Basic/{a_id}", **token), resource_type="Basic")
        read_b = fhir_json(client.get("/fhir/Basic/b-1", **token), resource_type="Basic")
        assert read_a["meta"]["profile"] == [PART_A]
        assert read_b["meta"]["profile"] == [PART_B]
        bundle = fhir_json(client.get("/fhir/Basic", **token), resource_type="Bundle")
        assert sorted(e["resource"]["meta"]["profile"][0] for e in bundle["entry"]) == [PART_A, PART_B]
        resource = _statement_resource(client, "Basic")
        assert resource["supportedProfile"] == [PART_A, PART_B, KEPT_PROFILE]
        assert "profile" not in resource  # no single profile for the whole type
    finally:
        shared.unregister_parts("Basic")
        if previous is not None:
            registry._registry["Basic"] = previous


def test_every_registered_type_names_its_profiles_in_the_capability_statement(client):
    statement = fhir_json(client.get("/fhir/metadata"), resource_type="CapabilityStatement")
    listed = {r["type"]: r.get("supportedProfile", []) for r in statement["rest"][0]["resource"]}
    for registration in registry.registrations():
        assert listed[registration.type] == list(registration.supported_profiles)
        if registration.profile:
            assert registration.profile in listed[registration.type]


def test_resources_included_by_revinclude_carry_their_own_type_profile(client, profiled_notes, make_organisation):
    """Basic (profiled) is included in a search of another type: it carries Basic's profile."""
    organisation = make_organisation()
    note_id = profiled_notes.add(organisation, "incluse")
    flag = {
        "resourceType": "Flag",
        "id": "f1",
        "status": "active",
        "code": {"text": "drapeau"},
        "subject": {"display": "x"},
    }

    def notes_about(actor, matches):
        return [dict(profiled_notes.notes[note_id][1])]

    with registered(
        "Flag",
        read=lambda actor, i: flag if i == "f1" else None,
        search=lambda actor, params, offset, count: ([dict(flag)], 1),
        public=True,
        revincludes={"Basic:subject": notes_about},
    ):
        bundle = fhir_json(client.get("/fhir/Flag?_revinclude=Basic:subject"), resource_type="Bundle")
    included = [e["resource"] for e in bundle["entry"] if e["search"]["mode"] == "include"]
    assert [r["meta"]["profile"] for r in included] == [[NOTE_PROFILE]]
