"""`manage.py restore PATH [--check] [--force] [--noinput]`: a backup made by `backup` put back, database then files.

Every checksum, the database copy and the migration state are checked before anything is touched. Stop the server and
the worker first. The last line printed is the JSON summary.
"""

import json
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connections

from relais.operations.errors import BackupError
from relais.operations.restore import backup_restore


class Command(BaseCommand):
    help = (
        "Restaure une sauvegarde faite par « backup » : remplace la base puis les fichiers déposés, après "
        "vérification des sommes SHA-256 et de l'état des migrations. La dernière ligne est le bilan en JSON."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", help="Dossier de la sauvegarde.")
        parser.add_argument("--check", action="store_true", help="Vérifier la sauvegarde sans rien modifier.")
        parser.add_argument(
            "--force", action="store_true", help="Restaurer même si la base cible a un autre état de migrations."
        )
        parser.add_argument(
            "--noinput", "--no-input", action="store_false", dest="interactive", help="Ne pas demander de confirmation."
        )

    def handle(self, *args, path, check, force, interactive, **options):
        if not check and interactive and not self._confirmed():
            raise CommandError("Restauration annulée, rien n'a été modifié.")
        try:
            summary = backup_restore(path=Path(path), force=force, check_only=check)
        except BackupError as error:
            self.stdout.write(json.dumps({"ok": False, "error": str(error)}, ensure_ascii=False))
            raise CommandError(str(error)) from None
        summary = {"ok": True, **summary}
        if check:
            message = f"Sauvegarde {summary['path']} intacte et restaurable ici."
        else:
            message = (
                f"Sauvegarde du {summary['created_at']} restaurée. Lancez audit_verify : s'il signale un retour en "
                "arrière (des têtes signées après la sauvegarde), conservez le fichier des têtes comme preuve, "
                "mettez-le de côté, puis publiez une nouvelle tête (audit_publish_head)."
            )
        self.stdout.write(self.style.SUCCESS(message))
        self.stdout.write(json.dumps(summary, ensure_ascii=False))

    def _confirmed(self) -> bool:
        name = connections["default"].settings_dict["NAME"]
        answer = input(
            f"La base « {name} » et les fichiers de {settings.MEDIA_ROOT} vont être remplacés par la sauvegarde. "
            "Tapez « oui » pour continuer : "
        )
        return answer.strip().lower() == "oui"
