"""Writes of the offer directory shared by imports, the demo and the capacity screens."""

from django.db import transaction

from .codes import MEDICO_SOCIAL_CATEGORIES, REPLACED_CATEGORIES
from .models import Category


@transaction.atomic
def category_ensure_reference() -> int:
    """Create or refresh the medico-social categories of codes.py; returns how many changed. Idempotent."""
    existing = {c.code: c for c in Category.objects.all()}
    changed = 0
    for code, (label, domain) in MEDICO_SOCIAL_CATEGORIES.items():
        category = existing.get(code)
        if category is None:
            existing[code] = Category.objects.create(code=code, label=label, domain=domain, is_medico_social=True)
            changed += 1
        elif (category.domain, category.is_medico_social) != (domain, True):
            category.domain, category.is_medico_social = domain, True
            category.save(update_fields=["domain", "is_medico_social"])
            changed += 1
    for old, new in REPLACED_CATEGORIES.items():
        category = existing[old]
        if category.replaced_by_id != new:
            category.replaced_by_id = new
            category.save(update_fields=["replaced_by"])
            changed += 1
    return changed
