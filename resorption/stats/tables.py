"""The statistics as tables: each table of a page is built once here from its figures (`stats.figures`), and the
HTML page, its chart, the CSV and the xlsx download all read that same table, so they cannot disagree. A table whose
reader has no justice access has no justice column at all: the figures were not even counted.
"""

import csv
import datetime
import io
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from openpyxl import Workbook
from openpyxl.utils import get_column_letter

from resorption.core.forms import french_number
from resorption.core.xlsx import cell
from resorption.settlements.enums import LivingConditionSection, LivingConditionStatus
from resorption.stats.figures import (
    SECTIONS,
    DepartementSnapshot,
    Evolution,
    GroupFigures,
    Level,
    TerritoryRow,
)

Cell = int | float | str | None
ONE_DAY = datetime.timedelta(days=1)
SIZE_LABELS = ("moins de 10 personnes", "10 à 99 personnes", "100 personnes et plus")
SECTION_LABELS = {
    LivingConditionSection.WATER: "Accès à l'eau",
    LivingConditionSection.SANITARY: "Accès aux toilettes",
    LivingConditionSection.ELECTRICITY: "Accès à l'électricité",
    LivingConditionSection.TRASH: "Évacuation des déchets",
    LivingConditionSection.PEST_ANIMALS: "Absence de nuisibles",
    LivingConditionSection.FIRE_PREVENTION: "Prévention incendie",
}


@dataclass(frozen=True)
class Column:
    title: str
    percent: bool = False


@dataclass(frozen=True)
class Chart:
    """How a table is drawn: a `kind` of Chart.js chart of the columns `series` (indexes), one point per row of
    `rows` (indexes; every row when None), labelled by the row's first cell."""

    kind: str
    label: str
    series: tuple[int, ...]
    rows: tuple[int, ...] | None = None
    stacked: bool = False


@dataclass
class Table:
    """A table of a statistics page: `name` selects it for download (`?table=`), the first column heads each row."""

    name: str
    caption: str
    columns: list[Column]
    rows: list[list[Cell]]
    levels: list[str] = field(default_factory=list)  # the tree level of each row (national table), for its style
    links: list[str | None] = field(default_factory=list)  # a link for each row's heading
    chart: Chart | None = None

    def html_rows(self) -> list[dict[str, Any]]:
        """Each row as the page shows it: its heading, its level and link, and its other cells as French text."""
        shown = []
        for index, row in enumerate(self.rows):
            shown.append(
                {
                    "heading": row[0],
                    "level": self.levels[index] if self.levels else "",
                    "link": self.links[index] if self.links else None,
                    "cells": [display(value, column) for value, column in zip(row[1:], self.columns[1:], strict=True)],
                }
            )
        return shown

    def chart_data(self) -> dict[str, Any] | None:
        """What `stats-charts.js` draws (read from a `json_script`): labels, datasets, kind and whether stacked."""
        if self.chart is None:
            return None
        rows = [self.rows[i] for i in self.chart.rows] if self.chart.rows is not None else self.rows
        return {
            "kind": self.chart.kind,
            "stacked": self.chart.stacked,
            "labels": [str(row[0]) for row in rows],
            "datasets": [
                {"label": self.columns[i].title, "data": [row[i] if row[i] is not None else 0 for row in rows]}
                for i in self.chart.series
            ],
        }


def display(value: Cell, column: Column) -> str:
    """A cell in French: « 1 234 », « 12,5 % », « — » for a figure that cannot be computed (a share of nothing)."""
    if value is None:
        return "—"
    if column.percent:
        return f"{value:.1f}".replace(".", ",") + "\u00a0%"
    if isinstance(value, bool):
        return "Oui" if value else "Non"
    if isinstance(value, int):
        return french_number(value)
    return str(value)


# ---------------------------------------------------------------------------------------------------------------------
# Writers
# ---------------------------------------------------------------------------------------------------------------------


def _csv_value(value: Cell, column: Column) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "Oui" if value else "Non"
    if isinstance(value, float):
        return f"{value:.1f}".replace(".", ",")
    text = str(value)
    # A spreadsheet opening the file must not run a cell as a formula.
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") and not isinstance(value, int) else text


def table_csv(table: Table) -> bytes:
    """The table as CSV for a French spreadsheet: UTF-8 with a byte-order mark, « ; » between cells, decimal commas;
    a header row, then the same rows as the page."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow([column.title for column in table.columns])
    for row in table.rows:
        writer.writerow([_csv_value(value, column) for value, column in zip(row, table.columns, strict=True)])
    return ("\ufeff" + buffer.getvalue()).encode()


def table_xlsx(table: Table) -> bytes:
    """The table as an xlsx workbook: one sheet, the caption's first 31 characters as its title, a bold header row
    (frozen), then the same rows as the page; shares as numbers shown « 12,5 % »."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(_sheet_title(table.caption))
    sheet.freeze_panes = "B2"
    for index in range(1, len(table.columns) + 1):
        sheet.column_dimensions[get_column_letter(index)].width = 40 if index == 1 else 16
    sheet.append([cell(sheet, column.title, bold=True, wrap=True) for column in table.columns])
    for row in table.rows:
        sheet.append(
            [
                cell(sheet, _xlsx_value(value), number_format='0.0" %"' if column.percent else None)
                for value, column in zip(row, table.columns, strict=True)
            ]
        )
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _xlsx_value(value: Cell) -> Cell:
    if isinstance(value, bool):
        return "Oui" if value else "Non"
    return value


def _sheet_title(caption: str) -> str:
    # Excel refuses these characters in a sheet title, and titles longer than 31 characters.
    cleaned = "".join(" " if char in "[]:*?/\\" else char for char in caption)
    return cleaned[:31].strip() or "Statistiques"


def filename(table: Table, *, place: str, day: datetime.date, extension: str) -> str:
    return f"statistiques-{place}-{table.name}-{day:%Y-%m-%d}.{extension}"


# ---------------------------------------------------------------------------------------------------------------------
# The national page
# ---------------------------------------------------------------------------------------------------------------------


def _dated(day: datetime.date) -> str:
    return f"{day:%d/%m/%Y}"


def national_table(
    rows: Sequence[TerritoryRow], *, start: datetime.date, end: datetime.date, link: Callable[[str], str]
) -> Table:
    """The national tree: sites and people at both dates and their change, and those with water access judged good
    at the second date. The chart draws people at both dates per région (and overseas département)."""
    columns = [
        Column("Territoire"),
        Column(f"Sites au {_dated(start)}"),
        Column(f"Sites au {_dated(end)}"),
        Column("Évolution des sites"),
        Column(f"Personnes au {_dated(start)}"),
        Column(f"Personnes au {_dated(end)}"),
        Column("Évolution des personnes"),
        Column(f"Sites avec un accès à l'eau jugé bon au {_dated(end)}"),
        Column(f"Personnes avec un accès à l'eau jugé bon au {_dated(end)}"),
    ]
    body = [
        [
            row.label,
            row.before.sites,
            row.after.sites,
            row.after.sites - row.before.sites,
            row.before.people,
            row.after.people,
            row.after.people - row.before.people,
            row.water.sites,
            row.water.people,
        ]
        for row in rows
    ]
    charted = _national_chart_rows(rows)
    return Table(
        name="territoires",
        caption=f"Sites et personnes par territoire, au {_dated(start)} et au {_dated(end)}",
        columns=columns,
        rows=body,
        levels=[row.level for row in rows],
        links=[link(row.code) if row.level == Level.DEPARTEMENT else None for row in rows],
        chart=Chart(
            kind="bar",
            label=f"Personnes par territoire au {_dated(start)} et au {_dated(end)}",
            series=(4, 5),
            rows=charted,
        ),
    )


def _national_chart_rows(rows: Sequence[TerritoryRow]) -> tuple[int, ...]:
    """The régions and the overseas départements (those under the « Outre-mer » group); for a reader who sees no
    région whole, his départements."""
    chosen, overseas = [], False
    for index, row in enumerate(rows):
        if row.level == Level.GROUP:
            overseas = row.label == "Outre-mer"
        elif row.level == Level.REGION or (row.level == Level.DEPARTEMENT and overseas):
            chosen.append(index)
    return tuple(chosen)


# ---------------------------------------------------------------------------------------------------------------------
# The département page
# ---------------------------------------------------------------------------------------------------------------------


def summary_table(snapshot: DepartementSnapshot, *, day: datetime.date) -> Table:
    """The département's summary at the date (§H.2): one figure per line."""
    summary = snapshot.summary
    lines: list[list[Cell]] = [
        ["Sites ouverts", summary.sites],
        ["Sites dont les habitants sont uniquement des ressortissants européens", summary.european_only.sites],
        ["Sites dont la population est inconnue", summary.unknown_population],
        ["Sites non mis à jour depuis plus de 6 mois", summary.out_of_date],
        ["Personnes", summary.people],
        ["Personnes sur les sites de ressortissants européens uniquement", summary.european_only.people],
        ["Ménages", summary.households],
        ["Mineurs", summary.minors],
        ["Mineurs inscrits dans un établissement scolaire", summary.schooled],
    ]
    for section in SECTIONS:
        lines.append([f"Sites avec « {SECTION_LABELS[section]} » jugé bon", summary.good[section].sites])
    lines.append(["Sites exposés au risque canicule", summary.heatwave])
    if snapshot.justice:
        lines += [
            ["Sites avec un dépôt de plainte du propriétaire", summary.owner_complaint],
            ["Sites avec une procédure judiciaire", summary.justice_procedure],
            ["Sites dont le concours de la force publique a été obtenu", summary.police_granted],
        ]
    return Table(
        name="synthese",
        caption=f"Synthèse au {_dated(day)}",
        columns=[Column("Indicateur"), Column("Valeur")],
        rows=lines,
    )


def _group_cells(group: GroupFigures, *, justice: bool) -> list[Cell]:
    cells: list[Cell] = [group.label, group.sites, group.people, group.households, group.minors, group.schooled]
    for section in SECTIONS:
        good = group.good[section]
        cells += [good.sites, group.share_of_sites(good.sites), group.share_of_people(good.people)]
    cells.append(group.heatwave)
    if justice:
        cells += [group.owner_complaint, group.justice_procedure, group.police_granted]
    return cells


def commune_table(snapshot: DepartementSnapshot, *, day: datetime.date) -> Table:
    """One line per commune with open sites at the date, and the département's total."""
    columns = [
        Column("Commune"),
        Column("Sites"),
        Column("Personnes"),
        Column("Ménages"),
        Column("Mineurs"),
        Column("Mineurs scolarisés"),
    ]
    for section in SECTIONS:
        label = SECTION_LABELS[section]
        columns += [
            Column(f"{label} jugé bon : sites"),
            Column(f"{label} jugé bon : part des sites", percent=True),
            Column(f"{label} jugé bon : part des habitants", percent=True),
        ]
    columns.append(Column("Sites exposés au risque canicule"))
    if snapshot.justice:
        columns += [
            Column("Dépôts de plainte"),
            Column("Procédures judiciaires"),
            Column("Concours de la force publique obtenus"),
        ]
    rows = [_group_cells(group, justice=snapshot.justice) for group in snapshot.communes]
    total = _group_cells(snapshot.summary, justice=snapshot.justice)
    total[0] = "Total du département"
    return Table(
        name="communes",
        caption=f"Sites par commune au {_dated(day)}",
        columns=columns,
        rows=[*rows, total],
        levels=[Level.DEPARTEMENT] * len(rows) + [Level.NATION],
    )


def _yes_no(value: bool | None) -> str:
    return "Oui" if value else "Non"


def site_table(snapshot: DepartementSnapshot, *, day: datetime.date) -> Table:
    """One line per open site at the date: its people and the status of each living condition."""
    columns = [
        Column("Site"),
        Column("Commune"),
        Column("Type de site"),
        Column("Personnes"),
        Column("Ménages"),
        Column("Mineurs"),
        Column("Mineurs scolarisés"),
        *(Column(SECTION_LABELS[section]) for section in SECTIONS),
        Column("Risque canicule"),
        Column("Origines"),
    ]
    if snapshot.justice:
        columns += [
            Column("Dépôt de plainte"),
            Column("Procédure judiciaire"),
            Column("Concours de la force publique obtenu"),
        ]
    rows: list[list[Cell]] = []
    for site in snapshot.sites:
        row: list[Cell] = [
            site.name,
            site.commune,
            site.field_type,
            site.people,
            site.households,
            site.minors,
            site.schooled,
            *(LivingConditionStatus(site.statuses[section]).label for section in SECTIONS),
            _yes_no(site.heatwave),
            site.origins,
        ]
        if snapshot.justice:
            row += [_yes_no(site.owner_complaint), _yes_no(site.justice_procedure), _yes_no(site.police_granted)]
        rows.append(row)
    return Table(name="sites", caption=f"Sites ouverts au {_dated(day)}", columns=columns, rows=rows)


CHANGE_LABEL = "Évolution entre la première et la dernière date"


def _with_change(rows: list[list[Cell]]) -> list[list[Cell]]:
    """The series' rows and, when it has two dates or more, a last line with each figure's change from the first
    date to the last in percent (« — » when the first value is 0: no change can be expressed)."""
    if len(rows) < 2:
        return rows
    change: list[Cell] = [CHANGE_LABEL]
    for first, last in zip(rows[0][1:], rows[-1][1:], strict=True):
        if not isinstance(first, int) or not isinstance(last, int) or first == 0:
            change.append(None)
        else:
            # The typographic minus: a cell starting with "-" would be read as a formula by spreadsheets.
            change.append(f"{100 * (last - first) / first:.1f}".replace(".", ",").replace("-", "\u2212") + "\u00a0%")
    return [*rows, change]


def _series_rows(evolution: Evolution) -> tuple[int, ...]:
    """The chart of a series draws its dates, not the line of change."""
    return tuple(range(len(evolution.points)))


def population_table(evolution: Evolution) -> Table:
    """The people of the département's open sites at each point, by site size."""
    columns = [
        Column("Date"),
        Column("Sites"),
        *(Column(f"Sites de {label}") for label in SIZE_LABELS),
        Column("Sites dont la population est inconnue"),
        Column("Personnes"),
        *(Column(f"Personnes sur les sites de {label}") for label in SIZE_LABELS),
        Column("Ressortissants européens uniquement (personnes)"),
        Column("Ressortissants extracommunautaires uniquement (personnes)"),
        Column("Mineurs inscrits dans un établissement scolaire"),
    ]
    rows: list[list[Cell]] = [
        [
            _dated(point.day),
            point.sites,
            *point.sites_by_size,
            point.unknown_population,
            point.people,
            *point.people_by_size,
            point.european_only,
            point.extra_european_only,
            point.schooled,
        ]
        for point in evolution.points
    ]
    return Table(
        name="evolution-habitants",
        caption="Évolution des habitants par taille de site",
        columns=columns,
        rows=_with_change(rows),
        chart=Chart(
            kind="bar",
            label="Personnes par taille de site à chaque date",
            series=(7, 8, 9),
            rows=_series_rows(evolution),
            stacked=True,
        ),
    )


def living_conditions_table(evolution: Evolution) -> Table:
    """At each point, the open sites (and their people) whose status of each living condition is judged good."""
    columns = [Column("Date"), Column("Sites ouverts"), Column("Personnes")]
    for section in SECTIONS:
        columns += [
            Column(f"{SECTION_LABELS[section]} jugé bon : sites"),
            Column(f"{SECTION_LABELS[section]} jugé bon : personnes"),
        ]
    rows: list[list[Cell]] = []
    for point in evolution.points:
        row: list[Cell] = [_dated(point.day), point.sites, point.people]
        for section in SECTIONS:
            row += [point.good[section].sites, point.good[section].people]
        rows.append(row)
    return Table(
        name="evolution-conditions",
        caption="Évolution des conditions de vie (sites dont la condition est jugée bonne)",
        columns=columns,
        rows=_with_change(rows),
        chart=Chart(
            kind="line",
            label="Sites dont chaque condition de vie est jugée bonne, à chaque date",
            series=tuple(3 + 2 * index for index in range(len(SECTIONS))),
            rows=_series_rows(evolution),
        ),
    )


def justice_table(evolution: Evolution) -> Table:
    """At each point, the open sites with an owner complaint, a justice procedure, the police's help granted."""
    assert evolution.justice, "justice figures are only tabled for readers with justice access"
    return Table(
        name="evolution-justice",
        caption="Évolution des procédures judiciaires",
        columns=[
            Column("Date"),
            Column("Sites avec un dépôt de plainte"),
            Column("Sites avec une procédure judiciaire"),
            Column("Sites dont le concours de la force publique a été obtenu"),
        ],
        rows=_with_change(
            [
                [_dated(point.day), point.owner_complaint, point.justice_procedure, point.police_granted]
                for point in evolution.points
            ]
        ),
        chart=Chart(
            kind="line", label="Procédures judiciaires à chaque date", series=(1, 2, 3), rows=_series_rows(evolution)
        ),
    )


def closings_table(evolution: Evolution) -> Table:
    """The sites closed in each period, resorbed or only closed."""
    return Table(
        name="fermetures",
        caption="Sites résorbés et sites fermés par période",
        columns=[Column("Période"), Column("Sites résorbés"), Column("Sites fermés sans résorption")],
        rows=[
            [f"Du {_dated(period.start + ONE_DAY)} au {_dated(period.end)}", period.resorbed, period.closed]
            for period in evolution.closings
        ],
        chart=Chart(kind="bar", label="Sites résorbés et fermés par période", series=(1, 2), stacked=True),
    )
