import datetime
import html as html_module

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from resorption.accounts.enums import Option, Role
from resorption.accounts.services.retention import user_anonymize
from resorption.settlements.enums import ClosingCause, ClosingSolution, FieldType, SiteStatus
from resorption.settlements.models import ClosingOrientation, Site
from resorption.settlements.services import site_close, site_update
from tests.accounts.factories import UserFactory
from tests.settlements.factories import SiteFactory, SiteOwnerFactory

pytestmark = pytest.mark.django_db

# Values only a justice change, or an owner's change, can put in the page.
BAILIFF = "Étude Huissier-Témoin-7391"
OWNER = "SCI Propriétaire-Témoin-4826"
# The label the history gives a change of the bailiff: the model field's own (« Nom de l'étude d'huissiers »).
BAILIFF_LABEL = str(Site._meta.get_field("bailiff").verbose_name)


def _url(site) -> str:
    return reverse("settlements:history", kwargs={"pk": site.pk})


def _html(client, user, site) -> str:
    client.force_login(user)
    response = client.get(_url(site))
    assert response.status_code == 200
    return response.content.decode()


def _update(site, user, **values):
    site.refresh_from_db()
    return site_update(user=user, site_id=site.pk, expected_version=site.version, values=values)


@pytest.fixture
def operator():
    """An opérateur of Gironde without the justice option: neither justice nor owners."""
    return UserFactory(role=Role.ASSOCIATION)


@pytest.fixture
def correspondent():
    """A correspondant of Gironde: justice and owners on his département."""
    return UserFactory(role=Role.DIRECT_COLLABORATOR, first_name="Camille", last_name="Martin")


@pytest.fixture
def site():
    return SiteFactory(with_justice=True, name="Les Lilas")


def test_each_version_shows_its_author_date_and_changes_with_labels_and_french_values(client, correspondent, site):
    _update(site, correspondent, population_total=57, heatwave=True, field_type=FieldType.BUILDING)
    _update(site, correspondent, built_at=datetime.date(2023, 11, 5), name="")

    html = _html(client, correspondent, site)

    assert "Historique des modifications" in html
    assert "Camille Martin" in html
    assert f"Le {timezone.localdate():%d/%m/%Y}" in html
    assert "Déclaration du site" in html
    assert "Nombre de personnes</span> : 40 → 57" in html
    assert "Type de site</span> : Terrain → Immeuble bâti" in html
    assert "Risque canicule</span> : non → oui" in html
    assert "01/03/2024 → 05/11/2023" in html
    assert "Les Lilas → non renseigné" in html
    # Newest first.
    assert html.index("05/11/2023") < html.index("40 → 57")


def test_a_tri_state_answer_reads_oui_non_inconnu(client, correspondent, site):
    _update(site, correspondent, electricity_access=False)

    html = _html(client, correspondent, site)

    assert "inconnu → non" in html


def test_an_update_without_change_says_so(client, correspondent, site):
    site.refresh_from_db()
    site_update(user=correspondent, site_id=site.pk, expected_version=site.version, values={}, without_change=True)

    assert "Mise à jour sans modification" in _html(client, correspondent, site)


def test_an_anonymised_author_shows_as_such(client, correspondent, site):
    author = UserFactory(role=Role.DIRECT_COLLABORATOR, first_name="Dominique", last_name="Secret")
    _update(site, author, population_total=41)
    user_anonymize(user=author, now=timezone.now())

    html = _html(client, correspondent, site)

    assert "Utilisateur anonymisé" in html
    assert "Dominique" not in html


def test_a_justice_change_never_reaches_an_operator_without_the_option(client, operator, correspondent, site):
    _update(site, correspondent, bailiff=BAILIFF)

    html = _html(client, operator, site)

    assert BAILIFF not in html
    assert "Étude Durand" not in html
    # Nor the field's label, compared as a reader sees it (entities decoded, any case): the correspondent's test below
    # shows that this very string is on the page of whoever may read the change.
    assert BAILIFF_LABEL.lower() not in html_module.unescape(html).lower()
    # The version reads like any version without visible change: nothing tells that confidential data changed.
    assert "Mise à jour</h2>" not in html
    assert html.count("Mise à jour sans modification</h2>") == 1


def test_a_correspondent_reads_the_justice_change(client, correspondent, site):
    _update(site, correspondent, bailiff=BAILIFF)

    html = _html(client, correspondent, site)

    assert f"Étude Durand → {BAILIFF}" in html
    assert BAILIFF_LABEL.lower() in html_module.unescape(html).lower()


def test_the_justice_option_opens_justice_changes_but_not_owners(client, correspondent, site):
    _update(site, correspondent, bailiff=BAILIFF)
    SiteOwnerFactory(site=site, name=OWNER)
    reader = UserFactory(role=Role.ASSOCIATION, options=[Option.ACCESS_JUSTICE])

    html = _html(client, reader, site)

    assert BAILIFF in html
    assert OWNER not in html


def test_owners_changes_only_reach_owners_readers(client, operator, correspondent, site):
    owner = SiteOwnerFactory(site=site, name=OWNER)
    owner.name = "SCI Nouveau-Nom"
    owner.save()

    readable = _html(client, correspondent, site)
    hidden = _html(client, operator, site)

    assert f"Propriétaire</span> : non renseigné → {OWNER} (Privé)" in readable
    assert f"{OWNER} (Privé) → SCI Nouveau-Nom (Privé)" in readable
    assert OWNER not in hidden
    assert "SCI Nouveau-Nom" not in hidden
    assert "Propriétaire</span>" not in hidden


def _close(site, user, orientations):
    site.refresh_from_db()
    return site_close(
        user=user,
        site_id=site.pk,
        expected_version=site.version,
        closed_at=timezone.localdate(),
        closing_cause=ClosingCause.RESORBED,
        closed_with_solutions=True,
        orientations=orientations,
    )


def _capital(text) -> str:
    text = str(text)
    return text[0].upper() + text[1:]


def _label(model, name: str) -> str:
    """A model field's label as a form shows it: its verbose name with a capital first letter."""
    return _capital(model._meta.get_field(name).verbose_name)


def test_change_labels_start_with_a_capital_like_the_form_labels(client, correspondent, site):
    _close(site, correspondent, [])

    html = _html(client, correspondent, site)

    status = str(Site._meta.get_field("status").verbose_name)
    assert status[0].islower()  # the model's own label, « statut », is lowercase: the page must not copy it as is
    assert f"{_label(Site, 'status')}</span> : {SiteStatus.OPEN.label} → {SiteStatus.CLOSED.label}" in html
    assert f"{status}</span>" not in html
    labels = [part.split("</span>", 1)[0] for part in html.split('<span class="fr-text--bold">')[1:]]
    assert len(labels) >= 4  # status, closing date, cause, « résorbé »
    assert all(label[0].isupper() for label in labels), labels


def test_the_closing_version_shows_where_the_households_went(client, correspondent, site):
    _close(
        site,
        correspondent,
        [
            {
                "solution": ClosingSolution.EMERGENCY_SHELTER,
                "people_affected": 12,
                "households_affected": 4,
                "message": "Mise à l'abri en CHU de Mérignac.",
            },
            {"solution": ClosingSolution.SOCIAL_WATCH_OR_NONE, "people_affected": 3},
        ],
    )

    html = html_module.unescape(_html(client, correspondent, site))

    closing = html.split("<h2")[1]  # newest first: the closing version
    shelter = f"{_capital(ClosingOrientation._meta.verbose_name)} « {ClosingSolution.EMERGENCY_SHELTER.label} »"
    assert f"{shelter} — {_label(ClosingOrientation, 'people_affected')}</span> : non renseigné → 12" in closing
    assert f"{shelter} — {_label(ClosingOrientation, 'households_affected')}</span> : non renseigné → 4" in closing
    assert (
        f"{shelter} — {_label(ClosingOrientation, 'message')}</span> : non renseigné → Mise à l'abri en CHU" in closing
    )
    watch = f"« {ClosingSolution.SOCIAL_WATCH_OR_NONE.label} » — {_label(ClosingOrientation, 'people_affected')}"
    assert f"{watch}</span> : non renseigné → 3" in closing
    # Only what was given: no row for the numbers left empty, nor for the solutions nobody went to.
    assert (
        f"{ClosingSolution.SOCIAL_WATCH_OR_NONE.label} » — {_label(ClosingOrientation, 'households_affected')}"
        not in html
    )
    assert ClosingSolution.INSERTION_HOUSING.label not in html
    assert "Mise à jour sans modification" not in html


def test_the_orientations_are_not_confidential_in_the_history(client, operator, correspondent, site):
    """Whoever reads the site reads its orientations, on its page (§C.6) as in its history: here an opérateur who may
    see neither justice nor owners."""
    _close(site, correspondent, [{"solution": ClosingSolution.INSERTION_HOUSING, "people_affected": 23}])

    html = html_module.unescape(_html(client, operator, site))

    label = f"« {ClosingSolution.INSERTION_HOUSING.label} » — {_label(ClosingOrientation, 'people_affected')}"
    assert f"{label}</span> : non renseigné → 23" in html


def test_the_site_page_links_to_its_history(client, operator, site):
    client.force_login(operator)

    html = client.get(reverse("settlements:detail", kwargs={"pk": site.pk})).content.decode()

    assert f'href="{_url(site)}"' in html
    assert "Voir l'historique" in html


def _query_count(client, site) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(_url(site)).status_code == 200
    return len(queries)


def _with_versions(count: int, user):
    site = SiteFactory(with_justice=True)
    SiteOwnerFactory(site=site)
    other = SiteFactory()
    for population in range(41, 41 + count - 1):
        _update(site, user, population_total=population)
    _update(site, user, incoming_sites=[other])
    return site


def test_query_count_stays_flat_as_versions_grow(client, correspondent):
    small = _with_versions(1, correspondent)
    large = _with_versions(11, correspondent)
    assert large.history.count() >= 12
    client.force_login(correspondent)

    assert _query_count(client, large) == _query_count(client, small)
