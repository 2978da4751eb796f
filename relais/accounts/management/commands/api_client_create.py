from django.core.management.base import BaseCommand

from relais.accounts.services import api_client_create

from ._lookup import organisation_lookup


class Command(BaseCommand):
    help = "Crée un client API agissant pour une organisation et affiche son jeton (une seule fois)."

    def add_arguments(self, parser):
        parser.add_argument("--organisation", required=True, help="Identifiant ou numéro FINESS de l'organisation.")
        parser.add_argument("--name", required=True, help="Nom du client (logiciel, éditeur).")

    def handle(self, *args, organisation, name, **options):
        org = organisation_lookup(organisation)
        client, token = api_client_create(actor=None, organisation=org, name=name)
        self.stderr.write(f"Client API n° {client.pk} « {client.name} » pour {org} ({org.pk}).")
        self.stderr.write("Conservez ce jeton : il ne sera plus affiché. En-tête : Authorization: Bearer <jeton>")
        self.stdout.write(token)
