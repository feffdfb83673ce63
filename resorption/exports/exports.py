"""The site export's columns (§H.4): sections of columns, each column a title and a function of an `ExportRow`.

A row is one site as it stood at the export's moment (its version in force, `settlements.snapshots`) with what the
writer loaded for its batch: owners and orientations at that moment, actors, the journal messages the requester may
read, and whether he may see this site's justice data and owners. Which sections are in the file is decided once per
export (`sections_for`); a confidential section is only offered to who holds its right somewhere, and its cells are
left empty on each site outside that right (`justice_visible`, `owners_visible`): a national export by a user whose
justice access is local carries no procedure of the other sites.
"""

import datetime
import functools
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from resorption.accounts import permissions
from resorption.core.xlsx_stream import DATE, DATETIME
from resorption.exports.enums import ExportOption
from resorption.settlements import living_conditions
from resorption.settlements.confidential import JUSTICE_FIELDS
from resorption.settlements.enums import (
    ClosingSolution,
    LivingConditionSection,
    LivingConditionStatus,
    SiteActorTheme,
)
from resorption.settlements.models import Site

# Excel refuses more characters in one cell.
CELL_MAX_CHARS = 32_000
# The latest messages of each site written in the file (with how many the user may read in all).
MESSAGES_PER_SITE = 5
# §C.4 « Oui », « À améliorer », « Non », « Inconnu »: the status of a section read as an answer to « accès à … ? ».
STATUS_LABELS = {
    LivingConditionStatus.GOOD: "Oui",
    LivingConditionStatus.TO_IMPROVE: "À améliorer",
    LivingConditionStatus.BAD: "Non",
    LivingConditionStatus.UNKNOWN: "Inconnu",
}
THEME_LABELS = {value: str(label) for value, label in SiteActorTheme.choices}


@dataclass(frozen=True)
class ExportMessage:
    """A journal message as the export writes it: Paris wall-clock time, author's name, text."""

    created_at: datetime.datetime
    author: str
    body: str


@dataclass(frozen=True)
class ExportActor:
    """A site actor (« intervenant ») as the export writes him: his name, his organisation, his themes."""

    name: str
    organization_id: int
    organization: str
    themes: list[str]
    other_theme: str


@dataclass
class ExportRow:
    """One site of the export, as it stood at the export's moment, with its batch's related data."""

    site: Any  # a historical site row (`Site.history.model`)
    owners: list = field(default_factory=list)  # historical owner rows in force then
    orientations: list = field(default_factory=list)  # historical orientation rows in force then
    actors: list = field(default_factory=list)  # ExportActor, in the order they joined the site
    entries: list = field(default_factory=list)  # the latest ExportMessage the requester reads, oldest first
    message_count: int = 0  # all the messages he reads on the site
    justice_visible: bool = False
    owners_visible: bool = False
    requester_organization_id: int | None = None

    @property
    def statuses(self) -> dict:
        if not hasattr(self, "_statuses"):
            self._statuses = living_conditions.site_living_conditions(self.site)
        return self._statuses


@dataclass(frozen=True)
class Column:
    """A column of the file: its title, its value for a row, and how it shows (`number_format`: `DATE` or
    `DATETIME` of `core.xlsx_stream`, the formats its writer knows)."""

    title: str
    value: Callable[[ExportRow], Any]
    width: int = 18
    number_format: str | None = None
    wrap: bool = False


@dataclass(frozen=True)
class Section:
    """A group of columns; `option` is the box to tick for it (None: always there), `feature` the right it needs."""

    key: str
    title: str
    columns: tuple[Column, ...]
    option: str | None = None
    feature: str | None = None
    tab: str | None = None  # "open" or "closed" when the section belongs to one kind of export only


def yes_no(value: bool | None) -> str:
    if value is None:
        return "Inconnu"
    return "Oui" if value else "Non"


@functools.cache
def _label(name: str) -> str:
    model_field: Any = Site._meta.get_field(name)
    return str(model_field.verbose_name)


def _text(value: str) -> str:
    return value[:CELL_MAX_CHARS]


def _field(name: str, *, title: str | None = None, width: int = 18) -> Column:
    """A column reading one site field as users read it: yes/no/inconnu, a choice's label, a date, a number, text."""
    model_field: Any = Site._meta.get_field(name)
    internal = model_field.get_internal_type()
    if model_field.choices:
        choices = dict(model_field.choices)

        def value(row: ExportRow) -> Any:
            raw = getattr(row.site, name)
            return str(choices.get(raw, raw)) if raw else ""

        return Column(title or _label(name), value, width)
    if internal == "BooleanField":
        return Column(title or _label(name), lambda row: yes_no(getattr(row.site, name)), width)
    if internal == "DateField":
        return Column(title or _label(name), lambda row: getattr(row.site, name), 12, DATE)
    if internal == "TextField":
        return Column(title or _label(name), lambda row: _text(getattr(row.site, name) or ""), 40, wrap=True)
    return Column(title or _label(name), lambda row: getattr(row.site, name), width)


def _justice(column: Column) -> Column:
    """The column left empty on a site whose procedures the requester may not read (§A.6)."""
    return Column(
        column.title,
        lambda row: column.value(row) if row.justice_visible else None,
        column.width,
        column.number_format,
        column.wrap,
    )


def _commune(row: ExportRow):
    return row.site.commune


def _origins(row: ExportRow) -> str:
    site = row.site
    labels = [
        str(_label(name))
        for name in ("origin_french", "origin_european", "origin_extra_european")
        if getattr(site, name)
    ]
    return ", ".join(labels) or "Inconnues"


def _toilets(row: ExportRow) -> str:
    site = row.site
    names = (
        "sanitary_toilets_latrines",
        "sanitary_toilets_chemical",
        "sanitary_toilets_dry",
        "sanitary_toilets_flush",
    )
    return ", ".join(_label(name) for name in names if getattr(site, name))


def _electricity(row: ExportRow) -> str:
    return ", ".join(str(kind.label) for kind in living_conditions.electricity_access_types(row.site))


def _status(section: LivingConditionSection) -> Column:
    return Column(f"{section.label} : accès", lambda row: STATUS_LABELS[row.statuses[section]], 14)


def _owners(row: ExportRow, attribute: Callable[[Any], str]) -> str | None:
    if not row.owners_visible:
        return None
    return "\n".join(attribute(owner) for owner in row.owners)


def _actors(row: ExportRow) -> str:
    lines = []
    for actor in row.actors:
        themes = ", ".join(_theme_labels(actor))
        lines.append(f"{actor.name} ({actor.organization}){' : ' + themes if themes else ''}")
    return _text("\n".join(lines))


def _theme_labels(actor: ExportActor) -> list[str]:
    labels = []
    for value in actor.themes:
        if value == SiteActorTheme.OTHER and actor.other_theme:
            labels.append(actor.other_theme)
        elif value in THEME_LABELS:
            labels.append(THEME_LABELS[value])
    return labels


def _own_organization_acts(row: ExportRow) -> str:
    organization = row.requester_organization_id
    return yes_no(any(actor.organization_id == organization for actor in row.actors))


def _comments(row: ExportRow) -> str:
    lines = []
    for entry in reversed(row.entries):  # newest first: what the cell's limit keeps
        lines.append(f"{entry.created_at:%d/%m/%Y %H:%M} — {entry.author} : {entry.body}")
    return _text("\n\n".join(lines))


def _last_comment(row: ExportRow) -> datetime.datetime | None:
    return row.entries[-1].created_at if row.entries else None


def _orientation(solution: ClosingSolution) -> tuple[Column, ...]:
    def find(row: ExportRow):
        return next((each for each in row.orientations if each.solution == solution), None)

    def people(row: ExportRow):
        found = find(row)
        return found.people_affected if found else None

    def households(row: ExportRow):
        found = find(row)
        return found.households_affected if found else None

    def message(row: ExportRow) -> str:
        found = find(row)
        return _text(found.message) if found else ""

    return (
        Column(f"{solution.label} : personnes", people, 14),
        Column(f"{solution.label} : ménages", households, 14),
        Column(f"{solution.label} : précisions", message, 30, wrap=True),
    )


LOCATION = Section(
    "location",
    "Localisation",
    (
        Column("Département", lambda row: str(_commune(row).departement), 24),
        Column("Commune", lambda row: _commune(row).name, 24),
        Column("Code commune", lambda row: _commune(row).code, 12),
        Column("EPCI", lambda row: _commune(row).epci.name if _commune(row).epci_id else "", 30),
        Column("Adresse", lambda row: row.site.address, 40, wrap=True),
        Column("Appellation", lambda row: row.site.name, 24),
        Column("Latitude", lambda row: row.site.latitude, 12),
        Column("Longitude", lambda row: row.site.longitude, 12),
    ),
)
ADDRESS_DETAILS = Section(
    "address_details",
    "Informations d'accès",
    (_field("address_details", title="Informations d'accès"),),
    option=ExportOption.ADDRESS_DETAILS,
)
SITE = Section(
    "site",
    "Site",
    (
        _field("field_type"),
        _field("built_at", title="Date d'installation"),
        _field("declared_at", title="Date de signalement"),
        _field("owner_type"),
        _field("is_reinstallation", title="Réinstallation ?"),
        _field("reinstallation_comments", title="Précisions réinstallation"),
        _field("resorption_target"),
        _field("heatwave"),
    ),
)
CLOSING = Section(
    "closing",
    "Fermeture",
    (
        _field("closed_at", title="Date de fermeture"),
        Column("Résorbé ?", lambda row: yes_no(row.site.closed_with_solutions), 10),
        _field("closing_cause"),
        _field("closing_context", title="Contexte de la fermeture"),
    ),
    tab="closed",
)
OWNERS = Section(
    "owners",
    "Propriétaires",
    (
        Column("Propriétaire(s)", lambda row: _owners(row, lambda owner: owner.name), 30, wrap=True),
        Column(
            "Type(s) de propriétaire",
            lambda row: _owners(row, lambda owner: owner.get_owner_type_display()),
            20,
            wrap=True,
        ),
    ),
    option=ExportOption.OWNERS,
    feature="shantytown_owner.access",
)
PEOPLE = Section(
    "people",
    "Habitants",
    (_field("population_total"), _field("population_couples"), _field("population_minors")),
)
DEMOGRAPHICS = Section(
    "demographics",
    "Habitants : détail",
    (
        _field("population_total_females"),
        _field("population_minors_girls"),
        _field("population_minors_0_3"),
        _field("population_minors_3_6"),
        _field("population_minors_6_12"),
        _field("population_minors_12_16"),
        _field("population_minors_16_18"),
        _field("minors_in_school"),
        _field("caravans"),
        _field("huts"),
        _field("tents"),
        _field("cars"),
        _field("mattresses"),
        Column("Origines", _origins, 30),
    ),
    option=ExportOption.DEMOGRAPHICS,
)
LIVING_CONDITIONS = Section(
    "living_conditions",
    "Conditions de vie",
    (
        _status(LivingConditionSection.WATER),
        *(_field(name) for name in living_conditions.WATER_FIELDS),
        _status(LivingConditionSection.SANITARY),
        _field("sanitary_open_air_defecation"),
        _field("sanitary_working_toilets"),
        Column("Quels sont les types de toilettes installées ?", _toilets, 30),
        _field("sanitary_toilets_are_inside"),
        _field("sanitary_toilets_are_lighted"),
        _field("sanitary_hand_washing"),
        _status(LivingConditionSection.ELECTRICITY),
        _field("electricity_access"),
        Column("Quelle est la source de l'accès à l'électricité ?", _electricity, 30),
        _field("electricity_access_is_unequal"),
        _status(LivingConditionSection.TRASH),
        *(
            _field(name)
            for name in (
                "trash_is_piling",
                "trash_evacuation_is_close",
                "trash_evacuation_is_safe",
                "trash_evacuation_is_regular",
                "trash_bulky_is_piling",
            )
        ),
        _status(LivingConditionSection.PEST_ANIMALS),
        _field("pest_animals_presence"),
        _field("pest_animals_details"),
        _status(LivingConditionSection.FIRE_PREVENTION),
        _field("fire_prevention_diagnostic"),
    ),
    option=ExportOption.LIVING_CONDITIONS,
)
DIAGNOSTIC = Section(
    "diagnostic",
    "Diagnostic",
    (_field("census_status"), _field("census_conducted_at"), _field("census_conducted_by")),
)
JUSTICE = Section(
    "justice",
    "Procédure judiciaire ou administrative",
    tuple(_justice(_field(name)) for name in JUSTICE_FIELDS),
    option=ExportOption.JUSTICE,
    feature="shantytown_justice.access",
)
ACTORS = Section(
    "actors",
    "Intervenants",
    (
        Column("Intervenants", _actors, 40, wrap=True),
        Column("Intervenant de ma structure", _own_organization_acts, 12),
    ),
    option=ExportOption.ACTORS,
)
ORIENTATIONS = Section(
    "orientations",
    "Orientations des ménages",
    tuple(column for solution in ClosingSolution for column in _orientation(solution)),
    tab="closed",
)
COMMENTS = Section(
    "comments",
    "Commentaires",
    (
        Column("Nombre de messages", lambda row: row.message_count, 12),
        Column(f"Derniers messages ({MESSAGES_PER_SITE} au plus)", _comments, 60, wrap=True),
        Column("Date du dernier commentaire", _last_comment, 16, DATETIME),
    ),
    option=ExportOption.COMMENTS,
    feature="shantytown_comment.list",
)
UPDATED = Section("updated", "Mise à jour", (_field("updated_at", title="Mis à jour le"),))

SECTIONS: tuple[Section, ...] = (
    LOCATION,
    ADDRESS_DETAILS,
    SITE,
    CLOSING,
    OWNERS,
    PEOPLE,
    DEMOGRAPHICS,
    LIVING_CONDITIONS,
    DIAGNOSTIC,
    JUSTICE,
    ACTORS,
    ORIENTATIONS,
    COMMENTS,
    UPDATED,
)


def options_for(user) -> list[ExportOption]:
    """The optional sections the user may tick: every option whose right he holds somewhere."""
    features = {section.option: section.feature for section in SECTIONS if section.option}
    return [option for option in ExportOption if _holds_somewhere(user, features.get(option))]


def _holds_somewhere(user, feature: str | None) -> bool:
    return feature is None or permissions.resolve(user, feature).anywhere


def sections_for(user, *, options: Iterable[str], closed: bool) -> list[Section]:
    """The sections of an export: those always there, the ticked options the user may have, and the sections of
    its kind of sites (closing and orientations for closed sites)."""
    allowed = set(options_for(user)) & set(options)
    tab = "closed" if closed else "open"
    return [
        section
        for section in SECTIONS
        if (section.option is None or section.option in allowed) and section.tab in (None, tab)
    ]


def columns_of(sections: Iterable[Section]) -> list[Column]:
    return [column for section in sections for column in section.columns]
