"""Ship the AGGIR grid (forms/aggir.json) as a form definition; ``load_forms`` reloads it and adds others."""

import json
from pathlib import Path

from django.db import migrations

AGGIR = Path(__file__).resolve().parents[1] / "forms" / "aggir.json"


def load(apps, schema_editor):
    from relais.evaluations.services import definition_values

    FormDefinition = apps.get_model("evaluations", "FormDefinition")
    questionnaire = json.loads(AGGIR.read_text(encoding="utf-8"))
    FormDefinition.objects.update_or_create(key=questionnaire["id"], defaults=definition_values(questionnaire))


class Migration(migrations.Migration):
    dependencies = [("evaluations", "0001_initial")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
