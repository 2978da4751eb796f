"""Public pages show organisations, never a person (issue 12 item 3, decision 0032).

The demo territory is crawled as an anonymous visitor from the public entry points, following every same-site link
of every public page and JSON answer; no staff name or e-mail (any ``User``), and no name or e-mail of a person under
care, of a legal representative or of a proxy of the care circle, may appear anywhere.
"""

import re
from collections import Counter, deque

import pytest
from django.test import Client

from relais.accounts.actor import Actor
from relais.accounts.models import Membership, Organisation, User
from relais.demo.logins import EMAIL_DOMAIN
from relais.offer.models import Category, LegalEntity, Site, Unit
from relais.offer.services import unit_capacity_update
from relais.pathway.circle.models import CircleMember
from relais.persons.models import LegalRepresentative, Person
from relais.territory.models import Commune

from . import public_crawl
from .public_crawl import PersonalTerms, find_personal, links_of
from .shared import demo_once

pytestmark = pytest.mark.django_db

demo = demo_once("--scale", "departement", "--departement", "2A", "--seed", "3")

ENTRY_POINTS = [
    "/offre/",
    "/offre/?lieu=Ajaccio",
    "/offre/?lieu=Bastia&radius_km=200",
    "/offre/?lieu=20000&free_only=on",
    "/offre/?lieu=Porto-Vecchio&domain=PA&gir=2",
    "/offre/?lieu=Corte&radius_km=100&page=2",
    "/compte/connexion/",
    "/compte/mot-de-passe/oubli/",
    "/compte/mot-de-passe/oubli/envoye/",
    "/compte/mot-de-passe/nouveau/termine/",
    "/territoire/communes/?q=Aj",
    "/api/v1/openapi.json",
    "/api/v1/docs/",
    "/api/v1/offer/search?commune=2A004&radius_km=200",
    "/api/v1/offer/search?commune=2A004&radius_km=200&free_only=true",
    "/api/v1/territory/communes/?departement=2A",
    "/fhir/metadata",
    "/fhir/Organization",
    "/fhir/HealthcareService",
    "/fhir/Location",
    "/fhir/Questionnaire",
    "/une-page-qui-n-existe-pas/",
    "/fhir/Inconnu/1",
]
# A FHIR search Bundle already holds its resources: a few instance reads per type are enough.
FHIR_INSTANCE = re.compile(r"^/fhir/([A-Za-z]+)/[^/?]+/?$")
FHIR_INSTANCES_PER_TYPE = 25
MAX_VISITS = 6000


def personal_terms() -> PersonalTerms:
    terms = PersonalTerms()
    for model, fields in (
        (Organisation, ("name",)),
        (LegalEntity, ("name", "long_name", "address_line", "city")),
        (Site, ("name", "long_name", "address_line", "city")),
        (Unit, ("name", "activity")),
        (Category, ("label",)),
        (Commune, ("name",)),
    ):
        for row in model.objects.values_list(*fields):
            for label in row:
                terms.add_public_label(label or "")
    for email in Site.objects.values_list("email", flat=True):
        terms.add_public_email(email)
    for pk, first, last, email in User.objects.values_list("pk", "first_name", "last_name", "email"):
        terms.add_person(f"user {pk}", first=first, last=last, staff=True)
        terms.add_email(f"user {pk}", email)
    for pk, first, used_first, family, used, email in Person.objects.values_list(
        "pk", "first_names", "used_first_name", "family_name", "used_name", "email"
    ):
        for given in {first, used_first} - {""}:
            for name in {family, used} - {""}:
                terms.add_person(f"person {pk}", first=given, last=name)
        terms.add_email(f"person {pk}", email)
    for pk, name, email in LegalRepresentative.objects.values_list("pk", "name", "email"):
        terms.add_person(f"representative {pk}", full=name)
        terms.add_email(f"representative {pk}", email)
    for pk, name in CircleMember.objects.exclude(display_name="").values_list("pk", "display_name"):
        terms.add_person(f"circle member {pk}", full=name)
    return terms


def crawl(client: Client, terms: PersonalTerms, entry_points: list[str]):
    queue, seen = deque(entry_points), set(entry_points)
    visited, statuses, hits, fhir_per_type = [], Counter(), [], Counter()
    while queue and len(visited) < MAX_VISITS:
        url = queue.popleft()
        response = client.get(url, follow=False)
        visited.append(url)
        statuses[response.status_code] += 1
        content_type = response.get("Content-Type", "")
        if response.status_code in (301, 302, 303, 307, 308):
            found = [response["Location"]]
        else:
            text = response.content.decode("utf-8", "replace")
            hits += [(url, what, whose) for what, whose in find_personal(terms, text)]
            found = links_of(content_type, text)
        for link in found:
            if link in seen:
                continue
            seen.add(link)
            if match := FHIR_INSTANCE.match(link.split("?")[0]):
                fhir_per_type[match.group(1)] += 1
                if fhir_per_type[match.group(1)] > FHIR_INSTANCES_PER_TYPE:
                    continue
            queue.append(link)
    return visited, statuses, hits


def staff_updates_capacity() -> Unit:
    """What happens every day: the admission officer of an ESMS confirms a unit's free places."""
    membership = Membership.objects.select_related("user", "organisation").get(
        user__email=f"admissions.esms@{EMAIL_DOMAIN}"
    )
    actor = Actor(organisation=membership.organisation, role=membership.role, user=membership.user)
    unit = Unit.objects.filter(site__organisation=membership.organisation, is_open=True).first()
    return unit_capacity_update(actor=actor, unit=unit)


def test_public_pages_show_no_personal_data(demo, settings, monkeypatch):
    settings.RATELIMIT_ENABLE = False
    settings.RELAIS_PUBLIC_RATE = "1000000/m"
    monkeypatch.setattr(public_crawl, "HOSTS", ["http://testserver", settings.SITE_URL.rstrip("/")])
    updated = staff_updates_capacity()
    assert "Démo-Admissions" in updated.capacity_updated_by  # the label kept for the ESMS's own staff
    terms = personal_terms()
    assert len(terms.emails) > 50 and len(terms.phrases) > 100  # the demo has staff and persons to look for
    # Every site's page, as a sitemap would list them (the search only links the nearest ones).
    sitemap = [f"/offre/etablissement/{finess}/" for finess in Site.objects.values_list("finess", flat=True)]
    visited, statuses, hits = crawl(Client(), terms, ENTRY_POINTS + sitemap)
    site_pages = [url for url in visited if url.startswith("/offre/etablissement/")]
    summary = f"{len(visited)} pages visited ({len(site_pages)} site pages), statuses {dict(statuses)}"
    assert len(site_pages) == len(sitemap) and len(visited) > len(sitemap) + 100, summary
    assert not hits, f"{summary}; personal data found ({len(hits)}): {hits[:15]}"


def test_the_matcher_finds_names_in_any_form_but_not_places():
    terms = PersonalTerms()
    terms.add_public_label("Rue Martin Luther King")
    terms.add_public_email("contact@ehpad-exemple.fr")
    terms.add_person("user 1", first="Noa", last="Démo-Admissions", staff=True)
    terms.add_person("user 2", first="Luc", last="Martin", staff=True)
    terms.add_email("user 1", "admissions.esms@demo.relais.test")
    terms.add_email("user 2", "contact@ehpad-exemple.fr")
    assert find_personal(terms, '<time title="le 01/12 par Noa Démo-Admissions &lt;admissions.esms@…&gt;">')
    assert find_personal(terms, "DEMO-ADMISSIONS NOA")
    assert find_personal(terms, "mis à jour par demo admissions")  # a staff last name alone
    assert find_personal(terms, "écrire à admissions.esms@…")
    assert find_personal(terms, "Martin Luc") and find_personal(terms, "luc martin")
    assert not find_personal(terms, "12 rue Martin Luther King, 20000 Ajaccio")  # a street, not Luc Martin
    assert not find_personal(terms, "Écrire à contact@ehpad-exemple.fr")  # the generic local part is not personal
