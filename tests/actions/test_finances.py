"""Finances per year (§E.1, §A.6): written only by who may access them, each year within the action's years,
amounts ≥ 0, comment ≤ 255 characters; never shown to anyone else — not on the page, the history or the list."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from resorption.actions.models import Action, ActionFinance
from resorption.actions.services import action_finances_update
from tests.accounts.helpers import text
from tests.actions.factories import ActionFinanceFactory
from tests.actions.helpers import field_errors, plain

pytestmark = pytest.mark.django_db
AMOUNT = "48\u00a0250,00\u00a0€"
PREFIX = "financements"


def _post(action, rows: list[dict], *, version: int | None = None) -> dict:
    data = {
        "expected_version": str(action.version if version is None else version),
        f"{PREFIX}-TOTAL_FORMS": str(len(rows)),
        f"{PREFIX}-INITIAL_FORMS": "0",
        f"{PREFIX}-MIN_NUM_FORMS": "0",
        f"{PREFIX}-MAX_NUM_FORMS": "60",
    }
    for index, row in enumerate(rows):
        for name, value in row.items():
            data[f"{PREFIX}-{index}-{name}"] = value
    return data


def _row(**changes) -> dict:
    return {
        "year": "2025",
        "finance_type": "dedie",
        "amount": "48250",
        "real_amount": "12000",
        "comments": "",
    } | changes


def test_the_pilot_enters_finances_over_two_years(client, world):
    client.force_login(world.partner)
    url = reverse("actions:finances", kwargs={"pk": world.own.pk})
    assert client.get(url).status_code == 200
    response = client.post(url, _post(world.own, [_row(), _row(year="2026", finance_type="europeen", amount="1000")]))
    assert response.status_code == 302
    rows = list(world.own.finances.values_list("year", "finance_type", "amount"))
    assert rows == [(2025, "dedie", Decimal("48250.00")), (2026, "europeen", Decimal("1000.00"))]
    world.own.refresh_from_db()
    assert world.own.version == 2
    page = text(client.get(reverse("actions:detail", kwargs={"pk": world.own.pk})))
    assert AMOUNT in page


def test_an_existing_line_is_updated_and_a_line_left_out_deleted(world):
    kept = ActionFinanceFactory(action=world.own)
    dropped = ActionFinanceFactory(action=world.own, finance_type="prive")
    action_finances_update(
        action_id=world.own.pk,
        author=world.partner,
        expected_version=1,
        rows=[{"id": kept.pk, "year": 2025, "finance_type": "dedie", "amount": Decimal(5), "real_amount": Decimal(0)}],
    )
    assert list(world.own.finances.values_list("pk", "amount")) == [(kept.pk, Decimal("5.00"))]
    assert not ActionFinance.objects.filter(pk=dropped.pk).exists()


@pytest.mark.parametrize(
    ("row", "field", "message"),
    [
        (_row(year="2019"), "year", "Choisissez une année de l'action, entre 2025 et"),
        (_row(amount="-1"), "amount", "Le montant ne peut pas être négatif."),
        (_row(real_amount="-0.5"), "real_amount", "Les dépenses exécutées ne peuvent pas être négatives."),
        (_row(comments="x" * 256), "comments", "Le commentaire ne peut pas dépasser 255 caractères."),
        (_row(finance_type="loto"), "finance_type", "Choisissez un type de financement parmi ceux proposés."),
        (_row(amount="9" * 30), "amount", "Saisissez un montant entre 0 et"),
    ],
)
def test_bad_finance_input_is_refused_next_to_its_field(client, world, row, field, message):
    ActionFinanceFactory(action=world.own)
    client.force_login(world.partner)
    before = list(ActionFinance.objects.values_list("pk", "year", "amount", "real_amount", "comments"))
    response = client.post(reverse("actions:finances", kwargs={"pk": world.own.pk}), _post(world.own, [row]))
    assert response.status_code == 200
    errors = field_errors(response, f"id_{PREFIX}-0-{field}")
    assert any(error.startswith(message) for error in errors), errors
    assert list(ActionFinance.objects.values_list("pk", "year", "amount", "real_amount", "comments")) == before
    assert Action.objects.get(pk=world.own.pk).version == 1


def test_a_year_after_the_end_is_refused_by_the_service(world):
    from django.core.exceptions import ValidationError

    Action.objects.filter(pk=world.own.pk).update(ended_at=datetime.date(2025, 12, 31))
    with pytest.raises(ValidationError) as caught:
        action_finances_update(
            action_id=world.own.pk,
            author=world.partner,
            expected_version=1,
            rows=[{"year": 2026, "finance_type": "dedie", "amount": Decimal(1), "real_amount": Decimal(0)}],
        )
    assert caught.value.message_dict == {"rows.0.year": ["Choisissez une année de l'action, entre 2025 et 2025."]}
    assert not ActionFinance.objects.exists()


def test_an_editor_without_the_right_may_not_write_finances(client, world):
    """The operator updates the action but is no pilot: the finances page and the service refuse him."""
    ActionFinanceFactory(action=world.own)
    client.force_login(world.operator)
    url = reverse("actions:finances", kwargs={"pk": world.own.pk})
    assert client.get(url).status_code == 403
    assert client.post(url, _post(world.own, [_row(amount="1")])).status_code == 403
    with pytest.raises(PermissionDenied):
        action_finances_update(action_id=world.own.pk, author=world.operator, expected_version=1, rows=[])
    assert list(world.own.finances.values_list("amount", flat=True)) == [Decimal("48250.00")]


def test_an_editor_without_the_right_leaves_finances_untouched_when_updating(client, world):
    ActionFinanceFactory(action=world.own)
    client.force_login(world.operator)
    form = client.get(reverse("actions:update", kwargs={"pk": world.own.pk})).context["form"]
    assert AMOUNT not in text(client.get(reverse("actions:update", kwargs={"pk": world.own.pk})))
    data = {
        key: ("" if value is None else value.isoformat() if isinstance(value, datetime.date) else value)
        for key, value in form.initial.items()
    }
    data["goals"] = "Nouveaux objectifs"
    assert client.post(reverse("actions:update", kwargs={"pk": world.own.pk}), data).status_code == 302
    assert list(world.own.finances.values_list("year", "amount", "real_amount")) == [
        (2025, Decimal("48250.00"), Decimal("12000.00"))
    ]


def test_no_amount_reaches_a_reader_without_the_right(client, world):
    """The operator reads the action, its history and the list: not a single amount, nor the readers' block."""
    client.force_login(world.partner)
    client.post(reverse("actions:finances", kwargs={"pk": world.own.pk}), _post(world.own, [_row()]))
    client.force_login(world.operator)
    for url in (
        reverse("actions:detail", kwargs={"pk": world.own.pk}),
        reverse("actions:history", kwargs={"pk": world.own.pk}),
        reverse("actions:list"),
        reverse("actions:list") + "?q=Rives",
    ):
        page = text(client.get(url))
        assert world.own.name in page
        for secret in ("48\u00a0250", "48250", "12\u00a0000", "Financements", "Lecteurs des financements", "Crédits"):
            assert secret not in page, (url, secret)
    # Not even the fact that someone changed them: the history shows the creation alone.
    history = text(client.get(reverse("actions:history", kwargs={"pk": world.own.pk})))
    assert "Mise à jour" not in history
    assert world.partner.full_name not in history


def test_the_history_shows_finance_changes_to_who_may_read_them(client, world):
    client.force_login(world.partner)
    client.post(reverse("actions:finances", kwargs={"pk": world.own.pk}), _post(world.own, [_row()]))
    page = plain(client.get(reverse("actions:history", kwargs={"pk": world.own.pk})))
    assert (
        "Financements : non renseigné → 2025, Crédits dédiés à la résorption des bidonvilles : 48\u00a0250,00\u00a0€ "
        "(dépenses exécutées : 12\u00a0000,00\u00a0€)"
    ) in page


@pytest.mark.parametrize("total", ["1", "0", "-999999999999999999999999999999"])
def test_a_form_with_fewer_lines_than_the_action_holds_removes_nothing(client, world, total):
    ActionFinanceFactory(action=world.own, year=2025)
    ActionFinanceFactory(action=world.own, year=2025, finance_type="europeen")
    client.force_login(world.partner)
    data = _post(world.own, [_row()]) | {f"{PREFIX}-TOTAL_FORMS": total}

    response = client.post(reverse("actions:finances", kwargs={"pk": world.own.pk}), data)

    assert response.status_code == 200
    assert "ne contient pas toutes les lignes de financement" in text(response)
    assert world.own.finances.count() == 2
    world.own.refresh_from_db()
    assert world.own.version == 1


# « Lecteurs des financements » ---------------------------------------------------------------------------------------


def finance_readers_page(client, user, action):
    client.force_login(user)
    return client.get(reverse("actions:finance_readers", kwargs={"pk": action.pk}))


def test_the_finance_readers_are_the_people_the_rule_lets_read_them(client, world):
    response = finance_readers_page(client, world.partner, world.own)

    assert response.status_code == 200
    # The pilot's organisation (the partner), the admin and the correspondent of the Gironde, the option holder; not
    # the operator, nor other structures of the Gironde; the national roles as their labels, not one by one.
    people = response.context["people"]
    assert set(people) == {world.partner, world.local_admin, world.correspondent, world.finance_reader}
    assert people == sorted(people, key=lambda person: (person.last_name, person.first_name, person.pk))
    assert response.context["national_roles"] == ["Administrateur national", "Acteur national"]
    page = text(response)
    assert world.partner.full_name in page
    assert world.operator.full_name not in page
    assert world.other_gironde.full_name not in page


def test_far_away_the_finance_readers_are_the_pilots_organisation_only(client, world):
    response = finance_readers_page(client, world.national_admin, world.far_own)

    # In the Haute-Garonne: the Gironde's admin, correspondent and option holder read none of its finances.
    assert [person.email for person in response.context["people"]] == [world.partner.email]


def test_who_does_not_read_the_finances_does_not_read_their_readers(client, world):
    assert finance_readers_page(client, world.operator, world.own).status_code == 403
    assert finance_readers_page(client, world.unrelated, world.own).status_code == 404
