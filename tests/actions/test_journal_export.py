"""The export of one action's journal (`/actions/<pk>/journal/export/`, §A.7 `actionComment.exportList`): who may
download it, its rows (the messages the exporter reads, oldest first), its link on the journal page, and a flat query
count.

The people and actions are those of tests/actions/conftest.py (`world`): `own` is in the Gironde, piloted by the
partner's organisation (« Préfecture de la Gironde ») and operated by the operator's; `far` is in the Haute-Garonne.
« Exporter les commentaires des actions » is national for the national admin, local for local admins, and nobody
else's.
"""

import datetime
import io
import zoneinfo

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from resorption.actions.journal import action_entry_delete, action_entry_post
from resorption.actions.models import ActionEntry
from resorption.journal.enums import Audience
from tests.accounts.helpers import text
from tests.journal.files import PNG

pytestmark = pytest.mark.django_db
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PARIS = zoneinfo.ZoneInfo("Europe/Paris")
TITLES = ("Date", "Auteur", "Structure", "Destinataires", "Message", "Pièces jointes")
PUBLIC = "Tous les utilisateurs ayant accès aux messages de l'action"
LINK = "Exporter le journal (xlsx)"


def export_url(action) -> str:
    return reverse("actions:journal_export", kwargs={"pk": action.pk})


def _post(author, action, body: str, moment: datetime.datetime, **values) -> ActionEntry:
    """A message posted by `author` in the action's journal, dated `moment`."""
    entry = action_entry_post(user=author, action_id=action.pk, body=body, **values)
    ActionEntry.objects.filter(pk=entry.pk).update(created_at=moment)
    return entry


def _rows(client, action) -> list[tuple]:
    """The sheet's rows, titles first, after checking the answer is the xlsx file of the action's journal."""
    response = client.get(export_url(action))
    assert response.status_code == 200
    assert response["Content-Type"] == XLSX
    filename = f"journal-action-{action.pk}-{timezone.localdate():%Y-%m-%d}.xlsx"
    assert response["Content-Disposition"] == f'attachment; filename="{filename}"'
    workbook = load_workbook(io.BytesIO(response.content))
    assert workbook.sheetnames == ["Journal de l'action"]
    return list(workbook["Journal de l'action"].iter_rows(values_only=True))


def _wall(moment: datetime.datetime) -> datetime.datetime:
    """What a spreadsheet reads back of a moment: its Paris wall-clock time."""
    return timezone.localtime(moment).replace(tzinfo=None)


def _messages(client, action) -> list[str]:
    return [row[TITLES.index("Message")] for row in _rows(client, action)[1:]]


# --- Content ---------------------------------------------------------------------------------------------------------


def test_the_national_admin_downloads_the_messages_oldest_first(client, world):
    local_admin = world.local_admin
    # Posted in another order than their dates: the file follows the dates.
    targeted_at = datetime.datetime(2025, 3, 1, 9, tzinfo=PARIS)
    _post(
        world.national_admin,
        world.own,
        "Réunion avec la préfecture et l'administrateur local.",
        targeted_at,
        audience=Audience.CUSTOM,
        target_organization_ids=[world.partner.organization_id],
        target_user_ids=[local_admin.pk],
    )
    first_at = datetime.datetime(2025, 2, 10, 10, tzinfo=PARIS)
    _post(
        world.partner,
        world.own,
        "Premier échange avec les familles.",
        first_at,
        files=[SimpleUploadedFile("plan.png", PNG, content_type="image/png")],
    )
    gone_at = datetime.datetime(2025, 4, 1, 23, 30, tzinfo=datetime.UTC)
    gone = _post(world.operator, world.own, "Compte rendu de la visite.", gone_at)
    ActionEntry.objects.filter(pk=gone.pk).update(author=None)  # the author's account is gone since
    deleted = _post(world.partner, world.own, "Message supprimé.", datetime.datetime(2025, 5, 1, tzinfo=PARIS))
    action_entry_delete(user=world.partner, action_id=world.own.pk, entry_id=deleted.pk)
    _post(world.national_admin, world.same, "Message d'une autre action.", datetime.datetime(2025, 2, 1, tzinfo=PARIS))

    client.force_login(world.national_admin)
    rows = _rows(client, world.own)

    assert rows == [
        TITLES,
        (
            _wall(first_at),
            world.partner.full_name,
            "Préfecture de la Gironde",
            PUBLIC,
            "Premier échange avec les familles.",
            1,
        ),
        (
            _wall(targeted_at),
            world.national_admin.full_name,
            world.national_admin.organization.name,
            f"Préfecture de la Gironde\n{local_admin.full_name} ({local_admin.organization.name})",
            "Réunion avec la préfecture et l'administrateur local.",
            0,
        ),
        (_wall(gone_at), "Utilisateur supprimé", None, PUBLIC, "Compte rendu de la visite.", 0),
    ]
    # 23:30 UTC is already the next day in Paris.
    assert rows[3][0] == datetime.datetime(2025, 4, 2, 1, 30, tzinfo=PARIS).replace(tzinfo=None)


def test_the_local_admin_exports_the_journal_of_an_action_of_his_departement(client, world):
    _post(world.partner, world.own, "Premier échange avec les familles.", datetime.datetime(2025, 2, 10, tzinfo=PARIS))
    client.force_login(world.local_admin)
    assert _messages(client, world.own) == ["Premier échange avec les familles."]


def test_an_empty_journal_gives_the_titles_only(client, world):
    client.force_login(world.national_admin)
    assert _rows(client, world.own) == [TITLES]


def test_a_targeted_message_is_in_the_export_of_its_target_only(client, world):
    """The partner writes to the local admin alone: the national admin, who exports every journal, does not get it."""
    _post(world.partner, world.own, "Message pour tous.", datetime.datetime(2025, 5, 1, 9, tzinfo=PARIS))
    _post(
        world.partner,
        world.own,
        "Message pour l'administrateur local.",
        datetime.datetime(2025, 5, 2, 9, tzinfo=PARIS),
        audience=Audience.CUSTOM,
        target_user_ids=[world.local_admin.pk],
    )
    client.force_login(world.local_admin)
    assert _messages(client, world.own) == [
        "Message pour tous.",
        "Message pour l'administrateur local.",
    ]
    client.force_login(world.national_admin)
    assert _messages(client, world.own) == ["Message pour tous."]


# --- Who may export --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("person", "action", "status"),
    [
        ("partner", "own", 403),  # pilots the action and reads its journal
        ("operator", "own", 403),
        ("correspondent", "own", 403),
        ("local_admin", "far", 403),  # reads the action, outside his territory
        ("unrelated", "own", 404),  # does not read the action
    ],
)
def test_who_may_not_export_the_journal(client, world, person, action, status):
    _post(world.partner, world.own, "Message pour tous.", datetime.datetime(2025, 5, 1, 9, tzinfo=PARIS))
    client.force_login(getattr(world, person))
    response = client.get(export_url(getattr(world, action)))
    assert response.status_code == status
    assert "Message pour tous." not in response.content.decode(errors="replace")


def test_a_missing_action_is_a_404(client, world):
    client.force_login(world.national_admin)
    assert client.get(reverse("actions:journal_export", kwargs={"pk": 999_999})).status_code == 404


@pytest.mark.parametrize(
    ("person", "action", "shown"),
    [
        ("national_admin", "own", True),
        ("national_admin", "far", True),
        ("local_admin", "own", True),
        ("local_admin", "far", False),
        ("partner", "own", False),
        ("correspondent", "own", False),
    ],
)
def test_the_journal_page_links_to_the_export_for_who_may_export(client, world, person, action, shown):
    action = getattr(world, action)
    client.force_login(getattr(world, person))
    response = client.get(reverse("actions:journal", kwargs={"pk": action.pk}))
    assert response.status_code == 200
    page = text(response)
    assert (f'href="{export_url(action)}">{LINK}</a>' in page) is shown
    assert (LINK in page) is shown


# --- Cost ------------------------------------------------------------------------------------------------------------


def _queries(client, url: str) -> list[str]:
    client.get(url)  # warm-up: the first request may renew the session
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return [query["sql"] for query in captured.captured_queries]


def _messages_with_files_and_targets(world, count: int, start: int = 0) -> None:
    day = datetime.datetime(2025, 6, 1, 9, tzinfo=PARIS)
    for index in range(start, start + count):
        _post(
            world.national_admin,
            world.own,
            f"Message ciblé {index}.",
            day + datetime.timedelta(days=index),
            audience=Audience.CUSTOM,
            target_organization_ids=[world.partner.organization_id],
            target_user_ids=[world.local_admin.pk, world.operator.pk],
            files=[SimpleUploadedFile(f"plan-{index}.png", PNG, content_type="image/png")],
        )


def test_the_journal_export_query_count_stays_flat(client, world):
    client.force_login(world.national_admin)
    url = export_url(world.own)
    _messages_with_files_and_targets(world, 1)
    few = _queries(client, url)
    _messages_with_files_and_targets(world, 4, start=1)
    many = _queries(client, url)
    assert len(many) == len(few), many
    assert _messages(client, world.own) == [f"Message ciblé {index}." for index in range(5)]
