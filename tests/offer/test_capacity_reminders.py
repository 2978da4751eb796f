"""offer_capacity_reminders: one e-mail per organisation for stale figures, idempotent, unreachable counted."""

import io
import json
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.test import TestCase
from django.utils import timezone

from relais.accounts.models import Membership
from relais.accounts.roles import Role
from relais.offer.models import Site, Unit

from .test_capacity_services import build_world

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(make_organisation, make_member, settings):
    settings.SITE_URL = "https://relais.exemple.test"
    return build_world(make_organisation, make_member)


def run(*args) -> tuple[dict, str]:
    out = io.StringIO()
    with TestCase.captureOnCommitCallbacks(execute=True):  # e-mails leave after each reminder is recorded
        call_command("offer_capacity_reminders", *args, stdout=out)
    lines = out.getvalue().strip().splitlines()
    return json.loads(lines[-1]), out.getvalue()


def test_stale_sites_are_reminded_once(world, mailoutbox, make_member):
    make_member(world.esms, role=Role.DIRECTOR, email="direction@exemple.test")
    _, inactive = make_member(world.esms, role=Role.ADMIN, email="parti@exemple.test")
    Membership.objects.filter(user=inactive.user).update(is_active=False)
    make_member(world.managing_body, role=Role.ANALYST, email="analyste@exemple.test")

    counts, _ = run()
    # site_a (a2 is 30 days old) → its own organisation; site_b (never updated, no organisation of its
    # own) → the managing body's editors; site_c is fresh.
    assert counts == {"sites_due": 2, "sites_reminded": 2, "emails": 2, "recipients": 3, "unreachable": 0}
    by_subject = {mail.subject: mail for mail in mailoutbox}
    mail_a = by_subject["Relais — places disponibles à mettre à jour : EHPAD Les Tilleuls"]
    assert sorted(mail_a.to) == sorted([world.admissions.user.email, "direction@exemple.test"])
    assert "- Unité Alzheimer : 0 place(s) disponible(s), mis à jour il y a 30 jours" in mail_a.body
    assert "Hébergement permanent" not in mail_a.body  # 2 days old: not stale
    assert "https://relais.exemple.test/offre/capacite/" in mail_a.body
    mail_b = by_subject["Relais — places disponibles à mettre à jour : EHPAD Les Chênes"]
    assert mail_b.to == [world.director.user.email]
    assert "- Hébergement temporaire : 1 place(s) disponible(s), jamais mis à jour" in mail_b.body
    assert Site.objects.filter(capacity_reminded_at__isnull=False).count() == 2

    counts, _ = run()  # the same day: nothing more
    assert counts["sites_due"] == counts["emails"] == 0 and len(mailoutbox) == 2


def test_reminded_again_once_the_period_has_passed(world, mailoutbox):
    now = timezone.now()
    Site.objects.filter(pk=world.site_a.pk).update(capacity_reminded_at=now - timedelta(days=8))
    Site.objects.filter(pk=world.site_b.pk).update(capacity_reminded_at=now - timedelta(days=3))
    counts, _ = run()
    assert counts["sites_reminded"] == 1 and mailoutbox[0].subject.endswith("EHPAD Les Tilleuls")


def test_an_update_stops_the_reminders(world, mailoutbox):
    Unit.objects.filter(site__in=[world.site_a, world.site_b]).update(capacity_updated_at=timezone.now())
    counts, _ = run()
    assert counts["sites_due"] == 0 and not mailoutbox


def test_managing_body_sites_share_one_email(world, mailoutbox):
    Site.objects.filter(pk=world.site_a.pk).update(organisation=None)
    counts, _ = run()
    assert counts["emails"] == 1 and counts["sites_reminded"] == 2
    assert mailoutbox[0].subject == "Relais — places disponibles à mettre à jour dans 2 établissements"
    assert "EHPAD Les Chênes (FINESS 350000030)" in mailoutbox[0].body
    assert "EHPAD Les Tilleuls (FINESS 350000022)" in mailoutbox[0].body


def test_sites_without_reachable_editor_are_counted_unreachable(world, mailoutbox):
    Membership.objects.filter(organisation=world.esms, role=Role.ADMISSION_OFFICER).update(is_active=False)
    Unit.objects.filter(pk=world.unit_c1.pk).update(capacity_updated_at=None)
    Membership.objects.filter(organisation=world.other).delete()
    counts, output = run()
    assert counts["unreachable"] == 2 and counts["sites_reminded"] == 1  # only site_b, via the managing body
    assert "Injoignable : EHPAD Autre (350000055)" in output
    assert Site.objects.get(pk=world.site_a.pk).capacity_reminded_at is None  # tried again tomorrow


def test_closed_sites_and_units_are_left_alone(world, mailoutbox):
    Site.objects.filter(pk=world.site_b.pk).update(is_open=False)
    Unit.objects.filter(pk=world.unit_a2.pk).update(is_open=False)
    counts, _ = run()
    assert counts["sites_due"] == 0 and not mailoutbox


def test_dry_run_sends_and_records_nothing(world, mailoutbox):
    counts, output = run("--dry-run")
    assert counts["sites_due"] == 2 and counts["emails"] == 0 and not mailoutbox
    assert "À rappeler : EHPAD Les Tilleuls" in output
    assert not Site.objects.filter(capacity_reminded_at__isnull=False).exists()
