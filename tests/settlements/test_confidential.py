import pytest
from django.forms.models import model_to_dict

from resorption.accounts.enums import Option, Role
from resorption.settlements.confidential import JUSTICE_FIELDS, hidden_site_fields, strip_confidential
from resorption.settlements.models import Site
from tests.accounts.factories import UserFactory
from tests.settlements.factories import SiteFactory, SiteOwnerFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def site():
    site = SiteFactory(with_justice=True)
    SiteOwnerFactory(site=site)
    return site


def serialized(site):
    values = model_to_dict(site)
    values["owners"] = [owner.name for owner in site.owners.all()]
    return values


def test_every_justice_field_is_a_site_field():
    names = {field.name for field in Site._meta.get_fields()}
    assert set(JUSTICE_FIELDS) <= names
    assert len(JUSTICE_FIELDS) == 21


def test_justice_and_owners_are_removed_for_an_operator(site):
    operator = UserFactory(role=Role.ASSOCIATION)
    values = strip_confidential(serialized(site), user=operator, commune=site.commune)
    assert not set(JUSTICE_FIELDS) & set(values)
    assert "owners" not in values
    assert values["population_total"] == 40


def test_an_operator_with_the_justice_option_keeps_justice_but_not_owners(site):
    operator = UserFactory(role=Role.ASSOCIATION, options=[Option.ACCESS_JUSTICE])
    values = strip_confidential(serialized(site), user=operator, commune=site.commune)
    assert values["justice_rendered_by"] == "Tribunal judiciaire de Bordeaux"
    assert set(JUSTICE_FIELDS) <= set(values)
    assert "owners" not in values


def test_a_correspondent_keeps_everything(site):
    correspondent = UserFactory(role=Role.DIRECT_COLLABORATOR)
    values = serialized(site)
    assert strip_confidential(values, user=correspondent, commune=site.commune) == values
    assert hidden_site_fields(user=correspondent, commune=site.commune) == frozenset()


def test_history_values_are_stripped_the_same_way(site):
    operator = UserFactory(role=Role.ASSOCIATION)
    version = site.history.first()
    values = {field.name: getattr(version, field.attname) for field in version._meta.concrete_fields}
    assert not set(JUSTICE_FIELDS) & set(strip_confidential(values, user=operator, commune=site.commune))
