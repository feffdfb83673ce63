"""What the site page shows of a site to one reader (issue 4, item 10): its sections, with the confidential data the
reader may not see already removed (`confidential.strip_confidential`), and what he may do on it.

One context for every rendering of the site — its page, its print view and its PDF sheet (`exports.sheet`) — so all
of them make the same confidentiality decisions. The views only fetch the site (`access_site`) and add their buttons.
"""

import datetime
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from itertools import groupby
from typing import Any

from django.conf import settings
from django.core.cache import caches
from django.db import models
from django.db.models import QuerySet
from django.http import QueryDict
from django.template.defaultfilters import linebreaksbr
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.text import capfirst
from django.utils.translation import get_language

from resorption.accounts import permissions
from resorption.core.dates import relative_time
from resorption.core.prepared import PreparedQueries
from resorption.settlements import confidential, forms
from resorption.settlements.actors import site_actors
from resorption.settlements.completion import completion_percent, missing_criteria
from resorption.settlements.enums import (
    LivingConditionSection,
    LivingConditionStatus,
    WaterAccessLocation,
    tri_state_label,
)
from resorption.settlements.history import (
    OWNERS,
    OWNERS_JOIN_WINDOW,
    Change,
    author_label,
    incoming_site_names,
    owner_changes,
    site_changes,
)
from resorption.settlements.models import STATUS_FIELDS, ClosingOrientation, Site, SiteActor, SiteOwner
from resorption.settlements.services import EMPTY_VALUE, display_value

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


# The history (reference §C.8), as the history page and the PDF sheet show it.

CLOSING_ORIENTATIONS = "closing_orientations"
# What a closing says of each orientation (§C.6), in the order of the close form.
ORIENTATION_FIELDS = [
    ClosingOrientation._meta.get_field(name) for name in ("people_affected", "households_affected", "message")
]


@dataclass
class Version:
    moment: datetime.datetime
    author: str
    author_id: int | None
    created: bool = False
    updated_at: datetime.date | None = None
    # field name (or "owners") → the changes of that field: the keys `strip_confidential` filters.
    changes: dict[str, list[Change]] = field(default_factory=dict)
    had_changes: bool = False
    shown: list[Change] = field(default_factory=list)

    @property
    def title(self) -> str:
        if self.created:
            return "Déclaration du site"
        if not self.had_changes:
            return "Mise à jour sans modification"
        return "Mise à jour"

    @property
    def back_dated_to(self) -> datetime.date | None:
        """The update date the author gave, when it is not the day it was saved (a back-dated update, §C.1)."""
        if self.updated_at is None or self.updated_at == timezone.localdate(self.moment):
            return None
        return self.updated_at


def site_versions(site: Site, *, user) -> list[Version]:
    """Every version of the site, oldest first, with its author, its date and the changes `user` may see: confidential
    changes go through `confidential.strip_confidential`, like the page's sections, and the owners' history is not
    even read for a user who may not see owners. The orientations are not confidential (§A.6).

    A version is every history row of one value of `Site.version`: a save and the `incoming_sites` change that follows
    it in the same service call write two rows with the same version number. Owners' rows (`SiteOwner` history) and
    the households' orientations (`ClosingOrientation` history, written by `site_close`) join the site version saved
    by the same person just before them (the services save them in one transaction)."""
    hidden = confidential.hidden_site_fields(user=user, commune=site.commune)
    records = _SITE_VERSIONS.fetch("page", _site_versions, site.pk)
    incoming = incoming_site_names(records, user=user)
    versions: list[Version] = []
    previous = None
    for _, group in groupby(records, key=lambda record: record.version):
        rows = list(group)
        first, last = rows[0], rows[-1]
        version = Version(
            moment=first.history_date,
            author=author_label(first.history_user),
            author_id=first.history_user_id,
            created=first.history_type == "+",
            updated_at=last.updated_at,
        )
        if previous is not None:
            version.changes = site_changes(previous, last, incoming)
        versions.append(version)
        previous = last

    if OWNERS not in hidden:
        _join_owners(versions, site_id=site.pk)
    _join_orientations(versions, site_id=site.pk)

    for version in versions:
        shown = confidential.strip_confidential(version.changes, user=user, commune=site.commune)
        version.shown = [change for changes in shown.values() for change in changes]
        # Decided on what the user sees: a version that changed only confidential data reads like any version
        # without visible change, so that it does not tell who touched the procedures or the owners, and when.
        version.had_changes = bool(version.shown)
    return versions


# The history's three queries depend on the site's id alone: compiled once per process (resorption.core.prepared).
_SITE_VERSIONS = PreparedQueries("settlements.HistoricalSite", size=1)
_OWNER_VERSIONS = PreparedQueries("settlements.HistoricalSiteOwner", size=1)
_ORIENTATION_VERSIONS = PreparedQueries("settlements.HistoricalClosingOrientation", size=1)


def _site_versions(site_id: int) -> QuerySet:
    return (
        Site.history.filter(id=site_id)
        .select_related("history_user", "commune")
        .order_by("history_date", "history_id")
    )


def _versions_of_site_rows(model, site_id: int) -> QuerySet:
    """The saved versions of a site's owners or closing orientations, oldest first, with who saved them."""
    return model.history.filter(site_id=site_id).select_related("history_user").order_by("history_date", "history_id")


def _join_owners(versions: list[Version], *, site_id: int) -> None:
    """Adds each owner's change to the site version saved by the same person just before it, or makes it a version
    of its own (an owner edited alone)."""
    records = _OWNER_VERSIONS.fetch("page", lambda hole: _versions_of_site_rows(SiteOwner, hole), site_id)
    for record, change in owner_changes(records):
        _version_for(versions, record).changes.setdefault(OWNERS, []).append(change)


def _join_orientations(versions: list[Version], *, site_id: int) -> None:
    """Adds where the households went (§C.6 « Orientations des ménages ») to the closing version, one change per
    number or précision given, labelled by the orientation and the field: « Orientation des ménages « Mise à l'abri /
    hébergement d'urgence (CHU) » — Nombre de personnes : non renseigné → 12 »."""
    records = _ORIENTATION_VERSIONS.fetch(
        "page", lambda hole: _versions_of_site_rows(ClosingOrientation, hole), site_id
    )
    last_state: dict[int, Any] = {}
    for record in records:
        before = last_state.get(record.id)
        last_state[record.id] = record
        changes = _orientation_changes(
            None if before is None or before.history_type == "-" else before,
            None if record.history_type == "-" else record,
        )
        if changes:
            _version_for(versions, record).changes.setdefault(CLOSING_ORIENTATIONS, []).extend(changes)


def _orientation_changes(before, after) -> list[Change]:
    orientation = (after or before).get_solution_display()
    prefix = f"{capfirst(ClosingOrientation._meta.verbose_name)} « {orientation} »"
    changes = []
    for orientation_field in ORIENTATION_FIELDS:
        old = EMPTY_VALUE if before is None else display_value(before, orientation_field)
        new = EMPTY_VALUE if after is None else display_value(after, orientation_field)
        if old != new:
            changes.append(Change(f"{prefix} — {capfirst(orientation_field.verbose_name)}", old, new))
    return changes


def _version_for(versions: list[Version], record) -> Version:
    for version in reversed(versions):
        if version.moment <= record.history_date:
            if (
                version.author_id == record.history_user_id
                and record.history_date - version.moment <= OWNERS_JOIN_WINDOW
            ):
                return version
            break
    version = Version(
        moment=record.history_date, author=author_label(record.history_user), author_id=record.history_user_id
    )
    versions.append(version)
    versions.sort(key=lambda item: item.moment)
    return version
