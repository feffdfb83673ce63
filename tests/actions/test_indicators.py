"""Indicators per year (§E.2) on their own page: the sections of the action's topics, each count within its total,
French messages next to the fields, nothing saved on a refusal; read by the action's readers, written by its
editors."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from resorption.actions.models import Action, ActionMetrics
from resorption.actions.services import action_metrics_update
from tests.accounts.helpers import text
from tests.actions.helpers import field_errors, plain

pytestmark = pytest.mark.django_db


def _url(action, year=2025) -> str:
    return reverse("actions:indicators", kwargs={"pk": action.pk}) + f"?annee={year}"


def _school_action(world) -> Action:
    Action.objects.filter(pk=world.own.pk).update(topic_school=True)
    return Action.objects.get(pk=world.own.pk)


def test_the_operator_fills_the_indicators_of_a_year(client, world):
    action = _school_action(world)
    client.force_login(world.operator)
    page = text(client.get(_url(action)))
    assert "Éducation et scolarisation" in page and "Logement" in page
    assert "Formation et emploi" not in page  # not one of its topics
    response = client.post(
        _url(action),
        {
            "expected_version": "1",
            "nombre_personnes": "42",
            "nombre_menages": "12",
            "nombre_mineurs": "20",
            "scolaire_mineurs_trois_ans_et_plus": "15",
            "scolaire_nombre_elementaire": "9",
        },
    )
    assert response.status_code == 302
    metrics = ActionMetrics.objects.get(action=action, year=2025)
    assert (metrics.nombre_personnes, metrics.nombre_menages, metrics.scolaire_nombre_elementaire) == (42, 12, 9)
    history = plain(client.get(reverse("actions:history", kwargs={"pk": action.pk})))
    assert "Indicateurs 2025 — Nombre de personnes accompagnées : non renseigné → 42" in history


@pytest.mark.parametrize(
    ("values", "field", "message"),
    [
        (
            {"nombre_personnes": "10", "nombre_menages": "11"},
            "nombre_menages",
            "Le nombre de ménages accompagnés ne peut pas dépasser le nombre de personnes accompagnées.",
        ),
        (
            {"nombre_personnes": "10", "nombre_femmes": "12"},
            "nombre_femmes",
            "Le nombre de femmes accompagnées ne peut pas dépasser le nombre de personnes accompagnées.",
        ),
        (
            {
                "nombre_personnes": "10",
                "nombre_mineurs": "5",
                "scolaire_mineurs_moins_de_trois_ans": "3",
                "scolaire_mineurs_trois_ans_et_plus": "3",
            },
            "scolaire_mineurs_moins_de_trois_ans",
            "Le nombre de mineurs identifiés sur site (moins de 3 ans et 3 ans et plus) ne peut pas dépasser le "
            "nombre de mineurs accompagnés.",
        ),
        (
            {
                "scolaire_mineurs_trois_ans_et_plus": "4",
                "scolaire_nombre_maternelle": "2",
                "scolaire_nombre_college": "3",
            },
            "scolaire_nombre_maternelle",
            "Le nombre d'enfants scolarisés (maternelle, élémentaire, collège, lycée et dispositifs d'insertion) ne "
            "peut pas dépasser le nombre de mineurs de 3 ans et plus identifiés sur site.",
        ),
        (
            {"logement_nombre_personnes": "3", "logement_nombre_menages": "4"},
            "logement_nombre_menages",
            "Le nombre de ménages ayant accédé à un logement ne peut pas dépasser le nombre de personnes ayant "
            "accédé à un logement.",
        ),
        ({"nombre_personnes": "0"}, "nombre_personnes", "Le nombre de personnes accompagnées est d'au moins 1."),
        ({"nombre_personnes": "-3"}, "nombre_personnes", "Saisissez un nombre entre 0 et 100\u00a0000."),
        ({"nombre_mineurs": "9" * 30}, "nombre_mineurs", "Saisissez un nombre entre 0 et 100\u00a0000."),
    ],
)
def test_counts_above_their_totals_are_refused_next_to_the_field(client, world, values, field, message):
    action = _school_action(world)
    client.force_login(world.operator)
    response = client.post(_url(action), {"expected_version": "1", **values})
    assert response.status_code == 200
    assert field_errors(response, f"id_{field}") == [message]
    assert not ActionMetrics.objects.exists()
    assert Action.objects.get(pk=action.pk).version == 1


def test_a_year_outside_the_action_is_refused_by_the_service_and_ignored_by_the_page(client, world):
    with pytest.raises(ValidationError) as caught:
        action_metrics_update(action_id=world.own.pk, author=world.operator, expected_version=1, year=2019, values={})
    assert caught.value.message_dict["year"][0].startswith("Choisissez une année de l'action, entre 2025 et")
    client.force_login(world.operator)
    response = client.get(_url(world.own, 2019))
    assert response.context["year"] != 2019


def test_readers_see_the_indicators_and_only_editors_write_them(client, world):
    ActionMetrics.objects.create(action=world.own, year=2025, nombre_personnes=30)
    client.force_login(world.correspondent)  # reads every action, updates none he does not pilot or operate
    response = client.get(_url(world.own))
    assert response.status_code == 200
    assert "Nombre de personnes accompagnées" in text(response) and "30" in text(response)
    assert "Enregistrer les indicateurs" not in text(response)
    assert client.post(_url(world.own), {"expected_version": "1", "nombre_personnes": "31"}).status_code == 403
    assert ActionMetrics.objects.get().nombre_personnes == 30
    client.force_login(world.unrelated)
    assert client.get(_url(world.own)).status_code == 404
