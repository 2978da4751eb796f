"""Reads of the reference geography (public, not personal data)."""

from django.db.models import QuerySet

from .models import Commune


def commune_search(*, query: str = "", postal_code: str = "", departement: str = "") -> QuerySet[Commune]:
    communes = Commune.objects.select_related("departement").prefetch_related("postal_codes")
    query = query.strip()
    if query.isdigit() or (len(query) == 5 and query[:2] in {"2A", "2B"}):
        communes = communes.filter(insee_code__startswith=query.upper())
    elif query:
        communes = communes.filter(name__istartswith=query)
    if postal_code.strip():
        communes = communes.filter(postal_codes__code=postal_code.strip()).distinct()
    if departement.strip():
        communes = communes.filter(departement_id=departement.strip().upper())
    return communes.order_by("name", "insee_code")
