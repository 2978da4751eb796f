"""An ESMS is modelled once (decision 0029): the directory entry owns the FINESS number and the managing body.

Forward, on a populated database:
0. a link made before between kinds that may not be linked (a site is an ESMS's or a hospital's, a legal entity a
   managing body's) is undone;
1. an organisation with the FINESS number of a directory entry is linked to that entry when the kinds fit and the
   entry has no organisation yet; a linked organisation then keeps no number (the entry's is the one);
2. a linked site's organisation gives up its ``parent``: the managing body is the site's legal entity's
   organisation. A parent moves onto the directory only when every linked site of the entity names it, it is a
   managing body, and neither it nor the entity is linked yet (the sites it gains are printed); any other parent is
   dropped, never turned into access to the entity's sites;
3. an organisation linked to a legal entity gives up its ``parent`` too.
Each case the directory cannot take is printed.
Nothing is created: no organisation, no entry. Organisations outside the directory keep their number and parent.

Backward: the columns are filled again from the directory (the links made forward stay, harmless to the old code).
"""

from django.db import migrations, models
from django.db.models import Q

MANAGING_BODY = "managing_body"
# The kinds that may be an entry's identity (relais/accounts/onboarding.py, frozen here): a site is an ESMS or a
# hospital site, a legal entity a managing body. Any other pairing would turn a number into access to sites.
SITE_KINDS = {"esms", "hospital"}
LEGAL_ENTITY_KINDS = {MANAGING_BODY}


def _say(schema_editor, line: str) -> None:
    print(f"\n  offer.0003: {line}", end="")


def _entry_for(apps, finess: str, kind: str):
    finess = finess.strip().upper()  # as onboarding does (Corsican 2A/2B numbers)
    models_ = [apps.get_model("offer", "Site"), apps.get_model("offer", "LegalEntity")]
    if kind == MANAGING_BODY:
        models_.reverse()
    for model in models_:
        entry = model.objects.filter(finess=finess).first()
        if entry is not None:
            return entry
    return None


def _fits(kind: str, model) -> bool:
    return kind in (LEGAL_ENTITY_KINDS if model.__name__ == "LegalEntity" else SITE_KINDS)


def link_forward(apps, schema_editor):
    Organisation = apps.get_model("accounts", "Organisation")
    Site = apps.get_model("offer", "Site")
    LegalEntity = apps.get_model("offer", "LegalEntity")

    # 0. A link made before, between kinds that may not be linked, is undone (it would widen access).
    for model in (Site, LegalEntity):
        for entry in model.objects.exclude(organisation=None).order_by("pk"):
            kind = Organisation.objects.get(pk=entry.organisation_id).kind
            if not _fits(kind, model):
                model.objects.filter(pk=entry.pk).update(organisation_id=None)
                _say(schema_editor, f"{model.__name__} {entry.finess} unlinked from organisation "
                     f"{entry.organisation_id}: a {kind} cannot be its identity")  # fmt: skip

    # 1. An organisation with an entry's number becomes its identity, when the kinds fit and the entry is free.
    for org in Organisation.objects.exclude(finess=None).order_by("pk"):
        entry = _entry_for(apps, org.finess, org.kind)
        if entry is None:
            continue  # outside the directory: the organisation keeps its number
        model = type(entry)
        if not _fits(org.kind, model):
            _say(schema_editor, f"organisation {org.pk} ({org.kind}) keeps FINESS {org.finess}: "
                 f"a {model.__name__}'s number, not linked")  # fmt: skip
            continue
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

    # 2. A parent moves onto the directory only when every linked site of the legal entity names it, it is a
    # managing body, and neither it nor the entity is linked yet: one row never gives a body a whole entity.
    claimed = Site.objects.exclude(organisation=None).filter(organisation__parent__isnull=False)
    for entity in LegalEntity.objects.filter(pk__in=claimed.values("legal_entity_id")).order_by("pk"):
        linked_sites = Site.objects.filter(legal_entity_id=entity.pk).exclude(organisation=None)
        parents = set(linked_sites.values_list("organisation__parent_id", flat=True))
        parent = Organisation.objects.get(pk=parents.pop()) if len(parents) == 1 and None not in parents else None
        if (
            parent is not None
            and parent.kind == MANAGING_BODY
            and entity.organisation_id is None
            and not LegalEntity.objects.filter(organisation_id=parent.pk).exists()
        ):
            LegalEntity.objects.filter(pk=entity.pk).update(organisation_id=parent.pk)
            entity.organisation_id = parent.pk
            gained = ", ".join(Site.objects.filter(legal_entity_id=entity.pk).order_by("finess").values_list(
                "finess", flat=True))  # fmt: skip
            _say(schema_editor, f"legal entity {entity.finess} linked to organisation {parent.pk}, which now "
                 f"acts for its sites {gained}")  # fmt: skip
        for org_id, parent_id in linked_sites.exclude(organisation__parent=None).values_list(
            "organisation_id", "organisation__parent_id"
        ):
            if parent_id != entity.organisation_id:
                _say(schema_editor, f"organisation {org_id}: parent {parent_id} dropped, the directory says otherwise")
            Organisation.objects.filter(pk=org_id).update(parent=None)

    # 3. An organisation linked to a legal entity is a managing body: attached to nothing (its parent goes too).
    for org_id, parent_id in LegalEntity.objects.filter(organisation__parent__isnull=False).values_list(
        "organisation_id", "organisation__parent_id"
    ):
        _say(schema_editor, f"organisation {org_id} linked to a legal entity: parent {parent_id} dropped")
        Organisation.objects.filter(pk=org_id).update(parent=None)


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
