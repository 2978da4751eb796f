"""offer.0004 (decision 0049) on a populated database: existing entries and units get their updated_at as creation
date (the earliest date Relais can vouch for), new rows "now"; the ROR offer id starts empty. SQLite and PostgreSQL."""

from datetime import UTC, datetime

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [("offer", "0003_one_esms_identity")]
AFTER = [("offer", "0004_ror_creation_date_and_offer_id")]
THEN = datetime(2021, 3, 4, 5, 6, 7, tzinfo=UTC)


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.migrate(targets)
    executor.loader.build_graph()
    return executor.loader.project_state(targets).apps


@pytest.mark.django_db(transaction=True)
def test_existing_rows_are_dated_by_their_last_change():
    try:
        before = _migrate(BEFORE)
        LegalEntity, Site, Unit = (before.get_model("offer", n) for n in ("LegalEntity", "Site", "Unit"))
        entity = LegalEntity.objects.create(finess="350000014", name="Association Les Tilleuls")
        site = Site.objects.create(finess="350000022", name="EHPAD Les Tilleuls", legal_entity=entity)
        unit = Unit.objects.create(site=site, name="Hébergement permanent", care_mode="permanent_accommodation")
        for model, pk in ((LegalEntity, entity.pk), (Site, site.pk), (Unit, unit.pk)):
            model.objects.filter(pk=pk).update(updated_at=THEN)  # auto_now would set "now" on save

        after = _migrate(AFTER)
        for name, pk in (("LegalEntity", entity.pk), ("Site", site.pk), ("Unit", unit.pk)):
            assert after.get_model("offer", name).objects.get(pk=pk).created_at == THEN
        moved = after.get_model("offer", "Unit").objects.get(pk=unit.pk)
        assert (moved.ror_identifier, moved.ror_identifier_system) == ("", "")
        new = after.get_model("offer", "Unit").objects.create(
            site_id=site.pk, name="Accueil de jour", care_mode="day_care"
        )
        assert new.created_at > THEN
    finally:
        _migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())
