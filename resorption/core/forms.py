"""The base of every form of the project (DSFR rendering through `{{ form }}`), and the bounds of every number and
date a form accepts."""

import datetime

from django import forms
from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from dsfr.forms import DsfrBaseForm

# The bounds of what a person may type (issue 9): no number reaches the database that its column cannot hold (SQLite
# refuses integers past 64 bits, PostgreSQL past 32 bits for most columns), and no date reaches date arithmetic
# (`timedelta`, time zones) that it cannot handle. Each integer and date field of the project uses them.
COUNT_MAX = 100_000  # people, households, tents…: a site or a closing counts far fewer
DATE_MIN = datetime.date(1900, 1, 1)
DATE_MAX = datetime.date(2100, 12, 31)
ID_MAX = 2**63 - 1  # what a database key holds (BigAutoField)


def french_number(number: int) -> str:
    """« 100 000 »: thousands separated by a non-breaking space, as French writes them."""
    return f"{number:,}".replace(",", "\u00a0")


class CountField(forms.IntegerField):
    """A whole number from `min_value` (0) to `max_value` (COUNT_MAX), with one French message for any other input:
    « Saisissez un nombre entre 0 et 100 000. »"""

    def __init__(self, *, min_value: int = 0, max_value: int = COUNT_MAX, **kwargs):
        message = f"Saisissez un nombre entre {french_number(min_value)} et {french_number(max_value)}."
        kwargs["error_messages"] = {"invalid": message, "min_value": message, "max_value": message} | kwargs.get(
            "error_messages", {}
        )
        kwargs.setdefault("widget", forms.NumberInput(attrs={"inputmode": "numeric"}))
        super().__init__(min_value=min_value, max_value=max_value, **kwargs)


class YearField(forms.IntegerField):
    """A year between `min_value` and `max_value` (no thousands separator in the message)."""

    def __init__(self, *, min_value: int, max_value: int, **kwargs):
        message = f"Saisissez une année entre {min_value} et {max_value}."
        kwargs["error_messages"] = {"invalid": message, "min_value": message, "max_value": message}
        super().__init__(min_value=min_value, max_value=max_value, **kwargs)


class IdField(forms.IntegerField):
    """A positive whole number the page sent back — an identifier, a version — that a database key can hold; any
    other value is something the page never offered (`invalid` message, « Choisissez une valeur proposée. »)."""

    def __init__(self, **kwargs):
        given = kwargs.pop("error_messages", {})
        message = given.get("invalid", "Choisissez une valeur proposée.")
        kwargs["error_messages"] = {"invalid": message, "min_value": message, "max_value": message, **given}
        super().__init__(min_value=1, max_value=ID_MAX, **kwargs)


def date_bounds_message(min_value: datetime.date = DATE_MIN, max_value: datetime.date = DATE_MAX) -> str:
    return f"Saisissez une date entre le {min_value:%d/%m/%Y} et le {max_value:%d/%m/%Y}."


class BoundedDateField(forms.DateField):
    """A date between DATE_MIN and DATE_MAX: « Saisissez une date entre le 01/01/1900 et le 31/12/2100. »"""

    def __init__(self, *, min_value: datetime.date = DATE_MIN, max_value: datetime.date = DATE_MAX, **kwargs):
        super().__init__(**kwargs)
        message = date_bounds_message(min_value, max_value)
        self.validators += [MinValueValidator(min_value, message), MaxValueValidator(max_value, message)]


def parse_id(value) -> int | None:
    """An identifier read from a query string or a posted value: the positive whole number it writes in ASCII digits
    (at most what a database key holds), else None."""
    text = str(value or "").strip()
    if not (text.isascii() and text.isdigit()) or len(text) > len(str(ID_MAX)):
        return None
    number = int(text)
    return number if 0 < number <= ID_MAX else None


class BaseForm(DsfrBaseForm):
    """DsfrBaseForm made to render without warnings and without unknown template variables.

    `DsfrBaseForm.get_context` warns whenever DSFR_MARK_OPTIONAL_FIELDS exists, and warnings are errors in our tests.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            # django-dsfr's input snippet reads this attribute, which only some widgets get.
            if not hasattr(field.widget, "group_class"):
                field.widget.group_class = "fr-input-group"

    def get_context(self):
        context = super(DsfrBaseForm, self).get_context()
        context["DSFR_MARK_OPTIONAL_FIELDS"] = getattr(settings, "DSFR_MARK_OPTIONAL_FIELDS", True)
        return context
