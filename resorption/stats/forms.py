"""What the statistics pages accept in their query string: the two dates, the step of a series, and which table to
download in which format. Every wrong value gives a French message next to its field, never a server error."""

import datetime

from django import forms
from django.utils import timezone

from resorption.core.forms import BaseForm, BoundedDateField
from resorption.stats.figures import Step, count_points, shift_months

# The platform's statistics start in 2019 (§H.2, legacy dashboard « open shantytowns at June 2019 »).
FIRST_DAY = datetime.date(2019, 1, 1)
# A series has at most this many points: beyond, a chart is unreadable and its table endless.
MAX_POINTS = 120
DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
DATE_FORMATS = ["%Y-%m-%d", "%d/%m/%Y"]
INVALID_DATE = "Saisissez une date au format JJ/MM/AAAA."


def default_start(today: datetime.date) -> datetime.date:
    """« Du » when none is given: one month before « au » (today by default), never before the first day of the
    statistics."""
    return max(shift_months(today, -1), FIRST_DAY)


def _date_field(label: str, help_text: str) -> BoundedDateField:
    return BoundedDateField(
        label=label,
        help_text=help_text,
        required=False,
        min_value=FIRST_DAY,
        max_value=datetime.date(2100, 12, 31),
        input_formats=DATE_FORMATS,
        widget=DATE_WIDGET,
        error_messages={"invalid": INVALID_DATE},
    )


class PeriodForm(BaseForm):
    """« Du » and « Au »: the two dates of the figures. Empty, « au » is today and « du » one month
    before « au »."""

    du = _date_field("Du", "Première date comparée (JJ/MM/AAAA), à partir du 01/01/2019.")
    au = _date_field("Au", "Date de l'état des lieux (JJ/MM/AAAA), aujourd'hui au plus tard.")

    def __init__(self, data=None, *, today: datetime.date | None = None, **kwargs):
        self.today = today or timezone.localdate()
        super().__init__(data, **kwargs)

    def clean(self):
        cleaned = super().clean()
        for name in ("du", "au"):
            day = cleaned.get(name)
            if day and day > self.today:
                self.add_error(name, "Choisissez une date passée ou celle d'aujourd'hui.")
                cleaned.pop(name, None)
        if "au" in cleaned and not self.errors.get("au"):
            cleaned["au"] = cleaned["au"] or self.today
        if "du" in cleaned and not self.errors.get("du"):
            cleaned["du"] = cleaned["du"] or default_start(cleaned.get("au") or self.today)
        start, end = cleaned.get("du"), cleaned.get("au")
        if start and end and start > end:
            self.add_error("au", "La date « Au » ne peut pas précéder la date « Du ».")
        return cleaned

    def query(self) -> dict[str, str]:
        """The cleaned values as the query string writes them, to carry them into links (downloads)."""
        return {name: self.cleaned_data[name].isoformat() for name in ("du", "au")}


class EvolutionForm(PeriodForm):
    """The dates and the step of a département's series: weekly by default, at most MAX_POINTS points."""

    pas = forms.ChoiceField(
        label="Pas de la série",
        choices=[(Step.WEEKLY, "Hebdomadaire"), (Step.MONTHLY, "Mensuel")],
        required=False,
        error_messages={"invalid_choice": "Choisissez « Hebdomadaire » ou « Mensuel »."},
    )

    def clean_pas(self) -> str:
        return self.cleaned_data["pas"] or Step.WEEKLY

    def clean(self):
        cleaned = super().clean()
        start, end, step = cleaned.get("du"), cleaned.get("au"), cleaned.get("pas")
        if start and end and step and not self.errors and count_points(start, end, step) > MAX_POINTS:
            self.add_error(
                "pas",
                f"La série compterait plus de {MAX_POINTS} points : choisissez un pas mensuel ou une période plus "
                "courte.",
            )
        return cleaned

    def query(self) -> dict[str, str]:
        return super().query() | {"pas": self.cleaned_data["pas"]}


class DownloadForm(forms.Form):
    """Which table to download (`table`, one of the page's) and in which format (`format`: csv or xlsx)."""

    format = forms.ChoiceField(
        choices=[("csv", "CSV"), ("xlsx", "xlsx")],
        error_messages={"invalid_choice": "Choisissez le format « csv » ou « xlsx ».", "required": "Format manquant."},
    )
    table = forms.ChoiceField(
        choices=[],
        error_messages={"invalid_choice": "Ce tableau n'existe pas sur cette page.", "required": "Tableau manquant."},
    )

    def __init__(self, data, *, tables: list[str]):
        super().__init__(data)
        self.fields["table"].choices = [(name, name) for name in tables]
