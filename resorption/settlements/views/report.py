"""« Signaler un site » (issue 4, item 8; reference §C.11): any signed-in person tells the admins of the département
about a site; nothing is stored as a site (`settlements.report`)."""

import re

from django import forms
from django.contrib import messages
from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path

from resorption.accounts import permissions
from resorption.core.forms import BaseForm, CountField
from resorption.settlements.enums import FieldType
from resorption.settlements.models import NAME_MAX_LENGTH
from resorption.settlements.report import declaration_path, site_report
from resorption.territories.models import Commune, clean_search_term, search_key

# An INSEE code: 5 characters, digits or Corsica's 2A/2B followed by 3 digits. A postal code has the same shape.
_INSEE_CODE = re.compile(r"^(\d{5}|2[AB]\d{3})$")
# How many communes an ambiguous name lists in its error message.
SUGGESTIONS = 5


def find_commune(term: str) -> Commune:
    """The commune a person typed, by INSEE code, postal code or name; `ValidationError` in French when none or
    several match, naming the candidates with their codes so that the person can type the right one."""
    term = clean_search_term(term)
    if not term:
        raise ValidationError("Indiquez la commune du site.")
    if _INSEE_CODE.match(term.upper()):
        commune = Commune.objects.filter(pk=term.upper()).select_related("departement").first()
        if commune is not None:
            return commune
        matches = list(Commune.objects.search(term).filter(postal_codes__contains=term)[: SUGGESTIONS + 1])
        if not matches:
            raise ValidationError(f"Aucune commune n'a le code INSEE ou le code postal « {term} ».")
    else:
        found = Commune.objects.search(term).select_related("departement")
        exact = list(found.filter(search_name=search_key(term))[: SUGGESTIONS + 1])
        matches = exact or list(found[: SUGGESTIONS + 1])
        if not matches:
            raise ValidationError(
                f"Aucune commune ne correspond à « {term} ». Vérifiez l'orthographe ou le code INSEE."
            )
    if len(matches) == 1:
        return matches[0]
    listed = ", ".join(
        f"{commune.name} ({commune.departement_id}) : {commune.pk}" for commune in matches[:SUGGESTIONS]
    )
    raise ValidationError(f"Plusieurs communes correspondent à « {term} » : indiquez son code INSEE ({listed}).")


class SiteReportForm(BaseForm):
    address = forms.CharField(
        label="Adresse du site",
        help_text="Numéro et voie, lieu-dit ou indication permettant de trouver le site",
        max_length=500,
        error_messages={"required": "L'adresse du site est obligatoire."},
    )
    commune = forms.CharField(
        label="Commune",
        help_text="Nom de la commune ou code INSEE, par exemple Bordeaux ou 33063",
        max_length=100,
        error_messages={"required": "Indiquez la commune du site."},
    )
    latitude = forms.FloatField(
        label="Latitude",
        help_text="En degrés décimaux, par exemple 44.8378",
        required=False,
        # Bounded here too (the service says the same), so that a bad value is shown even when another field is.
        min_value=-90,
        max_value=90,
        error_messages={
            "min_value": "La latitude doit être comprise entre -90 et 90.",
            "max_value": "La latitude doit être comprise entre -90 et 90.",
        },
        widget=forms.NumberInput(attrs={"step": "any"}),
    )
    longitude = forms.FloatField(
        label="Longitude",
        help_text="En degrés décimaux, par exemple -0.5792",
        required=False,
        # Bounded here too (the service says the same), so that a bad value is shown even when another field is.
        min_value=-180,
        max_value=180,
        error_messages={
            "min_value": "La longitude doit être comprise entre -180 et 180.",
            "max_value": "La longitude doit être comprise entre -180 et 180.",
        },
        widget=forms.NumberInput(attrs={"step": "any"}),
    )
    name = forms.CharField(
        label="Appellation du site",
        help_text=f"Le nom sous lequel le site est connu localement ({NAME_MAX_LENGTH} caractères au plus)",
        max_length=NAME_MAX_LENGTH,
        required=False,
    )
    field_type = forms.ChoiceField(
        label="Type de site", choices=FieldType.choices, initial=FieldType.UNKNOWN, widget=forms.RadioSelect
    )
    population_total = CountField(
        label="Nombre de personnes",
        help_text="Une estimation suffit",
        required=False,
        min_value=1,
    )
    notes = forms.CharField(
        label="Informations complémentaires",
        help_text=(
            "Ce que vous avez constaté (installation récente, conditions de vie, besoins urgents…). N'indiquez aucune "
            "donnée personnelle sur les habitants : ni nom, ni origine ethnique."
        ),
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
    )

    def clean_commune(self) -> Commune:
        return find_commune(self.cleaned_data["commune"])


def report(request: HttpRequest) -> HttpResponse:
    """The report form; on success the admins and the person are emailed and the person goes back to the list."""
    user = request.user
    if not permissions.can_report_site(user):
        raise PermissionDenied("Vous n'avez pas le droit de signaler un site.")
    form = SiteReportForm(request.POST if request.method == "POST" else None)
    if form.is_valid():
        data = form.cleaned_data
        try:
            site_report(user=user, **data)
        except ValidationError as error:
            for field, messages_ in error.message_dict.items():
                form.add_error(field if field in form.fields and field != NON_FIELD_ERRORS else None, messages_)
        else:
            messages.success(
                request,
                f"Votre signalement du site situé {data['address']}, à {data['commune'].name}, a été transmis aux "
                "administrateurs du département. Un courriel vous le confirme.",
            )
            return redirect("settlements:list")
    return render(
        request,
        "settlements/site_report.html",
        {
            "form": form,
            "can_declare": permissions.can_declare_site(user),
            "declaration_path": declaration_path(),
        },
    )


urlpatterns = [
    path("signaler/", report, name="report"),
]
