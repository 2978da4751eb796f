"""An ESMS is modelled once (decision 0029): the directory entry owns the FINESS number and the managing body.

Forward, on a populated database:
1. an organisation with the FINESS number of a directory entry is linked to that entry when the entry has no
   organisation yet; a linked organisation then keeps no number (the entry's is the one);
2. a linked site's organisation gives up its ``parent``: the managing body is the site's legal entity's
   organisation. A parent that the legal entity's link does not say yet moves onto the directory when the entity has
   no organisation (and the parent no entity); a parent that contradicts the directory is dropped, never turned into
   access to the entity's sites. Each case the directory cannot take is printed.
Nothing is created: no organisation, no entry. Organisations outside the directory keep their number and parent.

Backward: the columns are filled again from the directory (the links made forward stay, harmless to the old code).
"""

from django.db import migrations, models
from django.db.models import Q

MANAGING_BODY = "managing_body"


def _say(schema_editor, line: str) -> None:
    print(f"\n  offer.0003: {line}", end="")


def _entry_for(apps, finess: str, kind: str):
    models_ = [apps.get_model("offer", "Site"), apps.get_model("offer", "LegalEntity")]
    if kind == MANAGING_BODY:
        models_.reverse()
    for model in models_:
        entry = model.objects.filter(finess=finess).first()
        if entry is not None:
            return entry
    return None


def link_forward(apps, schema_editor):
    Organisation = apps.get_model("accounts", "Organisation")
    Site = apps.get_model("offer", "Site")
    LegalEntity = apps.get_model("offer", "LegalEntity")

    for org in Organisation.objects.exclude(finess=None).order_by("pk"):
        entry = _entry_for(apps, org.finess, org.kind)
        if entry is None:
            continue  # outside the directory: the organisation keeps its number
        model = type(entry)
        if entry.organisation_id is None and not model.objects.filter(organisation_id=org.pk).exists():
            model.objects.filter(pk=entry.pk).update(organisation_id=org.pk)
            entry.organisation_id = org.pk
        if entry.organisation_id == org.pk:
            Organisation.objects.filter(pk=org.pk).update(finess=None)
        else:
            # The entry has another organisation, or this one already is another entry: no one-to-one link.
            _say(schema_editor, f"organisation {org.pk} keeps FINESS {org.finess}: its entry cannot be linked to it")
    # A linked organisation whose number is still its own entry's (linked before this migration) drops it too.
    for model in (Site, LegalEntity):
        same = model.objects.filter(organisation_id=models.OuterRef("pk"), finess=models.OuterRef("finess"))
        Organisation.objects.filter(models.Exists(same)).update(finess=None)

    for site in Site.objects.exclude(organisation=None).filter(organisation__parent__isnull=False).order_by("pk"):
        org = Organisation.objects.get(pk=site.organisation_id)
        entity = LegalEntity.objects.get(pk=site.legal_entity_id)
        parent = Organisation.objects.get(pk=org.parent_id)
        entity_free = entity.organisation_id is None and parent.kind == MANAGING_BODY
        if entity_free and not LegalEntity.objects.filter(organisation_id=parent.pk).exists():
            LegalEntity.objects.filter(pk=entity.pk).update(organisation_id=parent.pk)
            entity.organisation_id = parent.pk
            _say(schema_editor, f"legal entity {entity.finess} linked to organisation {parent.pk} (its sites')")
        if entity.organisation_id != parent.pk:
            _say(schema_editor, f"organisation {org.pk}: parent {parent.pk} dropped, the directory says otherwise")
        Organisation.objects.filter(pk=org.pk).update(parent=None)


def fill_back(apps, schema_editor):
    Organisation = apps.get_model("accounts", "Organisation")
    Site = apps.get_model("offer", "Site")
    LegalEntity = apps.get_model("offer", "LegalEntity")
    taken = set(Organisation.objects.exclude(finess=None).values_list("finess", flat=True))
    for model in (Site, LegalEntity):
        for org_id, finess in model.objects.exclude(organisation=None).values_list("organisation_id", "finess"):
            if finess not in taken and Organisation.objects.filter(pk=org_id, finess=None).update(finess=finess):
                taken.add(finess)
    for org_id, body_id in Site.objects.filter(
        Q(organisation__isnull=False, legal_entity__organisation__isnull=False)
    ).values_list("organisation_id", "legal_entity__organisation_id"):
        if org_id != body_id:
            Organisation.objects.filter(pk=org_id, parent=None).update(parent_id=body_id)


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0001_initial"),
        ("offer", "0002_search_indexes"),
    ]

    operations = [
        migrations.AlterField(
            model_name="legalentity",
            name="organisation",
            field=models.OneToOneField(
                blank=True,
                null=True,
                on_delete=models.deletion.SET_NULL,
                related_name="directory_%(class)s",
                to="accounts.organisation",
            ),
        ),
        migrations.AlterField(
            model_name="site",
            name="organisation",
            field=models.OneToOneField(
                blank=True,
                null=True,
                on_delete=models.deletion.SET_NULL,
                related_name="directory_%(class)s",
                to="accounts.organisation",
            ),
        ),
        migrations.RunPython(link_forward, fill_back, elidable=False),
    ]
