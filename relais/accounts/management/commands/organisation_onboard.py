from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from relais.accounts.onboarding import directory_entry_for_finess, organisation_onboard
from relais.accounts.roles import OrganisationKind


class Command(BaseCommand):
    help = (
        "Donne à un établissement ou une entité juridique du répertoire son organisation Relais (la crée si elle "
        "n'existe pas, sinon l'affiche) : jamais une seconde identité pour la même entrée (décision 0029)."
    )

    def add_arguments(self, parser):
        parser.add_argument("finess", help="Numéro FINESS de l'entrée du répertoire (ET ou EJ).")
        parser.add_argument(
            "--kind", choices=OrganisationKind.values, help="Type d'organisation (défaut : ESMS ou OG)."
        )
        parser.add_argument("--name", default="", help="Nom de l'organisation (défaut : raison sociale).")

    def handle(self, *args, finess, kind, name, **options):
        entry = directory_entry_for_finess(finess, kind=kind)
        if entry is None:
            raise CommandError(f"Aucune entrée du répertoire avec le numéro FINESS « {finess} ».")
        existing = entry.organisation_id
        try:
            organisation = organisation_onboard(entry=entry, kind=kind, name=name)
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from error
        state = "déjà reliée" if existing else "créée et reliée"
        self.stderr.write(f"Organisation n° {organisation.pk} « {organisation} » {state} à {entry}.")
        self.stdout.write(str(organisation.pk))
