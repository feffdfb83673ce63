"""The cell every xlsx export writes (`resorption.core.xlsx`)."""

import datetime

from django.utils import timezone
from openpyxl import Workbook

from resorption.core.xlsx import cell, wall_clock


def test_text_stays_text_without_control_characters():
    sheet = Workbook(write_only=True).create_sheet()
    written = cell(sheet, "=1+1\x00\x07")
    assert written.value == "=1+1" and written.data_type == "s"
    assert cell(sheet, 12).data_type == "n"


def test_formats_wrapping_and_bold_are_asked_for_separately():
    sheet = Workbook(write_only=True).create_sheet()
    plain = cell(sheet, 3)
    styled = cell(sheet, 3, number_format="0.00", wrap=True, bold=True)
    assert plain.number_format == "General" and not plain.font.b and not plain.alignment.wrap_text
    assert styled.number_format == "0.00" and styled.font.b and styled.alignment.wrap_text


def test_times_are_written_as_paris_wall_clock_time():
    moment = datetime.datetime(2026, 7, 1, 10, 30, tzinfo=datetime.UTC)
    assert wall_clock(moment) == datetime.datetime(2026, 7, 1, 12, 30, tzinfo=datetime.UTC).replace(tzinfo=None)
    assert wall_clock(None) is None
    assert timezone.is_naive(wall_clock(moment))
