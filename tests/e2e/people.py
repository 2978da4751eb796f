"""Synthetic professionals for the pathway tools' browser tests, and a page that records script and console errors."""

import unicodedata
from types import SimpleNamespace

from relais.accounts.actor import Actor
from relais.accounts.services import membership_add, user_create

from .test_browser import CSP_LISTENER, describe, log_in, serious_violations

PASSWORD = "mot-de-passe-parcours-42"


def professional(organisation, role, first: str, last: str, category: str, *, domain: str) -> SimpleNamespace:
    """A user (e-mail from the ASCII name at ``domain``) and, with an organisation, a membership and an actor;
    ``organisation=None`` gives a relative's account with no organisation."""
    ascii_name = unicodedata.normalize("NFKD", f"{first}.{last}").encode("ascii", "ignore").decode()
    email = f"{ascii_name}@{domain}".lower().replace(" ", "-")
    user = user_create(email=email, first_name=first, last_name=last, password=PASSWORD, professional_category=category)
    actor = None
    if organisation is not None:
        membership_add(actor=None, organisation=organisation, user=user, role=role)
        actor = Actor(organisation=organisation, role=role, user=user)
    return SimpleNamespace(email=email, user=user, organisation=organisation, actor=actor)


def browser_page(make_context):
    """A page under the real Content-Security-Policy, with the list its script and console errors go to."""
    context = make_context(bypass_csp=False)
    context.add_init_script(CSP_LISTENER)
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("console", lambda message: message.type == "error" and errors.append(message.text))
    return page, errors


def accessible(make_context, path: str, login) -> None:
    """axe-core on ``path`` as ``login``: a separate context with the CSP bypassed (its script is injected), the
    same page; fails with the serious and critical violations described."""
    page = make_context(bypass_csp=True).new_page()
    log_in(page, login, PASSWORD)
    page.goto(path)
    violations = serious_violations(page)
    assert not violations, f"{path}:\n{describe(violations)}"
