"""Onboarding a directory entry: the ESMS or managing body the directory lists gets its Relais organisation.

The directory (``offer.Site`` / ``offer.LegalEntity``, imported from FINESS) owns the establishment's identity: its
FINESS number and its managing body. The organisation is the tenant that has users and API clients; it is linked
one-to-one to the entry (``DirectoryEntry.organisation``). Onboarding gets or creates that organisation, so that
giving an entry users or an API client never makes a second identity for it (decision 0029).
"""

from __future__ import annotations

import logging

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from relais.offer.models import LegalEntity, Site

from .models import Organisation
from .roles import OrganisationKind

logger = logging.getLogger(__name__)

# Which organisation kinds may be a directory entry's identity (decision 0029). A site (an ET) is an ESMS or a
# sanitary establishment (a hospital site); a legal entity (an EJ) is a managing body only. Any other pairing would
# turn a number into access: a hospital holding its CHU's EJ number would act for the CHU's EHPADs.
SITE_KINDS = frozenset({OrganisationKind.ESMS, OrganisationKind.HOSPITAL})
LEGAL_ENTITY_KINDS = frozenset({OrganisationKind.MANAGING_BODY})


def kind_fits(kind: str, entry) -> bool:
    """True when an organisation of ``kind`` may be linked to ``entry``."""
    return kind in (LEGAL_ENTITY_KINDS if isinstance(entry, LegalEntity) else SITE_KINDS)


def directory_entry_for_finess(finess: str, *, kind: str | None = None) -> Site | LegalEntity | None:
    """The site or legal entity with this FINESS number; with ``kind``, the entry that kind may be linked to first
    (a managing body looks at legal entities first)."""
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


def _require_kind_fits(kind: str, entry) -> None:
    if not kind_fits(kind, entry):
        what = "une entité juridique (EJ)" if isinstance(entry, LegalEntity) else "un établissement (ET)"
        raise ValidationError(
            f"Le numéro FINESS {entry.finess} est celui d'{what} : une organisation de type "
            f"« {OrganisationKind(kind).label} » ne peut pas en être l'organisation Relais."
        )


def _require_managing_body(managing_body: Organisation) -> None:
    if managing_body.kind != OrganisationKind.MANAGING_BODY:
        raise ValidationError(
            f"« {managing_body} » n'est pas un organisme gestionnaire : il ne peut pas gérer un établissement "
            "du répertoire."
        )


@transaction.atomic
def organisation_onboard(
    *,
    entry: Site | LegalEntity,
    kind: str | None = None,
    name: str = "",
    parent: Organisation | None = None,
    refuse_linked: bool = False,
    **fields,
) -> Organisation:
    """The organisation of ``entry``: the one already linked to it, or a new one linked to it. The entry row is
    locked, so two onboardings at once make one organisation, not two. An entry already linked is refused when
    ``refuse_linked`` (creating an organisation), or when its managing body is not ``parent``."""
    entry = type(entry).objects.select_for_update().get(pk=entry.pk)
    kind = kind or _default_kind(entry)
    _require_kind_fits(kind, entry)
    if parent is not None:
        _require_managing_body(parent)
    if entry.organisation_id is not None:
        if refuse_linked:
            raise ValidationError(
                f"« {entry.name} » ({entry.finess}) a déjà son organisation Relais : « {entry.organisation} »."
            )
        if parent is not None and (not isinstance(entry, Site) or entry.legal_entity.organisation_id != parent.pk):
            raise ValidationError(
                f"« {entry.name} » ({entry.finess}) a déjà son organisation Relais, rattachée autrement qu'à "
                f"« {parent} »."
            )
        return entry.organisation
    fields.setdefault("commune_id", entry.commune_id)
    organisation = Organisation(kind=kind, name=name or entry.name, **fields)
    organisation.full_clean()
    organisation.save()
    directory_link(organisation=organisation, entry=entry, managing_body=parent)
    return organisation


@transaction.atomic
def directory_link(*, organisation: Organisation, entry: Site | LegalEntity, managing_body=None) -> None:
    """Make ``entry`` the identity of ``organisation``: the FINESS number and the attachment move to the
    directory (a site's managing body becomes its legal entity's organisation), the organisation keeps neither.
    The links are conditional updates (``organisation IS NULL``), so a concurrent onboarding or FINESS import that
    linked the entry or its legal entity first wins and this one is refused, rolled back whole."""
    _require_kind_fits(organisation.kind, entry)
    managing_body = managing_body or organisation.parent
    if managing_body is not None:
        _require_managing_body(managing_body)
        if not isinstance(entry, Site):
            raise ValidationError("Une entité juridique n'est rattachée à aucune autre organisation.")
        _attach_legal_entity(entry.legal_entity, managing_body)
    linked = (
        type(entry)
        .objects.filter(pk=entry.pk)
        .filter(Q(organisation=None) | Q(organisation=organisation))
        .update(organisation=organisation, updated_at=timezone.now())
    )
    if not linked:
        raise ValidationError(f"« {entry.name} » ({entry.finess}) a déjà son organisation Relais.")
    entry.organisation = organisation
    Organisation.objects.filter(pk=organisation.pk).update(finess=None, parent=None)
    organisation.finess, organisation.parent = None, None
    organisation.__dict__.pop("directory_entry", None)


def _attach_legal_entity(legal_entity: LegalEntity, managing_body: Organisation) -> None:
    """The site's managing body is its legal entity's organisation: link it if the entity has none yet (a
    conditional update: whoever links the entity first wins)."""
    if LegalEntity.objects.filter(organisation=managing_body).exclude(pk=legal_entity.pk).exists():
        _refuse_attachment(legal_entity, managing_body)
    LegalEntity.objects.filter(pk=legal_entity.pk, organisation=None).update(
        organisation=managing_body, updated_at=timezone.now()
    )
    if LegalEntity.objects.filter(pk=legal_entity.pk, organisation=managing_body).exists():
        legal_entity.organisation = managing_body
        return
    _refuse_attachment(legal_entity, managing_body)


def _refuse_attachment(legal_entity: LegalEntity, managing_body: Organisation):
    raise ValidationError(
        f"Le répertoire rattache cet établissement à « {legal_entity.name} », "
        f"pas à « {managing_body} » : le rattachement suit le répertoire FINESS."
    )


def organisations_link_to_directory() -> int:
    """Organisations created before the directory listed them (their FINESS number kept here) become the identity
    of the entry that now has that number, when the kinds fit, the entry has none yet and the directory agrees with
    their attachment (others are logged, left outside). Run after each FINESS or ROR import; returns how many were
    linked."""
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
        except ValidationError as error:
            # An unfit kind, or the directory gives it another managing body: left outside, with its own number.
            logger.warning("Organisation %s left outside the directory: %s", organisation.pk, " ".join(error.messages))
            continue
        linked += 1
    return linked
