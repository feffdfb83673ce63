"""Print views (issue 4, item 9): the filtered site list and one site, as plain documents for paper or PDF.

They read through the same code as the screen pages — `filters.select_sites` for the list — so a printed
page never shows a site, or a confidential field, that the screen would not.
"""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path, reverse
from django.utils import timezone

from resorption.core.db import searches_planned_for_their_words
from resorption.settlements import filters, forms
from resorption.settlements.access import access_site
from resorption.settlements.site_page import site_page_context
from resorption.settlements.views import list as site_list

# A national list is thousands of sites: the printout stops here and says so.
PRINT_LIMIT = 1000


@searches_planned_for_their_words
def print_list(request: HttpRequest) -> HttpResponse:
    """Every site of the filtered list, in the list's order, up to PRINT_LIMIT, with the filters in words."""
    selection = filters.select_sites(request)
    sites, form = selection.sites, selection.state.form
    summary = site_list.summarize(sites)
    sort = filters.SORTS[selection.filters.get("tri") or forms.Sort.UPDATED]
    ordered = site_list.with_row_data(sites).order_by(*sort)
    return render(
        request,
        "settlements/print/site_list.html",
        {
            "rows": [site_list.list_row(site) for site in ordered[:PRINT_LIMIT]],
            "summary": {key: value or 0 for key, value in summary.items()},
            "truncated": summary["sites"] > PRINT_LIMIT,
            "print_limit": PRINT_LIMIT,
            "is_open_tab": selection.tab == forms.Tab.OPEN,
            "applied_filters": applied_filters(form),
            "back_url": f"{request.path.removesuffix('imprimer/')}?{request.GET.urlencode()}",
            "printed_at": timezone.localtime(),
        },
    )


def applied_filters(form: forms.SiteFilterForm) -> list[tuple[str, str]]:
    """The filters in force, as (label, values in words), for the printout's heading."""
    applied = []
    for name, value in form.cleaned_data.items():
        if name in ("statut", "page") or not value:
            continue
        field = form.fields[name]
        choices = {str(key): label for key, label in _flat_choices(getattr(field, "choices", []))}
        values = value if isinstance(value, list) else [value]
        applied.append((str(field.label), ", ".join(str(choices.get(str(item), item)) for item in values)))
    return applied


def _flat_choices(choices):
    for key, label in choices:
        if isinstance(label, list | tuple):  # an optgroup
            yield from label
        else:
            yield key, label


def print_site(request: HttpRequest, pk: int) -> HttpResponse:
    """One site on paper: the page's sections, read through the page's own context (same confidentiality), without
    its buttons and forms."""
    site = access_site(request.user, pk, shape="page")
    context = site_page_context(site, user=request.user)
    context.update(
        {
            "can_remove_any_actor": False,
            "can_join_actors": False,
            "back_url": reverse("settlements:detail", kwargs={"pk": site.pk}),
            "printed_at": timezone.localtime(),
        }
    )
    return render(request, "settlements/print/site_detail.html", context)


urlpatterns = [
    path("imprimer/", print_list, name="print_list"),
    path("<int:pk>/imprimer/", print_site, name="print_site"),
]
