"""The pathway record header shows the identity status in words, with the identity-vigilance links: the history for
whoever sees the identity, the correction page for a coordinator of the circle; the correction page itself follows
the same rule (404 outside the circle, 403 without an identity role)."""

import pytest
from django.urls import reverse

from relais.persons.ins import ins_with_key
from relais.persons.models import Person

pytestmark = pytest.mark.django_db


def page(client, actor, name, *args):
    client.force_login(actor.user)
    return client.get(reverse(name, args=args))


def test_header_status_in_words_and_links(client, circle):
    correct = reverse("orientation:identity_correct", args=[circle.person.pk])
    history = reverse("orientation:identity_history", args=[circle.person.pk])
    html = page(client, circle.coordinator, "pathway:record", circle.record.pk).content.decode()
    assert "Identité provisoire" in html and correct in html and history in html
    html = page(client, circle.gp, "pathway:record", circle.record.pk).content.decode()
    assert "Identité provisoire" in html and history in html and correct not in html
    Person.objects.filter(pk=circle.person.pk).update(
        ins=ins_with_key("2410329123001"), identity_status="QUAL", ins_from_national_service=True
    )
    html = page(client, circle.nurse, "pathway:record", circle.record.pk).content.decode()
    assert "Identité qualifiée" in html


def test_correction_page_follows_the_circle(client, circle):
    pk = circle.person.pk
    assert page(client, circle.coordinator, "orientation:identity_correct", pk).status_code == 200
    assert page(client, circle.gp, "orientation:identity_correct", pk).status_code == 403
    assert page(client, circle.outsider, "orientation:identity_correct", pk).status_code == 404
    client.force_login(circle.coordinator.user)
    data = {
        "identite-family_name": "Morvan",
        "identite-used_name": "Le Bris",
        "identite-first_names": "Annaïg",
        "identite-used_first_name": "",
        "identite-birth_date": "1941-03-09",
        "identite-sex": "F",
        "identite-birth_place_code": "",
        "identite-birth_place_label": "",
        "identite-identity_status": "PROV",
        "identite-reason": "nom d'usage donné par la personne",
    }
    response = client.post(reverse("orientation:identity_correct", args=[pk]), data)
    assert response.status_code == 302
    assert Person.objects.get(pk=pk).used_name == "Le Bris"


def test_every_person_header_shows_the_status_in_words(client, circle):
    pages = [
        ("evaluations:person", circle.person.pk),
        ("messaging:threads", circle.record.pk),
        ("agenda:book", circle.person.pk),
    ]
    for name, pk in pages:
        response = page(client, circle.coordinator, name, pk)
        html = response.content.decode()
        assert response.status_code == 200, name
        assert 'class="identity-line"' in html and "Identité provisoire" in html, name
