"""What every xlsx export of the platform writes the same way (openpyxl, write-only workbooks): its content type,
times as Paris wall-clock time, and a cell whose text stays text."""

import datetime
from typing import Any

from django.utils import timezone
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font
from openpyxl.worksheet.worksheet import Worksheet

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def wall_clock(moment: datetime.datetime | None) -> datetime.datetime | None:
    """Excel knows no time zones: the Paris wall-clock time, without its offset."""
    return timezone.localtime(moment).replace(tzinfo=None) if moment else None


def cell(
    sheet: Worksheet, value: Any, *, number_format: str | None = None, wrap: bool = False, bold: bool = False
) -> WriteOnlyCell:
    """A cell of a write-only sheet. Text loses the control characters xlsx refuses, and stays text: a message or a
    name starting with "=" must not become a formula run by the spreadsheet."""
    if isinstance(value, str):
        value = ILLEGAL_CHARACTERS_RE.sub("", value)
    written = WriteOnlyCell(sheet, value=value)
    if isinstance(value, str):
        written.data_type = "s"
    if number_format:
        written.number_format = number_format
    if bold:
        written.font = Font(bold=True)
    if wrap:
        written.alignment = Alignment(wrap_text=True, vertical="top")
    return written
