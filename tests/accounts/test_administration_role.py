"""The « Rôle » form of the account page (issue 9, item 8): it shows the account's role, offers the roles the admin may
give that account (reference §A.3: any for a national admin, « Intervenant » only for a local admin), and saving it
untouched changes nothing."""

import html
import re
from html.parser import HTMLParser

import pytest
from django.urls import reverse

from resorption.accounts.enums import AccountEventKind, AdminRole, AreaType, Role
from resorption.accounts.models import AccountEvent
from tests.accounts.factories import OrganizationFactory, OrganizationTypeFactory, UserFactory

pytestmark = pytest.mark.django_db

REFUSAL = "Vous ne pouvez pas attribuer ce rôle à ce compte."
# The labels of the reference (§A.3), written out rather than read from the enum under test.
ALL_ROLES = {
    "direct_collaborator": "Correspondant",
    "collaborator": "Partenaire institutionnel",
    "association": "Opérateur",
    "national_establisment": "Acteur national",
    "intervener": "Intervenant",
    "external_observator": "Observateur externe",
}


class _RoleSelect(HTMLParser):
    """The options of the role form's select, and the selected one, as a browser reads them."""

    def __init__(self):
        super().__init__()
        self.options: dict[str, str] = {}
        self.selected: list[str] = []
        self._in_select = False
        self._value: str | None = None

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "select" and attributes.get("name") == "role-role":
            self._in_select = True
        elif tag == "option" and self._in_select:
            self._value = attributes["value"]
            self.options[self._value] = ""
            if "selected" in attributes:
                self.selected.append(self._value)

    def handle_endtag(self, tag):
        if tag == "select":
            self._in_select = False
        elif tag == "option":
            self._value = None

    def handle_data(self, data):
        if self._value is not None:
            self.options[self._value] += data.strip()

    @property
    def shown(self) -> str | None:
        """The option a browser shows: the selected one, else the first."""
        return self.selected[-1] if self.selected else next(iter(self.options), None)


def role_select(response) -> _RoleSelect:
    parser = _RoleSelect()
    parser.feed(response.content.decode())
    return parser


def text(response) -> str:
    return re.sub(r"\s+", " ", html.unescape(response.content.decode()))


@pytest.fixture
def local_admin():
    """The local admin of a département (the factory's organisation works on its own département)."""
    return UserFactory(admin_role=AdminRole.LOCAL_ADMIN)


@pytest.fixture
def partner(local_admin):
    """A « Partenaire institutionnel » of the local admin's département."""
    commune_type = OrganizationTypeFactory(uid="commune", name_singular="Commune", default_role=Role.COLLABORATOR)
    organization = OrganizationFactory(type=commune_type, departement=local_admin.organization.departement)
    return UserFactory(role=Role.COLLABORATOR, organization=organization)


@pytest.fixture
def national_admin():
    organization = OrganizationFactory(area_type=AreaType.NATION, departement=None)
    return UserFactory(admin_role=AdminRole.NATIONAL_ADMIN, organization=organization)


def page(client, admin, account):
    client.force_login(admin)
    return client.get(reverse("accounts:user_detail", args=[account.pk]))


def post_role(client, admin, account, role):
    client.force_login(admin)
    return client.post(reverse("accounts:admin_user_action", args=[account.pk, "role"]), {"role-role": role})


def test_local_admin_sees_the_partners_role_and_intervenant_only(client, local_admin, partner):
    select = role_select(page(client, local_admin, partner))

    assert select.options == {"collaborator": "Partenaire institutionnel (rôle actuel)", "intervener": "Intervenant"}
    assert select.shown == "collaborator"
    assert "Vous pouvez attribuer : « Intervenant »." in text(page(client, local_admin, partner))


def test_saving_the_role_form_as_shown_keeps_the_role(client, local_admin, partner):
    shown = role_select(page(client, local_admin, partner)).shown

    response = post_role(client, local_admin, partner, shown)

    assert response.status_code == 302
    partner.refresh_from_db()
    assert partner.role == Role.COLLABORATOR
    assert not AccountEvent.objects.filter(user=partner, kind=AccountEventKind.ROLE_CHANGED).exists()
    assert "Le rôle n'a pas changé." in text(client.get(response.url))


def test_local_admin_still_gives_intervenant(client, local_admin, partner):
    assert post_role(client, local_admin, partner, Role.INTERVENER).status_code == 302
    partner.refresh_from_db()
    assert partner.role == Role.INTERVENER


@pytest.mark.parametrize("role", ["direct_collaborator", "association", "national_establisment", "nonsense"])
def test_a_role_the_local_admin_may_not_give_is_refused_next_to_the_field(client, local_admin, partner, role):
    response = post_role(client, local_admin, partner, role)

    assert response.status_code == 200
    content = response.content.decode()
    # The message is the field's own error, tied to the select by aria-describedby.
    assert 'aria-describedby="id_role-role-desc-error"' in content
    error_block = content.split('id="id_role-role-desc-error"', 1)[1].split("</div>", 1)[0]
    assert REFUSAL in html.unescape(error_block)
    partner.refresh_from_db()
    assert partner.role == Role.COLLABORATOR
    assert not AccountEvent.objects.exists()


def test_local_admin_is_not_offered_a_role_form_on_an_intervenant(client, local_admin, partner):
    partner.role = Role.INTERVENER
    partner.save()

    response = page(client, local_admin, partner)

    assert role_select(response).options == {}
    assert "Enregistrer le rôle" not in text(response)


def test_national_admin_sees_every_role_with_the_current_one_shown(client, national_admin, partner):
    select = role_select(page(client, national_admin, partner))

    assert select.options == {
        value: f"{label} (rôle actuel)" if value == "collaborator" else label for value, label in ALL_ROLES.items()
    }
    assert select.shown == "collaborator"
    assert "Vous pouvez attribuer" not in text(page(client, national_admin, partner))


def test_national_admin_gives_another_role(client, national_admin, partner):
    assert post_role(client, national_admin, partner, Role.ASSOCIATION).status_code == 302
    partner.refresh_from_db()
    assert partner.role == Role.ASSOCIATION
