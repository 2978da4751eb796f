"""Recompute the stored GIR of completed AGGIR evaluations with the corrected sub-variable rule (decision 0035).

Before rule version "2008-guide-v2", cohérence and orientation with one sub-variable C and the other A or B were
combined to B instead of C (and a typical dementia profile got GIR 4 instead of GIR 2). Each completed evaluation
is scored again from its stored answers with the current scorer; when the result differs, the details keep what was
computed at the time ("previous": GIR, rule version, date of the recomputation) so that the result page says so, and
the score extension of the stored QuestionnaireResponse is updated. Idempotent: an evaluation already stamped with
the current rule version is left alone; one that cannot be scored again, whatever the error, is left as it is and
logged (a migration must not stop on one bad row). The live scorer is imported only when there is something to
recompute, so that a new database never depends on it; it is used on purpose (not frozen here) because the point is to
bring stored results to the rule the application applies. The chronology event posted at completion ("Résultat : GIR n") is history
and is not rewritten.
"""

import logging

from django.db import migrations
from django.utils import timezone

logger = logging.getLogger("relais.evaluations")

PREVIOUS_RULE_VERSION = "2008-guide-v1"


def recompute(apps, schema_editor):
    FormResponse = apps.get_model("evaluations", "FormResponse")
    completed = FormResponse.objects.filter(status="completed", definition__scorer="aggir").order_by("pk")
    if not completed.exists():
        return
    from relais.evaluations import aggir, engine
    from relais.evaluations.scoring import SCORERS

    today = timezone.localdate().isoformat()
    for response in completed.iterator():
        details = response.score_details or {}
        if details.get("rule_version") == aggir.RULE_VERSION:
            continue
        try:
            score = SCORERS["aggir"](engine.raw_from_response(response.response.get("item")))
        except Exception as exc:  # one unreadable row must not stop the migration: leave it, say so
            logger.warning("AGGIR evaluation %s left unchanged, cannot be scored again: %r", response.pk, exc)
            continue
        new_details = dict(score.details)
        old_modalities = [v.get("modality") for v in details.get("variables", [])]
        new_modalities = [v["modality"] for v in new_details["variables"]]
        if response.score != score.value or old_modalities != new_modalities:
            new_details["previous"] = {
                "gir": response.score,
                "label": response.score_label,
                "rule_version": details.get("rule_version", PREVIOUS_RULE_VERSION),
                "recomputed_on": today,
            }
            logger.info(
                "AGGIR evaluation %s recomputed with rule %s: %s -> %s",
                response.pk,
                aggir.RULE_VERSION,
                response.score_label,
                score.label,
            )
        document = dict(response.response)
        for ext in document.get("extension", []):
            if ext.get("url") == engine.SCORE_EXTENSION:
                for sub in ext.get("extension", []):
                    if sub.get("url") == "value":
                        sub["valueInteger"] = score.value
                    elif sub.get("url") == "label":
                        sub["valueString"] = score.label
        # QuerySet.update: keep updated_at (the date shown as "Le" is when the evaluation was done).
        FormResponse.objects.filter(pk=response.pk).update(
            response=document, score=score.value, score_label=score.label, score_details=new_details
        )


class Migration(migrations.Migration):
    dependencies = [("evaluations", "0002_load_aggir")]
    operations = [migrations.RunPython(recompute, migrations.RunPython.noop)]
