"""`/sites/export/`: the site export (§H.4). The form page (the list's filters carried over by its « Exporter »
link), then a progress page polling a fragment every second until the file is written, and the download, open to
the requester only (anyone else: 404, as for an export that does not exist) for 24 hours."""

import os
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, QueryDict
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from resorption.accounts import permissions
from resorption.core.xlsx import XLSX_CONTENT_TYPE
from resorption.exports import services
from resorption.exports.enums import ExportStatus
from resorption.exports.forms import QUERY_MAX_LENGTH, SiteExportForm
from resorption.exports.models import SiteExport
from resorption.settlements import filters
from resorption.settlements.forms import Tab

# Parameters of the list that do not choose sites.
NOT_SELECTING = ("page", "tri")
RECENT_EXPORTS = 5


def access_export(user: Any, pk) -> SiteExport:
    """The user's own export: another user's, or a missing one, is the same 404."""
    export = SiteExport.objects.filter(pk=pk, requested_by=user).first()
    if export is None:
        raise Http404("Export introuvable.")
    return export


def _list_query(query: QueryDict) -> QueryDict:
    """The list's query string without what does not choose sites (page, sort)."""
    query = query.copy()
    for name in NOT_SELECTING:
        query.pop(name, None)
    return query


@require_http_methods(["GET", "POST"])
def site_export(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    if not permissions.can_export_sites(user):
        raise PermissionDenied(services.NO_RIGHT)
    if request.method == "POST":
        form = SiteExportForm(request.POST, user=user)
        if form.is_valid():
            export = _request_export(form, user)
            if export is not None:
                return redirect("exports:progress", pk=export.pk)
        query: QueryDict = QueryDict(form.data.get("filtres", "")[:QUERY_MAX_LENGTH])
    else:
        query = _list_query(request.GET)
        form = SiteExportForm(
            initial={"filtres": query.urlencode(), "statut": query.get("statut") or Tab.OPEN}, user=user
        )
    status = 400 if form.is_bound and form.errors else 200
    return render(
        request,
        "exports/site_export.html",
        {
            "form": form,
            "summary": _filters_summary(request, query),
            "list_url": "?" + query.urlencode() if query else "",
            "recent": SiteExport.objects.filter(requested_by=user)[:RECENT_EXPORTS],
        },
        status=status,
    )


def _request_export(form: SiteExportForm, user) -> SiteExport | None:
    query = QueryDict(form.cleaned_data["filtres"], mutable=True)
    query["statut"] = form.cleaned_data["statut"]
    try:
        return services.site_export_request(
            user=user,
            query=query.urlencode(),
            sections=form.cleaned_data["sections"],
            as_of=form.cleaned_data["date"],
        )
    except ValidationError as error:
        fields = {"as_of": "date"}
        for name, messages in error.message_dict.items():
            form.add_error(fields.get(name, name) if fields.get(name, name) in form.fields else None, messages)
        return None


def _filters_summary(request: HttpRequest, query: QueryDict) -> list[tuple[str, str]]:
    """The list's filters the query string applies, as label and values (the location shown even by default)."""
    selection_request = HttpRequest()
    selection_request.GET = query  # type: ignore[assignment]
    selection_request.user = request.user
    state = filters.filter_state(selection_request)
    form = state.form
    lines = []
    for name, value in state.cleaned_data.items():
        if name in (*NOT_SELECTING, "statut") or not value or name not in form.fields:
            continue
        field = form.fields[name]
        choices = {str(key): str(label) for key, label in getattr(field, "choices", [])}
        values = value if isinstance(value, list | tuple | set) else [value]
        lines.append((str(field.label), ", ".join(choices.get(str(each), str(each)) for each in values)))
    return lines


@require_GET
def progress(request: HttpRequest, pk) -> HttpResponse:
    export = access_export(request.user, pk)
    return render(request, "exports/progress.html", {"export": export, **_progress_context(export)})


@require_GET
def progress_fragment(request: HttpRequest, pk) -> HttpResponse:
    export = access_export(request.user, pk)
    return render(request, "exports/includes/progress.html", {"export": export, **_progress_context(export)})


def _progress_context(export: SiteExport) -> dict:
    finished = export.status in (ExportStatus.DONE, ExportStatus.FAILED)
    percent = round(100 * export.done / export.total) if export.total else (100 if finished else 0)
    return {
        "finished": finished,
        "failed": export.status == ExportStatus.FAILED,
        "percent": percent,
        "available": services.file_available(export),
    }


@require_GET
def download(request: HttpRequest, pk) -> HttpResponseBase:
    export = access_export(request.user, pk)
    if not services.file_available(export):
        return render(request, "exports/expired.html", {"export": export}, status=410)
    return FileResponse(
        export.file.open("rb"),
        as_attachment=True,
        filename=os.path.basename(export.file.name or ""),
        content_type=XLSX_CONTENT_TYPE,
    )
