"""The error pages (issue 9, item 7): 400, 403, 404, 429, 500 and the CSRF refusal are French DSFR pages with the
header, a sentence and a way back, in production settings (DEBUG off)."""

import html

import pytest
from django.contrib.auth.models import AnonymousUser
from django.test import Client, RequestFactory

from resorption.accounts.enums import Role
from resorption.core.views import too_many_requests
from tests.accounts.factories import UserFactory
from tests.settlements.factories import SiteFactory

pytestmark = pytest.mark.django_db
HEADER = '<header role="banner" class="fr-header">'


@pytest.fixture(autouse=True)
def _production(settings):
    settings.DEBUG = False


def page(response) -> str:
    return html.unescape(response.content.decode())


def test_a_missing_page_is_a_french_404_with_a_way_home(client):
    response = client.get("/cette-page-n-existe-pas/")

    assert response.status_code == 404
    text = page(response)
    assert HEADER in text
    assert "Page introuvable" in text
    assert "La page que vous cherchez est introuvable. Excusez-nous pour la gêne occasionnée." in text
    assert '<a class="fr-btn" href="/">Retour à l\'accueil</a>' in text


def test_a_site_out_of_sight_is_the_same_404_without_naming_anything(client):
    site = SiteFactory()  # Gironde
    client.force_login(UserFactory(role=Role.ASSOCIATION, organization__departement__code="31"))

    response = client.get(f"/sites/{site.pk}/")

    assert response.status_code == 404
    text = page(response)
    assert "La page que vous cherchez est introuvable." in text
    assert "Site" not in text.split("<main", 1)[1].split("</main>", 1)[0]  # no « No Site matches the given query. »
    assert '<a class="fr-btn" href="/tableau-de-bord/">Retour au tableau de bord</a>' in text


def test_a_refusal_is_a_french_403_with_its_reason(client):
    site = SiteFactory()
    client.force_login(UserFactory(role=Role.EXTERNAL_OBSERVER))

    response = client.get(f"/sites/{site.pk}/fermer/")

    assert response.status_code == 403
    text = page(response)
    assert HEADER in text
    assert "Accès refusé" in text
    assert "Vous n'avez pas les droits nécessaires pour consulter cette page ou faire cette action." in text
    assert "Vous n'avez pas le droit de fermer ce site." in text
    assert "Forbidden" not in text


def test_a_bad_host_is_a_french_400_even_before_the_user_is_known(client, settings):
    settings.ALLOWED_HOSTS = ["testserver"]

    response = client.get("/", HTTP_HOST="ailleurs.example")

    assert response.status_code == 400
    text = page(response)
    assert HEADER in text
    assert "La demande envoyée n'a pas pu être comprise." in text


def test_a_request_too_large_is_a_french_400(client, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000

    response = client.post("/connexion/", {"email": "x" * 2000, "password": "x"})

    assert response.status_code == 400
    assert "La demande envoyée n'a pas pu être comprise." in page(response)


def test_too_many_requests_is_a_french_429_saying_when_to_come_back():
    request = RequestFactory().get("/")
    request.user = AnonymousUser()

    response = too_many_requests(request, retry_after_seconds=300)

    assert response.status_code == 429
    assert response["Retry-After"] == "300"
    text = page(response)
    assert HEADER in text
    assert "Vous avez fait trop de demandes en peu de temps." in text
    assert "Patientez quelques minutes, puis réessayez." in text


@pytest.mark.urls("tests.core.urls_failing")
def test_a_failure_is_a_french_500_rendered_without_the_request(settings):
    # A context processor that fails, as when the database is down: the 500 page needs none.
    engine = settings.TEMPLATES[0]
    failing = {**engine["OPTIONS"], "context_processors": [f"{__name__}.failing_processor"]}
    settings.TEMPLATES = [{**engine, "OPTIONS": failing}]
    client = Client(raise_request_exception=False)

    response = client.get("/en-panne/")

    assert response.status_code == 500
    text = page(response)
    assert HEADER in text
    assert "Erreur inattendue" in text
    assert "Désolé, le service rencontre un problème." in text
    assert '<a class="fr-btn" href="/">Retour à l\'accueil</a>' in text
    assert "<script" not in text  # nothing the CSP nonce (from the request) would be needed for


def failing_processor(request):
    raise RuntimeError("the database is down")


def test_a_form_sent_without_its_csrf_token_is_a_french_403():
    client = Client(enforce_csrf_checks=True)

    response = client.post("/connexion/", {"email": "camille@exemple.test", "password": "x"})

    assert response.status_code == 403
    text = page(response)
    assert HEADER in text
    assert "Formulaire expiré" in text
    assert "Le formulaire n'a pas pu être envoyé" in text
