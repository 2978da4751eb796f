"""One flow for the whole product (issue 12 item 1, decision 0030): every creation of a person goes through
`persons.vigilance.person_create_checked`. A scan of relais/ fails on any other creation path."""

import ast
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError

import relais
from relais.audit.models import AccessLogEntry
from relais.persons.models import IdentityEvent, IdentityEventKind, Person
from relais.persons.vigilance import IdentityCandidates, candidate_reads_kept, person_create_checked

from .conftest import an_ins

ROOT = Path(relais.__file__).parent
CREATORS = {"create", "bulk_create", "get_or_create", "update_or_create"}
# Where a creation or an unsaved Person may appear, and why.
ALLOWED = {
    ("persons/services.py", "Person("): "person_create itself: the write, called only by vigilance",
    ("persons/vigilance.py", "Person("): "the unsaved identity the candidates are searched for",
    ("persons/vigilance.py", "person_create"): "the one flow",
    ("orientation/screens/forms.py", "Person("): "an unsaved identity checked by the form, never saved",
    ("demo/persons.py", "Person("): "demo bulk loader: synthetic set-up, fills search_key itself",
    ("demo/persons.py", "Person.objects.bulk_create"): "demo bulk loader (see above)",
}


def violations_in(source: str, where: str) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.ImportFrom) and any(a.name == "person_create" for a in node.names):
            found.append((where, "person_create", node.lineno))
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        name = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""
        if name == "person_create":
            found.append((where, "person_create", node.lineno))
        elif isinstance(func, ast.Name) and func.id == "Person":
            found.append((where, "Person(", node.lineno))
        elif (
            isinstance(func, ast.Attribute)
            and func.attr in CREATORS
            and isinstance(func.value, ast.Attribute)
            and func.value.attr in ("objects", "_base_manager", "_default_manager")
            and isinstance(func.value.value, ast.Name)
            and func.value.value.id == "Person"
        ):
            found.append((where, f"Person.objects.{func.attr}", node.lineno))
    if "INSERT INTO PERSONS_PERSON" in " ".join(source.upper().split()):
        found.append((where, "INSERT INTO persons_person", 0))
    return [f"{w}:{line} {what}" for w, what, line in found if (w, what) not in ALLOWED]


def test_every_person_is_created_through_identity_vigilance():
    problems = []
    for path in sorted(ROOT.rglob("*.py")):
        where = path.relative_to(ROOT).as_posix()
        if "/migrations/" in f"/{where}":
            continue
        problems += violations_in(path.read_text(encoding="utf-8"), where)
    assert problems == [], "Create persons with persons.vigilance.person_create_checked only:\n" + "\n".join(problems)


def test_the_scan_catches_each_other_way():
    snippet = """
from relais.persons.services import person_create
from relais.persons.models import Person
person_create(actor=None, ground="x")
services.person_create(actor=None, ground="x")
Person.objects.create(family_name="A")
Person.objects.bulk_create([])
Person.objects.get_or_create(family_name="A")
Person(family_name="A").save()
cursor.execute("insert into persons_person (family_name) values ('A')")
"""
    found = violations_in(snippet, "somewhere.py")
    assert len(found) == 8, found
    assert violations_in("Person.objects.bulk_create([])", "demo/persons.py") == []


# --- The service itself -------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_candidates_refuse_then_confirmation_creates_with_its_event(actor, make_person):
    known = make_person(family_name="Aubert-Dupont", first_names="Patrick", sex="M")
    fields = {"family_name": "Aubert", "first_names": "Patrick", "birth_date": known.birth_date, "sex": "M"}
    before = Person.objects.count()
    with pytest.raises(IdentityCandidates) as refused:
        person_create_checked(actor=actor, ground="test", **fields)
    assert [m.other.pk for m in refused.value.matches] == [known.pk] and refused.value.matches[0].score == 87
    assert Person.objects.count() == before and not IdentityEvent.objects.filter(kind="created").exists()
    created = person_create_checked(actor=actor, ground="test", confirmed_new=True, **fields)
    event = IdentityEvent.objects.get(person=created, kind=IdentityEventKind.CREATED)
    assert f"fiche {known.pk} (score 87)" in event.reason
    assert AccessLogEntry.objects.filter(subject=f"persons.person:{known.pk}", ground="identity_vigilance").exists()


@pytest.mark.django_db
def test_same_ins_is_never_set_aside_and_bad_fields_name_the_field(actor, make_person):
    known = make_person(ins=an_ins())
    with pytest.raises(IdentityCandidates) as refused:
        person_create_checked(
            actor=actor,
            ground="test",
            confirmed_new=True,
            family_name="Autre",
            first_names="Nom",
            birth_date="1990-01-01",
            sex="F",
            ins=an_ins(),
        )
    assert "même matricule INS" in refused.value.messages[0] and refused.value.matches[0].other.pk == known.pk
    with pytest.raises(ValidationError) as bad:
        person_create_checked(actor=actor, ground="test", family_name="A", first_names="B", birth_date="x", sex="F")
    assert "birth_date" in bad.value.message_dict


@pytest.mark.django_db
def test_a_new_person_without_candidates_is_created_at_once(actor):
    person = person_create_checked(
        actor=actor, ground="test", family_name="Nouvel", first_names="Ange", birth_date="2001-02-03", sex="M"
    )
    assert person.search_key == "NOUVEL ANGE" and person.identity_events.get().kind == "created"


def test_candidate_reads_kept_records_after_the_block():
    class Fake(IdentityCandidates):
        def record_reads(self):
            calls.append("recorded")

    calls = []
    with pytest.raises(IdentityCandidates), candidate_reads_kept():
        raise Fake([], actor=None)
    assert calls == ["recorded"]
