"""Closing a site (`/sites/<id>/fermer/`) and correcting the status of a closed one (`/sites/<id>/statut/`)."""

import datetime
import html

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from resorption.accounts.enums import AdminRole, Option, Role
from resorption.settlements.enums import ClosingCause, ClosingSolution, SiteStatus
from resorption.settlements.models import ClosingOrientation
from tests.accounts.factories import UserFactory
from tests.settlements.factories import SiteFactory

pytestmark = pytest.mark.django_db


def close_url(site) -> str:
    return reverse("settlements:close", kwargs={"pk": site.pk})


def fix_url(site) -> str:
    return reverse("settlements:fix_status", kwargs={"pk": site.pk})


def detail_url(site) -> str:
    return reverse("settlements:detail", kwargs={"pk": site.pk})


def text(response) -> str:
    return html.unescape(response.content.decode())


def closing_data(site, **overrides) -> dict:
    data = {
        "expected_version": site.version,
        "closed_at": "2025-10-01",
        "closing_cause": ClosingCause.CLOSED_BY_PREF_ADMIN,
        "closed_with_solutions": "non",
        "closing_context": "",
        "emergency_shelter_people": "12",
        "emergency_shelter_households": "4",
        "emergency_shelter_message": "Hôtel social à Mérignac.",
        "social_watch_or_none_people": "6",
    }
    data.update(overrides)
    return data


@pytest.fixture
def correspondent():
    return UserFactory(role=Role.DIRECT_COLLABORATOR)


@pytest.fixture
def site():
    return SiteFactory()


@pytest.fixture
def logged_in(client, correspondent):
    client.force_login(correspondent)
    return client


# Closing: who may


def test_the_close_form_opens_on_the_current_version_and_today(logged_in, site):
    response = logged_in.get(close_url(site))

    assert response.status_code == 200
    page = text(response)
    assert "Fermer le site" in page
    assert f'name="expected_version" value="{site.version}"' in page
    assert f'value="{timezone.localdate():%Y-%m-%d}"' in page
    for solution in ClosingSolution:
        assert solution.label in page
    assert "Le site a-t-il été résorbé définitivement ?" in page


@pytest.mark.parametrize("role", [Role.INTERVENER, Role.EXTERNAL_OBSERVER, Role.ASSOCIATION, Role.COLLABORATOR])
def test_roles_without_the_close_permission_get_403_and_nothing_changes(client, site, role):
    client.force_login(UserFactory(role=role))

    assert client.get(close_url(site)).status_code == 403
    assert client.post(close_url(site), closing_data(site)).status_code == 403
    site.refresh_from_db()
    assert site.status == SiteStatus.OPEN
    assert not ClosingOrientation.objects.exists()


def test_an_operator_with_the_close_option_may_close(client, site):
    client.force_login(UserFactory(role=Role.ASSOCIATION, options=[Option.CLOSE_SHANTYTOWN]))

    response = client.post(close_url(site), closing_data(site))

    assert response.status_code == 302
    site.refresh_from_db()
    assert site.is_closed


def test_an_anonymous_post_closes_nothing(site):
    response = Client().post(close_url(site), closing_data(site))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))
    site.refresh_from_db()
    assert site.status == SiteStatus.OPEN


def test_a_post_without_csrf_token_is_refused(correspondent, site):
    client = Client(enforce_csrf_checks=True)
    client.force_login(correspondent)

    assert client.post(close_url(site), closing_data(site)).status_code == 403
    site.refresh_from_db()
    assert site.status == SiteStatus.OPEN


def test_a_closed_site_is_refused_with_a_clear_message(logged_in):
    site = SiteFactory(closed=True)

    for response in (logged_in.get(close_url(site), follow=True), logged_in.post(close_url(site), {}, follow=True)):
        assert response.redirect_chain == [(detail_url(site), 302)]
        assert "Ce site est déjà fermé : il ne peut pas être fermé une seconde fois." in text(response)
    site.refresh_from_db()
    assert site.closing_cause == ClosingCause.CLOSED_BY_PREF_ADMIN


# Closing: what is saved


def test_closing_saves_the_closing_and_the_orientations_then_shows_the_site(logged_in, site, correspondent):
    response = logged_in.post(close_url(site), closing_data(site), follow=True)

    assert response.redirect_chain == [(detail_url(site), 302)]
    assert "La fermeture du site a été enregistrée." in text(response)
    site.refresh_from_db()
    assert site.status == SiteStatus.CLOSED
    assert site.closed_at == datetime.date(2025, 10, 1)
    assert site.closing_cause == ClosingCause.CLOSED_BY_PREF_ADMIN
    assert site.closed_with_solutions is False
    assert site.updated_by == correspondent
    orientations = {row.solution: row for row in site.closing_orientations.all()}
    assert set(orientations) == {ClosingSolution.EMERGENCY_SHELTER, ClosingSolution.SOCIAL_WATCH_OR_NONE}
    shelter = orientations[ClosingSolution.EMERGENCY_SHELTER]
    assert (shelter.people_affected, shelter.households_affected, shelter.message) == (
        12,
        4,
        "Hôtel social à Mérignac.",
    )
    assert orientations[ClosingSolution.SOCIAL_WATCH_OR_NONE].households_affected is None
    assert site.history.first().history_user == correspondent
    # The closed site's page shows the closing and has no more Modifier / Fermer buttons.
    page = text(response)
    assert "Hôtel social à Mérignac." in page
    assert close_url(site) not in page


def test_a_resorbed_closing_with_context(logged_in, site):
    data = closing_data(
        site, closed_with_solutions="oui", closing_cause=ClosingCause.OTHER, closing_context="Incendie."
    )

    assert logged_in.post(close_url(site), data).status_code == 302
    site.refresh_from_db()
    assert site.is_resorbed
    assert site.closing_context == "Incendie."


# Closing: bad input, nothing saved


def assert_still_open(site):
    site.refresh_from_db()
    assert site.status == SiteStatus.OPEN
    assert site.closed_at is None
    assert not ClosingOrientation.objects.filter(site=site).exists()


def field_error(page: str, field: str, message: str) -> bool:
    """The message sits in the error block of that field (DSFR: `id_<field>-desc-error`)."""
    start = page.find(f'id="id_{field}-desc-error"')
    return start != -1 and message in page[start : start + 800]


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"closed_at": ""}, "closed_at", "La date de la fermeture du site est obligatoire."),
        (
            {"closed_at": str(timezone.localdate() + datetime.timedelta(days=1))},
            "closed_at",
            "La date de la fermeture ne peut pas être dans le futur.",
        ),
        # Out of the bounds of every date field (resorption/core/forms.py), before any rule of the service.
        ({"closed_at": "2999-01-01"}, "closed_at", "Saisissez une date entre le 01/01/1900 et le 31/12/2100."),
        ({"closed_at": "0001-01-01"}, "closed_at", "Saisissez une date entre le 01/01/1900 et le 31/12/2100."),
        (
            {"closed_at": "2024-01-01"},
            "closed_at",
            "La date de fermeture ne peut pas précéder la date de signalement.",
        ),
        ({"closed_at": "pas une date"}, "closed_at", "Saisissez une date valide."),
        ({"closing_cause": ""}, "closing_cause", "Ce champ est obligatoire."),
        ({"closing_cause": "vanished"}, "closing_cause", "Sélectionnez un choix valide."),
        ({"closed_with_solutions": ""}, "closed_with_solutions", "Indiquez si le site a été résorbé définitivement."),
        (
            {"closing_cause": ClosingCause.OTHER, "closing_context": "  "},
            "closing_context",
            "Le contexte de la fermeture est obligatoire lorsque la cause est « Autre ».",
        ),
        (
            {"emergency_shelter_people": "3", "emergency_shelter_households": "5"},
            "emergency_shelter_households",
            "Le nombre de ménages ne peut pas dépasser le nombre de personnes.",
        ),
        (
            {"insertion_housing_people": "-2"},
            "insertion_housing_people",
            "Saisissez un nombre entre 0 et 100\u00a0000.",
        ),
        # Too large for the database (it raised OverflowError): refused by the form, next to the field.
        (
            {"emergency_shelter_people": "9" * 30},
            "emergency_shelter_people",
            "Saisissez un nombre entre 0 et 100\u00a0000.",
        ),
        (
            {"emergency_shelter_households": "100001"},
            "emergency_shelter_households",
            "Saisissez un nombre entre 0 et 100\u00a0000.",
        ),
        (
            {"emergency_shelter_people": "12.5"},
            "emergency_shelter_people",
            "Saisissez un nombre entre 0 et 100\u00a0000.",
        ),
    ],
)
def test_bad_input_is_shown_next_to_its_field_and_nothing_is_saved(logged_in, site, overrides, field, message):
    response = logged_in.post(close_url(site), closing_data(site, **overrides))

    assert response.status_code == 200
    assert field_error(text(response), field, message)
    assert_still_open(site)


def test_a_missing_version_is_reported_on_top_of_the_form(logged_in, site):
    response = logged_in.post(close_url(site), closing_data(site, expected_version=""))

    assert response.status_code == 200
    assert 'role="alert"' in response.content.decode()
    assert "Ce champ est obligatoire." in text(response)
    assert_still_open(site)


def test_a_stale_form_is_refused_with_what_changed_then_saved_on_purpose(logged_in, site, correspondent):
    opened_on = site.version
    site.population_total = 55  # someone else saves the site meanwhile
    site.version += 1
    site.save()

    response = logged_in.post(close_url(site), closing_data(site, expected_version=opened_on))

    assert response.status_code == 200
    page = text(response)
    assert "Ce site a été modifié par une autre personne pendant votre saisie" in page
    assert "Nombre de personnes : 40 → 55" in page
    assert f'name="expected_version" value="{site.version}"' in page
    assert 'value="Hôtel social à Mérignac."' not in page  # a textarea keeps it as content…
    assert "Hôtel social à Mérignac." in page  # …so the user's input is still there
    assert_still_open(site)

    assert logged_in.post(close_url(site), closing_data(site, expected_version=site.version)).status_code == 302
    site.refresh_from_db()
    assert site.is_closed


def test_what_changed_meanwhile_is_labelled_with_a_capital_like_the_form(logged_in, site):
    opened_on = site.version
    site.latitude = 44.9  # a field whose model label, « latitude », is lowercase
    site.version += 1
    site.save()

    page = text(logged_in.post(close_url(site), closing_data(site, expected_version=opened_on)))

    label = str(site._meta.get_field("latitude").verbose_name)
    assert label[0].islower()
    assert f"{label[0].upper()}{label[1:]} : 44.8378 → 44.9" in page
    assert f"{label} : " not in page


# Correcting the status


@pytest.fixture
def national_admin():
    return UserFactory(role=Role.NATIONAL_ESTABLISHMENT, admin_role=AdminRole.NATIONAL_ADMIN)


def test_a_national_admin_corrects_a_closed_site_into_resorbed(client, national_admin):
    site = SiteFactory(closed=True)
    client.force_login(national_admin)

    form = client.get(fix_url(site))
    assert form.status_code == 200
    assert f'name="expected_version" value="{site.version}"' in form.content.decode()

    data = {
        "expected_version": site.version,
        "closed_with_solutions": "oui",
        "closing_cause": ClosingCause.RESORBED,
        "closing_context": "",
    }
    response = client.post(fix_url(site), data, follow=True)

    assert response.redirect_chain == [(detail_url(site), 302)]
    assert "Le statut du site a été corrigé." in text(response)
    site.refresh_from_db()
    assert site.is_resorbed
    assert site.closing_cause == ClosingCause.RESORBED
    assert site.is_closed  # never reopened


def test_correcting_to_the_same_status_is_refused(client, national_admin):
    site = SiteFactory(closed=True)
    client.force_login(national_admin)
    data = {
        "expected_version": site.version,
        "closed_with_solutions": "non",
        "closing_cause": site.closing_cause,
        "closing_context": "",
    }

    response = client.post(fix_url(site), data)

    assert response.status_code == 200
    assert "Le statut indiqué est déjà celui du site." in text(response)
    version = site.version
    site.refresh_from_db()
    assert site.version == version


@pytest.mark.parametrize(
    "user_kwargs",
    [
        {"role": Role.DIRECT_COLLABORATOR},
        {"role": Role.DIRECT_COLLABORATOR, "admin_role": AdminRole.LOCAL_ADMIN},
        {"role": Role.INTERVENER},
    ],
)
def test_only_national_admins_correct_a_status(client, user_kwargs):
    site = SiteFactory(closed=True)
    client.force_login(UserFactory(**user_kwargs))

    assert client.get(fix_url(site)).status_code == 403
    assert (
        client.post(fix_url(site), {"expected_version": site.version, "closed_with_solutions": "oui"}).status_code
        == 403
    )
    site.refresh_from_db()
    assert site.closed_with_solutions is False


def test_an_open_site_has_no_status_to_correct(client, national_admin, site):
    client.force_login(national_admin)

    response = client.get(fix_url(site), follow=True)

    assert response.redirect_chain == [(detail_url(site), 302)]
    assert "seul le statut d'un site fermé peut être corrigé" in text(response)


def test_a_stale_status_correction_is_refused_and_shown_again_on_the_current_version(client, national_admin):
    site = SiteFactory(closed=True)
    opened_on = site.version
    site.closing_context = "Arrêté préfectoral du 12 mai."  # someone else saves the site meanwhile
    site.version += 1
    site.save()
    client.force_login(national_admin)
    data = {
        "expected_version": opened_on,
        "closed_with_solutions": "oui",
        "closing_cause": ClosingCause.RESORBED,
        "closing_context": "",
    }

    response = client.post(fix_url(site), data)

    assert response.status_code == 200
    page = text(response)
    assert "Ce site a été modifié par une autre personne pendant votre saisie" in page
    assert "Arrêté préfectoral du 12 mai." in page
    assert f'name="expected_version" value="{site.version}"' in page
    site.refresh_from_db()
    assert site.closed_with_solutions is False
