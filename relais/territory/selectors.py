"""Reads of the reference geography (public, not personal data)."""

from django.db.models import QuerySet

from .models import Commune


def commune_search(*, query: str = "", postal_code: str = "", departement: str = "") -> QuerySet[Commune]:
    communes = Commune.objects.select_related("departement").prefetch_related("postal_codes")
    query = query.strip()
    code = query.upper()
    # An INSEE code (or its beginning): digits, or Corsica's 2A/2B followed by digits.
    if code.isdigit() or (code[:2] in {"2A", "2B"} and (code[2:].isdigit() or len(code) == 2)):
        communes = communes.filter(insee_code__startswith=code)
    elif query:
        communes = communes.filter(name__istartswith=query)
    if postal_code.strip():
        communes = communes.filter(postal_codes__code=postal_code.strip()).distinct()
    if departement.strip():
        communes = communes.filter(departement_id=departement.strip().upper())
    return communes.order_by("name", "insee_code")
