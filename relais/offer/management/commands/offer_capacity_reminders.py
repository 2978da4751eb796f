"""Daily: remind the sites whose capacity figures are older than their update frequency.

A site is due when one of its open units is stale (never updated, or last updated more than
Site.capacity_update_days ago) and the site was not reminded within that same period
(Site.capacity_reminded_at). Recipients: active members with an editor role of the site's
organisation, or of its legal entity's organisation when the site has none. The sites of one
organisation go into one e-mail. Idempotent: a second run the same day sends nothing.
Last output line: one JSON object of counts.
"""

import json
import logging
from collections import defaultdict
from datetime import timedelta

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from relais.accounts.models import Membership, Organisation
from relais.jobs.services import after_commit
from relais.jobs.tasks import email_send
from relais.offer.capacity_selectors import capacity_age_label, frequency_days, stale_filter
from relais.offer.models import Site, Unit
from relais.offer.policy import CAPACITY_EDITOR_ROLES

logger = logging.getLogger(__name__)


def due_sites(now) -> list[Site]:
    """Open sites with a stale open unit, not reminded within their own update period."""
    days_values = list(Site.objects.filter(is_open=True).values_list("capacity_update_days", flat=True).distinct())
    stale_units = Unit.objects.filter(stale_filter(days_values=days_values, now=now), is_open=True)
    # Counted in calendar days, so the hour the daily job runs at does not matter: a site with a
    # 7-day frequency reminded on a Monday is due again the next Monday, and never twice a day.
    today = timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)
    not_reminded = Q(capacity_reminded_at__isnull=True)
    for days in days_values:
        since = today - timedelta(days=frequency_days(days) - 1)
        not_reminded |= Q(capacity_update_days=days, capacity_reminded_at__lt=since)
    return list(
        Site.objects.filter(not_reminded, is_open=True, pk__in=stale_units.values("site_id"))
        .select_related("legal_entity__organisation", "organisation")
        .order_by("pk")
    )


def reminded_organisation(site: Site) -> Organisation | None:
    organisation = site.organisation or site.legal_entity.organisation
    return organisation if organisation is not None and organisation.is_active else None


def editor_emails(organisation: Organisation) -> list[str]:
    return sorted(
        Membership.objects.filter(
            organisation=organisation, is_active=True, user__is_active=True, role__in=CAPACITY_EDITOR_ROLES
        ).values_list("user__email", flat=True)
    )


def stale_units_of(site: Site, now) -> list[Unit]:
    days = frequency_days(site.capacity_update_days)
    return list(
        site.units.filter(is_open=True)
        .filter(Q(capacity_updated_at__isnull=True) | Q(capacity_updated_at__lt=now - timedelta(days=days)))
        .order_by("name", "pk")
    )


def message_body(organisation: Organisation, sites: list[tuple[Site, list[Unit]]], now) -> str:
    link = settings.SITE_URL.rstrip("/") + reverse("offer:capacity")
    lines = [
        "Bonjour,",
        "",
        f"Les places disponibles de ces unités ({organisation.name}) n'ont pas été mises à jour depuis plus "
        "longtemps que prévu. Un chiffre sans date récente n'est cru par personne : un clic suffit "
        "(« +1 », « −1 » ou « Confirmer (inchangé) »).",
    ]
    for site, units in sites:
        every = f"mise à jour attendue tous les {site.capacity_update_days} jours"
        lines += ["", f"{site.name} (FINESS {site.finess}), {every} :"]
        for unit in units:
            age = capacity_age_label(unit.capacity_updated_at, now=now)
            lines.append(f"- {unit.name} : {unit.available} place(s) disponible(s), {age}")
    lines += ["", f"Mettre à jour (en agissant pour {organisation.name}) :", link, ""]
    return "\n".join(lines)


class Command(BaseCommand):
    help = "Rappelle par e-mail aux établissements de mettre à jour leurs places disponibles (quotidien, idempotent)."

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="Compter sans envoyer ni enregistrer.")

    def handle(self, *args, dry_run=False, **options):
        now = timezone.now()
        counts = {"sites_due": 0, "sites_reminded": 0, "emails": 0, "recipients": 0, "unreachable": 0}
        by_organisation: dict[int, list[tuple[Site, list[Unit]]]] = defaultdict(list)
        organisations: dict[int, Organisation] = {}
        recipients: dict[int, list[str]] = {}
        for site in due_sites(now):
            counts["sites_due"] += 1
            organisation = reminded_organisation(site)
            if organisation is not None and organisation.pk not in recipients:
                recipients[organisation.pk] = editor_emails(organisation)
            if organisation is None or not recipients[organisation.pk]:
                counts["unreachable"] += 1
                self.stdout.write(f"Injoignable : {site.name} ({site.finess}), aucun membre habilité.")
                continue
            organisations[organisation.pk] = organisation
            by_organisation[organisation.pk].append((site, stale_units_of(site, now)))

        for pk, sites in by_organisation.items():
            organisation, emails = organisations[pk], recipients[pk]
            names = ", ".join(site.name for site, _ in sites)
            if dry_run:
                self.stdout.write(f"À rappeler : {names} → {len(emails)} destinataire(s).")
                continue
            subject = (
                f"Relais — places disponibles à mettre à jour : {sites[0][0].name}"
                if len(sites) == 1
                else f"Relais — places disponibles à mettre à jour dans {len(sites)} établissements"
            )
            body = message_body(organisation, sites, now)
            with transaction.atomic():
                Site.objects.filter(pk__in=[site.pk for site, _ in sites]).update(capacity_reminded_at=now)
                # Sent by the worker once the reminder is recorded (retried there, failures on the operations page).
                after_commit(email_send, subject, body, emails)
            counts["sites_reminded"] += len(sites)
            counts["emails"] += 1
            counts["recipients"] += len(emails)
            self.stdout.write(f"Rappel envoyé : {names} → {len(emails)} destinataire(s).")
        self.stdout.write(json.dumps(counts))
