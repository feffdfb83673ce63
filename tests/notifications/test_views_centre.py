"""The notification centre: the bell of the header (count, accessible name, one query), the list page, following a
notification, « Marquer comme lue » and « Tout marquer comme lu » (POST with CSRF), nobody else's notifications."""

import html
import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from resorption.notifications.models import Notification, NotificationEvent
from resorption.notifications.views_centre import PAGE_SIZE
from tests.accounts.factories import UserFactory

pytestmark = pytest.mark.django_db

CENTRE = reverse("notifications:list")
DASHBOARD = reverse("dashboard:index")


@pytest.fixture
def user():
    return UserFactory(first_name="Nina", last_name="Notifiée")


def notify(user, text="Un message a été publié.", *, url="/sites/", read=False, age=timedelta(0)) -> Notification:
    event = NotificationEvent.objects.create(kind="journal_message_posted", object_id=1, fanned_out_at=timezone.now())
    moment = timezone.now() - age
    return Notification.objects.create(
        user=user, event=event, text=text, url=url, created_at=moment, read_at=moment if read else None
    )


def page_of(client, url=CENTRE) -> str:
    response = client.get(url)
    assert response.status_code == 200
    return html.unescape(response.content.decode())


def bell(page: str) -> str:
    """The header's link to the centre."""
    match = re.search(r'<a class="fr-btn fr-icon-notification[^"]*"[^>]*href="/notifications/".*?</a>', page, re.S)
    assert match, "no bell in the header"
    return match.group(0)


def accessible_name(link: str) -> str:
    """The link's accessible name: its aria-label, which replaces its content for assistive technologies."""
    match = re.search(r'aria-label="([^"]*)"', link)
    assert match, "the bell has no accessible name of its own"
    return match.group(1)


def visible_text(link: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", link).split())


# The bell ------------------------------------------------------------------------------------------------------------


def test_the_bell_says_how_many_notifications_are_unread(client, user):
    notify(user)
    notify(user)
    notify(user, read=True)
    notify(UserFactory())  # someone else's
    client.force_login(user)

    link = bell(page_of(client, DASHBOARD))

    assert accessible_name(link) == "Notifications, 2 non lues"
    assert visible_text(link) == "Notifications 2"  # the name begins with the visible label (WCAG 2.5.3)
    assert re.search(r'<span class="fr-badge[^"]*" aria-hidden="true">2</span>', link)
    assert "fr-icon-notification-badge-line" in link


def test_the_bell_without_unread_notification(client, user):
    notify(user, read=True)
    client.force_login(user)

    link = bell(page_of(client, DASHBOARD))

    assert accessible_name(link) == "Notifications, aucune non lue"
    assert "fr-badge" not in link and "fr-icon-notification-3-line" in link


def test_one_unread_notification_is_singular(client, user):
    notify(user)
    client.force_login(user)
    assert accessible_name(bell(page_of(client, DASHBOARD))) == "Notifications, 1 non lue"


def test_visitors_have_no_bell(client):
    page = page_of(client, reverse("core:home"))
    assert "/notifications/" not in page


def test_the_bell_costs_one_query_whatever_the_number_of_notifications(client, user):
    client.force_login(user)
    client.get(DASHBOARD)  # session and permissions loaded once

    def notification_queries() -> tuple[int, int]:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(DASHBOARD).status_code == 200
        about_notifications = [query for query in queries if '"notifications_notification"' in query["sql"]]
        return len(queries), len(about_notifications)

    few = notification_queries()
    for _ in range(30):
        notify(user)
    many = notification_queries()

    assert few == many
    assert few[1] == 1


# The centre ----------------------------------------------------------------------------------------------------------


def test_the_centre_lists_ones_notifications_newest_first_with_unread_ones_marked(client, user):
    notify(user, "Ancienne notification déjà lue.", read=True, age=timedelta(days=2))
    notify(user, "Notification d'hier.", age=timedelta(days=1))
    notify(user, "Notification du jour.")
    notify(UserFactory(), "Notification de quelqu'un d'autre.")
    client.force_login(user)

    page = page_of(client)

    assert (
        page.index("Notification du jour.") < page.index("Notification d'hier.") < page.index("Ancienne notification")
    )
    assert "quelqu'un d'autre" not in page
    assert page.count(">Non lue</p>") == 2
    assert "2 notifications non lues." in page
    assert page.count("Marquer comme lue") == 2
    assert "Tout marquer comme lu" in page


def test_the_centre_is_paginated(client, user):
    for number in range(PAGE_SIZE + 3):
        notify(user, f"Notification numéro {number:02}.", age=timedelta(minutes=number))
    client.force_login(user)

    first = page_of(client)
    second = page_of(client, CENTRE + "?page=2")

    assert "Notification numéro 00." in first and f"Notification numéro {PAGE_SIZE - 1:02}." in first
    assert f"Notification numéro {PAGE_SIZE:02}." not in first
    assert f"Notification numéro {PAGE_SIZE + 2:02}." in second
    assert 'aria-label="Pagination"' in first


def test_an_empty_centre(client, user):
    client.force_login(user)
    page = page_of(client)
    assert "Vous n'avez aucune notification pour le moment." in page
    assert "Tout marquer comme lu" not in page


def test_the_centre_costs_the_same_queries_whatever_the_number_of_notifications(client, user):
    client.force_login(user)
    notify(user)
    client.get(CENTRE)

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(CENTRE).status_code == 200
        return len(queries)

    few = count()
    for _ in range(PAGE_SIZE * 2):
        notify(user)
    assert count() == few


def test_the_centre_needs_to_be_signed_in(client):
    response = client.get(CENTRE)
    assert response.status_code == 302 and response.url.startswith(reverse("accounts:login"))


# Following and marking read ------------------------------------------------------------------------------------------


def test_following_a_notification_marks_it_read_and_leads_to_its_page(client, user):
    notification = notify(user, url="/sites/12/journal/#message-3")
    client.force_login(user)

    response = client.get(reverse("notifications:open", kwargs={"pk": notification.pk}))

    assert response.status_code == 302 and response.url == "/sites/12/journal/#message-3"
    notification.refresh_from_db()
    first_reading = notification.read_at
    assert first_reading is not None
    client.get(reverse("notifications:open", kwargs={"pk": notification.pk}))
    notification.refresh_from_db()
    assert notification.read_at == first_reading  # the first reading time is kept


def test_a_link_out_of_the_platform_is_never_followed(client, user):
    notification = notify(user, url="https://ailleurs.example/piège")
    client.force_login(user)

    response = client.get(reverse("notifications:open", kwargs={"pk": notification.pk}))

    assert response.status_code == 302 and response.url == CENTRE


def test_someone_elses_notification_is_not_found(client, user):
    other = notify(UserFactory())
    client.force_login(user)

    assert client.get(reverse("notifications:open", kwargs={"pk": other.pk})).status_code == 404
    assert client.post(reverse("notifications:read", kwargs={"pk": other.pk})).status_code == 404
    other.refresh_from_db()
    assert other.read_at is None


def test_marking_one_notification_read(client, user):
    notification = notify(user)
    kept = notify(user)
    client.force_login(user)

    response = client.post(reverse("notifications:read", kwargs={"pk": notification.pk}), {"page": "2"})

    assert response.status_code == 302 and response.url == CENTRE + "?page=2"
    notification.refresh_from_db()
    kept.refresh_from_db()
    assert notification.read_at is not None and kept.read_at is None


def test_marking_everything_read(client, user):
    for _ in range(3):
        notify(user)
    someone_else = notify(UserFactory())
    client.force_login(user)

    response = client.post(reverse("notifications:read_all"), follow=True)

    assert response.status_code == 200
    assert "Toutes vos notifications sont marquées comme lues." in html.unescape(response.content.decode())
    assert not Notification.objects.filter(user=user).unread().exists()
    someone_else.refresh_from_db()
    assert someone_else.read_at is None
    assert accessible_name(bell(html.unescape(response.content.decode()))) == "Notifications, aucune non lue"


def test_marking_read_needs_a_post_with_its_csrf_token(user):
    notification = notify(user)
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)

    assert client.get(reverse("notifications:read", kwargs={"pk": notification.pk})).status_code == 405
    assert client.get(reverse("notifications:read_all")).status_code == 405
    assert client.post(reverse("notifications:read", kwargs={"pk": notification.pk})).status_code == 403
    assert client.post(reverse("notifications:read_all")).status_code == 403
    notification.refresh_from_db()
    assert notification.read_at is None

    page = page_of(client)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    response = client.post(reverse("notifications:read_all"), {"csrfmiddlewaretoken": token})
    assert response.status_code == 302
    notification.refresh_from_db()
    assert notification.read_at is not None


def test_each_notification_says_when_it_came_and_was_read_and_links_to_itself(client, user):
    unread = notify(user, "Une notification à lire.")
    done = notify(user, "Une notification lue.", read=True)
    for each, minute in ((unread, (2026, 3, 1, 8, 5)), (done, (2026, 12, 3, 13, 45))):
        moment = timezone.make_aware(timezone.datetime(*minute))
        Notification.objects.filter(pk=each.pk).update(created_at=moment, read_at=moment if each is done else None)
    client.force_login(user)

    page = " ".join(page_of(client).split())

    assert "Reçue le 1 mars 2026 à 08:05" in page
    assert "Reçue le 3 décembre 2026 à 13:45 · lue le 3 décembre 2026 à 13:45" in page
    assert f'href="{reverse("notifications:open", kwargs={"pk": unread.pk})}"' in page
    assert f'action="{reverse("notifications:read", kwargs={"pk": unread.pk})}"' in page
    assert f'action="{reverse("notifications:read", kwargs={"pk": done.pk})}"' not in page
