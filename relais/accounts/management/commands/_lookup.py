from django.core.management.base import CommandError

from relais.accounts.models import Organisation
from relais.accounts.onboarding import directory_entry_for_finess


def organisation_lookup(value: str) -> Organisation:
    """An organisation by database id or FINESS number (its directory entry's, decision 0029), with a clear error
    otherwise."""
    value = value.strip()
    entry = directory_entry_for_finess(value)
    # An entry left unlinked (kind or attachment refused) leaves the organisation its own number: look there too.
    organisation = (entry.organisation if entry is not None else None) or Organisation.objects.filter(
        finess=value.upper()
    ).first()
    if organisation is None and value.isdigit():
        organisation = Organisation.objects.filter(pk=int(value)).first()
    if organisation is None:
        raise CommandError(f"Aucune organisation avec l'identifiant ou le numéro FINESS « {value} ».")
    if not organisation.is_active:
        raise CommandError(f"L'organisation « {organisation} » est inactive.")
    return organisation
