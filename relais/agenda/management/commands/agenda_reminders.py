from django.core.management.base import BaseCommand

from relais.agenda.reminders import appointment_reminders_send


class Command(BaseCommand):
    help = "Envoie les rappels des rendez-vous du lendemain (idempotent : un rappel par rendez-vous)."

    def handle(self, *args, **options):
        count = appointment_reminders_send()
        self.stdout.write(f"{count} rappel(s) de rendez-vous envoyé(s).")
