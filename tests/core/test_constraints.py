"""`core.constraints`: a model's check constraints validated in one query find what Django's validation, one query
per constraint, finds — on the site's fifty constraints, valid and invalid values, unknown (NULL) conditions."""

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from resorption.core.constraints import constraint_errors, violated_checks
from resorption.settlements.enums import SiteStatus, WaterAccessType
from resorption.settlements.models import Site
from tests.settlements.factories import SiteFactory

pytestmark = pytest.mark.django_db


def django_violations(instance) -> set[str]:
    """What Django's own validation finds: one query per constraint."""
    found = set()
    for constraint in instance._meta.constraints:
        try:
            constraint.validate(type(instance), instance)
        except ValidationError:
            found.add(constraint.name)
    return found


def batched_violations(instance) -> set[str]:
    return {check.name for check in violated_checks(instance, instance._meta.constraints)}


CASES = {
    "valid": {},
    "no address": {"address": ""},
    "brackets in the name": {"name": "Le <camp>"},
    "more minors than people": {"population_total": 5, "population_minors": 10},
    "minors of an unknown total (unknown: passes)": {"population_total": None, "population_minors": 10},
    "other water access without details": {"water_access_type": WaterAccessType.OTHER},
    "closed without a cause": {"status": SiteStatus.CLOSED, "closing_cause": ""},
    "several at once": {"address": "", "name": "a>b", "population_total": 1, "population_minors": 3},
}


@pytest.mark.parametrize("values", CASES.values(), ids=CASES.keys())
def test_the_violations_found_in_one_query_are_djangos(values):
    site = SiteFactory()
    for name, value in values.items():
        setattr(site, name, value)

    assert batched_violations(site) == django_violations(site)


def test_the_invalid_cases_do_violate_something_and_the_unknown_one_does_not():
    """The cases above are not all vacuous: Django itself refuses the invalid ones."""
    for label, values in CASES.items():
        site = SiteFactory.build(commune=SiteFactory().commune)
        for name, value in values.items():
            setattr(site, name, value)
        passing = label in ("valid", "minors of an unknown total (unknown: passes)")
        assert bool(django_violations(site)) != passing


def test_fifty_constraints_cost_one_query():
    site = SiteFactory()
    site.address = ""
    assert len(Site._meta.constraints) > 40

    with CaptureQueriesContext(connection) as captured:
        violated = violated_checks(site, Site._meta.constraints)

    assert [check.name for check in violated] == ["site_address_required"]
    # One SELECT (within a savepoint, as Django's own check, so that a refused query spoils no transaction).
    assert [query["sql"].split()[0] for query in captured.captured_queries] == ["SAVEPOINT", "SELECT", "RELEASE"]


def test_constraint_errors_key_each_message_by_its_field():
    site = SiteFactory()
    site.address = ""
    site.name = "Le <camp>"

    errors = constraint_errors(site, fields={"site_address_required": "address"})

    assert errors["address"] == ["L'adresse du site est obligatoire."]
    assert errors["__all__"] == ["L'appellation du site ne peut pas contenir les caractères < et >."]
