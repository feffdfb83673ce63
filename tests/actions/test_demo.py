"""The demo actions of `load_demo_data`: one per kind of place in the Gironde, the Haute-Garonne and the
Loire-Atlantique, one with finances over two years and a journal; loading twice creates nothing."""

import pytest
from django.core.management import call_command

from resorption.actions.models import Action

pytestmark = pytest.mark.django_db


def test_the_demo_has_actions_in_three_departements_and_loads_once():
    call_command("load_demo_data", verbosity=0)
    actions = Action.objects.order_by("departement_id", "name")
    assert sorted({action.departement_id for action in actions}) == ["31", "33", "44"]
    assert sorted({action.location_type for action in actions}) == ["eti", "logement", "sur_site"]
    financed = Action.objects.get(name="Accompagnement global des familles de la Souys et de Lissandre")
    assert sorted(set(financed.finances.values_list("year", flat=True))) == [2025, 2026]
    assert financed.sites.count() == 2
    assert financed.metrics.get(year=2025).nombre_personnes == 62
    assert financed.history.count() == 3  # created, then its finances and its indicators entered
    # Its journal, written by an operator and a pilot, for every reader of the action.
    messages = financed.journal_entries.order_by("created_at", "pk")
    assert [entry.author.email for entry in messages] == ["intervenant-33@demo.test", "local-admin-33@demo.test"]
    assert all(entry.is_public for entry in messages)
    count = actions.count()
    call_command("load_demo_data", verbosity=0)
    assert Action.objects.count() == count == 4
