"""The streaming xlsx writer (`resorption.core.xlsx_stream`), its files read back with openpyxl: every kind of value,
the cell styles, frozen panes, column widths, many rows, and the parts of the zip."""

import datetime
import decimal
import io
import zipfile
from xml.etree import ElementTree

import pytest
from openpyxl import load_workbook

from resorption.core.xlsx_stream import DATE, DATETIME, MAX_CHARS, Column, SheetWriter, column_letter

PARIS = datetime.timezone(datetime.timedelta(hours=2))  # Paris in summer, whatever the settings say


def wall_clock(*parts: int) -> datetime.datetime:
    """A time as a spreadsheet holds it: a wall-clock time, without time zone."""
    return datetime.datetime(*parts, tzinfo=datetime.UTC).replace(tzinfo=None)


def write(rows, *, columns=None, bold_first=False, **options) -> io.BytesIO:
    """An xlsx file of `rows` (a row per list), in memory."""
    columns = columns or [Column()] * max(len(row) for row in rows)
    output = io.BytesIO()
    with SheetWriter(output, title=options.pop("title", "Feuille"), columns=columns, **options) as sheet:
        for index, row in enumerate(rows):
            sheet.append(row, bold=bold_first and index == 0)
    output.seek(0)
    return output


def sheet_of(output: io.BytesIO, **options):
    output.seek(0)
    return load_workbook(output, **options).active


def values_of(output: io.BytesIO) -> list[tuple]:
    return [tuple(cell.value for cell in row) for row in sheet_of(output, read_only=True).iter_rows()]


# Values --------------------------------------------------------------------------------------------------------------


def test_text_that_looks_like_a_formula_stays_text():
    sheet = sheet_of(write([["=1+1", "+33 6 12", "-2", "@SUM(A1)"]]))

    assert [cell.value for cell in sheet[1]] == ["=1+1", "+33 6 12", "-2", "@SUM(A1)"]
    assert {cell.data_type for cell in sheet[1]} == {"s"}


def test_text_loses_the_control_characters_xlsx_refuses_and_keeps_the_others():
    rows = values_of(write([["a\x00b\x07c\x1f", "tab\there", "two\nlines", "windows\r\nline", "\x01\x02", "z"]]))

    assert rows == [("abc", "tab\there", "two\nlines", "windows\r\nline", None, "z")]


def test_markup_characters_are_escaped():
    text = "Rue <des> \"Lilas\" & 'Roses' ]]> &amp;"

    assert values_of(write([[text]])) == [(text,)]


def test_spaces_around_a_text_are_kept():
    assert values_of(write([["  indented", "trailing  ", " "]])) == [("  indented", "trailing  ", " ")]


def test_a_text_longer_than_a_cell_holds_is_cut():
    rows = values_of(write([["x" * (MAX_CHARS + 10), "é" * MAX_CHARS]]))

    assert rows[0][0] == "x" * MAX_CHARS and rows[0][1] == "é" * MAX_CHARS


def test_numbers_and_booleans_keep_their_type():
    sheet = sheet_of(write([[0, 12, -7, 10**12, 3.5, 0.1, -2.25e-7, 1e20, decimal.Decimal("45.125"), True, False]]))

    values = [cell.value for cell in sheet[1]]
    assert values == [0, 12, -7, 10**12, 3.5, 0.1, -2.25e-7, 1e20, 45.125, True, False]
    assert [type(value) for value in values] == [int, int, int, int, float, float, float, float, float, bool, bool]
    assert {cell.data_type for cell in sheet[1]} == {"n", "b"}


def test_none_empty_text_and_what_is_not_a_number_are_empty_cells():
    rows = values_of(write([["a", None, "", float("nan"), float("inf"), decimal.Decimal("NaN"), "z"]]))

    assert rows == [("a", None, None, None, None, None, "z")]


def test_dates_and_datetimes_read_back_as_written():
    day = datetime.date(2026, 7, 14)
    moment = wall_clock(2026, 7, 14, 9, 5, 30)

    sheet = sheet_of(write([[day, moment, datetime.date(1900, 1, 1), datetime.date(1900, 3, 1)]]))

    assert [cell.value for cell in sheet[1]] == [
        wall_clock(2026, 7, 14),
        moment,
        wall_clock(1900, 1, 1),
        wall_clock(1900, 3, 1),
    ]
    assert [cell.is_date for cell in sheet[1]] == [True] * 4


def test_an_aware_datetime_is_written_as_paris_wall_clock_time(settings):
    settings.TIME_ZONE = "Europe/Paris"
    moment = datetime.datetime(2026, 7, 1, 10, 30, tzinfo=datetime.UTC)

    assert values_of(write([[moment, moment.astimezone(PARIS)]])) == [
        (wall_clock(2026, 7, 1, 12, 30), wall_clock(2026, 7, 1, 12, 30))
    ]


def test_a_date_before_excel_s_first_day_is_written_as_text():
    assert values_of(write([[datetime.date(1871, 3, 18), wall_clock(1899, 12, 31, 8, 0)]])) == [
        ("18/03/1871", "31/12/1899 08:00")
    ]


def test_a_value_of_another_kind_is_refused():
    with pytest.raises(TypeError, match="Cannot write a object"):
        write([[object()]])


def test_str_and_int_subclasses_are_written_as_their_kind():
    class Label(str):
        pass

    class Count(int):
        pass

    sheet = sheet_of(write([[Label("Oui"), Count(3)]]))

    assert [(cell.value, cell.data_type) for cell in sheet[1]] == [("Oui", "s"), (3, "n")]


# Styles, panes, widths -----------------------------------------------------------------------------------------------


def test_a_bold_row_is_bold_and_the_others_are_not():
    sheet = sheet_of(write([["Titre", 3, True], ["texte", 4, False]], bold_first=True))

    assert [cell.font.b for cell in sheet[1]] == [True, True, True]
    assert [cell.font.b for cell in sheet[2]] == [False, False, False]


def test_dates_take_their_column_s_format_or_their_own():
    day, moment = datetime.date(2026, 1, 5), wall_clock(2026, 1, 5, 8, 15)
    columns = [Column(number_format=DATE), Column(number_format=DATETIME), Column(), Column(), Column()]

    sheet = sheet_of(write([[moment, day, day, moment, 12]], columns=columns))

    assert [cell.number_format for cell in sheet[1]] == [DATE, DATETIME, DATE, DATETIME, "General"]


def test_text_wraps_in_a_wrapping_column_and_on_several_lines():
    columns = [Column(wrap=True), Column(), Column()]

    sheet = sheet_of(write([["une ligne", "deux\nlignes", "une ligne"]], columns=columns))

    assert [bool(cell.alignment.wrap_text) for cell in sheet[1]] == [True, True, False]
    assert [cell.alignment.vertical for cell in sheet[1]] == ["top", "top", None]


@pytest.mark.parametrize(("rows", "columns", "expected"), [(2, 0, "A3"), (1, 1, "B2"), (0, 2, "C1"), (0, 0, None)])
def test_frozen_rows_and_columns(rows, columns, expected):
    sheet = sheet_of(write([["a", "b", "c"]], frozen_rows=rows, frozen_columns=columns))

    assert sheet.freeze_panes == expected


def test_column_widths():
    columns = [Column(width=24), Column(), Column(width=12.5)]

    sheet = sheet_of(write([["a", "b", "c"]], columns=columns))

    assert sheet.column_dimensions["A"].width == 24
    assert sheet.column_dimensions["C"].width == 12.5
    assert sheet.column_dimensions["B"].width == 13  # openpyxl's default: no width written


def test_the_sheet_s_title():
    assert sheet_of(write([["a"]], title="Sites & <co>")).title == "Sites & <co>"


@pytest.mark.parametrize("title", ["", "x" * 32, "a/b", "a[1]", "'quoted'"])
def test_a_title_excel_refuses_is_refused(title):
    with pytest.raises(ValueError, match="Invalid sheet title"):
        SheetWriter(io.BytesIO(), title=title, columns=[Column()])


def test_a_row_longer_than_the_columns_or_an_unknown_format_is_refused():
    with pytest.raises(ValueError, match="Unknown number format"):
        SheetWriter(io.BytesIO(), title="Feuille", columns=[Column(number_format="0.00")])
    with pytest.raises(ValueError, match="A row of 3 values in a sheet of 2 columns"):
        write([["a", "b", "c"]], columns=[Column(), Column()])


# Many rows, the file -------------------------------------------------------------------------------------------------


def test_many_rows_read_back_in_order_and_of_equal_length():
    rows = [
        [f"site {number}", number, None, datetime.date(2026, 1, 1) if number % 2 else None] for number in range(3000)
    ]

    read = values_of(write([["Nom", "Numéro", None, "Date"], *rows], bold_first=True))

    assert len(read) == 3001
    assert {len(row) for row in read} == {4}  # each row ends with its last column's cell, even empty
    assert read[0] == ("Nom", "Numéro", None, "Date")
    assert read[2] == ("site 1", 1, None, wall_clock(2026, 1, 1))
    assert read[3000] == ("site 2999", 2999, None, wall_clock(2026, 1, 1))
    assert values_of(write([["a", None, "c"], ["d"], []], columns=[Column()] * 3)) == [
        ("a", None, "c"),
        ("d", None, None),
        (None, None, None),
    ]


def test_the_file_is_a_zip_of_the_parts_of_a_workbook():
    output = write([["a", 1]], frozen_rows=1)

    with zipfile.ZipFile(output) as archive:
        assert archive.testzip() is None
        assert set(archive.namelist()) == {
            "[Content_Types].xml",
            "_rels/.rels",
            "xl/workbook.xml",
            "xl/_rels/workbook.xml.rels",
            "xl/styles.xml",
            "xl/worksheets/sheet1.xml",
        }
        assert {info.compress_type for info in archive.infolist()} == {zipfile.ZIP_DEFLATED}
        parts = {name: ElementTree.fromstring(archive.read(name)) for name in archive.namelist()}  # well-formed
    types = {element.get("PartName"): element.get("ContentType") for element in parts["[Content_Types].xml"]}
    assert (
        types["/xl/worksheets/sheet1.xml"]
        == "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"
    )
    assert types["/xl/workbook.xml"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"


def test_an_error_while_writing_leaves_no_workbook(tmp_path):
    path = tmp_path / "export.xlsx"

    with pytest.raises(RuntimeError), SheetWriter(path, title="Feuille", columns=[Column()]) as sheet:
        sheet.append(["a"])
        raise RuntimeError("database gone")

    with zipfile.ZipFile(path) as archive:
        assert archive.namelist() == ["xl/worksheets/sheet1.xml"]  # no content types, no workbook


def test_no_row_after_closing():
    sheet = SheetWriter(io.BytesIO(), title="Feuille", columns=[Column()])
    sheet.close()

    with pytest.raises(ValueError, match="closed"):
        sheet.append(["a"])


@pytest.mark.parametrize(("index", "letters"), [(1, "A"), (26, "Z"), (27, "AA"), (100, "CV"), (16_384, "XFD")])
def test_column_letters(index, letters):
    assert column_letter(index) == letters
