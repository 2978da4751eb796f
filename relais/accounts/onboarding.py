"""Onboarding a directory entry: the ESMS or managing body the directory lists gets its Relais organisation.

The directory (``offer.Site`` / ``offer.LegalEntity``, imported from FINESS) owns the establishment's identity: its
FINESS number and its managing body. The organisation is the tenant that has users and API clients; it is linked
one-to-one to the entry (``DirectoryEntry.organisation``). Onboarding gets or creates that organisation, so that
giving an entry users or an API client never makes a second identity for it (decision 0029).
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction

from relais.offer.models import LegalEntity, Site

from .models import Organisation
from .roles import OrganisationKind


def directory_entry_for_finess(finess: str, *, kind: str | None = None) -> Site | LegalEntity | None:
    """The site or legal entity with this FINESS number (a managing body looks at legal entities first)."""
    models = [Site, LegalEntity]
    if kind == OrganisationKind.MANAGING_BODY:
        models.reverse()
    for model in models:
        entry = model.objects.filter(finess=finess.strip().upper()).first()
        if entry is not None:
            return entry
    return None


def _default_kind(entry) -> str:
    return OrganisationKind.MANAGING_BODY if isinstance(entry, LegalEntity) else OrganisationKind.ESMS


@transaction.atomic
def organisation_onboard(
    *, entry: Site | LegalEntity, kind: str | None = None, name: str = "", parent: Organisation | None = None, **fields
) -> Organisation:
    """The organisation of ``entry``: the one already linked to it, or a new one linked to it. The entry row is
    locked, so two onboardings at once make one organisation, not two."""
    entry = type(entry).objects.select_for_update().get(pk=entry.pk)
    if entry.organisation_id is not None:
        return entry.organisation
    fields.setdefault("commune_id", entry.commune_id)
    organisation = Organisation(kind=kind or _default_kind(entry), name=name or entry.name, **fields)
    organisation.full_clean()
    organisation.save()
    directory_link(organisation=organisation, entry=entry, managing_body=parent)
    return organisation


@transaction.atomic
def directory_link(*, organisation: Organisation, entry: Site | LegalEntity, managing_body=None) -> None:
    """Make ``entry`` the identity of ``organisation``: the FINESS number and the attachment move to the
    directory (a site's managing body becomes its legal entity's organisation), the organisation keeps neither."""
    if entry.organisation_id not in (None, organisation.pk):
        raise ValidationError(f"« {entry.name} » ({entry.finess}) a déjà son organisation Relais.")
    managing_body = managing_body or organisation.parent
    if managing_body is not None:
        if not isinstance(entry, Site):
            raise ValidationError("Une entité juridique n'est rattachée à aucune autre organisation.")
        _attach_legal_entity(entry.legal_entity, managing_body)
    entry.organisation = organisation
    entry.save(update_fields=["organisation", "updated_at"])
    Organisation.objects.filter(pk=organisation.pk).update(finess=None, parent=None)
    organisation.finess, organisation.parent = None, None
    organisation.__dict__.pop("directory_entry", None)


def _attach_legal_entity(legal_entity: LegalEntity, managing_body: Organisation) -> None:
    """The site's managing body is its legal entity's organisation: link it if the entity has none yet."""
    if legal_entity.organisation_id == managing_body.pk:
        return
    if legal_entity.organisation_id is None and not LegalEntity.objects.filter(organisation=managing_body).exists():
        legal_entity.organisation = managing_body
        legal_entity.save(update_fields=["organisation", "updated_at"])
        return
    raise ValidationError(
        f"Le répertoire rattache cet établissement à « {legal_entity.name} », "
        f"pas à « {managing_body} » : le rattachement suit le répertoire FINESS."
    )


def organisations_link_to_directory() -> int:
    """Organisations created before the directory listed them (their FINESS number kept here) become the identity
    of the entry that now has that number, when the entry has none yet and the directory agrees with their
    attachment. Run after each FINESS import; returns how many were linked."""
    linked = 0
    for organisation in Organisation.objects.exclude(finess=None).order_by("pk"):
        entry = directory_entry_for_finess(organisation.finess, kind=organisation.kind)
        if entry is None or entry.organisation_id not in (None, organisation.pk):
            continue
        if type(entry).objects.filter(organisation=organisation).exclude(pk=entry.pk).exists():
            continue  # already the identity of another entry of that table
        try:
            with transaction.atomic():
                directory_link(organisation=organisation, entry=entry)
        except ValidationError:
            continue  # the directory gives it another managing body: left as it is, outside the directory
        linked += 1
    return linked
