"""``{% identity_status person %}``: the identity status in words wherever a person's header appears, with the links to
the identity history and, for who may, to the correction page (decision 0036)."""

from django import template

from relais.orientation import policy

register = template.Library()


@register.inclusion_tag("orientation/identity/_status.html", takes_context=True)
def identity_status(context, person, links=True):
    request = context.get("request")
    actor = (getattr(request, "actor", None) or None) if request is not None else None
    show = bool(links) and actor is not None and policy.identity_persons_visible_to(actor).filter(pk=person.pk).exists()
    return {"person": person, "show_links": show, "may_manage": show and policy.may_manage_identity(actor)}
