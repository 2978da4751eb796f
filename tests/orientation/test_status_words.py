"""Words, not codes (issue 13 item 1, decision 0038): every SI-SDO status and reason has one short French word, and
the ``words`` template tags show the word with its code and official label in an accessible tooltip."""

import io

import pytest
from django.core.management import call_command
from django.template import Context, Template

from relais.audit import labels as audit_labels
from relais.orientation.requests import statuses as st
from relais.orientation.terminology.sources import read_terminology

TERMINOLOGY = read_terminology()
STATUS_CODES = TERMINOLOGY.code_systems[0].concepts  # TRE_R357: code -> official label
REASON_CODES = TERMINOLOGY.code_systems[1].concepts  # TRE_R358


@pytest.fixture
def terminology(db):
    call_command("load_sdo_terminology", stdout=io.StringIO())


def test_each_status_and_each_reason_has_a_word():
    assert set(st.STATUS_WORDS) == set(st.ESMS_STATUSES) | set(st.UNIT_STATUSES) == set(STATUS_CODES)
    assert set(st.REASON_WORDS) == set(REASON_CODES)
    for code, word in {**st.STATUS_WORDS, **st.REASON_WORDS}.items():
        assert word and word == word.strip() and len(word) <= 48, code
        assert not any(char.isdigit() for char in word), (code, word)  # a word, never the code again
        assert word[0].isupper() or word[0] in "«", (code, word)


def test_words_tell_apart_what_one_choice_offers():
    """Two statuses of one level, or two reasons one status takes (ASS_A32), never share a word: a list of choices
    shows words only."""
    for level in (st.ESMS_STATUSES, st.UNIT_STATUSES):
        words = [st.status_word(code) for code in level]
        assert len(set(words)) == len(words)
    assert TERMINOLOGY.rules
    for status, reasons in TERMINOLOGY.rules.items():
        words = [st.reason_word(code) for code in reasons]
        assert len(set(words)) == len(words), status


def test_the_words_named_in_the_issue():
    assert st.status_word(st.NOTIFIED) == "Nouvelle demande"
    assert st.status_word(st.UNDER_ANALYSIS) == st.status_word(st.UNIT_UNDER_ANALYSIS) == "En étude"
    assert st.status_word(st.ADMISSIBLE) == "Admissible"
    assert st.status_word(st.ADMITTED) == st.status_word(st.UNIT_ADMITTED) == "Admis·e"
    assert st.status_word(st.ENTERED) == "Entré·e"
    assert st.status_word(st.ADMISSION_IMPOSSIBLE_REPORTED) == "Refusée"
    assert st.status_word(st.ADMISSION_IMPOSSIBLE_CONFIRMED) == "Admission impossible"
    assert st.reason_word(st.REASON_ADMITTED_ELSEWHERE) == "Admis·e dans un autre ESMS"


def test_parallel_unit_statuses_read_like_their_esms_status():
    for unit_code, esms_code in st.PARALLEL_STATUSES.items():
        assert st.status_word(unit_code) == st.status_word(esms_code)


def test_an_unknown_code_is_shown_as_it_is():
    assert st.status_word("999") == "999" and st.reason_word("999") == "999" and st.status_word(None) == ""
    assert st.words_text([st.ADMITTED, st.TRIAL, st.UNIT_ADMITTED]) == "Admis·e, En période d'essai"


def test_the_status_tag_renders_the_word_with_code_and_official_label_in_a_focusable_tooltip(terminology):
    html = Template("{% load words %}{% status code %} / {% reason why %}").render(
        Context({"code": st.ADMITTED, "why": st.REASON_ADMITTED_ELSEWHERE})
    )
    assert html == (
        '<abbr class="coded" title="Code SI-SDO 71 — Liste d&#x27;attente. Admis dans l&#x27;ESMS" tabindex="0">'
        "Admis·e</abbr> / "
        '<abbr class="coded" title="Motif SI-SDO 119 — L&#x27;usager a été admis dans un autre ESMS, '
        'l&#x27;orientation n&#x27;est plus pertinente" tabindex="0">Admis·e dans un autre ESMS</abbr>'
    )
    for code, official in STATUS_CODES.items():
        rendered = Template("{% load words %}{% status code %}").render(Context({"code": code}))
        assert f">{st.STATUS_WORDS[code]}</abbr>" in rendered.replace("&#x27;", "'")
        assert f"Code SI-SDO {code} — {official}" in rendered.replace("&#x27;", "'")
    assert Template("{% load words %}[{% status code %}]").render(Context({"code": ""})) == "[]"


def test_filters_give_the_word_and_the_tooltip_where_a_tag_cannot_go(terminology):
    html = Template('{% load words %}<option title="{{ c|reason_tip }}">{{ c|reason_word }}</option>').render(
        Context({"c": st.REASON_PERSON_WISH})
    )
    assert html == '<option title="Motif SI-SDO 100 — Volonté de l&#x27;usager">Choix de la personne</option>'


def test_access_log_grounds_registered_by_the_apps_read_as_words():
    grounds = audit_labels.registered_grounds()
    for code in ("care_team", "consent", "care_circle", "identity_vigilance", "orientation_request", "agenda_holder"):
        assert code in grounds and "_" not in grounds[code], code
    assert audit_labels.ground_word("subscription:consent") == (
        "Notification d'un abonnement — Consentement de la personne"
    )
    assert audit_labels.ground_word("care_circle:care_team").startswith("Accès par échange FHIR — Équipe de soins")
    assert audit_labels.ground_word("unknown_ground") == "unknown_ground"
    assert audit_labels.action_word("read") == "Consultation"
    with pytest.raises(ValueError, match="already registered"):
        audit_labels.grounds_register({"care_team": "Autre chose"})


@pytest.mark.django_db
def test_the_ground_tag_keeps_the_code_in_the_tooltip():
    html = Template("{% load words %}{% ground g %}").render(Context({"g": "subscription:consent"}))
    assert html == (
        '<abbr class="coded" title="Fondement enregistré au journal : subscription:consent" tabindex="0">'
        "Notification d&#x27;un abonnement — Consentement de la personne</abbr>"
    )
