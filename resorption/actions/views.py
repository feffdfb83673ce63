"""Pages of the actions (issue 10; reference §E): the list and its filters, its xlsx export, « Saisir une action »,
the action page and « Demander à être pilote », its update form, its finances per year and its history.

Each page fetches the action through `access_action` (out of sight and missing: 404), asks `permissions` what the
user may do (403 otherwise), parses a form and calls one service, whose French errors are shown next to their fields.
Finances are read only for who may access them (§A.6): for anyone else they are not fetched at all.
"""

import hashlib
import logging
from dataclasses import dataclass
from functools import lru_cache
from itertools import groupby
from urllib.parse import urlencode

from django.contrib import messages
from django.core.cache import caches
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.forms import Form
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from resorption.accounts import permissions
from resorption.accounts.models import User
from resorption.actions import exports
from resorption.actions.access import access_action
from resorption.actions.enums import Topic
from resorption.actions.forms import (
    ActionFilterForm,
    ActionForm,
    FinanceFormSet,
    FinancesForm,
    MetricsForm,
    Status,
    people_choices,
    search_choices,
    site_choices,
)
from resorption.actions.history import action_versions
from resorption.actions.models import (
    METRIC_FIELDS,
    METRIC_SECTIONS,
    TOPIC_FIELDS,
    Action,
    ActionManager,
    ActionOperator,
    euros,
)
from resorption.actions.notifications import action_pilot_request, is_pilot
from resorption.actions.services import (
    StaleActionError,
    action_create,
    action_finances_update,
    action_metrics_update,
    action_update,
)
from resorption.core.forms import parse_id
from resorption.core.navigation import url_maker
from resorption.core.pagination import pagination_links
from resorption.core.prepared import PreparedQueries, padded
from resorption.core.xlsx import XLSX_CONTENT_TYPE
from resorption.settlements.models import Site
from resorption.territories.models import Departement, clean_search_term

logger = logging.getLogger("resorption.actions")

PAGE_SIZE = 20
# How many rendered rows of the list a process keeps (`row_html`): about 2 KB each.
ROW_HTML_CACHE = 2048
# How long a process keeps the places offered by the list's filter (`_locations`).
LOCATIONS_SECONDS = 60
FINANCES_PREFIX = "financements"


# ---------------------------------------------------------------------------------------------------------------------
# List
# ---------------------------------------------------------------------------------------------------------------------


@require_GET
def action_list(request: HttpRequest) -> HttpResponse:
    """« Voir toutes les actions »: the actions the user reads, filtered by the query string (§E.3), 20 a page."""
    user = request.user
    visible = Action.objects.visible_to(user)
    form, filters = _list_filters(request, visible)
    actions = _filtered(visible, filters)
    page = Paginator(actions.values(*LIST_VALUES), PAGE_SIZE).get_page(request.GET.get("page"))
    can_export = permissions.can_export_actions(user)
    return render(
        request,
        "actions/action_list.html",
        {
            "form": form,
            # The rendered filter panel is kept per process for what it shows: the query string and the places
            # offered (its fields, a hundred places as options, were most of the page's rendering).
            "filters_cache_key": hashlib.sha256(
                repr((sorted(request.GET.lists()), form.fields["localisation"].choices)).encode()
            ).hexdigest(),
            "page": page,
            "rows": list_rows(list(page.object_list)),
            "pagination": pagination_links(request.GET, page),
            "can_create": permissions.can_create_action(user),
            "filtered": bool(filters),
            "can_export": can_export,
            "export_url": f"{reverse('actions:export')}?{urlencode(filters)}" if can_export else "",
        },
    )


@require_GET
def export(request: HttpRequest) -> HttpResponse:
    """« Exporter » (§E.3): the actions the user may export, with the list's filters, as an xlsx file; finances only
    on the actions whose finances he may read (`actions.exports`). For admins and correspondents (403 else)."""
    user = request.user
    if not permissions.can_export_actions(user):
        raise PermissionDenied("Vous n'avez pas le droit d'exporter les actions.")
    _, filters = _list_filters(request, Action.objects.visible_to(user))
    rows = exports.export_rows(user, _filtered(Action.objects.visible_to(user, "action.export"), filters))
    logger.info("actions export", extra={"user_id": user.pk, "rows": len(rows)})
    response = HttpResponse(exports.actions_workbook(rows), content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{exports.export_filename(timezone.localdate())}"'
    return response


def _list_filters(request: HttpRequest, visible) -> tuple[ActionFilterForm, dict[str, str]]:
    """The list's filters from the query string, shared by the list and its export: the places offered are those of
    the actions the user reads, so that a link copied from the list narrows the export the same way."""
    form = ActionFilterForm(request.GET, locations=_locations(request.user, visible))
    return form, form.filters()


def _locations(user, visible) -> list[tuple[str, str]]:
    """The départements of the actions the user reads, and their régions: the places he may filter on. Kept a minute
    per process for the users who read the same actions (`permissions.actions_key`): an action in a new département
    is offered within the minute."""
    key = "action-locations:" + hashlib.sha256(permissions.actions_key(user).encode()).hexdigest()
    locations = caches["fragments"].get(key)
    if locations is None:
        departements = list(
            Departement.objects.filter(pk__in=visible.values("departement"))
            .order_by("code")
            .values_list("code", "name", "region_id", "region__name")
        )
        regions = sorted({(region, region_name) for _, _, region, region_name in departements})
        locations = [(f"region-{code}", f"Région {name}") for code, name in regions] + [
            (code, f"{code} — {name}") for code, name, _, _ in departements
        ]
        caches["fragments"].set(key, locations, LOCATIONS_SECONDS)
    return locations


# What a row of the list shows, read as plain values (`list_rows`).
LIST_VALUES = ("pk", "name", "started_at", "ended_at", "departement_id", "departement__name", *TOPIC_FIELDS.values())


@dataclass(frozen=True)
class ActionRow:
    """A row of the list, its values already in words; `html` is its markup, rendered once per content."""

    url: str
    name: str
    is_ongoing: bool
    status_label: str
    departement: str
    started_at: str
    ended_at: str
    topics: str
    managers: tuple[str, ...]
    operators: tuple[str, ...]

    @property
    def html(self) -> str:
        return row_html(self)


@lru_cache(maxsize=ROW_HTML_CACHE)
def row_html(row: ActionRow) -> str:
    """The row's `<tr>` (actions/action_list.html, partial `row`), rendered once per process for each content: two
    equal rows are the same markup, and a page shows the same actions to every reader of the same list."""
    return render_to_string("actions/action_list.html#row", {"row": row})


def list_rows(actions: list[dict]) -> list[ActionRow]:
    """The rows of a page of the list, their values already in words: the pilots' and operators' organisations in
    one query each, whatever the number of actions and people."""
    ids = [action["pk"] for action in actions]
    members = {}
    for model, queries in _MEMBER_NAMES.items():
        names: dict[int, list[str]] = {pk: [] for pk in ids}
        for start in range(0, len(ids), PAGE_SIZE):
            window = padded(ids[start : start + PAGE_SIZE], PAGE_SIZE)
            for action_id, name in queries.fetch("names", _member_names(model), *window):
                names[action_id].append(name)
        members[model] = names
    detail_url = url_maker("actions:detail", "pk")
    today = timezone.localdate()
    return [
        ActionRow(
            url=detail_url(action["pk"]),
            name=action["name"],
            is_ongoing=(ongoing := action["ended_at"] is None or action["ended_at"] >= today),
            status_label="En cours" if ongoing else "Terminée",
            departement=f"{action['departement_id']} — {action['departement__name']}",
            started_at=action["started_at"].strftime("%d/%m/%Y"),
            ended_at=action["ended_at"].strftime("%d/%m/%Y") if action["ended_at"] else "",
            topics=", ".join(str(topic.label) for topic, field in TOPIC_FIELDS.items() if action[field]),
            managers=tuple(members[ActionManager][action["pk"]]),
            operators=tuple(members[ActionOperator][action["pk"]]),
        )
        for action in actions
    ]


# The organisations of the pilots and operators of a page of actions, one query each compiled once per process
# (`resorption.core.prepared`): `PAGE_SIZE` ids, padded.
_MEMBER_NAMES = {ActionManager: PreparedQueries(ActionManager), ActionOperator: PreparedQueries(ActionOperator)}


def _member_names(model):
    def build(*ids: int):
        return model.objects.filter(action_id__in=ids).order_by("pk").values_list("action_id", "organization__name")

    return build


def _filtered(actions, filters: dict[str, str]):
    location = filters.get("localisation", "")
    if location.startswith("region-"):
        actions = actions.filter(departement__region_id=location.removeprefix("region-"))
    elif location:
        actions = actions.filter(departement_id=location)
    if filters.get("statut") == Status.ONGOING:
        actions = actions.ongoing()
    elif filters.get("statut") == Status.FINISHED:
        actions = actions.finished()
    if filters.get("champ"):
        actions = actions.filter(**{TOPIC_FIELDS[Topic(filters["champ"])]: True})
    if filters.get("lieu"):
        actions = actions.filter(location_type=filters["lieu"])
    if term := filters.get("q"):
        organizations = Q(organization__name__icontains=term) | Q(organization__abbreviation__icontains=term)
        actions = actions.filter(
            Q(name__icontains=term)
            | Q(pk__in=ActionManager.objects.filter(organizations).values("action"))
            | Q(pk__in=ActionOperator.objects.filter(organizations).values("action"))
        )
    return actions


# ---------------------------------------------------------------------------------------------------------------------
# Page and history
# ---------------------------------------------------------------------------------------------------------------------


@require_GET
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The action page: its fields, the concerned sites the user reads, pilots and operators, and — for who may
    access them — its finances per year and who reads them."""
    user = request.user
    action = access_action(user, pk, queryset=Action.objects.with_list_data().select_related("location_eti_commune"))
    sites = (
        Site.objects.visible_to(user)
        .filter(pk__in=action.site_links.values("site_id"))
        .select_related("commune")
        .order_by("commune__name", "address")
    )
    can_finances = permissions.can_access_action_finances(user, action)
    finance_years = []
    if can_finances:
        for year, rows in groupby(action.finances.all(), key=lambda finance: finance.year):
            rows = list(rows)
            finance_years.append(
                {
                    "year": year,
                    "rows": rows,
                    "total": euros(sum(row.amount for row in rows)),
                    "real_total": euros(sum(row.real_amount for row in rows)),
                }
            )
    return render(
        request,
        "actions/action_detail.html",
        {
            "action": action,
            "sites": sites,
            "can_request_pilot": not is_pilot(user, action),
            "can_update": permissions.can_update_action(user, action),
            "can_read_journal": permissions.can_read_action_journal(user, action),
            "can_finances": can_finances,
            "finance_years": finance_years,
            "finance_reader_organizations": sorted({member.organization.name for member in action.managers.all()})
            if can_finances
            else [],
        },
    )


@require_GET
def history(request: HttpRequest, pk: int) -> HttpResponse:
    """Every version of the action, newest first, with what changed (finances only for who may read them)."""
    action = access_action(request.user, pk, queryset=Action.objects.with_members())
    return render(
        request,
        "actions/action_history.html",
        {"action": action, "versions": action_versions(action, user=request.user)},
    )


@require_POST
def request_pilot(request: HttpRequest, pk: int) -> HttpResponse:
    """« Demander à être pilote » (§E.3): emails the admins of the action's département, for any reader of the action
    who is not one of its pilots; a second request within a day sends nothing more."""
    try:
        sent = action_pilot_request(action_id=pk, user=request.user)
    except ValidationError as error:
        messages.error(request, error.messages[0])
    else:
        if sent:
            messages.success(
                request,
                "Votre demande a été envoyée aux administrateurs du département : ils vous ajouteront aux pilotes "
                "de l'action s'ils l'acceptent.",
            )
        else:
            messages.info(
                request,
                "Vous avez déjà demandé à piloter cette action il y a moins de 24 heures : les administrateurs du "
                "département ont reçu votre demande.",
            )
    return redirect("actions:detail", pk=pk)


# ---------------------------------------------------------------------------------------------------------------------
# Create and update
# ---------------------------------------------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def create(request: HttpRequest) -> HttpResponse:
    """« Saisir une action », for who may create one somewhere (the département chosen is checked by the service)."""
    user = request.user
    if not permissions.can_create_action(user):
        raise PermissionDenied("Vous n'avez pas le droit de créer une action.")
    searched = _searched_picker(request)
    if searched:
        form = ActionForm(user=user, initial=_posted_values(request, ActionForm(user=user)))
    elif request.method == "POST":
        form = ActionForm(request.POST, user=user)
        if form.is_valid():
            try:
                action = action_create(author=user, values=form.values())
            except PermissionDenied:
                form.add_error("departement", "Vous n'avez pas le droit de créer une action dans ce département.")
            except ValidationError as error:
                _show_errors(form, error)
            else:
                messages.success(request, "L'action a été créée.")
                return redirect(action)
    else:
        form = ActionForm(user=user)
    return render(
        request,
        "actions/action_form.html",
        {"form": form, "action": None, "pickers": _pickers(form, request, searched=searched)},
    )


@require_http_methods(["GET", "POST"])
def update(request: HttpRequest, pk: int) -> HttpResponse:
    """« Modifier l'action », for who may update it; the département and the pilots only with finance rights."""
    user = request.user
    action = access_action(user, pk, queryset=Action.objects.with_members())
    if not permissions.can_update_action(user, action):
        raise PermissionDenied("Vous n'avez pas le droit de modifier cette action.")
    steering = permissions.can_access_action_finances(user, action)
    searched = _searched_picker(request)
    if searched:
        stored = ActionForm(user=user, action=action, can_change_steering=steering)
        form = ActionForm(
            user=user, action=action, can_change_steering=steering, initial=_posted_values(request, stored)
        )
    elif request.method == "POST":
        form = ActionForm(request.POST, user=user, action=action, can_change_steering=steering)
        if form.is_valid():
            try:
                action_update(
                    action_id=action.pk,
                    author=user,
                    expected_version=form.cleaned_data["expected_version"] or 0,
                    values=form.values(),
                )
            except StaleActionError as error:
                form.add_error(None, error.message)
            except ValidationError as error:
                _show_errors(form, error)
            else:
                messages.success(request, "L'action a été mise à jour.")
                return redirect(action)
    else:
        form = ActionForm(user=user, action=action, can_change_steering=steering)
    return render(
        request,
        "actions/action_form.html",
        {"form": form, "action": action, "pickers": _pickers(form, request, searched=searched)},
    )


# ---------------------------------------------------------------------------------------------------------------------
# Pickers of the action form: pilots, operators, concerned sites
# ---------------------------------------------------------------------------------------------------------------------

PICKERS = {
    "managers": ("Rechercher une personne", "Les personnes qui pilotent l'action, avec leur structure."),
    "operators": ("Rechercher une personne", "Les personnes qui mènent l'action, avec leur structure."),
    "sites": ("Rechercher un site", "Parmi les sites que vous pouvez consulter."),
}
SUGGESTIONS = 20


@require_GET
def picker(request: HttpRequest, name: str) -> HttpResponse:
    """The suggestions of a picker of the action form (htmx): the people (or sites the user reads) matching
    `?recherche_<name>=`, without those already chosen (sent back as `<name>`, listed again as chosen, out of band).
    For who may create or update an action somewhere; a fixed number of queries whatever the number of rows."""
    if name not in PICKERS:
        raise Http404("Cette page n'existe pas.")
    user = request.user
    if not (permissions.can_create_action(user) or permissions.can(user, "action.update")):
        raise PermissionDenied("Vous n'avez pas le droit de saisir une action.")
    ids = {parse_id(value) for value in request.GET.getlist(name)} - {None}
    queryset = site_choices(user) if name == "sites" else people_choices(ids)
    field = ActionForm.base_fields[name]
    chosen = list(queryset.filter(pk__in=ids)) if ids else []
    query = request.GET.get(f"recherche_{name}", "")
    return render(
        request,
        "actions/includes/picker_found.html",
        {"picker": _picker(name, field, chosen, query=query, queryset=queryset, disabled=False, searched=True)},
    )


def _searched_picker(request: HttpRequest) -> str:
    """The picker whose « Rechercher » posted the form (without JavaScript), or ""."""
    if request.method != "POST":
        return ""
    # The button is named after its picker and carries no value (a crawler sending every button's value, as the
    # hostile-input test does, then still submits the form).
    return next((name for name in PICKERS if f"rechercher_{name}" in request.POST), "")


def _posted_values(request: HttpRequest, stored: ActionForm) -> dict:
    """The form as posted, to show it again unsaved after a search; disabled fields keep their stored values."""
    values = dict(stored.initial)
    for name, field in stored.fields.items():
        if field.disabled or name not in request.POST:
            continue
        values[name] = request.POST.getlist(name) if name in PICKERS or name == "topics" else request.POST[name]
    for name in PICKERS:  # a picker whose boxes were all unchecked posts nothing
        if not stored.fields[name].disabled and name not in request.POST:
            values[name] = []
    return values


def _pickers(form: ActionForm, request: HttpRequest, *, searched: str = "") -> dict[str, dict]:
    result = {}
    for name in PICKERS:
        field = form.fields[name]
        query = request.POST.get(f"recherche_{name}", "") if name == searched else ""
        chosen = form.chosen(name)
        invalid = form.is_bound and bool(form[name].errors)
        if invalid and not chosen and form.initial.get(name):
            # Nothing valid was sent back: the stored choice is shown again, marked invalid next to its message.
            chosen = list(field.queryset.filter(pk__in=form.initial[name]))
        result[name] = _picker(
            name,
            field,
            chosen,
            query=query,
            queryset=field.queryset,
            disabled=field.disabled,
            searched=name == searched,
        )
        result[name]["field"] = form[name]
        result[name]["invalid"] = invalid
    return result


def _picker(name: str, field, chosen: list, *, query: str, queryset, disabled: bool, searched: bool) -> dict:
    search_label, hint = PICKERS[name]
    found = None
    if searched:
        found = search_choices(name, queryset, query, exclude={row.pk for row in chosen}, limit=SUGGESTIONS)
    suggestions = None if found is None else [(row.pk, field.label_from_instance(row)) for row in found[:SUGGESTIONS]]
    return {
        "name": name,
        "hint": field.help_text if disabled else hint,
        "search_label": search_label,
        "chosen": [(row.pk, field.label_from_instance(row)) for row in chosen],
        "query": clean_search_term(query),
        "searched": searched,
        "suggestions": suggestions,
        "more": found is not None and len(found) > SUGGESTIONS,
        "disabled": disabled,
        "invalid": False,
    }


@require_http_methods(["GET", "POST"])
def finances(request: HttpRequest, pk: int) -> HttpResponse:
    """The action's finances per year (§E.1): for who may update the action and access its finances (403 else)."""
    user = request.user
    action = access_action(user, pk, queryset=Action.objects.with_members())
    if not (permissions.can_update_action(user, action) and permissions.can_access_action_finances(user, action)):
        raise PermissionDenied("Vous n'avez pas le droit de modifier les financements de cette action.")
    if request.method == "POST":
        head = FinancesForm(request.POST)
        formset = FinanceFormSet(request.POST, prefix=FINANCES_PREFIX)
        if head.is_valid() and formset.is_valid() and formset.total_form_count() < len(action.finances.all()):
            # The page sends every line it was opened with (a removed one is ticked « Supprimer »): fewer lines is a
            # form cut short or forged, which must not be read as « remove the others ».
            head.add_error(None, FINANCES_INCOMPLETE)
        elif head.is_valid() and formset.is_valid():
            kept = [row for row in formset.forms if row.cleaned_data and not row.cleaned_data.get("DELETE")]
            try:
                action_finances_update(
                    action_id=action.pk,
                    author=user,
                    expected_version=head.cleaned_data["expected_version"],
                    rows=[
                        {name: value for name, value in row.cleaned_data.items() if name != "DELETE"} for row in kept
                    ],
                )
            except StaleActionError as error:
                head.add_error(None, error.message)
            except ValidationError as error:
                _show_row_errors(head, kept, error)
            else:
                messages.success(request, "Les financements ont été enregistrés.")
                return redirect(action)
    else:
        head = FinancesForm(initial={"expected_version": action.version})
        formset = FinanceFormSet(
            prefix=FINANCES_PREFIX,
            initial=[
                {
                    "id": finance.pk,
                    "year": finance.year,
                    "finance_type": finance.finance_type,
                    "amount": finance.amount,
                    "real_amount": finance.real_amount,
                    "comments": finance.comments,
                }
                for finance in action.finances.all()
            ],
        )
    years = action.years
    return render(
        request,
        "actions/action_finances.html",
        {"action": action, "head": head, "formset": formset, "first_year": years[0], "last_year": years[-1]},
    )


@require_GET
def finance_readers(request: HttpRequest, pk: int) -> HttpResponse:
    """« Lecteurs des financements » (§E.3): who reads the action's finances, for who reads them himself (403 else):
    the people of the territory and of the action's organisations by name, the roles that read every action's
    finances by their label (`permissions.action_finance_readers`)."""
    user = request.user
    action = access_action(user, pk, queryset=Action.objects.with_members().select_related("departement"))
    if not permissions.can_access_action_finances(user, action):
        raise PermissionDenied("Vous n'avez pas accès aux financements de cette action.")
    people, national_roles = permissions.action_finance_readers(action, User.objects.can_sign_in())
    return render(
        request,
        "actions/action_finance_readers.html",
        {"action": action, "people": people, "national_roles": national_roles},
    )


FINANCES_INCOMPLETE = (
    "Le formulaire envoyé ne contient pas toutes les lignes de financement de l'action : rien n'a été enregistré. "
    "Rechargez la page avant de recommencer."
)


@require_http_methods(["GET", "POST"])
def indicators(request: HttpRequest, pk: int) -> HttpResponse:
    """The action's indicators of a year (`?annee=`, one of its years; this year by default) (§E.2): read by whoever
    reads the action, written by who may update it; only the sections of its topics."""
    user = request.user
    action = access_action(user, pk, queryset=Action.objects.with_members())
    can_update = permissions.can_update_action(user, action)
    years = action.years
    year = _year(request.GET.get("annee"), years)
    metrics = action.metrics.filter(year=year).first()
    if request.method == "POST":
        if not can_update:
            raise PermissionDenied("Vous n'avez pas le droit de modifier les indicateurs de cette action.")
        form = MetricsForm(request.POST)
        if form.is_valid():
            shown = [name for _, _, names in _sections(action) for name in names]
            try:
                action_metrics_update(
                    action_id=action.pk,
                    author=user,
                    expected_version=form.cleaned_data["expected_version"],
                    year=year,
                    values={name: form.cleaned_data[name] for name in shown},
                )
            except StaleActionError as error:
                form.add_error(None, error.message)
            except ValidationError as error:
                _show_errors(form, error)
            else:
                messages.success(request, f"Les indicateurs {year} ont été enregistrés.")
                return redirect(f"{reverse('actions:indicators', kwargs={'pk': action.pk})}?annee={year}")
    else:
        initial = {name: getattr(metrics, name) for name in METRIC_FIELDS} if metrics else {}
        form = MetricsForm(initial={**initial, "expected_version": action.version})
    sections = [
        {
            "title": title,
            "fields": [form[name] for name in names],
            "values": [(form[name].label, getattr(metrics, name) if metrics else None) for name in names],
        }
        for title, _, names in _sections(action)
    ]
    return render(
        request,
        "actions/action_indicators.html",
        {
            "action": action,
            "form": form,
            "year": year,
            "years": list(years),
            "sections": sections,
            "can_update": can_update,
        },
    )


def _sections(action: Action) -> list:
    topics = set(action.topics)
    return [section for section in METRIC_SECTIONS if section[1] is None or section[1] in topics]


def _year(value: str | None, years: range) -> int:
    """The year asked for when it is one of the action's, else this year brought within them."""
    text = (value or "").strip()
    if text.isascii() and text.isdigit() and len(text) == 4 and int(text) in years:
        return int(text)
    return min(max(timezone.localdate().year, years[0]), years[-1])


def _show_errors(form: Form, error: ValidationError) -> None:
    for name, messages_ in error.message_dict.items():
        form.add_error(name if name in form.fields else None, messages_)


def _show_row_errors(head: Form, rows: list[Form], error: ValidationError) -> None:
    """The service's `rows.<index>.<field>` errors next to their field of the row; others on top."""
    for key, messages_ in error.message_dict.items():
        _, index, name = (key.split(".") + ["", ""])[:3] if key.startswith("rows.") else ("", "", "")
        if index.isdigit() and int(index) < len(rows) and name in rows[int(index)].fields:
            rows[int(index)].add_error(name, messages_)
        else:
            head.add_error(None, messages_)
