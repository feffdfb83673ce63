"""The site sheet in PDF (« fiche site », issue 12 item 5; reference §H.4): the site page's content for one reader,
with the sections he chose among actors, actions, history and — if he may see them — judicial procedures.

The sheet reads the page's own context (`settlements.site_page.site_page_context`) and its history
(`site_page.site_versions`), so that it hides exactly what the page hides. Its HTML is a plain document styled by a
small print stylesheet (`static/css/sheet.css`), turned into a PDF by WeasyPrint; every file it refers to — the
stylesheet, the Marianne font — is read from the static files on disk, never over the network
(docs/decisions/0022-pdf-site-sheet.md).
"""

import functools
import mimetypes
import threading
from collections.abc import Collection, Iterable
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any
from urllib.parse import urljoin, urlsplit

from django.conf import settings
from django.contrib.staticfiles import finders
from django.db import models
from django.template.loader import render_to_string
from django.utils import timezone

from resorption.accounts import permissions
from resorption.actions.models import actions_on_site
from resorption.settlements.models import Site
from resorption.settlements.site_page import site_page_context, site_versions

if TYPE_CHECKING:
    from weasyprint.urls import URLFetcherResponse

# The sheet's base address when none is given (outside a request): links in the PDF then lead nowhere, which only
# matters to benchmarks and tests. `.invalid` is a name no host can bear (RFC 2606).
DEFAULT_BASE_URL = "https://resorption-bidonvilles.invalid/"
# The print stylesheet, by its name among the static files (not its hashed deployed name: it is read from disk).
STYLESHEET = "css/sheet.css"


class SheetSection(models.TextChoices):
    """The optional sections of a sheet, by their name in the address (`?sections=acteurs`)."""

    ACTORS = "acteurs", "Intervenants"
    ACTIONS = "actions", "Actions"
    HISTORY = "historique", "Historique des modifications"
    JUSTICE = "justice", "Procédures judiciaires et administratives"


class PdfUnavailable(Exception):
    """WeasyPrint, or the system libraries it needs (Pango), cannot be loaded on this server."""


def offered_sections(user, site: Site) -> list[SheetSection]:
    """The sections `user` may ask for on the sheet of `site`: judicial procedures only if he may see them
    (`permissions.can_access_justice`, reference §A.6)."""
    return [
        section
        for section in SheetSection
        if section != SheetSection.JUSTICE or permissions.can_access_justice(user, site)
    ]


def chosen_sections(requested: Iterable[str], offered: Collection[SheetSection]) -> set[SheetSection]:
    """The requested sections that are offered; any other name (unknown, or not allowed) is left out."""
    names = set(requested)
    return {section for section in offered if section.value in names}


def sheet_context(site: Site, *, user, sections: Collection[SheetSection]) -> dict[str, Any]:
    """What the sheet shows: the page's context for `user` (the same confidentiality decisions), with the chosen
    sections. A section not chosen is neither read nor rendered."""
    context = site_page_context(site, user=user)
    show_justice = SheetSection.JUSTICE in sections and context["can_access_justice"]
    context.update(
        {
            "show_actors": SheetSection.ACTORS in sections,
            "show_actions": SheetSection.ACTIONS in sections,
            "show_history": SheetSection.HISTORY in sections,
            "show_justice": show_justice,
            "justice_rows": context["justice_rows"] if show_justice else [],
            "sheet_actions": _actions(site, user=user) if SheetSection.ACTIONS in sections else [],
            "versions": site_versions(site, user=user)[::-1] if SheetSection.HISTORY in sections else [],
            "printed_at": timezone.localtime(),
            "printed_by": str(user),
        }
    )
    return context


def render_sheet_html(site: Site, *, user, sections: Collection[SheetSection]) -> str:
    """The sheet as an HTML document, without its stylesheet (`html_to_pdf` adds it)."""
    return render_to_string("exports/sheet.html", sheet_context(site, user=user, sections=sections))


def render_sheet_pdf(
    site: Site, *, user, sections: Collection[SheetSection], base_url: str = DEFAULT_BASE_URL
) -> bytes:
    """The sheet as a PDF document; its links are relative to `base_url` (the platform's address). Raises
    `PdfUnavailable` if WeasyPrint cannot be loaded."""
    return html_to_pdf(render_sheet_html(site, user=user, sections=sections), base_url=base_url)


def html_to_pdf(html: str, *, base_url: str = DEFAULT_BASE_URL) -> bytes:
    """`html` laid out as a PDF by WeasyPrint with the print stylesheet. WeasyPrint is imported here rather than at
    the top of the module: it loads Pango when imported, and a server without it must still serve every other page
    (and answer 503 here)."""
    try:
        import weasyprint  # here, not at the top: see the docstring
    except (ImportError, OSError) as error:
        raise PdfUnavailable(str(error)) from error
    fetcher, stylesheet, font_config = _renderer(weasyprint)
    document = weasyprint.HTML(string=html, base_url=base_url, url_fetcher=fetcher)
    # A tagged PDF (headings, lists, tables) that screen readers can follow, for about 10 % more time.
    return document.write_pdf(stylesheets=[stylesheet], font_config=font_config, pdf_tags=True)


_RENDERERS = threading.local()


def _renderer(weasyprint) -> tuple[Any, Any, Any]:
    """The URL fetcher, the parsed print stylesheet and the fonts it declares, made once per thread: reading the
    stylesheet and loading its fonts took WeasyPrint about as long as laying out the whole sheet. Per thread, since
    WeasyPrint's font configuration is not documented as safe to share between threads."""
    renderer = getattr(_RENDERERS, "renderer", None)
    if renderer is None:
        fetcher = _static_fetcher_class(weasyprint)()
        font_config = weasyprint.text.fonts.FontConfiguration()
        stylesheet = weasyprint.CSS(
            url=urljoin(DEFAULT_BASE_URL, f"{settings.STATIC_URL}{STYLESHEET}"),
            url_fetcher=fetcher,
            font_config=font_config,
        )
        renderer = _RENDERERS.renderer = (fetcher, stylesheet, font_config)
    return renderer


@functools.cache
def _static_fetcher_class(weasyprint) -> type:
    """A WeasyPrint URL fetcher that reads the static files from disk — whatever the host of their address — and
    refuses any other address: the sheet never goes over the network."""

    class StaticFilesFetcher(weasyprint.urls.URLFetcher):
        def fetch(self, url: str, headers=None) -> "URLFetcherResponse":
            return weasyprint.urls.URLFetcherResponse(url, *_static_file(static_path(url)))

    return StaticFilesFetcher


def static_path(url: str) -> str:
    """The static file's name in `url` (`https://host/static/css/sheet.css` → `css/sheet.css`); `ValueError` for an
    address outside the static files."""
    path = urlsplit(url).path
    prefix = urlsplit(settings.STATIC_URL).path
    if not path.startswith(prefix) or ".." in PurePosixPath(path).parts:
        raise ValueError(f"La fiche ne lit que les fichiers statiques, pas {url}")
    return path.removeprefix(prefix)


@functools.cache
def _static_file(path: str) -> tuple[bytes, dict[str, str]]:
    """The bytes and headers of a static file (`css/sheet.css`), read once per process: they change only with a
    deployment."""
    found = finders.find(path)
    if not found:
        raise FileNotFoundError(path)
    content_type = mimetypes.guess_type(path)[0] or "application/octet-stream"
    return Path(found).read_bytes(), {"Content-Type": content_type}


def _actions(site: Site, *, user) -> list[dict[str, Any]]:
    """The actions on the site that `user` reads (as on the site page: `actions_on_site`), as plain values — names
    and dates only: their finances are never part of the sheet."""
    today = timezone.localdate()
    rows = actions_on_site(user, site.pk).values("name", "started_at", "ended_at", "departement__name")
    return [
        {**row, "status_label": "En cours" if row["ended_at"] is None or row["ended_at"] >= today else "Terminée"}
        for row in rows
    ]
