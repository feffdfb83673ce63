"""The site export's pages: the form (rights, filters carried over, hostile input), the progress fragment, the
download open to the requester only and for 24 hours, the sweep of old files, query budgets."""

import datetime
import io
import re

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from resorption.accounts.enums import Role
from resorption.exports import services
from resorption.exports.enums import ExportStatus
from resorption.exports.models import SiteExport
from tests.accounts.factories import UserFactory
from tests.settlements.factories import SiteFactory

pytestmark = pytest.mark.django_db

URL = reverse("exports:site_export")


@pytest.fixture
def operator():
    """An opérateur of Gironde: exports the sites of Gironde, without justice nor owners."""
    return UserFactory(role=Role.ASSOCIATION)


@pytest.fixture
def correspondent():
    """A correspondant of Gironde: may export justice and owners."""
    return UserFactory(role=Role.DIRECT_COLLABORATOR)


def post_export(client, user, data, capture):
    client.force_login(user)
    with capture(execute=True):
        return client.post(URL, data)


@pytest.fixture
def finished_export(client, operator, django_capture_on_commit_callbacks):
    SiteFactory(address="1 rue des Lilas 33000 Bordeaux")
    response = post_export(
        client, operator, {"filtres": "localisation=33", "statut": "ouverts"}, django_capture_on_commit_callbacks
    )
    assert response.status_code == 302
    return SiteExport.objects.get(requested_by=operator)


# The form ------------------------------------------------------------------------------------------------------------


def test_who_may_not_export_is_refused(client):
    client.force_login(UserFactory(role=Role.INTERVENER))

    assert client.get(URL).status_code == 403
    assert client.post(URL, {"statut": "ouverts"}).status_code == 403


def test_the_form_offers_only_the_sections_the_user_may_export(client, operator, correspondent):
    client.force_login(operator)
    operator_page = client.get(URL).content.decode()
    client.force_login(correspondent)
    correspondent_page = client.get(URL).content.decode()

    for page in (operator_page, correspondent_page):
        assert 'value="living_conditions"' in page and 'value="comments"' in page
    assert 'value="justice"' not in operator_page and 'value="owners"' not in operator_page
    assert 'value="justice"' in correspondent_page and 'value="owners"' in correspondent_page


def test_the_lists_filters_are_carried_over_and_summarised(client, operator):
    client.force_login(operator)

    page = client.get(URL, {"statut": "fermes", "proprietaire": "private", "page": "3", "tri": "commune"})

    html = page.content.decode()
    assert page.status_code == 200
    assert 'name="filtres" value="statut=fermes&amp;proprietaire=private"' in html
    assert re.search(r'<input type="radio" name="statut" value="fermes"[^>]* checked>', html)
    assert "Type de propriétaire : Privé" in html


def test_posting_the_form_records_the_export_and_shows_its_progress(client, finished_export, operator):
    export = finished_export

    assert export.status == ExportStatus.DONE and export.total == 1
    assert export.query == "localisation=33&statut=ouverts"
    page = client.get(reverse("exports:progress", kwargs={"pk": export.pk})).content.decode()
    assert "Export terminé : 1 site" in page
    assert reverse("exports:download", kwargs={"pk": export.pk}) in page
    assert 'hx-trigger="every 1s"' not in page  # finished: no more polling


def test_a_running_export_is_polled_every_second(client, operator):
    export = SiteExport.objects.create(requested_by=operator, status=ExportStatus.RUNNING, total=40, done=10)
    client.force_login(operator)

    fragment = client.get(reverse("exports:progress_fragment", kwargs={"pk": export.pk})).content.decode()

    assert 'hx-trigger="every 1s"' in fragment
    assert 'value="25"' in fragment and 'aria-valuenow="25"' in fragment
    assert "10 sites sur 40" in fragment
    assert "Télécharger" not in fragment


HOSTILE = [
    ({"statut": "ouverts", "date": "pas une date"}, "Saisissez une date"),
    ({"statut": "ouverts", "date": str(timezone.localdate() + datetime.timedelta(days=1))}, "dans le futur"),
    ({"statut": "ouverts", "date": "2999-01-01"}, "Saisissez une date entre le 01/01/2019"),
    ({"statut": "ouverts", "date": "2018-12-31"}, "Saisissez une date entre le 01/01/2019"),
    ({"statut": "ouverts", "date": "31/02/2025"}, "Saisissez une date"),
    ({"statut": "ouverts", "sections": "tout"}, "Section inconnue : tout"),
    ({"statut": "ouverts", "sections": "justice"}, "Section inconnue : justice"),  # not offered to an opérateur
    ({"statut": "partout"}, "Choix inconnu"),
    ({"statut": "ouverts", "filtres": "q=" + "x" * 5000}, "trop longs"),
]


@pytest.mark.parametrize(("data", "message"), HOSTILE, ids=lambda value: str(value)[:30])
def test_bad_input_gets_a_french_message_and_no_export(client, operator, data, message):
    client.force_login(operator)

    response = client.post(URL, data)

    assert response.status_code == 400
    assert message in response.content.decode()
    assert not SiteExport.objects.exists()


@pytest.mark.parametrize(
    "query",
    [
        "localisation=%00%ff&population=abc&type=<script>&eau=1&cause=xx",
        "statut=fermes&statut=ouverts&localisation=commune-99999&q=%25%25%25",
        "conditions=zzz&justice=procedure&arrete=oui&page=-1&tri=rien",
    ],
)
def test_a_garbage_query_string_is_read_as_the_list_reads_it(
    client, operator, query, django_capture_on_commit_callbacks
):
    SiteFactory()
    client.force_login(operator)

    assert client.get(URL + "?" + query).status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(URL, {"filtres": query, "statut": "ouverts", "date": "2025-01-15"})
    assert response.status_code == 302
    assert SiteExport.objects.get().status == ExportStatus.DONE


# Download ------------------------------------------------------------------------------------------------------------


def test_the_requester_downloads_the_file(client, finished_export):
    response = client.get(reverse("exports:download", kwargs={"pk": finished_export.pk}))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert "attachment" in response["Content-Disposition"]
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    assert [cell.value for cell in next(sheet.iter_rows(min_row=3, max_row=3))][4] == "1 rue des Lilas 33000 Bordeaux"


@pytest.mark.parametrize("name", ["progress", "progress_fragment", "download"])
def test_nobody_else_opens_an_export_not_even_a_national_admin(client, finished_export, correspondent, name):
    client.force_login(correspondent)

    assert client.get(reverse(f"exports:{name}", kwargs={"pk": finished_export.pk})).status_code == 404


def test_after_24_hours_the_file_has_expired(client, finished_export):
    SiteExport.objects.filter(pk=finished_export.pk).update(
        finished_at=timezone.now() - datetime.timedelta(hours=24, minutes=1)
    )

    response = client.get(reverse("exports:download", kwargs={"pk": finished_export.pk}))

    assert response.status_code == 410
    assert "Export expiré" in response.content.decode()


def test_the_sweep_deletes_files_older_than_24_hours_and_keeps_the_log(finished_export, operator):
    recent = SiteExport.objects.create(requested_by=operator, status=ExportStatus.DONE, finished_at=timezone.now())
    recent.file.save("recent.xlsx", io.BytesIO(b"x"))
    storage, old_name = finished_export.file.storage, finished_export.file.name
    SiteExport.objects.filter(pk=finished_export.pk).update(finished_at=timezone.now() - datetime.timedelta(hours=25))

    assert services.site_exports_sweep() == 1

    assert not storage.exists(old_name)
    assert storage.exists(recent.file.name)
    finished_export.refresh_from_db()
    assert finished_export.file.name == "" and finished_export.requested_by == operator


# Query budgets -------------------------------------------------------------------------------------------------------


def test_the_form_page_costs_the_same_with_more_sites(client, operator, django_assert_max_num_queries):
    client.force_login(operator)
    SiteFactory()
    client.get(URL)
    with django_assert_max_num_queries(12) as few:
        client.get(URL, {"proprietaire": "private"})
    for _ in range(20):
        SiteFactory()
    SiteExport.objects.bulk_create([SiteExport(requested_by=operator) for _ in range(10)])
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(URL, {"proprietaire": "private"})


def test_the_progress_fragment_costs_a_few_queries(client, finished_export, django_assert_max_num_queries):
    with django_assert_max_num_queries(4):
        client.get(reverse("exports:progress_fragment", kwargs={"pk": finished_export.pk}))


def test_the_list_links_to_the_export_with_its_filters_only_for_who_may_export(client):
    from resorption.accounts.enums import AdminRole, Role
    from tests.accounts.factories import UserFactory

    query = "population=10-50&type=land"
    export_link = f'href="{reverse("exports:site_export")}?{query.replace("&", "&amp;")}"'
    client.force_login(UserFactory(role=Role.EXTERNAL_OBSERVER))
    assert export_link not in client.get(f"{reverse('settlements:list')}?{query}").content.decode()
    client.force_login(UserFactory(admin_role=AdminRole.NATIONAL_ADMIN))
    assert export_link in client.get(f"{reverse('settlements:list')}?{query}").content.decode()
