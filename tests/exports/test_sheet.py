"""The PDF site sheet (`/sites/<id>/fiche.pdf`): the site page's content for its reader, read back from the PDF."""

import html
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from pypdf import PdfReader

from resorption.accounts.enums import Option, Role
from resorption.exports import sheet
from resorption.settlements.enums import ClosingSolution
from resorption.settlements.models import SiteActor
from resorption.settlements.services import site_update
from tests.accounts.factories import UserFactory
from tests.actions.factories import ActionFactory, ActionFinanceFactory
from tests.journal.factories import JournalEntryFactory
from tests.settlements.factories import ClosingOrientationFactory, SiteFactory, SiteOwnerFactory
from tests.territories.factories import CommuneFactory, DepartementFactory, RegionFactory

pytestmark = pytest.mark.django_db

# Values that only one section can show: justice (the bailiff), owners, an action's finances, a targeted message.
BAILIFF = "Étude Huissier Témoin 7391"
OWNER = "SCI Propriétaire Témoin 4826"
FINANCE_COMMENT = "Crédits Témoins 5521"
TARGETED_MESSAGE = "Message ciblé témoin 6604"
ACTOR_ORGANIZATION = "Association Témoin 3310"
ACTION_NAME = "Médiation sanitaire témoin"
ALL_SECTIONS = ["acteurs", "actions", "historique", "justice"]


def _pdf_url(site) -> str:
    return reverse("sheets:pdf", kwargs={"pk": site.pk})


def _words(text: str) -> str:
    """The text without its spaces and line breaks: a value may wrap anywhere in the PDF."""
    return "".join(text.split())


def _pdf_text(client, user, site, sections=ALL_SECTIONS) -> str:
    """The text of every page of the sheet that `user` downloads, flattened by `_words`."""
    client.force_login(user)
    response = client.get(_pdf_url(site), {"sections": sections})
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    reader = PdfReader(io.BytesIO(response.content))
    return _words(" ".join(page.extract_text() for page in reader.pages))


def _update(site, user, **values) -> None:
    site.refresh_from_db()
    site_update(user=user, site_id=site.pk, expected_version=site.version, values=values)


def _has(text: str, value: str) -> bool:
    return _words(value) in text


@pytest.fixture
def operator():
    """An opérateur of Gironde without options: reads the sites of 33, neither justice nor owners."""
    return UserFactory(role=Role.ASSOCIATION)


@pytest.fixture
def correspondent():
    """A correspondant of Gironde: justice everywhere he reads, owners on his département."""
    return UserFactory(role=Role.DIRECT_COLLABORATOR)


@pytest.fixture
def site():
    site = SiteFactory(
        name="Terrain des Lilas", with_justice=True, bailiff=BAILIFF, population_total=57, heatwave=True
    )
    SiteOwnerFactory(site=site, name=OWNER)
    return site


def test_the_sheet_holds_the_site_page_sections(client, operator, site):
    text = _pdf_text(client, operator, site, sections=[])

    for expected in (
        "Fiche du site éditée le",
        site.address_simple,
        "« Terrain des Lilas »",
        "Caractéristiques",
        "Habitants",
        "Nombre de personnes",
        "57",
        "Conditions de vie",
        "Canicule",
        "Coordonnées GPS",
        "Données à usage professionnel",
    ):
        assert _has(text, expected), expected
    assert not _has(text, "Intervenants")
    assert not _has(text, "Historique des modifications")


def test_justice_owners_finances_and_targeted_messages_never_reach_a_user_without_access(client, operator, site):
    action = ActionFactory(name=ACTION_NAME, on_site=True, sites=[site], operators=[operator])
    ActionFinanceFactory(action=action, comments=FINANCE_COMMENT, amount=987654)
    JournalEntryFactory(site=site, targeted=True, target_users=[UserFactory()], body=TARGETED_MESSAGE)
    _update(site, UserFactory(role=Role.DIRECT_COLLABORATOR), bailiff="Autre huissier")

    text = _pdf_text(client, operator, site)  # every section asked for, justice included

    assert _has(text, ACTION_NAME)  # the actions section is there…
    assert _has(text, "Historique des modifications")  # …and the history
    assert not _has(text, BAILIFF) and not _has(text, "Autre huissier")
    assert not _has(text, "Tribunal judiciaire de Bordeaux")
    assert not _has(text, "Procédures judiciaires")
    assert not _has(text, "Huissier")  # neither in the sections nor as a change of the history
    assert not _has(text, OWNER) and not _has(text, "Propriétaires")
    assert not _has(text, FINANCE_COMMENT) and not _has(text, "987654") and not _has(text, "987 654")
    # The sheet shows no journal message at all (reference §H.4: the sheet has no journal section).
    assert not _has(text, TARGETED_MESSAGE)


def test_a_correspondent_gets_justice_and_owners(client, correspondent, site):
    text = _pdf_text(client, correspondent, site)

    assert _has(text, "Procédures judiciaires et administratives")
    assert _has(text, BAILIFF)
    assert _has(text, "Tribunal judiciaire de Bordeaux")
    assert _has(text, OWNER)


def test_justice_is_only_there_when_asked_for(client, correspondent, site):
    text = _pdf_text(client, correspondent, site, sections=["acteurs"])

    assert not _has(text, BAILIFF)
    assert _has(text, OWNER)  # owners belong to the site's characteristics (§H.4), shown to whoever may see them


def test_the_justice_option_opens_justice_but_not_owners(client, site):
    operator = UserFactory(role=Role.ASSOCIATION, options=[Option.ACCESS_JUSTICE])
    text = _pdf_text(client, operator, site)

    assert _has(text, BAILIFF)
    assert not _has(text, OWNER)


def test_the_optional_sections_show_actors_actions_and_history(client, operator, site):
    actor = UserFactory(organization__name=ACTOR_ORGANIZATION, organization__abbreviation="")
    SiteActor.objects.create(site=site, user=actor, themes=["sante"])
    ActionFactory(name=ACTION_NAME, on_site=True, sites=[site], operators=[operator])
    _update(site, UserFactory(role=Role.DIRECT_COLLABORATOR), population_total=64)

    text = _pdf_text(client, operator, site, sections=["acteurs", "actions", "historique"])

    assert _has(text, "Intervenants") and _has(text, ACTOR_ORGANIZATION)
    assert _has(text, "Actions sur ce site") and _has(text, ACTION_NAME)
    assert _has(text, "Historique des modifications") and _has(text, "Déclaration du site")
    assert _has(text, "Nombre de personnes : 57 → 64")

    bare = _pdf_text(client, operator, site, sections=[])
    assert not _has(bare, ACTOR_ORGANIZATION)
    assert not _has(bare, ACTION_NAME)
    assert not _has(bare, "Déclaration du site")


def test_a_closed_site_shows_its_closing(client, operator):
    site = SiteFactory(closed=True)
    ClosingOrientationFactory(site=site, message="Orientation témoin 8812")

    text = _pdf_text(client, operator, site, sections=[])

    assert _has(text, "Fermeture") and _has(text, "Orientation témoin 8812")


def test_a_site_out_of_scope_or_missing_is_not_found(client, operator):
    haute_garonne = DepartementFactory(code="31", name="Haute-Garonne", region=RegionFactory(code="76"))
    toulouse = SiteFactory(commune=CommuneFactory(code="31555", name="Toulouse", departement=haute_garonne))
    client.force_login(operator)

    assert client.get(_pdf_url(toulouse)).status_code == 404
    assert client.get(reverse("sheets:form", kwargs={"pk": toulouse.pk})).status_code == 404
    assert client.get(reverse("sheets:pdf", kwargs={"pk": 987654321})).status_code == 404


@pytest.mark.parametrize(
    "sections", [["inconnue"], ["justice' OR 1=1"], ["x" * 5000], ["acteur", "ACTEURS", "\x00"], []]
)
def test_unknown_sections_are_ignored(client, operator, site, sections):
    text = _pdf_text(client, operator, site, sections=sections)

    assert _has(text, site.address_simple)
    assert not _has(text, "Intervenants")


def test_the_form_offers_justice_only_to_whoever_may_see_it(client, operator, correspondent, site):
    url = reverse("sheets:form", kwargs={"pk": site.pk})

    client.force_login(operator)
    page = client.get(url).content.decode()
    assert 'value="acteurs"' in page and 'value="historique"' in page
    assert 'value="justice"' not in page
    assert f'action="{_pdf_url(site)}"' in page

    client.force_login(correspondent)
    assert 'value="justice"' in client.get(url).content.decode()


def test_the_form_says_in_french_when_a_section_is_not_offered(client, operator, site):
    client.force_login(operator)
    response = client.get(reverse("sheets:form", kwargs={"pk": site.pk}), {"sections": ["justice"]})

    assert response.status_code == 200
    assert "« justice » n'est pas une section proposée." in html.unescape(response.content.decode())


def test_the_site_page_links_to_the_sheet_form(client, operator, site):
    client.force_login(operator)
    page = client.get(reverse("settlements:detail", kwargs={"pk": site.pk})).content.decode()

    assert f'href="{reverse("sheets:form", kwargs={"pk": site.pk})}"' in page


def test_without_weasyprint_the_sheet_answers_a_french_503(client, operator, site, monkeypatch):
    def unavailable(html, **kwargs):
        raise sheet.PdfUnavailable("cannot load library 'libpango-1.0-0'")

    monkeypatch.setattr(sheet, "html_to_pdf", unavailable)
    client.force_login(operator)
    response = client.get(_pdf_url(site))

    assert response.status_code == 503
    assert "La fiche du site est momentanément indisponible" in response.content.decode()


def test_a_missing_library_becomes_pdf_unavailable(monkeypatch):
    """WeasyPrint raises OSError at import when Pango is missing: the sheet turns it into `PdfUnavailable`."""
    import builtins

    real_import = builtins.__import__

    def without_pango(name, *args, **kwargs):
        if name == "weasyprint":
            raise OSError("cannot load library 'libpango-1.0-0'")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", without_pango)
    with pytest.raises(sheet.PdfUnavailable):
        sheet.html_to_pdf("<p>Bonjour</p>")


def test_the_sheet_reads_only_static_files(settings):
    assert sheet.static_path("https://resorption.example/static/css/sheet.css") == "css/sheet.css"
    for refused in (
        "https://tiles.example/1/2/3.png",
        "file:///etc/passwd",
        "https://resorption.example/static/../config/settings/base.py",
    ):
        with pytest.raises(ValueError, match="La fiche ne lit que les fichiers statiques"):
            sheet.static_path(refused)


def test_the_sheet_embeds_the_marianne_font(client, operator, site):
    client.force_login(operator)
    reader = PdfReader(io.BytesIO(client.get(_pdf_url(site)).content))

    fonts = {
        str(font["/BaseFont"])
        for page in reader.pages
        for font in page["/Resources"]["/Font"].values()
        if "/BaseFont" in font.get_object()
    }
    assert any("Marianne" in font for font in fonts), fonts


def _query_count(client, site) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(_pdf_url(site), {"sections": ALL_SECTIONS}).status_code == 200
    return len(queries)


def test_query_count_stays_flat_as_owners_actors_actions_and_versions_grow(client, correspondent):
    small = SiteFactory(resorbed=True, with_justice=True)
    SiteOwnerFactory(site=small)
    ClosingOrientationFactory(site=small)
    SiteActor.objects.create(site=small, user=UserFactory(), themes=["sante"])
    ActionFactory(on_site=True, sites=[small])
    large = SiteFactory(resorbed=True, with_justice=True)
    SiteOwnerFactory.create_batch(5, site=large)
    for solution in list(ClosingSolution)[:3]:
        ClosingOrientationFactory(site=large, solution=solution)
    for _ in range(6):
        SiteActor.objects.create(site=large, user=UserFactory(), themes=["sante", "autre"], other_theme="Droits")
        ActionFactory(on_site=True, sites=[large])
    for population in range(41, 47):
        large.population_total = population
        large.save()
    client.force_login(correspondent)
    _query_count(client, small)  # warm-up: the first page after sign-in stores the permission context

    assert _query_count(client, large) == _query_count(client, small)


def test_the_sheet_is_a_tagged_pdf_in_french(client, operator, site):
    """Screen readers follow a tagged PDF's structure (headings, tables) and read it in the document's language."""
    client.force_login(operator)
    catalog = PdfReader(io.BytesIO(client.get(_pdf_url(site)).content)).trailer["/Root"]

    assert catalog["/MarkInfo"]["/Marked"]
    assert "/StructTreeRoot" in catalog
    assert str(catalog["/Lang"]) == "fr"
