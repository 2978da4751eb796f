"""Identity vigilance services: correction with the RNIV strict-trait rule, dismissing a duplicate, merge refusals and
the identity history."""

from datetime import date

import pytest
from django.core.exceptions import ValidationError

from relais.audit.models import AccessLogEntry
from relais.persons.identity import (
    duplicate_pairs_among,
    identity_history,
    person_duplicate_dismiss,
    person_duplicates_undismissed,
    person_identity_correct,
)
from relais.persons.models import IdentityEvent, Person, PersonMergeLog
from relais.persons.services import person_merge

from .conftest import GROUND, an_ins

pytestmark = pytest.mark.django_db
REASON = "erreur de saisie constatée sur la carte d'identité"


def with_ins(make_person, status, first13="2840375123001", **fields):
    return make_person(ins=an_ins(first13), identity_status=status, ins_from_national_service=True, **fields)


@pytest.mark.parametrize(
    ("status", "trait", "value", "after"),
    [
        ("RECUP", "family_name", "Quere", "PROV"),
        ("RECUP", "birth_date", date(1948, 3, 13), "PROV"),
        ("QUAL", "first_names", "Hélène", "VALI"),
        ("QUAL", "sex", "M", "VALI"),
        ("QUAL", "birth_place_code", "29019", "VALI"),
    ],
)
def test_strict_trait_drops_status_and_removes_ins(actor, make_person, status, trait, value, after):
    person = with_ins(make_person, status)
    result = person_identity_correct(actor=actor, person=person, reason=REASON, **{trait: value})
    person.refresh_from_db()
    assert (getattr(person, trait), person.identity_status, person.ins, person.ins_from_national_service) == (
        value,
        after,
        None,
        False,
    )
    assert result.downgraded and "INSi" in result.notice and "retiré" in result.notice
    event = result.event
    assert (event.kind, event.reason) == ("corrected", REASON)
    assert event.before["ins"] == an_ins() and event.before["identity_status"] == status
    assert event.after["identity_status"] == after and event.after["ins"] is None
    assert (
        event.actor_label
        == f"{actor.user.get_full_name() or f'utilisateur·rice n° {actor.user.pk}'} ({actor.organisation.name})"
    )
    assert "@" not in event.actor_label


def test_extended_trait_keeps_status_and_ins(actor, make_person):
    person = with_ins(make_person, "QUAL")
    result = person_identity_correct(actor=actor, person=person, reason=REASON, used_name="Martin")
    person.refresh_from_db()
    assert (person.used_name, person.identity_status, person.ins) == ("Martin", "QUAL", an_ins())
    assert not result.downgraded and result.notice == ""
    assert result.event.before == {"used_name": ""} and result.event.after == {"used_name": "Martin"}


def test_strict_trait_on_provisional_or_validated_keeps_status(actor, make_person):
    for status in ("PROV", "VALI"):
        person = make_person(identity_status=status)
        result = person_identity_correct(actor=actor, person=person, reason=REASON, family_name="Querre")
        assert not result.downgraded and result.person.identity_status == status


def test_recovered_identity_checked_against_a_document_may_become_validated(actor, make_person):
    person = with_ins(make_person, "RECUP")
    result = person_identity_correct(
        actor=actor, person=person, reason=REASON, family_name="Quere", identity_status="VALI"
    )
    assert (result.person.identity_status, result.person.ins) == ("VALI", None)


def test_lowering_the_status_by_hand_removes_the_ins(actor, make_person):
    person = with_ins(make_person, "QUAL")
    result = person_identity_correct(actor=actor, person=person, reason="doute sur la pièce", identity_status="PROV")
    assert (result.person.identity_status, result.person.ins, result.downgraded) == ("PROV", None, True)
    assert result.notice.startswith("Statut abaissé")


def test_correction_refusals_write_nothing(actor, make_person):
    person = make_person()
    before = (IdentityEvent.objects.count(), AccessLogEntry.objects.count())
    with pytest.raises(ValidationError, match="motif"):
        person_identity_correct(actor=actor, person=person, reason="  ", family_name="Autre")
    with pytest.raises(ValidationError, match="Aucun trait"):
        person_identity_correct(actor=actor, person=person, reason=REASON, family_name="Quéré")
    with pytest.raises(ValidationError, match="INSi"):
        person_identity_correct(actor=actor, person=person, reason=REASON, identity_status="QUAL")
    with pytest.raises(ValidationError) as error:
        person_identity_correct(actor=actor, person=person, reason=REASON, birth_place_code="123")
    assert "birth_place_code" in error.value.message_dict
    with pytest.raises(TypeError):
        person_identity_correct(actor=actor, person=person, reason=REASON, ins=an_ins())
    assert (IdentityEvent.objects.count(), AccessLogEntry.objects.count()) == before
    person.refresh_from_db()
    assert person.family_name == "Quéré"


def test_dismiss_hides_the_pair_on_both_sides(actor, make_person):
    person = make_person()
    typo = make_person(family_name="Qurée", first_names="Helene")
    assert [m.other.pk for m in person_duplicates_undismissed(actor=actor, person=person)] == [typo.pk]
    assert len(duplicate_pairs_among([person, typo])) == 1
    with pytest.raises(ValidationError, match="motif"):
        person_duplicate_dismiss(actor=actor, person=person, other=typo, reason="")
    person_duplicate_dismiss(actor=actor, person=person, other=typo, reason="sœurs jumelles, vérifié")
    assert person_duplicates_undismissed(actor=actor, person=person) == []
    assert person_duplicates_undismissed(actor=actor, person=typo) == []
    assert duplicate_pairs_among([person, typo]) == []
    for one, other in ((person, typo), (typo, person)):
        (event,) = identity_history(one)
        assert (event.kind, event.other_person, event.reason) == (
            "duplicate_dismissed",
            other,
            "sœurs jumelles, vérifié",
        )
    with pytest.raises(ValidationError, match="déjà"):
        person_duplicate_dismiss(actor=actor, person=typo, other=person, reason="encore")


def test_pairs_among_leaves_merged_out_and_sorts_best_first(actor, make_person):
    person = make_person()
    typo = make_person(family_name="Qurée", first_names="Helene")
    same = make_person()
    pairs = duplicate_pairs_among([person, typo, same])
    assert pairs[0][1].score >= pairs[-1][1].score and len(pairs) == 3
    person_merge(actor=actor, keep=person, duplicate=same, ground=GROUND, reason=REASON)
    same.refresh_from_db()
    assert {frozenset((a.pk, m.other.pk)) for a, m in duplicate_pairs_among([person, typo, same])} == {
        frozenset((person.pk, typo.pk))
    }


def test_merge_needs_a_reason_and_writes_history_on_both(actor, make_person):
    keep, duplicate = make_person(), make_person(phone="06 39 98 00 07")
    with pytest.raises(ValidationError, match="motif"):
        person_merge(actor=actor, keep=keep, duplicate=duplicate, ground=GROUND, reason=" ")
    assert not PersonMergeLog.objects.exists()
    log = person_merge(actor=actor, keep=keep, duplicate=duplicate, ground=GROUND, reason=REASON)
    assert log.reason == REASON
    (kept,) = identity_history(keep)
    (gone,) = identity_history(duplicate)
    assert (kept.kind, kept.other_person, kept.after) == ("merged", duplicate, {"phone": "06 39 98 00 07"})
    assert (gone.kind, gone.other_person, gone.after) == ("merged", keep, {"merged_into": keep.pk})
    # Who merged, by name and organisation: never the e-mail address, in the log as in the history.
    for label in (log.actor_label, kept.actor_label, gone.actor_label):
        assert actor.user.email not in label and "@" not in label
        assert label == f"{actor.user.get_full_name()} ({actor.organisation.name})"


def test_merge_refuses_two_contradictory_qualified_identities(actor, make_person):
    one = with_ins(make_person, "QUAL")
    other = with_ins(make_person, "QUAL", "2840375123002", first_names="Hélène")
    with pytest.raises(ValidationError, match=r"identité qualifiée.*prénoms de naissance"):
        person_merge(actor=actor, keep=one, duplicate=other, ground=GROUND, reason=REASON)
    with pytest.raises(ValidationError, match="INS différents"):
        person_merge(
            actor=actor,
            keep=one,
            duplicate=with_ins(make_person, "RECUP", "2840375123003"),
            ground=GROUND,
            reason=REASON,
        )
    assert not Person.objects.filter(merged_into__isnull=False).exists()


def test_merge_refuses_to_move_an_ins_onto_other_traits(actor, make_person):
    typo = make_person(family_name="Qurée")
    recovered = with_ins(make_person, "RECUP")
    with pytest.raises(ValidationError, match=r"Conservez plutôt l.autre fiche.*nom de naissance"):
        person_merge(actor=actor, keep=typo, duplicate=recovered, ground=GROUND, reason=REASON)
    person_merge(actor=actor, keep=recovered, duplicate=typo, ground=GROUND, reason=REASON)
    recovered.refresh_from_db()
    assert (recovered.family_name, recovered.identity_status) == ("Quéré", "RECUP")


def test_history_lists_corrections_and_merges_newest_first(actor, make_person):
    person = with_ins(make_person, "QUAL")
    person_identity_correct(actor=actor, person=person, reason="nom d'usage", used_name="Martin")
    person_identity_correct(actor=actor, person=person, reason="acte de naissance", first_names="Hélène")
    person_merge(actor=actor, keep=person, duplicate=make_person(), ground=GROUND, reason="même personne")
    kinds = [(e.kind, e.reason) for e in identity_history(person)]
    assert kinds == [("merged", "même personne"), ("corrected", "acte de naissance"), ("corrected", "nom d'usage")]
