"""A streaming xlsx writer for big exports: one sheet, written row by row, with a fixed handful of cell styles.

An xlsx file is a zip of a few XML parts. This module writes them itself: the rows' XML is built as plain strings
(one join per row) and compressed into the zip as it comes, so memory stays flat whatever the number of rows, and a
national export is written in a fraction of the time openpyxl's write-only mode takes (decision 0023). The sheet's
size is not known when its XML starts: like openpyxl's write-only mode, the file gives none (no <dimension>), and
each row ends with its last column's cell, empty if need be, so that readers sizing rows by their last cell
(openpyxl's read-only mode) read rows of equal length.

What a cell holds:
- text as an inline string, never a formula (a name starting with "=" stays text), without the control characters
  xlsx refuses, cut at 32,767 characters (Excel's limit); text on several lines wraps;
- numbers, booleans;
- dates and datetimes as Excel serial numbers shown with the column's format (dd/mm/yyyy, dd/mm/yyyy hh:mm); an aware
  datetime is written as Paris wall-clock time (Excel knows no time zones);
- None, and an empty text, as an empty cell.

Usage::

    columns = [Column(width=24), Column(width=12, number_format=DATE), Column(width=40, wrap=True)]
    with SheetWriter(output, title="Sites", columns=columns, frozen_rows=1) as sheet:
        sheet.append(["Nom", "Date", "Commentaire"], bold=True)
        sheet.append(["Les Lilas", datetime.date(2026, 1, 5), "Première ligne\\nSeconde ligne"])
"""

import datetime
import decimal
import math
import re
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import IO, Any
from xml.sax.saxutils import quoteattr

from django.utils import timezone

DATE = "dd/mm/yyyy"
DATETIME = "dd/mm/yyyy hh:mm"
# Excel refuses more characters in one cell.
MAX_CHARS = 32_767
MAX_COLUMNS = 16_384
MAX_ROWS = 1_048_576
SHEET_PART = "xl/worksheets/sheet1.xml"
# Fast and good enough: the XML repeats itself, level 1 already divides it by about ten.
COMPRESS_LEVEL = 1

# The cell formats of `xl/styles.xml`, by their index in its <cellXfs>.
DEFAULT, BOLD, DATE_STYLE, DATETIME_STYLE, WRAP = range(5)
STYLE_OF_FORMAT = {None: None, DATE: DATE_STYLE, DATETIME: DATETIME_STYLE}
BOLD_ATTRIBUTE = f' s="{BOLD}"'
WRAP_ATTRIBUTE = f' s="{WRAP}"'

# The control characters XML 1.0 refuses (tab, line feed and carriage return are kept), and the two non-characters
# U+FFFE and U+FFFF: Excel would refuse to open the file.
ILLEGAL_CHARACTERS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
SHEET_TITLE_REFUSED = re.compile(r"[\[\]:*?/\\]")

# Day 0 of Excel's 1900 date system (its day 60, the 29 February 1900 that never was, shifts the days before it).
EXCEL_EPOCH_ORDINAL = datetime.date(1899, 12, 30).toordinal()
FIRST_REAL_DAY = 61  # 1900-03-01: from here on, Excel's serial numbers are days since the epoch


@dataclass(frozen=True)
class Column:
    """How one column looks: its width (in characters, None: the reader's default), the format of the dates it
    holds (`DATE` or `DATETIME`; None: a date shows as a date, a datetime as a datetime), and whether its text
    wraps (top-aligned)."""

    width: float | None = None
    number_format: str | None = None
    wrap: bool = False


def column_letter(index: int) -> str:
    """The letters of the column at `index` (1 → A, 27 → AA)."""
    if not 1 <= index <= MAX_COLUMNS:
        raise ValueError(f"A sheet has columns 1 to {MAX_COLUMNS}, not {index}.")
    letters = ""
    while index:
        index, remainder = divmod(index - 1, 26)
        letters = chr(ord("A") + remainder) + letters
    return letters


def text_xml(value: str) -> str:
    """The text as the content of an XML element: without the characters xlsx refuses, capped, escaped."""
    if ILLEGAL_CHARACTERS.search(value):
        value = ILLEGAL_CHARACTERS.sub("", value)
    if len(value) > MAX_CHARS:
        value = value[:MAX_CHARS]
    if "&" in value:
        value = value.replace("&", "&amp;")
    if "<" in value:
        value = value.replace("<", "&lt;")
    if ">" in value:
        value = value.replace(">", "&gt;")
    if "\r" in value:  # an XML reader would read a raw carriage return as a line feed
        value = value.replace("\r", "&#13;")
    return value


def excel_date(value: datetime.date) -> int | None:
    """The date's serial number in Excel's 1900 date system, None before 1900 (Excel has no such dates)."""
    days = value.toordinal() - EXCEL_EPOCH_ORDINAL
    if days < FIRST_REAL_DAY:
        days -= 1
    return days if days > 0 else None


def excel_datetime(value: datetime.datetime) -> float | None:
    """The moment's serial number (days and fraction of a day), as Paris wall-clock time if it is aware."""
    if value.tzinfo is not None:
        value = timezone.localtime(value).replace(tzinfo=None)
    days = excel_date(value)
    if days is None:
        return None
    seconds = value.hour * 3600 + value.minute * 60 + value.second + value.microsecond / 1_000_000
    return days + seconds / 86_400 if seconds else days


class SheetWriter:
    """Writes an xlsx file of one sheet to `output` (a path or a binary file open for writing), row by row.

    `columns` gives each column's look (a row may not be longer); `frozen_rows` and `frozen_columns` stay in view
    when scrolling. Close it (or use it as a context manager) to finish the file; on an error inside the `with`
    block the output is left unfinished (a zip without the workbook's parts), for the caller to delete."""

    def __init__(
        self,
        output: str | Path | IO[bytes],
        *,
        title: str,
        columns: Sequence[Column],
        frozen_rows: int = 0,
        frozen_columns: int = 0,
        compresslevel: int = COMPRESS_LEVEL,
    ) -> None:
        if not 1 <= len(title) <= 31 or SHEET_TITLE_REFUSED.search(title) or title != title.strip("'"):
            raise ValueError(f"Invalid sheet title: {title!r}.")
        if not columns or len(columns) > MAX_COLUMNS:
            raise ValueError(f"A sheet has 1 to {MAX_COLUMNS} columns.")
        unknown = [column.number_format for column in columns if column.number_format not in STYLE_OF_FORMAT]
        if unknown:
            raise ValueError(f"Unknown number format: {unknown[0]!r}.")
        if frozen_rows < 0 or frozen_columns < 0 or frozen_columns >= len(columns):
            raise ValueError("Frozen rows and columns must be within the sheet.")
        self.title = title
        self.columns = tuple(columns)
        self.frozen_rows = frozen_rows
        self.frozen_columns = frozen_columns
        self.rows = 0
        self._letters = tuple(column_letter(index) for index in range(1, len(self.columns) + 1))
        # Per column: the style of its dates and datetimes, and of its text (wrapped or not).
        self._date_styles = tuple(STYLE_OF_FORMAT[column.number_format] or DATE_STYLE for column in self.columns)
        self._datetime_styles = tuple(
            STYLE_OF_FORMAT[column.number_format] or DATETIME_STYLE for column in self.columns
        )
        self._text_wraps = tuple(column.wrap for column in self.columns)
        self._last_cell = f'<c r="{self._letters[-1]}'
        self._zip = zipfile.ZipFile(output, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=compresslevel)
        try:
            # Past 2 GiB of XML, zipfile refuses to go on rather than write a broken file.
            self._part = self._zip.open(SHEET_PART, "w")
            self._part.write(self._sheet_head().encode("utf-8"))
        except BaseException:
            self._zip.close()
            raise
        self._closed = False

    # -- rows

    def append(self, values: Sequence[Any], *, bold: bool = False) -> None:
        """Writes the next row: one value per column, from the first; `bold` for a header row."""
        if self._closed:
            raise ValueError("The sheet is closed.")
        if len(values) > len(self._letters):
            raise ValueError(f"A row of {len(values)} values in a sheet of {len(self._letters)} columns.")
        if self.rows == MAX_ROWS:
            raise ValueError(f"A sheet holds {MAX_ROWS} rows at most.")
        self.rows += 1
        self._part.write(self._row_xml(self.rows, values, bold).encode("utf-8", "replace"))

    def _row_xml(self, number: int, values: Sequence[Any], bold: bool) -> str:
        row = str(number)
        bold_style = BOLD_ATTRIBUTE if bold else ""
        cells = [f'<row r="{row}">']
        add = cells.append
        last = 0
        for index, value in enumerate(values):
            if value is None:
                continue
            kind = type(value)
            if kind is str or isinstance(value, str):
                text = text_xml(value)
                if not text:  # an empty text is an empty cell, as openpyxl writes it
                    continue
                if bold:
                    style = bold_style
                elif self._text_wraps[index] or "\n" in text:
                    style = WRAP_ATTRIBUTE
                else:
                    style = ""
                space = ' xml:space="preserve"' if text[:1].isspace() or text[-1:].isspace() else ""
                cell = f'<c r="{self._letters[index]}{row}" t="inlineStr"{style}><is><t{space}>{text}</t></is></c>'
            elif kind is bool:
                cell = f'<c r="{self._letters[index]}{row}" t="b"{bold_style}><v>{int(value)}</v></c>'
            elif kind is int or kind is float or isinstance(value, int | float | decimal.Decimal):
                number_text = _number(value)
                if number_text is None:
                    continue
                cell = f'<c r="{self._letters[index]}{row}"{bold_style}><v>{number_text}</v></c>'
            elif isinstance(value, datetime.date):
                cell = self._date_xml(self._letters[index] + row, index, value)
            else:
                raise TypeError(f"Cannot write a {kind.__name__} in an xlsx cell.")
            add(cell)
            last = index + 1
        if last < len(self._letters):
            add(f'{self._last_cell}{row}"/>')
        add("</row>")
        return "".join(cells)

    def _date_xml(self, ref: str, index: int, value: datetime.date) -> str:
        if isinstance(value, datetime.datetime):
            serial: float | None = excel_datetime(value)
            style = self._datetime_styles[index]
            fallback = "%d/%m/%Y %H:%M"
        else:
            serial = excel_date(value)
            style = self._date_styles[index]
            fallback = "%d/%m/%Y"
        if serial is None:
            # A date Excel cannot hold (before 1900) is written as text rather than as a wrong serial number.
            return f'<c r="{ref}" t="inlineStr"><is><t>{value.strftime(fallback)}</t></is></c>'
        return f'<c r="{ref}" s="{style}"><v>{serial!r}</v></c>'

    # -- file

    def close(self) -> None:
        """Finishes the file: the end of the sheet, then the parts that describe the workbook."""
        if self._closed:
            return
        self._closed = True
        try:
            self._part.write(b"</sheetData></worksheet>")
            self._part.close()
            self._zip.writestr("[Content_Types].xml", CONTENT_TYPES)
            self._zip.writestr("_rels/.rels", ROOT_RELATIONSHIPS)
            self._zip.writestr("xl/workbook.xml", _workbook_xml(self.title))
            self._zip.writestr("xl/_rels/workbook.xml.rels", WORKBOOK_RELATIONSHIPS)
            self._zip.writestr("xl/styles.xml", STYLES)
        finally:
            self._part.close()
            self._zip.close()

    def abandon(self) -> None:
        """Stops writing, leaving the output unfinished: a zip of the sheet's rows so far, without the parts that
        make it a workbook (the caller's to delete)."""
        if not self._closed:
            self._closed = True
            self._part.close()
            self._zip.close()

    def __enter__(self) -> "SheetWriter":
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, traceback: TracebackType | None
    ) -> None:
        if kind is None:
            self.close()
        else:
            self.abandon()

    def _sheet_head(self) -> str:
        return (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            f'<worksheet xmlns="{MAIN_NS}" xmlns:r="{RELATIONSHIPS_NS}">'
            f"{self._sheet_views()}{self._cols()}<sheetData>"
        )

    def _sheet_views(self) -> str:
        rows, columns = self.frozen_rows, self.frozen_columns
        if not rows and not columns:
            return '<sheetViews><sheetView workbookViewId="0"/></sheetViews>'
        top_left = f"{column_letter(columns + 1)}{rows + 1}"
        pane = {(True, True): "bottomRight", (True, False): "bottomLeft", (False, True): "topRight"}[
            (rows > 0, columns > 0)
        ]
        splits = (f' xSplit="{columns}"' if columns else "") + (f' ySplit="{rows}"' if rows else "")
        return (
            '<sheetViews><sheetView workbookViewId="0">'
            f'<pane{splits} topLeftCell="{top_left}" activePane="{pane}" state="frozen"/>'
            f'<selection pane="{pane}" activeCell="{top_left}" sqref="{top_left}"/>'
            "</sheetView></sheetViews>"
        )

    def _cols(self) -> str:
        widths = [
            f'<col min="{index}" max="{index}" width="{column.width:g}" customWidth="1"/>'
            for index, column in enumerate(self.columns, start=1)
            if column.width is not None
        ]
        return f"<cols>{''.join(widths)}</cols>" if widths else ""


def _number(value: int | float | decimal.Decimal) -> str | None:
    """The number as xlsx writes it; None for what is not a number (NaN, infinities)."""
    if isinstance(value, float):
        return repr(value) if math.isfinite(value) else None
    if isinstance(value, decimal.Decimal):
        return str(value) if value.is_finite() else None
    return str(int(value))


def _workbook_xml(title: str) -> str:
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        f'<workbook xmlns="{MAIN_NS}" xmlns:r="{RELATIONSHIPS_NS}">'
        '<bookViews><workbookView activeTab="0"/></bookViews>'
        f'<sheets><sheet name={quoteattr(title)} sheetId="1" r:id="rId1"/></sheets>'
        "</workbook>"
    )


MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
RELATIONSHIPS_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PACKAGE_RELATIONSHIPS_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
OFFICE_TYPES = "application/vnd.openxmlformats-officedocument.spreadsheetml"

CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    f'<Override PartName="/xl/workbook.xml" ContentType="{OFFICE_TYPES}.sheet.main+xml"/>'
    f'<Override PartName="/{SHEET_PART}" ContentType="{OFFICE_TYPES}.worksheet+xml"/>'
    f'<Override PartName="/xl/styles.xml" ContentType="{OFFICE_TYPES}.styles+xml"/>'
    "</Types>"
)
ROOT_RELATIONSHIPS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    f'<Relationships xmlns="{PACKAGE_RELATIONSHIPS_NS}">'
    f'<Relationship Id="rId1" Type="{RELATIONSHIPS_NS}/officeDocument" Target="xl/workbook.xml"/>'
    "</Relationships>"
)
WORKBOOK_RELATIONSHIPS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    f'<Relationships xmlns="{PACKAGE_RELATIONSHIPS_NS}">'
    f'<Relationship Id="rId1" Type="{RELATIONSHIPS_NS}/worksheet" Target="worksheets/sheet1.xml"/>'
    f'<Relationship Id="rId2" Type="{RELATIONSHIPS_NS}/styles" Target="styles.xml"/>'
    "</Relationships>"
)
# The cell formats, in the order of DEFAULT, BOLD, DATE_STYLE, DATETIME_STYLE, WRAP (164 and 165: the first number
# formats a file may define itself).
STYLES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    f'<styleSheet xmlns="{MAIN_NS}">'
    f'<numFmts count="2"><numFmt numFmtId="164" formatCode="{DATE}"/>'
    f'<numFmt numFmtId="165" formatCode="{DATETIME}"/></numFmts>'
    '<fonts count="2">'
    '<font><sz val="11"/><name val="Calibri"/><family val="2"/></font>'
    '<font><b/><sz val="11"/><name val="Calibri"/><family val="2"/></font>'
    "</fonts>"
    '<fills count="2"><fill><patternFill patternType="none"/></fill>'
    '<fill><patternFill patternType="gray125"/></fill></fills>'
    '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
    '<cellXfs count="5">'
    '<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
    '<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/>'
    '<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    '<xf numFmtId="165" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    '<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0" applyAlignment="1">'
    '<alignment vertical="top" wrapText="1"/></xf>'
    "</cellXfs>"
    '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
    "</styleSheet>"
)
