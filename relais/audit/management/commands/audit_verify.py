import json

from django.core.management.base import BaseCommand, CommandError

from relais.audit.selectors import access_log_verify_report


class Command(BaseCommand):
    help = (
        "Vérifie la chaîne de hachage du journal des accès et les têtes signées ; "
        "code de sortie non nul au premier problème. Dernière ligne : un résumé JSON."
    )

    def handle(self, *args, **options):
        report = access_log_verify_report()
        problem = report.pop("problem")
        summary = {"ok": problem is None, **report}
        if problem is not None:
            summary["problem"] = {"seq": problem.seq, "entry_id": problem.entry_id, "message": problem.message}
            self.stdout.write(json.dumps(summary, ensure_ascii=False))
            where = f"entrée n° {problem.seq}" + (f" (id {problem.entry_id})" if problem.entry_id else "")
            if not problem.seq:
                where = "têtes signées"
            raise CommandError(f"Journal des accès altéré : {where} : {problem.message}.")
        self.stdout.write(
            self.style.SUCCESS(
                f"Journal des accès intact : {report['chained']} entrées chaînées vérifiées, "
                f"{report['waiting']} en attente de chaînage, {report['signed_heads']} têtes signées."
            )
        )
        self.stdout.write(json.dumps(summary, ensure_ascii=False))
