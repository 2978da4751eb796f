from django.core.management.base import BaseCommand, CommandError

from relais.audit.models import AccessLogEntry
from relais.audit.selectors import access_log_verify


class Command(BaseCommand):
    help = "Vérifie la chaîne de hachage du journal des accès ; code de sortie non nul à la première entrée altérée."

    def handle(self, *args, **options):
        problem = access_log_verify()
        if problem is not None:
            where = f"entrée n° {problem.seq}" + (f" (id {problem.entry_id})" if problem.entry_id else "")
            raise CommandError(f"Journal des accès altéré : {where} : {problem.message}.")
        count = AccessLogEntry.objects.count()
        self.stdout.write(self.style.SUCCESS(f"Journal des accès intact : {count} entrées vérifiées."))
