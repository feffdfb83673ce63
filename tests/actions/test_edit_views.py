"""« Saisir une action » and « Modifier l'action » through the pages: what is saved, and bad input refused with a
French message next to its field, nothing written (§E.1)."""

import datetime

import pytest
from django.urls import reverse

from resorption.actions.models import Action, ActionManager, ActionOperator, ActionSite
from tests.accounts.helpers import text
from tests.actions.factories import ActionFinanceFactory
from tests.actions.helpers import field_errors
from tests.settlements.factories import SiteFactory
from tests.territories.factories import CommuneFactory

pytestmark = pytest.mark.django_db


def _form(world, **changes) -> dict:
    data = {
        "name": "Accompagnement vers l'emploi",
        "started_at": "2025-03-01",
        "ended_at": "",
        "topics": ["work", "health"],
        "goals": "Accompagner 40 personnes vers l'emploi.",
        "departement": "33",
        "location_type": "autre",
        "location_eti": "",
        "location_eti_commune": "",
        "location_eti_latitude": "",
        "location_eti_longitude": "",
        "location_autre": "Locaux de l'association",
        "managers": [world.partner.pk],
        "operators": [world.operator.pk],
    }
    data.update(changes)
    return {key: value for key, value in data.items() if value is not None}


def _rows() -> tuple[int, int, int, int]:
    return (
        Action.objects.count(),
        ActionManager.objects.count(),
        ActionOperator.objects.count(),
        ActionSite.objects.count(),
    )


def test_a_partner_creates_an_action_with_pilots_stored_with_their_organisation(client, world):
    client.force_login(world.partner)
    response = client.post(reverse("actions:create"), _form(world))
    action = Action.objects.get(name="Accompagnement vers l'emploi")
    assert response.status_code == 302
    assert response["Location"] == reverse("actions:detail", kwargs={"pk": action.pk})
    assert action.topic_work and action.topic_health and not action.topic_housing
    assert action.created_by == world.partner
    manager = action.managers.get()
    assert (manager.user, manager.organization) == (world.partner, world.partner.organization)
    assert action.operators.get().organization == world.operator.organization


def test_an_action_on_site_lists_its_sites_and_links_to_them(client, world):
    site = SiteFactory()
    client.force_login(world.partner)
    client.post(reverse("actions:create"), _form(world, location_type="sur_site", location_autre="", sites=[site.pk]))
    action = Action.objects.get(name="Accompagnement vers l'emploi")
    assert list(action.sites.all()) == [site]
    page = text(client.get(reverse("actions:detail", kwargs={"pk": action.pk})))
    assert reverse("settlements:detail", kwargs={"pk": site.pk}) in page
    assert "Santé, Formation et emploi" in page


def test_an_eti_action_keeps_its_address_and_commune(client, world):
    CommuneFactory()
    client.force_login(world.partner)
    client.post(
        reverse("actions:create"),
        _form(
            world,
            location_type="eti",
            location_autre="",
            location_eti="12 rue Lucien Faure",
            location_eti_commune="33063",
            location_eti_latitude="44.86",
            location_eti_longitude="-0.55",
        ),
    )
    action = Action.objects.get(name="Accompagnement vers l'emploi")
    assert (action.location_eti, action.location_eti_commune_id) == ("12 rue Lucien Faure", "33063")
    assert action.location_eti_latitude == 44.86


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"ended_at": "2025-01-31"}, "ended_at", "La date de fin ne peut pas précéder la date de début."),
        ({"managers": []}, "managers", "Choisissez au moins un pilote de l'action."),
        ({"operators": []}, "operators", "Choisissez au moins un opérateur de l'action."),
        ({"topics": []}, "topics", "Choisissez au moins un champ d'intervention."),
        ({"topics": ["cuisine"]}, "topics", "Choisissez des valeurs parmi celles proposées."),
        ({"location_type": "autre", "location_autre": ""}, "location_autre", "Précisez le lieu de l'action."),
        ({"location_type": "sur_site", "location_autre": ""}, "sites", "Choisissez au moins un site concerné."),
        (
            {"location_type": "eti", "location_eti": "1 rue X", "location_eti_commune": "31555"},
            "location_eti_commune",
            "La commune de l'ETI doit être dans le département principal.",
        ),
        (
            {"location_type": "eti", "location_eti": "1 rue X", "location_eti_commune": "99999"},
            "location_eti_commune",
            "Saisissez le code INSEE d'une commune",
        ),
        ({"managers": ["9" * 30]}, "managers", "Choisissez des valeurs parmi celles proposées."),
        ({"departement": "44"}, "departement", "Vous n'avez pas le droit de créer une action dans ce département."),
    ],
)
def test_bad_input_is_refused_next_to_its_field_and_writes_nothing(client, world, changes, field, message):
    CommuneFactory(code="31555", name="Toulouse", departement=world.haute_garonne, postal_codes="31000")
    client.force_login(world.partner)
    before = _rows()
    response = client.post(reverse("actions:create"), _form(world, **changes))
    assert response.status_code == 200
    assert _rows() == before
    assert any(error.startswith(message) for error in field_errors(response, f"id_{field}")), text(response)


def test_a_site_out_of_the_editors_sight_is_refused(client, world):
    far_site = SiteFactory(commune=CommuneFactory(code="31555", name="Toulouse", departement=world.haute_garonne))
    client.force_login(world.partner)
    before = _rows()
    response = client.post(
        reverse("actions:create"), _form(world, location_type="sur_site", location_autre="", sites=[far_site.pk])
    )
    assert response.status_code == 200
    assert field_errors(response, "id_sites") == ["Choisissez des valeurs parmi celles proposées."]
    assert _rows() == before


def test_the_service_refuses_a_site_out_of_sight_even_without_the_form(world):
    from django.core.exceptions import ValidationError

    from resorption.actions.services import action_create

    far_site = SiteFactory(commune=CommuneFactory(code="31555", name="Toulouse", departement=world.haute_garonne))
    values = {
        "name": "Action",
        "started_at": datetime.date(2025, 1, 1),
        "topics": ["health"],
        "goals": "Objectifs",
        "departement": world.gironde,
        "location_type": "sur_site",
        "sites": [far_site.pk],
        "managers": [world.partner],
        "operators": [world.operator],
    }
    with pytest.raises(ValidationError) as caught:
        action_create(author=world.partner, values=values)
    assert caught.value.message_dict["sites"] == ["Choisissez des sites parmi ceux que vous pouvez consulter."]
    assert not Action.objects.filter(name="Action").exists()


def _update_form(client, action) -> dict:
    """The update form as the page filled it in."""
    response = client.get(reverse("actions:update", kwargs={"pk": action.pk}))
    form = response.context["form"]
    data = {}
    for name, bound in form.initial.items():
        value = bound
        if value is None:
            value = ""
        elif isinstance(value, datetime.date):
            value = value.isoformat()
        data[name] = value
    return data


def test_an_operator_updates_the_action_but_keeps_departement_and_pilots(client, world):
    client.force_login(world.operator)
    action = world.own
    data = _update_form(client, action)
    data.update(name="Nouveau nom", departement="31", managers=[world.operator.pk])
    response = client.post(reverse("actions:update", kwargs={"pk": action.pk}), data)
    assert response.status_code == 302
    action.refresh_from_db()
    assert action.name == "Nouveau nom"
    # Disabled for him: the values posted are ignored, the stored ones kept.
    assert action.departement_id == "33"
    assert list(action.managers.values_list("user", flat=True)) == [world.partner.pk]
    assert action.version == 2


def test_the_service_refuses_pilots_changed_without_finance_rights(world):
    from django.core.exceptions import ValidationError

    from resorption.actions.services import action_update

    with pytest.raises(ValidationError) as caught:
        action_update(
            action_id=world.own.pk,
            author=world.operator,
            expected_version=1,
            values={"managers": [world.operator], "departement": world.haute_garonne},
        )
    errors = caught.value.message_dict
    assert errors["managers"] == [
        "Seules les personnes ayant accès aux financements de l'action peuvent changer les pilotes."
    ]
    assert errors["departement"] == [
        "Seules les personnes ayant accès aux financements de l'action peuvent changer le département d'intervention "
        "principal."
    ]
    assert list(world.own.managers.values_list("user", flat=True)) == [world.partner.pk]


def test_the_pilot_changes_the_pilots(client, world):
    client.force_login(world.partner)
    data = _update_form(client, world.own)
    data["managers"] = [world.partner.pk, world.other_gironde.pk]
    assert client.post(reverse("actions:update", kwargs={"pk": world.own.pk}), data).status_code == 302
    assert set(world.own.managers.values_list("user", flat=True)) == {world.partner.pk, world.other_gironde.pk}


def test_an_update_on_an_older_version_is_refused(client, world):
    client.force_login(world.partner)
    data = _update_form(client, world.own)
    Action.objects.filter(pk=world.own.pk).update(version=5)
    data["name"] = "Écrasement"
    response = client.post(reverse("actions:update", kwargs={"pk": world.own.pk}), data)
    assert response.status_code == 200
    assert "modifiée par une autre personne" in text(response)
    world.own.refresh_from_db()
    assert world.own.name != "Écrasement"


def test_dates_leaving_finances_outside_are_refused(client, world):
    ActionFinanceFactory(action=world.own, year=2026)
    client.force_login(world.partner)
    data = _update_form(client, world.own)
    data["ended_at"] = "2025-12-31"
    response = client.post(reverse("actions:update", kwargs={"pk": world.own.pk}), data)
    assert field_errors(response, "id_ended_at") == [
        "Des financements sont saisis pour 2026 : modifiez-les avant de changer les dates."
    ]
    world.own.refresh_from_db()
    assert world.own.ended_at is None
