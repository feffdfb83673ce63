"""The text of the site pages as people read them (issue 9, item 8): punctuation and the marks of optional fields, on
the demo data (`make run`), for several roles."""

import re
from html.parser import HTMLParser

import pytest
from django.core.management import call_command
from django.urls import reverse

from resorption.accounts.models import User
from resorption.settlements.models import Site
from tests.db import rolled_back_afterwards

pytestmark = pytest.mark.django_db

# A national admin (every site, every action), a partner of Gironde and an observer of Haute-Garonne.
READERS = ["national-admin@demo.test", "partenaire-33@demo.test", "observateur-31@demo.test"]
# Every way of saying « this field may stay empty ». One per field: « (Optionnel) », the mark django-dsfr adds to the
# label of every optional field, is the one the project keeps.
OPTIONAL_MARK = re.compile(r"\(optionnel\)|\boptionnel(?:le)?s?\b|\bfacultati(?:f|ve)s?\b", re.IGNORECASE)


@pytest.fixture(scope="module")
def demo_world(django_db_setup, django_db_blocker):
    with rolled_back_afterwards(django_db_blocker):
        call_command("load_demo_data", verbosity=0)
        yield


class TextReader(HTMLParser):
    """The text a browser shows: tags removed (an inline tag separates nothing), script and style left out, and the
    text of each label and legend apart."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.labels: list[str] = []
        self._open_labels: list[list[str]] = []
        self._skipped = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style"):
            self._skipped += 1
        if tag in ("label", "legend"):
            self._open_labels.append([])

    def handle_endtag(self, tag):
        if tag in ("script", "style"):
            self._skipped -= 1
        if tag in ("label", "legend") and self._open_labels:
            self.labels.append(" ".join("".join(self._open_labels.pop()).split()))

    def handle_data(self, data):
        if self._skipped:
            return
        self.parts.append(data)
        for label in self._open_labels:
            label.append(data)

    @property
    def text(self) -> str:
        return " ".join("".join(self.parts).split())


def read(client, url: str) -> TextReader:
    response = client.get(url)
    assert response.status_code == 200, url
    reader = TextReader()
    reader.feed(response.content.decode())
    return reader


def _pages(user) -> list[str]:
    list_url = reverse("settlements:list")
    pages = [list_url, f"{list_url}?statut=fermes"]
    for pk in Site.objects.visible_to(user).values_list("pk", flat=True):
        pages += [reverse("settlements:detail", kwargs={"pk": pk}), reverse("settlements:history", kwargs={"pk": pk})]
    return pages


@pytest.mark.parametrize("email", READERS)
def test_no_space_before_a_comma_on_the_site_pages_lists_and_histories(client, demo_world, email):
    user = User.objects.get(email=email)
    client.force_login(user)
    pages = _pages(user)
    assert len(pages) > 4  # the reader sees sites

    faults = {url: re.findall(r".{0,40} ,.{0,20}", read(client, url).text) for url in pages}

    assert {url: found for url, found in faults.items() if found} == {}


def _form_pages() -> dict[str, str]:
    open_site = Site.objects.open().order_by("pk").first()
    closed_site = Site.objects.closed().order_by("pk").first()
    return {
        "declare": reverse("settlements:declare"),
        "update": reverse("settlements:update", kwargs={"pk": open_site.pk}),
        "report": reverse("settlements:report"),
        "close": reverse("settlements:close", kwargs={"pk": open_site.pk}),
        "fix_status": reverse("settlements:fix_status", kwargs={"pk": closed_site.pk}),
        "journal": reverse("journal:journal", kwargs={"site_id": open_site.pk}),
    }


def test_an_optional_field_is_marked_once(client, demo_world):
    client.force_login(User.objects.get(email="national-admin@demo.test"))
    labels = {name: read(client, url).labels for name, url in _form_pages().items()}

    twice = {name: [label for label in page if len(OPTIONAL_MARK.findall(label)) > 1] for name, page in labels.items()}
    assert {name: found for name, found in twice.items() if found} == {}
    # The mark kept is the label's « (Optionnel) », on the report form's coordinates as elsewhere.
    assert [label for label in labels["report"] if label.startswith("Latitude")] == [
        "Latitude (Optionnel) En degrés décimaux, par exemple 44.8378"
    ]
    assert all(OPTIONAL_MARK.findall(label) in ([], ["(Optionnel)"]) for page in labels.values() for label in page)
