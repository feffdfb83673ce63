import datetime
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.cache import caches
from django.db import models
from django.http import QueryDict
from django.shortcuts import render
from django.template.defaultfilters import linebreaksbr
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import get_language

from resorption.accounts import permissions
from resorption.core.dates import relative_time
from resorption.settlements import confidential, following, forms
from resorption.settlements.access import access_site
from resorption.settlements.actors import site_actors
from resorption.settlements.completion import completion_percent, missing_criteria
from resorption.settlements.enums import (
    LivingConditionSection,
    LivingConditionStatus,
    WaterAccessLocation,
    tri_state_label,
)
from resorption.settlements.models import STATUS_FIELDS, Site, SiteActor

NOT_FILLED = "Non renseigné"
# "Mis à jour il y a 4 mois" turns orange past 3 months and red past 6 (§C.7 « coloreUpdatedSince »; the reference's
# threshold is unconfirmed, the issue fixes these two).
STALE_MONTHS = 3
OUT_OF_DATE_MONTHS = 6
# How long a process keeps the rendered public sections of a site version (`public_sections_html`).
PUBLIC_SECTIONS_SECONDS = 3600
STATUS_BADGES = {
    LivingConditionStatus.GOOD: "success",
    LivingConditionStatus.TO_IMPROVE: "warning",
    LivingConditionStatus.BAD: "error",
    LivingConditionStatus.UNKNOWN: "info",
}


Row = dict[str, str]


@dataclass(frozen=True)
class ActorRow:
    """One line of the « Intervenants » section."""

    user_id: int
    name: str
    organization: str
    themes: list[str]
    is_me: bool
    can_remove: bool


@dataclass(frozen=True)
class Section:
    title: str
    rows: list[Row]
    status: str = ""
    status_label: str = ""
    badge: str = ""


# Field lists per section. A name followed by "?" is a follow-up question: shown only once answered, since the form
# asks it only when its parent answer calls for it (the model constraints enforce the same conditions).
CHARACTERISTICS = [
    "field_type",
    "owner_type",
    "built_at",
    "declared_at",
    "address_details?",
    "is_reinstallation",
    "reinstallation_comments?",
    "census_status",
    "census_conducted_at?",
    "census_conducted_by?",
]
POPULATION = [
    "population_total",
    "population_total_females?",
    "population_couples",
    "population_minors",
    "population_minors_girls?",
    "population_minors_0_3?",
    "population_minors_3_6?",
    "population_minors_6_12?",
    "population_minors_12_16?",
    "population_minors_16_18?",
    "minors_in_school?",
    "origins",
    "caravans?",
    "huts?",
    "tents?",
    "cars?",
    "mattresses?",
]
LIVING_CONDITIONS = {
    LivingConditionSection.WATER: [
        "water_access_type",
        "water_access_type_details?",
        "water_access_is_public?",
        "water_access_is_continuous?",
        "water_access_is_continuous_details?",
        "water_access_is_local?",
        "water_access_is_close?",
        "water_access_is_unequal?",
        "water_access_is_unequal_details?",
        "water_access_has_stagnant_water?",
        "water_access_comments?",
    ],
    LivingConditionSection.SANITARY: [
        "sanitary_open_air_defecation",
        "sanitary_working_toilets",
        "toilet_types?",
        "sanitary_toilets_are_inside?",
        "sanitary_toilets_are_lighted?",
        "sanitary_hand_washing?",
    ],
    LivingConditionSection.ELECTRICITY: [
        "electricity_access",
        "electricity_access_types?",
        "electricity_access_is_unequal?",
    ],
    LivingConditionSection.TRASH: [
        "trash_is_piling",
        "trash_evacuation_is_close",
        "trash_evacuation_is_safe?",
        "trash_evacuation_is_regular?",
        "trash_bulky_is_piling?",
    ],
    LivingConditionSection.PEST_ANIMALS: ["pest_animals_presence", "pest_animals_details?"],
    LivingConditionSection.FIRE_PREVENTION: ["fire_prevention_diagnostic"],
}
# The justice fields (one list: `confidential.JUSTICE_FIELDS`); only the four questions that open each procedure are
# shown unanswered, the details that follow them only when filled.
JUSTICE_ALWAYS_SHOWN = frozenset(
    {"owner_complaint", "justice_procedure", "evacuation_under_time_limit", "insalubrity_order"}
)
JUSTICE = [name if name in JUSTICE_ALWAYS_SHOWN else f"{name}?" for name in confidential.JUSTICE_FIELDS]
CLOSING = ["closed_at", "closing_cause", "closed_with_solutions", "closing_context?"]
# Multi-select answers stored as one boolean column per choice, read through the model's list properties.
LISTS = {
    "origins": ("Origines", "Inconnues"),
    "toilet_types": ("Quels sont les types de toilettes installées ?", NOT_FILLED),
    "electricity_access_types": ("Quelle est la source de l'accès à l'électricité ?", NOT_FILLED),
}


def detail(request, pk: int):
    """The read-only page of a site (issue 4, item 10), with the actions the user may take on it. Out of the user's
    scope and missing look alike: 404. The number of queries does not depend on the number of owners, orientations or
    actors (tests/settlements/test_views.py)."""
    site = access_site(request.user, pk, shape="page")
    context = site_page_context(site, user=request.user)
    can_follow = permissions.can_follow_sites(request.user)
    context |= {
        "can_follow": can_follow,
        "is_followed": can_follow and following.is_followed(request.user, site),
        "follow_url": reverse("settlements:follow", kwargs={"pk": site.pk}) if can_follow else "",
    }
    return render(request, "settlements/site_detail.html", context)


def site_page_context(site: Site, *, user) -> dict[str, Any]:
    """What the site page shows of `site` to `user` — shared with its print view, so that both hide the same
    confidential data."""
    # Confidential data goes through the one filter pages, exports and history share; the owners' query is lazy, so it
    # only runs for users who may see them.
    shown = confidential.strip_confidential(
        {**{name: getattr(site, name) for name in confidential.JUSTICE_FIELDS}, "owners": site.owners.all()},
        user=user,
        commune=site.commune,
    )
    actors = _actor_rows(site, site_actors(site), user=user)
    is_open = not site.is_closed
    can_update = is_open and permissions.can_update_site(user, site)
    return {
        "site": site,
        "freshness": _freshness(site, now=timezone.now()),
        "completion": completion_percent(site),
        # « À compléter » asks for an update: only of whoever may make it, and never on a closed site (§C.6: a closed
        # site is not updated any more).
        "missing_criteria": missing_criteria(site) if can_update else [],
        "public_sections": public_sections_html(site),
        "justice_rows": _rows(site, [name for name in JUSTICE if name.rstrip("?") in shown], values=shown),
        "owners": list(shown.get("owners", [])),
        "closing_rows": _rows(site, CLOSING) if site.is_closed else [],
        "orientations": list(site.closing_orientations.all()) if site.is_closed else [],
        "actors": actors,
        "is_actor": any(row.is_me for row in actors),
        "can_remove_any_actor": any(row.can_remove for row in actors),
        "can_join_actors": is_open and permissions.can_join_site_actors(user, site),
        "can_access_justice": permissions.can_access_justice(user, site),
        "can_access_owners": permissions.can_access_owners(user, site),
        # A closed site is neither updated nor closed again (§C.6): a new site is declared instead.
        "can_update": can_update,
        "can_close": is_open and permissions.can_close_site(user, site),
        "can_fix_status": site.is_closed and permissions.can_fix_site_status(user, site),
    }


def public_sections_html(site: Site) -> str:
    """The sections every reader of the site sees alike — characteristics, people, living conditions
    (settlements/includes/site_sections.html, partial `public`) —, rendered once per version of the site, language
    and process: they read nothing but the site's own columns, which only the services write, each write adding 1 to
    `version`. They were the largest part of the page's rendering; what depends on the reader (procedures, owners,
    actors, buttons) is rendered with the page."""
    key = f"site-sections:{site.pk}:{site.version}:{get_language()}"
    html = caches["fragments"].get(key)
    if html is None:
        html = render_to_string(
            "settlements/includes/site_sections.html#public",
            {
                "sections": [
                    Section("Caractéristiques", _rows(site, CHARACTERISTICS)),
                    Section("Habitants", _rows(site, POPULATION)),
                ],
                "living_conditions": [
                    _living_condition(site, section, names) for section, names in LIVING_CONDITIONS.items()
                ],
                "location": _location(site),
            },
        )
        caches["fragments"].set(key, html, PUBLIC_SECTIONS_SECONDS)
    return html


def _location(site: Site) -> dict[str, Any]:
    """The site's place for its small map (js/site-map.js) and the map page around its commune."""
    query = QueryDict(mutable=True)
    tab = forms.Tab.CLOSED if site.is_closed else forms.Tab.OPEN
    query.update({"localisation": f"{forms.Location.COMMUNE}-{site.commune_id}", "statut": tab})
    return {
        "latitude": f"{site.latitude:.6f}",
        "longitude": f"{site.longitude:.6f}",
        "type": site.field_type,
        "tiles_url": settings.MAP_TILE_URL,
        "tiles_attribution": settings.MAP_TILE_ATTRIBUTION,
        "map_url": f"{reverse('maps:index')}?{query.urlencode()}",
    }


def _actor_rows(site: Site, actors: list[SiteActor], *, user) -> list[ActorRow]:
    rows = []
    for actor in actors:
        person, organization = actor.user, actor.user.organization
        rows.append(
            ActorRow(
                user_id=person.pk,
                name=f"{person.first_name} {person.last_name}",
                organization=(
                    f"{organization.name} ({organization.abbreviation})"
                    if organization.abbreviation
                    else organization.name
                ),
                themes=actor.theme_labels,
                is_me=person.pk == user.pk,
                can_remove=permissions.can_remove_site_actor(
                    user, site, actor_user_id=person.pk, added_by_id=actor.created_by_id
                ),
            )
        )
    return rows


def _freshness(site: Site, *, now: datetime.datetime) -> dict[str, Any]:
    """« Mis à jour il y a 3 heures / hier / il y a 5 jours / il y a 2 mois », from the update date the author gave
    (§C.1, possibly back-dated). That date has no time: for a site updated today, the time is the one of its last
    saved version, so that an update of a few minutes ago says so."""
    updated_at = site.updated_at
    today = timezone.localdate(now)
    moment: datetime.date = updated_at
    if updated_at == today:
        saved = site.history.order_by("-history_date").values_list("history_date", flat=True).first()
        if saved is not None and timezone.localdate(saved) == today:
            moment = saved
    months = (today.year - updated_at.year) * 12 + today.month - updated_at.month - (today.day < updated_at.day)
    level = ""
    if months >= OUT_OF_DATE_MONTHS:
        level = "error"
    elif months >= STALE_MONTHS:
        level = "warning"
    return {
        "label": f"Mis à jour {relative_time(moment, now=now)}",
        "level": level,
        "date": date_format(updated_at, "j F Y"),
    }


def _living_condition(site: Site, section: LivingConditionSection, names: list[str]) -> Section:
    status = LivingConditionStatus(getattr(site, STATUS_FIELDS[section]))
    return Section(section.label, _rows(site, names), status, status.label, STATUS_BADGES[status])


def _rows(site: Site, names: Iterable[str], values: Mapping[str, Any] | None = None) -> list[Row]:
    """One row per field of `names`, read from `values` when given (already stripped of confidential fields)."""
    rows = []
    for spec in names:
        name = spec.rstrip("?")
        if name in LISTS:
            label, empty = LISTS[name]
            chosen = getattr(site, name)
            if chosen or not spec.endswith("?"):
                rows.append(_row(label, ", ".join(str(choice.label) for choice in chosen) or empty))
            continue
        value = values[name] if values is not None else getattr(site, name)
        if spec.endswith("?") and value in (None, ""):
            continue
        field = Site._meta.get_field(name)
        rows.append(_row(str(field.verbose_name), _display(field, value)))
    return rows


def _row(label: str, value: str) -> Row:
    """A row as `settlements/includes/rows.html` prints it. A dict, which the template reads at once (an object costs
    it a failed key lookup first), and the value's line breaks already turned into `<br>` — only when it has any:
    most values are one line, and the filter used to run on each of the page's forty rows."""
    return {"label": label, "value": linebreaksbr(value, autoescape=True) if "\n" in value or "\r" in value else value}


def _display(field: models.Field, value: Any) -> str:
    if field.name == "water_access_is_local" and value is not None:
        return (WaterAccessLocation.ON_SITE if value else WaterAccessLocation.OFF_SITE).label
    if isinstance(field, models.BooleanField) and field.null:
        return tri_state_label(value)
    if field.choices:
        return str(dict(field.flatchoices).get(value, value)) or NOT_FILLED
    if value in (None, ""):
        return NOT_FILLED
    if isinstance(value, datetime.date):
        return date_format(value, "j F Y")
    return str(value)
