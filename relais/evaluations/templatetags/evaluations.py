from django import template

register = template.Library()


@register.filter
def get_item(mapping, key):
    """``mapping[key]`` in a template (answers and errors are keyed by linkId, which may contain dots)."""
    return (mapping or {}).get(key, "")
