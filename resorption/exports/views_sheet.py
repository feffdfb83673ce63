"""The site sheet in PDF (issue 12 item 5): a page to choose its sections, and the PDF itself.

Both fetch the site through `access_site` (out of the user's scope and missing look alike: 404) and offer the
judicial procedures only to whoever may see them (`sheet.offered_sections`).
"""

import logging

from django import forms
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.text import slugify
from django.views.decorators.http import require_GET

from resorption.exports import sheet
from resorption.settlements.access import access_site

logger = logging.getLogger(__name__)

SECTIONS_PARAM = "sections"


class SheetForm(forms.Form):
    """The sections of the sheet, among those offered to the reader. A section he may not choose is not offered; in
    the address it is ignored, as are unknown names (the PDF view reads the address leniently, this form says why)."""

    sections = forms.MultipleChoiceField(
        label="Sections à inclure",
        help_text="La localisation, les caractéristiques, les habitants et les conditions de vie figurent toujours.",
        required=False,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"invalid_choice": "« %(value)s » n'est pas une section proposée."},
    )

    def __init__(self, *args, offered: list[sheet.SheetSection], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["sections"].choices = [(section.value, section.label) for section in offered]


@require_GET
def sheet_form(request: HttpRequest, pk: int) -> HttpResponse:
    """The page to choose the sections of the sheet and download it."""
    site = access_site(request.user, pk, shape="commune")
    offered = sheet.offered_sections(request.user, site)
    form = SheetForm(request.GET or None, offered=offered)
    if form.is_bound:
        form.is_valid()
    return render(
        request,
        "exports/sheet_form.html",
        {
            "site": site,
            "form": form,
            "pdf_url": reverse("sheets:pdf", kwargs={"pk": site.pk}),
            "site_url": reverse("settlements:detail", kwargs={"pk": site.pk}),
        },
    )


@require_GET
def sheet_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    """The PDF sheet of the site with the sections named in the address (`?sections=acteurs&sections=justice`):
    names that are unknown or not offered to the reader are ignored. If the PDF cannot be made on this server
    (WeasyPrint or Pango missing), a French page says so with 503."""
    site = access_site(request.user, pk, shape="page")
    sections = sheet.chosen_sections(request.GET.getlist(SECTIONS_PARAM), sheet.offered_sections(request.user, site))
    try:
        pdf = sheet.render_sheet_pdf(
            site, user=request.user, sections=sections, base_url=request.build_absolute_uri("/")
        )
    except sheet.PdfUnavailable:
        logger.exception("PDF site sheet unavailable")
        return render(request, "exports/sheet_unavailable.html", {"site": site}, status=503)
    response = HttpResponse(pdf, content_type="application/pdf")
    filename = f"fiche-site-{site.pk}-{slugify(site.commune.name)}.pdf"
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    return response
