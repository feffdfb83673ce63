"""The site export in a browser: the list's filters carried to the export form, every section ticked, the progress
bar polled by htmx, the download, and the file opened with openpyxl."""

import re

import pytest
from openpyxl import load_workbook
from playwright.sync_api import Page, expect

from resorption.accounts.models import User
from resorption.exports.enums import ExportStatus
from resorption.exports.models import SiteExport
from tests.browser.demo_world import load_demo_world
from tests.browser.helpers import assert_no_axe_violations, log_in, wait_for_dsfr

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

DEMO_PASSWORD = "Demo-Resorption-2026!"
CORRESPONDENT = "correspondant-33@demo.test"


@pytest.fixture
def demo_data():
    load_demo_world()


def test_the_correspondent_exports_the_filtered_list_with_every_section(page: Page, demo_data, tmp_path):
    log_in(page, CORRESPONDENT, DEMO_PASSWORD)
    expect(page).to_have_url(re.compile(r"/tableau-de-bord/"))
    # The list's « Exporter » link carries its query string to the export form.
    page.goto("/sites/export/?localisation=33&canicule=oui")

    expect(page.get_by_role("heading", level=1)).to_have_text("Exporter des sites")
    expect(page.get_by_text("Risque canicule : Oui")).to_be_visible()
    wait_for_dsfr(page)
    assert_no_axe_violations(page)
    for label in (
        "Informations d'accès",
        "Propriétaires",
        "Conditions de vie",
        "Habitants : détail (âges, habitat, origines)",
        "Procédure judiciaire ou administrative",
        "Intervenants",
        "Commentaires du journal",
    ):
        # DSFR draws the box with the label, which takes the click as a user's would.
        box = page.get_by_label(label, exact=True)
        page.locator(f'label[for="{box.get_attribute("id")}"]').click()
        expect(box).to_be_checked()
    page.get_by_role("button", name="Lancer l’export").click()

    expect(page).to_have_url(re.compile(r"/sites/export/[0-9a-f-]{36}/$"))
    progress = page.locator("progress#barre-export")
    expect(progress).to_have_attribute("value", "100")
    expect(page.get_by_text("Export terminé : 1 site")).to_be_visible()
    assert_no_axe_violations(page)
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Télécharger le fichier").click()
    path = tmp_path / "export.xlsx"
    download_info.value.save_as(path)

    workbook = load_workbook(path, read_only=True)
    rows = [[cell.value for cell in row] for row in workbook.active.iter_rows()]
    workbook.close()  # a read-only workbook keeps its file open until closed
    assert "Procédure judiciaire ou administrative" in rows[0]
    assert "Propriétaire(s)" in rows[1] and "Derniers messages (5 au plus)" in rows[1]
    addresses = [row[rows[1].index("Adresse")] for row in rows[2:]]
    assert addresses == ["14 quai de la Souys 33100 Bordeaux"]


def test_the_progress_bar_follows_a_running_export(page: Page, demo_data):
    user = User.objects.get(email=CORRESPONDENT)
    export = SiteExport.objects.create(requested_by=user, status=ExportStatus.RUNNING, total=4, done=1)
    log_in(page, CORRESPONDENT, DEMO_PASSWORD)
    expect(page).to_have_url(re.compile(r"/tableau-de-bord/"))

    page.goto(f"/sites/export/{export.pk}/")
    expect(page.get_by_text("Export en cours : 1 site sur 4")).to_be_visible()
    expect(page.locator("progress#barre-export")).to_have_attribute("value", "25")

    # The page asks for the fragment every second: the bar follows the task.
    SiteExport.objects.filter(pk=export.pk).update(done=3)
    expect(page.get_by_text("Export en cours : 3 sites sur 4")).to_be_visible()
    expect(page.locator("progress#barre-export")).to_have_attribute("aria-valuenow", "75")

    SiteExport.objects.filter(pk=export.pk).update(status=ExportStatus.FAILED)
    expect(page.get_by_role("heading", name="L’export a échoué")).to_be_visible()
