"""The bounds of every number and date typed into a form (resorption/core/forms.py): one French message, whatever
the input; nothing a database column or date arithmetic cannot hold gets through."""

import datetime

import pytest
from django import forms

from resorption.core.forms import BoundedDateField, CountField, IdField, YearField, parse_id

COUNT = "Saisissez un nombre entre 0 et 100\u00a0000."
DATE = "Saisissez une date entre le 01/01/1900 et le 31/12/2100."


class Probe(forms.Form):
    count = CountField(required=False)
    at_least_one = CountField(required=False, min_value=1)
    year = YearField(required=False, min_value=2000, max_value=2100)
    ident = IdField(required=False)
    day = BoundedDateField(required=False)


def errors(**data) -> dict:
    form = Probe(data)
    form.is_valid()
    return form.errors


@pytest.mark.parametrize("value", ["-1", "100001", "9" * 30, "9" * 5000, "1e400", "12.5", "²", "douze", "0x10"])
def test_a_count_out_of_bounds_or_not_a_whole_number_gets_one_message(value):
    assert errors(count=value) == {"count": [COUNT]}


@pytest.mark.parametrize(("value", "expected"), [("0", 0), ("100000", 100_000), (" 42 ", 42), ("", None)])
def test_a_count_in_bounds_is_kept(value, expected):
    form = Probe({"count": value})
    assert form.is_valid() and form.cleaned_data["count"] == expected


def test_the_message_names_the_bounds_of_the_field():
    assert errors(at_least_one="0") == {"at_least_one": ["Saisissez un nombre entre 1 et 100\u00a0000."]}
    assert errors(year="1999") == {"year": ["Saisissez une année entre 2000 et 2100."]}


@pytest.mark.parametrize("value", ["0", "-1", str(2**63), "9" * 30, "²", "x"])
def test_an_identifier_a_database_key_cannot_hold_is_no_choice(value):
    assert errors(ident=value) == {"ident": ["Choisissez une valeur proposée."]}


def test_the_largest_identifier_is_kept():
    form = Probe({"ident": str(2**63 - 1)})
    assert form.is_valid() and form.cleaned_data["ident"] == 2**63 - 1


@pytest.mark.parametrize("value", ["0001-01-01", "1899-12-31", "2101-01-01", "9999-12-31"])
def test_a_date_out_of_bounds_is_refused(value):
    assert errors(day=value) == {"day": [DATE]}


@pytest.mark.parametrize("value", ["1900-01-01", "2100-12-31"])
def test_the_bounds_themselves_are_dates(value):
    form = Probe({"day": value})
    assert form.is_valid() and form.cleaned_data["day"] == datetime.date.fromisoformat(value)


@pytest.mark.parametrize(
    ("value", "expected"),
    [("12", 12), (" 7 ", 7), (str(2**63 - 1), 2**63 - 1), (str(2**63), None), ("0", None), ("-3", None)]
    + [("²", None), ("٣", None), ("9" * 5000, None), ("", None), (None, None), (["1"], None)],
)
def test_parse_id_reads_ascii_digits_a_key_can_hold(value, expected):
    assert parse_id(value) == expected
