from django.core.management.base import BaseCommand

from relais.accounts.models import ApiClient

from ._lookup import organisation_lookup


class Command(BaseCommand):
    help = "Liste les clients API (tous, ou ceux d'une organisation)."

    def add_arguments(self, parser):
        parser.add_argument("--organisation", help="Identifiant ou numéro FINESS de l'organisation.")

    def handle(self, *args, organisation=None, **options):
        clients = ApiClient.objects.select_related("organisation").order_by("organisation__name", "pk")
        if organisation:
            clients = clients.filter(organisation=organisation_lookup(organisation))
        for c in clients:
            status = f"révoqué le {c.revoked_at:%Y-%m-%d}" if c.revoked_at else "actif"
            last = f"{c.last_used_at:%Y-%m-%d %H:%M}" if c.last_used_at else "jamais"
            self.stdout.write(
                f"{c.pk}\t{c.token_prefix}…\t{c.name}\t{c.organisation}\t{status}\tdernier usage : {last}"
            )
