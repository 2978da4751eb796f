from datetime import date

from django import template

register = template.Library()


@register.filter
def get_item(mapping, key):
    """``mapping[key]`` in a template (answers and errors are keyed by linkId, which may contain dots)."""
    return (mapping or {}).get(key, "")


@register.filter
def iso_date_fr(value):
    """ "2026-12-05" → "05/12/2026" (dates stored as ISO strings in JSON details)."""
    try:
        return date.fromisoformat(str(value)).strftime("%d/%m/%Y")
    except ValueError:
        return value
