"""FHIR fixtures: a throwaway protected resource type, tokens, and response helpers."""

import itertools

import pytest
from django.core.cache import cache
from django.core.exceptions import ValidationError

from relais.accounts.services import api_client_create
from relais.fhir.registry import SearchParam, registered

SITE_URL = "https://relais.example.org"


@pytest.fixture(autouse=True)
def site_url(settings):
    settings.SITE_URL = SITE_URL
    return SITE_URL


@pytest.fixture(autouse=True)
def fresh_rate_limits():
    """Anonymous public reads are rate-limited per IP, and every test client comes from 127.0.0.1."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def make_token(db):
    def make(organisation) -> dict:
        _, raw = api_client_create(actor=None, organisation=organisation, name="Logiciel de test")
        return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}

    return make


class NoteStore:
    """An in-memory protected resource (FHIR Basic), each note owned by one organisation."""

    def __init__(self):
        self.notes: dict[str, tuple[int, dict]] = {}
        self._ids = itertools.count(1)

    def add(self, organisation, text: str) -> str:
        note_id = str(next(self._ids))
        self.notes[note_id] = (organisation.pk, {"resourceType": "Basic", "id": note_id, "code": {"text": text}})
        return note_id

    def read(self, actor, note_id):
        owner, note = self.notes.get(note_id, (None, None))
        return note if owner == actor.organisation.pk else None

    def search(self, actor, params, offset, count):
        visible = [note for owner, note in self.notes.values() if owner == actor.organisation.pk]
        if "code" in params:
            visible = [note for note in visible if note["code"]["text"] in params["code"]]
        return visible[offset : offset + count], len(visible)

    def create(self, actor, resource):
        if resource["code"].get("text") == "refusé":
            raise ValidationError({"code": "Ce texte est refusé."})
        note_id = str(next(self._ids))
        note = {**resource, "id": note_id}
        self.notes[note_id] = (actor.organisation.pk, note)
        return note


@pytest.fixture
def notes():
    """Basic registered as a protected type with create, for the duration of one test."""
    store = NoteStore()
    with registered(
        "Basic",
        read=store.read,
        search=store.search,
        create=store.create,
        search_params=[SearchParam("code", "token", "Texte de la note.")],
        documentation="Notes de test.",
    ):
        yield store
