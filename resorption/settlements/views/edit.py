"""Declare a site and update it (issue 4, item 3; reference §C.1–C.5, §C.7).

Both pages parse the site form (`settlements.site_form`), ask `accounts.permissions` who may act, and call one service
(`site_declare`, `site_update`); the rules and their French messages are the services'. Before a declaration is saved,
the open sites within 500 m are shown so that nobody declares the same site twice; an update that crosses someone
else's is refused and shown what changed meanwhile, with the other person's changes carried into the form.
"""

import math
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.views.decorators.http import require_GET, require_http_methods

from resorption.accounts import permissions
from resorption.settlements import site_form
from resorption.settlements.access import access_site
from resorption.settlements.enums import OwnerType
from resorption.settlements.models import Site
from resorption.settlements.services import StaleSiteError, nearby_sites, site_declare, site_update
from resorption.settlements.site_form import SiteForm
from resorption.territories.models import Commune
from resorption.territories.selectors import SEARCH_MIN_LENGTH

NEARBY_RADIUS_M = 500
COMMUNE_SUGGESTIONS = 10
CLOSED_MESSAGE = (
    "Ce site est fermé : il ne peut plus être modifié. Si des personnes se sont réinstallées, déclarez un "
    "nouveau site."
)


@dataclass(frozen=True)
class ChangeRow:
    """A line of the « modifié par une autre personne » table."""

    label: str
    stored: str
    started_from: str
    kept_yours: bool


# ---------------------------------------------------------------------------------------------------------------------
# Declare
# ---------------------------------------------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def declare(request: HttpRequest) -> HttpResponse:
    """« Déclarer un site »: the empty form (pre-filled from the query string, see `site_form.initial_from_query`),
    then the open sites within 500 m to check before saving, then the site page."""
    user = request.user
    if not permissions.can_declare_site(user):
        return _refused(
            request,
            title="Déclarer un site",
            message=(
                "Votre compte ne permet pas de déclarer un site. Pour faire connaître un site, adressez-vous à "
                "l'administrateur ou au correspondant de votre département."
            ),
        )
    nearby: list[Site] = []
    point = confirmed = ""
    if request.method == "POST":
        commune = site_form.commune_from_text(request.POST.get("commune", ""))
        form = SiteForm(request.POST, offer=site_form.offer_for(user, commune))
        if form.is_valid():
            values = form.site_values()
            point = _point_text(values["latitude"], values["longitude"])
            if _same_point(request.POST.get("confirm_nearby", ""), values["latitude"], values["longitude"]):
                confirmed = point
            else:
                nearby = nearby_sites(
                    latitude=values["latitude"], longitude=values["longitude"], radius_m=NEARBY_RADIUS_M, user=user
                )
            if not nearby:
                try:
                    site = site_declare(user=user, values=values, owners=form.owner_rows())
                except PermissionDenied as exc:
                    form.add_error("commune", str(exc))
                except ValidationError as exc:
                    form.add_service_errors(exc)
                else:
                    messages.success(request, "Le site a été déclaré.")
                    return redirect("settlements:detail", pk=site.pk)
    else:
        initial = {**site_form.declaration_initial(), **site_form.initial_from_query(request.GET)}
        commune = initial.get("commune") if isinstance(initial.get("commune"), Commune) else None
        form = SiteForm(initial=initial, offer=site_form.offer_for(user, commune))
    return _render(
        request,
        form,
        title="Déclarer un site",
        submit_label="Déclarer le site",
        cancel_url=reverse("settlements:list"),
        nearby=nearby,
        nearby_point=point if nearby else "",
        confirmed_point=confirmed,
    )


def _point_text(latitude: float, longitude: float) -> str:
    return f"{latitude!r},{longitude!r}"


def _same_point(text: str, latitude: float, longitude: float) -> bool:
    """Whether the user confirmed the declaration at these very coordinates (« Déclarer quand même »)."""
    try:
        confirmed_latitude, confirmed_longitude = (float(part) for part in text.split(","))
    except ValueError:
        return False
    return math.isclose(confirmed_latitude, latitude, abs_tol=1e-9) and math.isclose(
        confirmed_longitude, longitude, abs_tol=1e-9
    )


# ---------------------------------------------------------------------------------------------------------------------
# Update
# ---------------------------------------------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def update(request: HttpRequest, pk: int) -> HttpResponse:
    """« Modifier le site »: every data field, the date of the update (may be back-dated) and « mise à jour sans
    modification ». The form carries the version it was opened at: a save crossing someone else's is refused."""
    user = request.user
    site = access_site(user, pk, shape="page")
    if not permissions.can_update_site(user, site):
        return _refused(
            request,
            title="Modifier le site",
            message="Votre compte ne permet pas de modifier ce site.",
            back_url=reverse("settlements:detail", kwargs={"pk": site.pk}),
        )
    if site.is_closed:
        messages.error(request, CLOSED_MESSAGE)
        return redirect("settlements:detail", pk=site.pk)
    offer = site_form.offer_for(user, site.commune)
    owners_now = site_form.owner_rows_of(site.owners.all()) if offer.owners else []
    form_options = {"offer": offer, "updating": True, "previous_update": site.updated_at}
    changes: list[ChangeRow] = []
    stale_message = ""
    if request.method == "POST":
        form = SiteForm(request.POST, owners_initial=owners_now, **form_options)
        if form.is_valid():
            try:
                site_update(
                    user=user,
                    site_id=site.pk,
                    expected_version=form.cleaned_data["expected_version"],
                    values=form.site_values(),
                    updated_at=form.cleaned_data["updated_at"],
                    without_change=form.cleaned_data["without_change"],
                    owners=form.owner_rows(),
                )
            except StaleSiteError as exc:
                stale_message = exc.messages[0]
                form, changes = _after_concurrent_edit(
                    form, exc, user=user, site_id=site.pk, form_options=form_options
                )
            except PermissionDenied:
                return _refused(
                    request, title="Modifier le site", message="Votre compte ne permet pas de modifier ce site."
                )
            except ValidationError as exc:
                form.add_service_errors(exc)
            else:
                messages.success(request, "Le site a été mis à jour.")
                return redirect("settlements:detail", pk=site.pk)
    else:
        initial = {
            **site_form.initial_from_values(site_form.site_field_values(site)),
            "expected_version": site.version,
        }
        form = SiteForm(initial=initial, owners_initial=owners_now, **form_options)
    return _render(
        request,
        form,
        title="Modifier le site",
        site=site,
        submit_label="Enregistrer la mise à jour",
        cancel_url=reverse("settlements:detail", kwargs={"pk": site.pk}),
        changes=changes,
        stale_message=stale_message,
    )


def _after_concurrent_edit(
    form: SiteForm, error: StaleSiteError, *, user, site_id: int, form_options: dict[str, Any]
) -> tuple[SiteForm, list[ChangeRow]]:
    """The form to show after a save refused because someone else saved the site meanwhile: the user's answers, except
    where the other person changed a field the user left as it was — there the stored value, so that saving again
    loses nothing of theirs. A field both changed keeps the user's answer, marked in the table for him to check. The
    form now carries the current version."""
    site = access_site(user, site_id, shape="page")
    values = form.site_values()
    rows = []
    for change in error.changes:
        yours = values.get(change.field, change.started_value)
        untouched = change.field not in values or _stored_form(yours) == change.started_value
        if untouched and change.field in values:
            values[change.field] = site.commune if change.field == "commune" else change.stored_value
        rows.append(ChangeRow(change.label, change.stored, change.started_from, kept_yours=not untouched))

    if "incoming_sites" in values:
        stored = sorted(other.pk for other in site.incoming_sites.all())
        started = sorted(_started_value(form, "incoming_sites") or [])
        if stored != started:
            untouched = sorted(values["incoming_sites"]) == started
            if untouched:
                values["incoming_sites"] = stored
            rows.append(
                ChangeRow(form.fields["incoming_sites"].label, _numbers(stored), _numbers(started), not untouched)
            )

    owners: list[dict[str, Any]] = []
    if form.owners is not None:
        owners, row = _merged_owners(form.owners, list(site.owners.all()))
        if row is not None:
            rows.append(row)

    initial = {
        **site_form.initial_from_values(values),
        "updated_at": form.cleaned_data["updated_at"],
        "without_change": form.cleaned_data["without_change"],
        "expected_version": site.version,
    }
    return SiteForm(initial=initial, owners_initial=owners, **form_options), rows


def _stored_form(value: Any) -> Any:
    """A cleaned value as the database stores it (a commune by its code)."""
    return value.pk if isinstance(value, Commune) else value


def _started_value(form: SiteForm, name: str) -> Any:
    """The value a field had when the form was opened (its hidden initial value), cleaned; None if unreadable."""
    try:
        return form.fields[name].clean(form.data.get(form.add_initial_prefix(name), ""))
    except ValidationError:
        return None


def _numbers(numbers: list[int]) -> str:
    return ", ".join(str(number) for number in numbers) or "non renseigné"


def _merged_owners(formset, current: list) -> tuple[list[dict[str, Any]], ChangeRow | None]:
    """The owners to show after a concurrent edit: rows the user changed, added or deleted as he left them; the
    others as stored now (owners added meanwhile included, owners deleted meanwhile left out)."""
    by_id = {owner.pk: owner for owner in current}
    merged, started, seen = [], [], set()
    user_changed = False
    for owner_form in formset.forms:
        data = owner_form.cleaned_data
        if not data:
            continue
        owner_id = data.get("id")
        if owner_id is None:
            if data.get("name") or data.get("owner_type") not in ("", OwnerType.UNKNOWN):
                merged.append({"id": None, "name": data["name"], "owner_type": data["owner_type"]})
                user_changed = True
            continue
        seen.add(owner_id)
        started.append(
            (
                owner_form.data.get(owner_form.add_initial_prefix("name"), ""),
                owner_form.data.get(owner_form.add_initial_prefix("owner_type"), OwnerType.UNKNOWN),
            )
        )
        if data.get("DELETE"):
            user_changed = True
            continue
        stored = by_id.get(owner_id)
        if owner_form.has_changed():
            user_changed = True
            merged.append({"id": owner_id if stored else None, "name": data["name"], "owner_type": data["owner_type"]})
        elif stored is not None:
            merged.append({"id": stored.pk, "name": stored.name, "owner_type": stored.owner_type})
    merged.extend(
        {"id": owner.pk, "name": owner.name, "owner_type": owner.owner_type}
        for owner in current
        if owner.pk not in seen
    )
    now = [(owner.name, owner.owner_type) for owner in current]
    if now == started:
        return merged, None
    return merged, ChangeRow("Propriétaires", _owners_text(now), _owners_text(started), user_changed)


def _owners_text(owners: list[tuple[str, str]]) -> str:
    labels = dict(OwnerType.choices)
    return ", ".join(f"{name or 'Nom inconnu'} ({labels.get(kind, kind)})" for name, kind in owners) or "aucun"


# ---------------------------------------------------------------------------------------------------------------------
# Shared
# ---------------------------------------------------------------------------------------------------------------------


@require_GET
def commune_suggestions(request: HttpRequest) -> HttpResponse:
    """Communes matching what the user typed in the commune field (`?commune=`), as `<option>`s of its datalist (the
    territory search, communes only)."""
    term = request.GET.get("commune", "").strip()
    communes = list(Commune.objects.search(term)[:COMMUNE_SUGGESTIONS]) if len(term) >= SEARCH_MIN_LENGTH else []
    return render(
        request,
        "settlements/form/commune_options.html",
        {"options": [site_form.commune_label(commune) for commune in communes]},
    )


def _render(request: HttpRequest, form: SiteForm, **context) -> HttpResponse:
    context = {
        "form": form,
        "site": None,
        "nearby": [],
        "nearby_point": "",
        "confirmed_point": "",
        "changes": [],
        "stale_message": "",
        "datalist_id": site_form.DATALIST_ID,
        "owners_anchor": site_form.OWNERS_ANCHOR,
        # The pin of the coordinates (js/site-map.js), under the longitude field.
        "map_tiles": {"url": settings.MAP_TILE_URL, "attribution": settings.MAP_TILE_ATTRIBUTION},
        **context,
    }
    return render(request, "settlements/site_form.html", context)


def _refused(request: HttpRequest, *, title: str, message: str, back_url: str = "") -> HttpResponse:
    return render(
        request,
        "settlements/form/refused.html",
        {"title": title, "message": message, "back_url": back_url or reverse("settlements:list")},
        status=403,
    )


urlpatterns = [
    path("nouveau/", declare, name="declare"),
    path("<int:pk>/modifier/", update, name="update"),
    path("communes/", commune_suggestions, name="commune_suggestions"),
]
