"""The territorial statistics pages (reference §H.2), for holders of « Consulter les statistiques » (`stats.read`).

- `/statistiques/`: the national tree (France entière, Métropole, Outre-mer, régions, départements) at two dates.
  A local holder sees his départements (and their régions) only.
- `/statistiques/departements/<code>/`: a département's summary, communes and sites at the « au » date, and its
  evolution between « du » and « au » (`pas`: weekly or monthly). Out of the reader's scope, or unknown: 404.

Query string: `du`, `au` (AAAA-MM-JJ or JJ/MM/AAAA; « au » today by default, « du » one month before it), `pas`
(`semaine` or `mois`). A past « au » makes the page « État des lieux au JJ/MM/AAAA ». Any table of a page is
downloaded from the same URL with `format=csv|xlsx&table=<name>` (the names are those of `stats.tables`: territoires;
synthese, communes, sites, evolution-habitants, evolution-conditions, evolution-justice, fermetures): the same rows
as the page, for the same dates. Justice figures are computed, shown and downloaded only for readers with
`shantytown_justice.access` on the département.
"""

import datetime
from urllib.parse import urlencode

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET

from resorption.accounts import permissions
from resorption.core.xlsx import XLSX_CONTENT_TYPE
from resorption.stats import figures, tables
from resorption.stats.forms import DownloadForm, EvolutionForm, PeriodForm
from resorption.stats.tables import Table
from resorption.territories.models import Departement, parse_departement_code

NO_RIGHT = "Vous n'avez pas accès aux statistiques."
READ = "stats.read"
JUSTICE = "shantytown_justice.access"
CONTENT_TYPES = {"csv": "text/csv; charset=utf-8", "xlsx": XLSX_CONTENT_TYPE}


def _require_stats(request: HttpRequest) -> None:
    if not permissions.can_read_stats(request.user):
        raise PermissionDenied(NO_RIGHT)


def _readable_departements(request: HttpRequest):
    """The départements whose statistics the reader sees, with their région."""
    return Departement.objects.filter(
        permissions.departements_q(request.user, READ, departement_path="")
    ).select_related("region")


def _title(end: datetime.date | None, default: str) -> str:
    """« État des lieux au JJ/MM/AAAA » for a past date, else the page's own title."""
    if end and end < timezone.localdate():
        return f"État des lieux au {end:%d/%m/%Y}"
    return default


def _shown(table_list: list[Table], query: dict[str, str]) -> list[dict]:
    """Each table with what its template needs: its rows as text, its chart's data and its download links."""
    return [
        {
            "table": table,
            "rows": table.html_rows(),
            "chart": table.chart_data(),
            "chart_id": f"donnees-{table.name}",
            "csv_url": "?" + urlencode(query | {"format": "csv", "table": table.name}),
            "xlsx_url": "?" + urlencode(query | {"format": "xlsx", "table": table.name}),
        }
        for table in table_list
    ]


def _download(request: HttpRequest, table_list: list[Table], *, place: str, day: datetime.date) -> HttpResponse:
    """The table named by `table` in the `format` asked; a wrong name or format is a 400 saying which."""
    form = DownloadForm(request.GET, tables=[table.name for table in table_list])
    if not form.is_valid():
        return _bad_request(request, form)
    table = next(table for table in table_list if table.name == form.cleaned_data["table"])
    extension = form.cleaned_data["format"]
    content = tables.table_csv(table) if extension == "csv" else tables.table_xlsx(table)
    response = HttpResponse(content, content_type=CONTENT_TYPES[extension])
    name = tables.filename(table, place=place, day=day, extension=extension)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


def _bad_request(request: HttpRequest, form) -> HttpResponse:
    errors = [
        f"{form.fields[name].label or name if name in form.fields else 'Statistiques'} : {message}"
        for name, messages in form.errors.items()
        for message in messages
    ]
    return render(request, "400.html", {"errors": errors}, status=400)


def _form_to_show(form: PeriodForm, form_class: type[PeriodForm]) -> PeriodForm:
    """The form as sent when it has errors (with its messages), else filled with the dates used (defaults included)."""
    return form_class(initial=form.cleaned_data) if form.is_valid() else form


@require_GET
def national(request: HttpRequest) -> HttpResponse:
    """The national page: the tree of territories the reader sees, at the two dates."""
    _require_stats(request)
    form = PeriodForm(request.GET)
    valid = form.is_valid()
    if not valid and "format" in request.GET:
        return _bad_request(request, form)
    table_list: list[Table] = []
    query: dict[str, str] = {}
    end = None
    if valid:
        start, end = form.cleaned_data["du"], form.cleaned_data["au"]
        query = form.query()
        rows = figures.national_tree(
            departements=list(_readable_departements(request).order_by("code")),
            start=start,
            end=end,
            national=permissions.resolve(request.user, READ).national,
        )

        def link(code: str) -> str:
            return reverse("stats:departement", kwargs={"code": code}) + "?" + urlencode(query)

        table_list = [tables.national_table(rows, start=start, end=end, link=link)]
        if "format" in request.GET:
            return _download(request, table_list, place="france", day=end)
    context = {
        "form": _form_to_show(form, PeriodForm),
        "title": _title(end, "Données statistiques"),
        "shown": _shown(table_list, query),
    }
    return render(request, "stats/national.html", context)


@require_GET
def departement(request: HttpRequest, code: str) -> HttpResponse:
    """A département's page: summary, communes and sites at « au », evolution from « du » to « au »."""
    _require_stats(request)
    code = parse_departement_code(code) or ""
    place = _readable_departements(request).filter(code=code).first()
    if place is None:
        raise Http404("Département introuvable.")
    form = EvolutionForm(request.GET)
    valid = form.is_valid()
    if not valid and "format" in request.GET:
        return _bad_request(request, form)
    table_list: list[Table] = []
    query: dict[str, str] = {}
    end = None
    justice = permissions.can(request.user, JUSTICE, departement=place.code)
    if valid:
        start, end, step = form.cleaned_data["du"], form.cleaned_data["au"], form.cleaned_data["pas"]
        query = form.query()
        table_list = _departement_tables(place, start=start, end=end, step=step, justice=justice)
        if "format" in request.GET:
            return _download(request, table_list, place=f"departement-{place.code}", day=end)
    national_url = reverse("stats:national") + ("?" + urlencode(query) if query else "")
    context = {
        "form": _form_to_show(form, EvolutionForm),
        "departement": place,
        "title": _title(end, f"Statistiques — {place.name} ({place.code})"),
        "summary": _shown(table_list[:3], query),
        "evolution": _shown(table_list[3:], query),
        "national_url": national_url,
        "trail": [("Données statistiques", national_url)],
        "can_access_justice": justice,
    }
    return render(request, "stats/departement.html", context)


def _departement_tables(
    place: Departement, *, start: datetime.date, end: datetime.date, step: str, justice: bool
) -> list[Table]:
    """The tables of a département's page, in page order: the three at « au », then the evolution's."""
    snapshot = figures.departement_snapshot(place, day=end, justice=justice)
    evolution = figures.departement_evolution(
        place.code, days=figures.series_points(start, end, step), justice=justice
    )
    table_list = [
        tables.summary_table(snapshot, day=end),
        tables.commune_table(snapshot, day=end),
        tables.site_table(snapshot, day=end),
        tables.population_table(evolution),
        tables.living_conditions_table(evolution),
    ]
    if justice:
        table_list.append(tables.justice_table(evolution))
    table_list.append(tables.closings_table(evolution))
    return table_list
