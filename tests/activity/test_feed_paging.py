"""« Charger plus » of the activity feed `/activites/` (issue 11 item 6): pages of 20 without repeats or gaps, with and
without htmx. Each test writes its own events, without the scenario of test_feed.py."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from resorption.notifications.models import NotificationEvent
from resorption.settlements.models import Site

pytestmark = pytest.mark.django_db

URL = reverse("activity:index")


def feed(client, user, query=None):
    client.force_login(user)
    response = client.get(URL, query or {})
    assert response.status_code == 200
    return response


# « Charger plus » ----------------------------------------------------------------------------------------------------


def _many_declarations(site: Site, number: int) -> list[int]:
    """`number` declarations of the site, three of them at each moment: the order then rests on the id."""
    start = timezone.now() - datetime.timedelta(days=1)
    events = NotificationEvent.objects.bulk_create(
        NotificationEvent(
            kind="site_declared",
            object_id=site.pk,
            site=site,
            commune_id=site.commune_id,
            departement_id="33",
            created_at=start + datetime.timedelta(seconds=n // 3),
        )
        for n in range(number)
    )
    return [event.pk for event in sorted(events, key=lambda event: (event.created_at, event.pk), reverse=True)]


def test_load_more_returns_the_next_items_without_repeats_or_gaps(client, people, sites):
    expected = _many_declarations(sites.bordeaux, 45)

    shown, url, pages = [], URL, 0
    client.force_login(people.operator)
    while url:
        response = client.get(url)
        assert response.status_code == 200
        shown += [item.event_id for item in response.context["page"].activities]
        url, pages = response.context["more_url"], pages + 1

    assert shown == expected
    assert pages == 3


def test_load_more_with_htmx_appends_the_next_items_and_replaces_its_link(client, people, sites):
    _many_declarations(sites.bordeaux, 25)
    first = feed(client, people.operator)
    more_url = first.context["more_url"]
    assert f'href="{more_url.replace("&", "&amp;")}"' in first.content.decode()
    assert "Charger plus d’activités" in first.content.decode()

    response = client.get(more_url, headers={"HX-Request": "true"})

    page = response.content.decode()
    assert "<html" not in page and page.count("<li class=") == 5
    assert '<div id="charger-plus" hx-swap-oob="true">' in page and "Charger plus" not in page
    assert "HX-Request" in response["Vary"]


def test_load_more_without_javascript_opens_the_next_items_with_the_filters(client, people, sites):
    _many_declarations(sites.bordeaux, 25)
    first = feed(client, people.operator, {"type": "sites-declares", "localisation": "33"})

    assert "type=sites-declares" in first.context["more_url"] and "localisation=33" in first.context["more_url"]
    response = client.get(first.context["more_url"])
    assert len(response.context["page"].activities) == 5
    assert "Revenir aux activités les plus récentes" in response.content.decode()
