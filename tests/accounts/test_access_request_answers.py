"""The access-request form keeps the organisation answers while its organisation part is not asked (issue 9, item 8):
the part the server sends back when the request type or the « acteur » answer changes carries them, so that nothing
typed is lost when the person changes her mind. The browser side is in tests/browser/test_frame_defects.py."""

import re

import pytest
from django.urls import reverse

from tests.accounts.factories import OrganizationFactory, OrganizationTypeFactory

pytestmark = pytest.mark.django_db

URL = reverse("accounts:access_request")
ORGANIZATION_ANSWERS = {
    "organization_departement": "33",
    "organization": "autre",
    "other_organization_name": "Association des amis du quartier",
    "other_organization_territory": "Bordeaux",
}


@pytest.fixture
def organization_type():
    return OrganizationTypeFactory(uid="association")


def structure_part(response) -> str:
    """The `#structure` block, the one htmx swaps in."""
    content = response.content.decode()
    start = content.index('<div id="structure">')
    return content[start : content.index('<fieldset class="fr-fieldset" aria-labelledby="message-legend">', start)]


def hidden_inputs(html: str) -> dict[str, str]:
    return dict(re.findall(r'<input type="hidden" name="([a-z_]+)" value="([^"]*)">', html))


def refresh(client, **answers):
    return client.post(URL, {"refresh": "1", "last_name": "Durand", **answers})


@pytest.mark.parametrize("change", [{"request_type": "info-request"}, {"is_actor": "non"}])
def test_answers_wait_in_hidden_fields_while_the_organisation_part_is_not_asked(client, organization_type, change):
    answers = {"request_type": "access-request", "is_actor": "oui", "organization_type": str(organization_type.pk)}
    answers |= ORGANIZATION_ANSWERS | change

    part = structure_part(refresh(client, **answers))

    assert 'id="structure-legend"' not in part
    assert hidden_inputs(part) == {"organization_type": str(organization_type.pk), **ORGANIZATION_ANSWERS}


def test_the_organisation_part_comes_back_with_the_answers(client, organization_type):
    OrganizationFactory(type=organization_type)  # the type lists something: its select is a real choice
    answers = {"request_type": "access-request", "is_actor": "oui", "organization_type": str(organization_type.pk)}

    part = structure_part(refresh(client, **answers, **ORGANIZATION_ANSWERS))

    assert 'id="structure-legend"' in part
    assert hidden_inputs(part) == {}
    assert f'<option value="{organization_type.pk}" selected>' in part
    assert 'value="Association des amis du quartier"' in part
    assert 'value="Bordeaux"' in part


def test_an_access_request_sent_with_errors_keeps_them_too(client, organization_type):
    """A request of another type sent with a missing answer comes back with the organisation answers still there."""
    answers = {"request_type": "help", "is_actor": "oui", "organization_type": str(organization_type.pk)}

    response = client.post(URL, {**answers, **ORGANIZATION_ANSWERS, "last_name": ""})

    assert response.status_code == 200
    assert hidden_inputs(structure_part(response)) == {
        "organization_type": str(organization_type.pk),
        **ORGANIZATION_ANSWERS,
    }
