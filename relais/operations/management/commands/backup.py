"""`manage.py backup PATH`: the database and the uploaded files into a new folder, with a manifest of checksums.

Safe while the server runs (SQLite online backup API, pg_dump's snapshot). The last line printed is the JSON summary.
"""

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from relais.operations.backup import MANIFEST, backup_create
from relais.operations.errors import BackupError


class Command(BaseCommand):
    help = (
        "Sauvegarde la base et les fichiers déposés (MEDIA_ROOT) dans un nouveau dossier, avec un manifeste "
        "(version, migrations, sommes SHA-256). La dernière ligne est le bilan en JSON."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", help="Dossier à créer (il ne doit pas exister).")

    def handle(self, *args, path, **options):
        try:
            manifest = backup_create(path=Path(path))
        except BackupError as error:
            self.stdout.write(json.dumps({"ok": False, "error": str(error)}, ensure_ascii=False))
            raise CommandError(f"Sauvegarde impossible, rien n'a été écrit : {error}") from None
        target = Path(path).absolute()
        summary = {
            "ok": True,
            "path": str(target),
            "manifest": str(target / MANIFEST),
            "created_at": manifest["created_at"],
            "vendor": manifest["database"]["vendor"],
            "files": {entry["name"]: entry["size"] for entry in manifest["files"]},
            "media_files": manifest["media"]["count"],
            "media_bytes": manifest["media"]["bytes"],
            "commit": manifest["relais"]["commit"],
        }
        self.stdout.write(
            self.style.SUCCESS(
                f"Sauvegarde écrite dans {target} : base {summary['vendor']}, "
                f"{summary['media_files']} fichier(s) déposé(s)."
            )
        )
        self.stdout.write(json.dumps(summary, ensure_ascii=False))
