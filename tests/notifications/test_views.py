"""Pages: "Mes notifications" shows only the user's own; preferences; the organisation's opt-outs."""

import pytest

from relais.accounts.roles import OrganisationKind, Role
from relais.notifications.models import Notification, OrganisationNotificationSetting, UserNotificationPreference
from relais.notifications.registry import NotificationKind, register
from relais.notifications.services import notification_send

register(NotificationKind(code="tests.page", label="Essai de page", default_roles=frozenset({Role.ADMISSION_OFFICER})))


@pytest.fixture
def two_users(make_organisation, make_member, no_2fa):
    organisation = make_organisation(kind=OrganisationKind.ESMS)
    alice, _ = make_member(organisation, role=Role.ADMISSION_OFFICER)
    bob, _ = make_member(organisation, role=Role.DIRECTOR)
    mine = notification_send(
        kind="tests.page", organisation=organisation, recipients=[alice], subject="Pour Alice", dedup_key="a"
    )[0]
    theirs = notification_send(
        kind="tests.page", organisation=organisation, recipients=[bob], subject="Pour Bob", dedup_key="b"
    )[0]
    return alice, bob, mine, theirs


def test_inbox_lists_only_my_notifications(client, two_users):
    alice, _bob, _mine, _theirs = two_users
    client.force_login(alice)
    html = client.get("/notifications/").content.decode()
    assert "Pour Alice" in html and "Pour Bob" not in html
    assert "Notifications de l&#x27;organisation" not in html  # an admission officer does not manage them


def test_mark_read_mine_and_404_for_others(client, two_users):
    alice, _bob, mine, theirs = two_users
    client.force_login(alice)
    assert client.post(f"/notifications/{theirs.pk}/lue/").status_code == 404
    assert client.post("/notifications/999999/lue/").status_code == 404
    theirs.refresh_from_db()
    assert theirs.read_at is None
    assert client.get(f"/notifications/{mine.pk}/lue/").status_code == 405
    assert client.post(f"/notifications/{mine.pk}/lue/").status_code == 302
    mine.refresh_from_db()
    assert mine.read_at is not None
    assert "Pour Alice" not in client.get("/notifications/?non_lues=1").content.decode()


def test_mark_all_read_touches_only_mine(client, two_users):
    alice, _bob, _mine, theirs = two_users
    client.force_login(alice)
    client.post("/notifications/toutes-lues/")
    assert not Notification.objects.filter(recipient=alice, read_at__isnull=True).exists()
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_preferences_page(client, two_users):
    alice, *_ = two_users
    client.force_login(alice)
    assert "Un e-mail récapitulatif par jour" in client.get("/notifications/preferences/").content.decode()
    response = client.post("/notifications/preferences/", {"delivery": "digest"})
    assert response.status_code == 302
    assert UserNotificationPreference.objects.get(user=alice, kind="").delivery == "digest"
    html = client.post("/notifications/preferences/", {"delivery": "pigeon"}, follow=True).content.decode()
    assert "Envoi des e-mails" in html and "Choisissez un mode d&#x27;envoi" in html
    assert UserNotificationPreference.objects.get(user=alice, kind="").delivery == "digest"


def test_organisation_settings_for_director_only(client, two_users):
    alice, bob, *_ = two_users
    client.force_login(alice)
    assert client.get("/notifications/organisation/").status_code == 403
    client.force_login(bob)
    html = client.get("/notifications/organisation/").content.decode()
    assert "Essai de page" in html and "Demande close : personne admise dans un autre ESMS" in html
    client.post("/notifications/organisation/", {"kind": "tests.page", "enabled": "0"})
    setting = OrganisationNotificationSetting.objects.get(kind="tests.page")
    assert setting.enabled is False
    html = client.post("/notifications/organisation/", {"kind": "inconnu.x", "enabled": "0"}, follow=True)
    assert "Type de notification inconnu : « inconnu.x »" in html.content.decode()
