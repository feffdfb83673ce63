import pytest
from django.forms.models import model_to_dict

from resorption.accounts.enums import Option, Role
from resorption.settlements import confidential
from resorption.settlements.confidential import hidden_site_fields, strip_confidential
from resorption.settlements.models import Site, SiteOwner
from resorption.settlements.site_form import SECTIONS
from tests.accounts.factories import UserFactory
from tests.settlements.factories import SiteFactory, SiteOwnerFactory
from tests.settlements.reference import JUSTICE_FIELDS, JUSTICE_PREFIXES, PUBLIC_OWNER_FIELDS

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


# ---------------------------------------------------------------------------------------------------------------------
# The one list of confidential fields, pinned to the reference and to the model (expected answers never come from
# `confidential`: `JUSTICE_FIELDS` here is the reference's §C.5, written out in tests/settlements/reference.py)
# ---------------------------------------------------------------------------------------------------------------------


def _site_field_names() -> list[str]:
    """The site's own columns, in the order the model declares them."""
    return [field.name for field in Site._meta.concrete_fields]


def test_the_justice_fields_are_those_of_the_reference():
    assert sorted(confidential.JUSTICE_FIELDS) == sorted(JUSTICE_FIELDS)
    assert len(set(confidential.JUSTICE_FIELDS)) == len(confidential.JUSTICE_FIELDS)


def test_every_justice_field_of_the_reference_is_a_column_of_the_site():
    assert set(JUSTICE_FIELDS) <= set(_site_field_names())


def test_every_site_field_named_like_a_justice_field_is_confidential():
    named = {name for name in _site_field_names() if name.startswith(JUSTICE_PREFIXES)}

    assert named  # the prefixes do match the model's fields
    assert named <= set(confidential.JUSTICE_FIELDS)


def test_the_models_justice_block_holds_only_justice_fields():
    """The model declares §C.5 as one block: a field added inside it is a justice field, and must be in the list."""
    names = _site_field_names()
    positions = [names.index(name) for name in JUSTICE_FIELDS]
    block = names[min(positions) : max(positions) + 1]

    assert set(block) == set(confidential.JUSTICE_FIELDS)


def test_every_site_field_about_owners_is_either_justice_or_public():
    about_owners = {name for name in _site_field_names() if "owner" in name}

    assert about_owners <= set(confidential.JUSTICE_FIELDS) | set(PUBLIC_OWNER_FIELDS)


def test_the_owners_class_is_the_sites_owner_rows():
    owner_relations = [
        relation.get_accessor_name() for relation in Site._meta.related_objects if relation.related_model is SiteOwner
    ]

    assert list(confidential.OWNER_FIELDS) == owner_relations == ["owners"]


def test_the_site_forms_justice_section_holds_exactly_the_justice_fields():
    def fields(section) -> set[str]:
        return {name for part in section.parts for name in part.fields}

    justice_sections = [section for section in SECTIONS if fields(section) & set(JUSTICE_FIELDS)]

    assert len(justice_sections) == 1
    assert fields(justice_sections[0]) == set(JUSTICE_FIELDS)


def test_an_operator_may_see_neither_class():
    site = SiteFactory()
    operator = UserFactory(role=Role.ASSOCIATION)

    assert hidden_site_fields(user=operator, commune=site.commune) == {*JUSTICE_FIELDS, "owners"}


# ---------------------------------------------------------------------------------------------------------------------
# Removing them
# ---------------------------------------------------------------------------------------------------------------------


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
