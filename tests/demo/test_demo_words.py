"""Words, not codes (issue 13 item 1, decision 0038): no demo role reads a bare SI-SDO code or a raw log code.

Each demo login, for each organisation it acts for, crawls from its home page and from its main work pages (waiting
list, request pages, person pages, coordination records and who consulted them, the organisation's access log);
``words_crawl.raw_codes`` reports any status or reason code shown as such and any ``snake_case``/``prefix:code``
token, once tags and attributes are stripped (the code in an ``<abbr title>`` is the tooltip, which is allowed).
"""

import re

import pytest
from django.test import Client
from django.urls import reverse

from relais.accounts.middleware import SESSION_KEY
from relais.accounts.models import Membership, User
from relais.demo.logins import DEMO_LOGINS
from relais.pathway.circle.models import CircleMember

from .shared import demo_once
from .words_crawl import crawl, raw_codes

demo = demo_once("--scale", "departement", "--departement", "2A", "--seed", "3")

PAGES_PER_ORGANISATION = 30
# Pages of one shape (ids as N) read across all roles beyond the starts: the same template with other rows.
PER_SHAPE = 4
# The work pages the crawl must have read (as a path shape, ids as N), else it proves nothing.
MUST_READ = {
    "/orientation/esms/liste-attente/",
    "/orientation/esms/demandes/N/",
    "/orientation/personnes/N/",
    "/parcours/dossiers/N/",
    "/parcours/dossiers/N/qui-a-consulte/",
    "/journal/",
    "/notifications/",
}


def test_the_detector_sees_raw_codes_and_spares_words_and_other_numbers():
    raw = [
        '<p>Statut : <span class="badge">42</span></p>',
        "<td>42 — Liste d'attente. En cours d'analyse, demande d'admission reçue dans l'ESMS</td>",
        "<p>La demande est close (statut 49).</p>",
        "<p>Motif 119</p>",
        "<td>statut 42 → 72</td>",
        "<option>Nouvelles (39, 40, 41)</option>",
        "<td>subscription:consent</td>",
        "<td>care_team</td>",
        "<td>Passer en 72 « Admissible »</td>",
    ]
    for page in raw:
        assert raw_codes(page), page
    clean = [
        '<td><abbr class="coded" title="Code SI-SDO 42 — Liste d&#x27;attente" tabindex="0">En étude</abbr></td>',
        '<td><abbr class="coded" title="Fondement enregistré au journal : subscription:consent">Abonnement</abbr></td>',
        "<option>2A — Corse-du-Sud</option><option>182 — SESSAD</option><option>42 — Loire</option>",
        "<p>42 demandes, page 1 sur 45 ; FINESS 2A0000426 ; il y a 71 jours</p>",
        '<a href="/parcours/dossiers/42/acces/?page=2">Page suivante →</a>',
        "<p>alix.demo-admin@demo.relais.test</p>",
    ]
    for page in clean:
        assert not raw_codes(page), (page, raw_codes(page))


def _shape(path: str) -> str:
    return re.sub(r"\d+", "N", path.split("?")[0])


@pytest.mark.django_db
def test_no_demo_role_reads_a_raw_code(demo, settings):
    settings.RELAIS_REQUIRE_2FA = False  # the pages behind the second factor are what this test reads
    report, shapes, visits = {}, set(), {}
    for login in DEMO_LOGINS:
        user = User.objects.get(email=login.email)
        client = Client()
        client.force_login(user)
        for organisation_id in Membership.objects.filter(user=user).values_list("organisation_id", flat=True):
            session = client.session
            session[SESSION_KEY] = organisation_id
            session.save()
            records = CircleMember.objects.filter(user=user, organisation_id=organisation_id).values_list(
                "record_id", flat=True
            )[:2]
            starts = ["/", reverse("orientation:waiting_list"), reverse("orientation:persons")]
            for record in records:
                starts += [reverse("pathway:record", args=[record]), reverse("pathway:access_history", args=[record])]
            found, read = crawl(client, starts, max_pages=PAGES_PER_ORGANISATION, per_pattern=PER_SHAPE, shapes=visits)
            shapes |= {_shape(path) for path in read}
            for path, codes in found.items():
                report.setdefault(f"{login.email} [{organisation_id}] {path}", sorted(set(codes)))
    assert not report, "Raw codes on pages:\n" + "\n".join(f"{page}: {codes}" for page, codes in report.items())
    assert shapes >= MUST_READ, f"The crawl missed: {sorted(MUST_READ - shapes)}"
