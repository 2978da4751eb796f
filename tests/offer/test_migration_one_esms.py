"""offer.0003 (decision 0029) on a populated database: rows made with the historical models before it, checked
after it, and the columns filled again when it is reversed. Runs on SQLite and PostgreSQL alike."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [("accounts", "0001_initial"), ("offer", "0002_search_indexes")]
AFTER = [("offer", "0003_one_esms_identity")]


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.migrate(targets)
    executor.loader.build_graph()
    return executor.loader.project_state(targets).apps


def _populate(apps) -> dict:
    Organisation = apps.get_model("accounts", "Organisation")
    LegalEntity = apps.get_model("offer", "LegalEntity")
    Site = apps.get_model("offer", "Site")
    org = lambda kind, name, **fields: Organisation.objects.create(kind=kind, name=name, **fields)  # noqa: E731
    body = org("managing_body", "Association Les Tilleuls", finess="350000014")
    entity = LegalEntity.objects.create(finess="350000014", name="Association Les Tilleuls")
    esms = org("esms", "EHPAD Les Tilleuls", finess="350000022", parent=body)
    Site.objects.create(finess="350000022", name="EHPAD Les Tilleuls", legal_entity=entity)
    linked = org("esms", "Foyer déjà relié", finess="350000030", parent=body)
    Site.objects.create(finess="350000030", name="Foyer", legal_entity=entity, organisation_id=linked.pk)
    unlisted = org("esms", "Antenne hors répertoire", finess="350099001", parent=body)
    ime = org("esms", "IME")
    Site.objects.create(finess="350000063", name="IME", legal_entity=entity, organisation_id=ime.pk)
    duplicate = org("esms", "Doublon de l'IME", finess="350000063")
    # A managing body that only the organisations knew: the directory takes it.
    body2 = org("managing_body", "Association Horizon")
    entity2 = LegalEntity.objects.create(finess="290000017", name="Association Horizon")
    esms2 = org("esms", "Foyer Horizon", parent=body2)
    Site.objects.create(finess="290000100", name="Foyer Horizon", legal_entity=entity2, organisation_id=esms2.pk)
    # A parent the directory contradicts: dropped, never turned into access.
    owner = org("managing_body", "Gestionnaire selon FINESS")
    entity3 = LegalEntity.objects.create(finess="290000025", name="Gestionnaire", organisation_id=owner.pk)
    claimed = org("esms", "Foyer revendiqué", parent=body2)
    Site.objects.create(finess="290000118", name="Foyer revendiqué", legal_entity=entity3, organisation_id=claimed.pk)
    ars = org("ars", "ARS Bretagne")
    ars_service = org("ars", "Service de l'ARS", parent=ars)
    return {
        "body": body.pk, "entity": entity.pk, "esms": esms.pk, "linked": linked.pk, "unlisted": unlisted.pk,
        "duplicate": duplicate.pk, "body2": body2.pk, "entity2": entity2.pk, "esms2": esms2.pk, "owner": owner.pk,
        "entity3": entity3.pk, "claimed": claimed.pk, "ars": ars.pk, "ars_service": ars_service.pk,
    }  # fmt: skip


@pytest.mark.django_db(transaction=True)
def test_links_organisations_to_their_entries_on_a_populated_database(capsys):
    try:
        _check(_migrate(BEFORE))
    finally:
        _migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())
    reported = capsys.readouterr().out
    assert "keeps FINESS 350000063" in reported and "dropped, the directory says otherwise" in reported


def _check(apps):
    ids = _populate(apps)
    counts = _counts(apps)

    after = _migrate(AFTER)
    Organisation = after.get_model("accounts", "Organisation")
    LegalEntity = after.get_model("offer", "LegalEntity")
    Site = after.get_model("offer", "Site")
    o = {
        name: Organisation.objects.get(pk=pk)
        for name, pk in ids.items()
        if name not in ("entity", "entity2", "entity3")
    }
    assert _counts(after) == counts  # nothing created, nothing removed
    assert LegalEntity.objects.get(pk=ids["entity"]).organisation_id == ids["body"]
    assert Site.objects.get(finess="350000022").organisation_id == ids["esms"]
    assert Site.objects.get(finess="350000030").organisation_id == ids["linked"]
    for name in ("body", "esms", "linked"):
        assert (o[name].finess, o[name].parent_id) == (None, None), name
    assert (o["unlisted"].finess, o["unlisted"].parent_id) == ("350099001", ids["body"])  # outside the directory
    assert o["duplicate"].finess == "350000063"  # its entry has another organisation: kept, reported
    assert LegalEntity.objects.get(pk=ids["entity2"]).organisation_id == ids["body2"] and o["esms2"].parent_id is None
    assert LegalEntity.objects.get(pk=ids["entity3"]).organisation_id == ids["owner"] and o["claimed"].parent_id is None
    assert o["ars_service"].parent_id == ids["ars"]

    back = _migrate(BEFORE)
    Organisation = back.get_model("accounts", "Organisation")
    restored = {name: Organisation.objects.get(pk=ids[name]) for name in ("body", "esms", "linked", "esms2", "claimed")}
    assert (restored["body"].finess, restored["body"].parent_id) == ("350000014", None)
    assert (restored["esms"].finess, restored["esms"].parent_id) == ("350000022", ids["body"])
    assert (restored["linked"].finess, restored["linked"].parent_id) == ("350000030", ids["body"])
    assert restored["esms2"].parent_id == ids["body2"] and restored["esms2"].finess == "290000100"
    assert restored["claimed"].parent_id == ids["owner"]  # what the directory says, not the dropped claim
    assert _counts(back) == counts


def _counts(apps) -> tuple[int, int, int]:
    return tuple(
        apps.get_model(app, model).objects.count()
        for app, model in (("accounts", "Organisation"), ("offer", "LegalEntity"), ("offer", "Site"))
    )


def _populate_kinds(apps) -> dict:
    Organisation = apps.get_model("accounts", "Organisation")
    LegalEntity = apps.get_model("offer", "LegalEntity")
    Site = apps.get_model("offer", "Site")
    org = lambda kind, name, **fields: Organisation.objects.create(kind=kind, name=name, **fields)  # noqa: E731
    chu = LegalEntity.objects.create(finess="350005179", name="CHU de Rennes")
    Site.objects.create(finess="350000741", name="EHPAD du CHU", legal_entity=chu)
    hospital = org("hospital", "Hôpital Pontchaillou", finess="350005179")  # holds its CHU's EJ number
    council = org("departement_council", "Conseil départemental", finess="2A0000012")
    ej_2a = LegalEntity.objects.create(finess="2A0000012", name="Association corse")
    sibling = LegalEntity.objects.create(finess="350000089", name="Association Sœurs")
    Site.objects.create(finess="350000097", name="Foyer sœur", legal_entity=sibling)
    esms_with_ej = org("esms", "Foyer typé avec son EJ", finess="350000089")
    # Two linked sites that disagree on their managing body: the entity is given to neither.
    body = org("managing_body", "Gestionnaire A")
    split = LegalEntity.objects.create(finess="290000033", name="Entité partagée")
    a = org("esms", "Site A", parent=body)
    b = org("esms", "Site B")
    Site.objects.create(finess="290000126", name="A", legal_entity=split, organisation_id=a.pk)
    Site.objects.create(finess="290000134", name="B", legal_entity=split, organisation_id=b.pk)
    # A parent that is no managing body: dropped, the entity stays unlinked.
    ars = org("ars", "ARS")
    entity_ars = LegalEntity.objects.create(finess="290000041", name="Entité sous ARS")
    under_ars = org("esms", "Sous l'ARS", parent=ars)
    Site.objects.create(finess="290000142", name="C", legal_entity=entity_ars, organisation_id=under_ars.pk)
    # A managing body linked to its entity but still attached elsewhere; an old link between unfit kinds.
    linked_body = org("managing_body", "OG relié", parent=ars)
    LegalEntity.objects.create(finess="290000058", name="OG relié", organisation_id=linked_body.pk)
    dac = org("dac", "DAC")
    LegalEntity.objects.create(finess="290000066", name="Entité du DAC", organisation_id=dac.pk)
    return {
        "chu": chu.pk, "hospital": hospital.pk, "council": council.pk, "ej_2a": ej_2a.pk, "sibling": sibling.pk,
        "esms_with_ej": esms_with_ej.pk, "split": split.pk, "a": a.pk, "entity_ars": entity_ars.pk,
        "under_ars": under_ars.pk, "linked_body": linked_body.pk, "dac": dac.pk,
    }  # fmt: skip


@pytest.mark.django_db(transaction=True)
def test_only_fitting_kinds_and_agreed_parents_are_linked(capsys):
    try:
        _migrate(BEFORE)
        ids = _populate_kinds(_migrate(BEFORE))
        after = _migrate(AFTER)
        Organisation = after.get_model("accounts", "Organisation")
        LegalEntity = after.get_model("offer", "LegalEntity")
        Site = after.get_model("offer", "Site")
        o = lambda name: Organisation.objects.get(pk=ids[name])  # noqa: E731
        # No organisation of an unfit kind becomes a legal entity's: each keeps its own number, reported.
        for name, entity in (("hospital", "chu"), ("council", "ej_2a"), ("esms_with_ej", "sibling")):
            assert LegalEntity.objects.get(pk=ids[entity]).organisation_id is None, name
            assert o(name).finess is not None, name
        assert not Site.objects.exclude(organisation=None).filter(finess__in=["350000741", "350000097"]).exists()
        # Disagreeing sites, a non-managing parent: no entity given, the parents dropped.
        assert LegalEntity.objects.get(pk=ids["split"]).organisation_id is None and o("a").parent_id is None
        assert LegalEntity.objects.get(pk=ids["entity_ars"]).organisation_id is None
        assert o("under_ars").parent_id is None
        # A managing body linked to an entity keeps no parent; the DAC's old link is undone.
        assert o("linked_body").parent_id is None
        assert not LegalEntity.objects.filter(organisation_id=ids["dac"]).exists()
    finally:
        _migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())
    reported = capsys.readouterr().out
    assert f"organisation {ids['hospital']} (hospital) keeps FINESS 350005179" in reported
    assert f"organisation {ids['linked_body']} linked to a legal entity: parent" in reported
    assert "unlinked from organisation" in reported
