"""The history page of an action: each version with who and when, and what changed as « label : old → new »."""

import datetime

import pytest
from django.urls import reverse

from resorption.actions.models import Action
from resorption.actions.services import action_create, action_update
from tests.actions.helpers import plain
from tests.settlements.factories import SiteFactory
from tests.territories.factories import CommuneFactory

pytestmark = pytest.mark.django_db


def _create(world, **values) -> Action:
    base = {
        "name": "Médiation scolaire",
        "started_at": datetime.date(2025, 9, 1),
        "topics": ["school"],
        "goals": "Scolariser les enfants.",
        "departement": world.gironde,
        "location_type": "autre",
        "location_autre": "École Jean Jaurès",
        "managers": [world.partner],
        "operators": [world.operator],
    }
    return action_create(author=world.partner, values=base | values)


def test_the_history_lists_field_topic_and_people_changes(client, world):
    action = _create(world)
    action_update(
        action_id=action.pk,
        author=world.operator,
        expected_version=1,
        values={
            "name": "Médiation scolaire et santé",
            "ended_at": datetime.date(2026, 6, 30),
            "topics": ["school", "health"],
            "operators": [world.operator, world.other_gironde],
        },
    )
    client.force_login(world.partner)
    page = plain(client.get(reverse("actions:history", kwargs={"pk": action.pk})))
    assert "Mise à jour Le " in page
    assert f"par {world.operator.full_name}" in page
    assert "Nom de l'action : Médiation scolaire → Médiation scolaire et santé" in page
    assert "Date de fin : non renseigné → 30/06/2026" in page
    assert "Champs d'intervention : Santé, Éducation et scolarisation" not in page.split("Création")[1]
    assert "Champs d'intervention : Éducation et scolarisation → Santé, Éducation et scolarisation" in page
    operators = sorted(
        [
            f"{world.operator.full_name} ({world.operator.organization.name})",
            f"{world.other_gironde.full_name} ({world.other_gironde.organization.name})",
        ]
    )
    assert (
        f"Opérateurs de l'action : {world.operator.full_name} ({world.operator.organization.name}) → "
        f"{'; '.join(operators)}"
    ) in page
    # Newest first: the update before the creation.
    assert page.index("Mise à jour") < page.index("Création de l'action")


def test_a_site_out_of_the_readers_sight_is_named_by_its_number(client, world):
    site = SiteFactory(address="3 chemin des Vignes 33000 Bordeaux")
    action = _create(world, location_type="sur_site", location_autre="", sites=[site])
    far = SiteFactory(commune=CommuneFactory(code="31555", name="Toulouse", departement=world.haute_garonne))
    action_update(
        action_id=action.pk,
        author=world.national_admin,
        expected_version=1,
        values={"sites": [site, far]},
    )
    client.force_login(world.national_admin)
    assert "3 chemin des Vignes" in plain(client.get(reverse("actions:history", kwargs={"pk": action.pk})))
    client.force_login(world.operator)
    page = plain(client.get(reverse("actions:history", kwargs={"pk": action.pk})))
    assert f"Sites concernés : 3 chemin des Vignes → 3 chemin des Vignes; site n° {far.pk}" in page
    # …and the editor who does not read it keeps it when he saves the action.
    action_update(
        action_id=action.pk, author=world.operator, expected_version=2, values={"sites": [site], "name": "Renommée"}
    )
    assert set(action.site_links.values_list("site_id", flat=True)) == {site.pk, far.pk}


def test_an_update_without_change_is_refused(world):
    from django.core.exceptions import ValidationError

    action = _create(world)
    with pytest.raises(ValidationError) as caught:
        action_update(action_id=action.pk, author=world.partner, expected_version=1, values={"name": action.name})
    assert caught.value.messages == ["Aucune donnée n'a changé."]
    assert action.history.count() == 1
