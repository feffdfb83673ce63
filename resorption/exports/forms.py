"""The site export form (§H.4): which sites (the list's query string carried over, open or closed), at which date,
with which optional sections. Only the shape of the input is checked here; rights and dates are the service's."""

import datetime

from django import forms
from django.utils import timezone

from resorption.core.forms import BaseForm, BoundedDateField
from resorption.exports import exports
from resorption.exports.services import EARLIEST_DATE
from resorption.settlements.forms import Tab

QUERY_MAX_LENGTH = 4000
DATE_FORMATS = ["%Y-%m-%d", "%d/%m/%Y"]


class SiteExportForm(BaseForm):
    filtres = forms.CharField(
        required=False,
        max_length=QUERY_MAX_LENGTH,
        widget=forms.HiddenInput,
        error_messages={"max_length": "Les filtres de la liste sont trop longs pour être exportés."},
    )
    statut = forms.ChoiceField(
        label="Sites à exporter",
        choices=[(Tab.OPEN, "Sites existants"), (Tab.CLOSED, "Sites fermés ou résorbés")],
        initial=Tab.OPEN,
        widget=forms.RadioSelect,
        error_messages={"required": "Choisissez les sites à exporter.", "invalid_choice": "Choix inconnu."},
    )
    date = BoundedDateField(
        label="À la date du",
        help_text="Facultatif : les sites tels qu'ils étaient à la fin de ce jour. Vide : aujourd'hui.",
        required=False,
        min_value=EARLIEST_DATE,
        input_formats=DATE_FORMATS,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"invalid": "Saisissez une date au format JJ/MM/AAAA."},
    )
    sections = forms.MultipleChoiceField(
        label="Sections facultatives",
        required=False,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"invalid_choice": "Section inconnue : %(value)s."},
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["sections"].choices = [(option.value, option.label) for option in exports.options_for(user)]

    def clean_date(self) -> datetime.date | None:
        day = self.cleaned_data.get("date")
        if day and day > timezone.localdate():
            raise forms.ValidationError("La date ne peut pas être dans le futur.")
        return day
