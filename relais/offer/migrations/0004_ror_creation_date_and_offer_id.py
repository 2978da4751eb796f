"""The data the ROR profiles require (decision 0049): a creation date on entries and units, the ROR offer id.

created_at is added empty, filled with updated_at for existing rows (the earliest date Relais can vouch the row
existed; the true creation date is unknown), then made required with "now" for new rows. ror_identifier(_system)
start empty: only a ROR import (or an operator) knows a unit's national offer id.
"""

import django.utils.timezone
from django.db import migrations, models
from django.db.models import F


def fill_created_at(apps, schema_editor):
    for name in ("LegalEntity", "Site", "Unit"):
        apps.get_model("offer", name).objects.filter(created_at__isnull=True).update(created_at=F("updated_at"))


class Migration(migrations.Migration):
    dependencies = [("offer", "0003_one_esms_identity")]

    operations = [
        *[
            migrations.AddField(
                model_name=model, name="created_at", field=models.DateTimeField(verbose_name=label, null=True)
            )
            for model, label in (("legalentity", "créé le"), ("site", "créé le"), ("unit", "créée le"))
        ],
        migrations.RunPython(fill_created_at, migrations.RunPython.noop),
        *[
            migrations.AlterField(
                model_name=model,
                name="created_at",
                field=models.DateTimeField(verbose_name=label, default=django.utils.timezone.now),
            )
            for model, label in (("legalentity", "créé le"), ("site", "créé le"), ("unit", "créée le"))
        ],
        migrations.AddField(
            model_name="unit",
            name="ror_identifier",
            field=models.CharField(blank=True, max_length=64, verbose_name="identifiant national de l'offre (ROR)"),
        ),
        migrations.AddField(
            model_name="unit",
            name="ror_identifier_system",
            field=models.CharField(blank=True, max_length=200, verbose_name="système de l'identifiant ROR"),
        ),
    ]
