from django.core.management.base import BaseCommand, CommandError

from relais.accounts.models import ApiClient
from relais.accounts.services import api_client_revoke


class Command(BaseCommand):
    help = "Révoque un client API (son jeton cesse aussitôt de fonctionner)."

    def add_arguments(self, parser):
        parser.add_argument("client_id", type=int)

    def handle(self, *args, client_id, **options):
        client = ApiClient.objects.filter(pk=client_id).first()
        if client is None:
            raise CommandError(f"Aucun client API n° {client_id}.")
        api_client_revoke(actor=None, client=client)
        self.stdout.write(f"Client API n° {client.pk} « {client.name} » révoqué.")
