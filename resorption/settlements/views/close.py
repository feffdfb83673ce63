"""Closing a site (issue 4, item 6; reference §C.6) and « Corriger le statut » of a closed one.

Both pages follow the same path: the site through `Site.objects.visible_to` (out of scope = 404), the permission
(403), then the service (`site_close`, `site_fix_status`), whose French errors are shown next to their fields. The
form carries the version of the site it was opened on: if someone saved the site meanwhile, nothing is saved and the
form comes back with what changed (`StaleSiteError`). A closed site is never reopened (a new site is declared).
"""

from django import forms
from django.contrib import messages
from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone

from resorption.accounts import permissions
from resorption.core.forms import BaseForm, BoundedDateField, CountField, IdField
from resorption.settlements.access import access_site
from resorption.settlements.enums import ClosingCause, ClosingSolution
from resorption.settlements.models import Site
from resorption.settlements.services import StaleSiteError, site_close, site_fix_status

ALREADY_CLOSED = (
    "Ce site est déjà fermé : il ne peut pas être fermé une seconde fois. Si des personnes se sont réinstallées, "
    "déclarez un nouveau site."
)
NOT_CLOSED = "Ce site n'est pas fermé : seul le statut d'un site fermé peut être corrigé."
YES, NO = "oui", "non"
RESORBED_CHOICES = [(YES, "Oui, le site est résorbé"), (NO, "Non, le site est seulement fermé")]


def _yes_no(value: str) -> bool:
    return value == YES


class _ClosingFields(BaseForm):
    """What the close and fix-status forms share: the version the form was opened on, cause, résorbé, context."""

    expected_version = IdField(widget=forms.HiddenInput)
    closing_cause = forms.ChoiceField(
        label="Cause de la fermeture", choices=[("", "Sélectionnez une cause"), *ClosingCause.choices]
    )
    closed_with_solutions = forms.TypedChoiceField(
        label="Le site a-t-il été résorbé définitivement ?",
        choices=RESORBED_CHOICES,
        coerce=_yes_no,
        widget=forms.RadioSelect,
        error_messages={"required": "Indiquez si le site a été résorbé définitivement."},
    )
    closing_context = forms.CharField(
        label="Préciser le contexte de la fermeture et les faits à signaler",
        help_text="Obligatoire lorsque la cause est « Autre ».",
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
    )


def _orientation_fields() -> dict[str, forms.Field]:
    """Three fields per closing solution (§C.6 « Orientations des ménages »): people, households, précisions."""
    fields: dict[str, forms.Field] = {}
    for solution in ClosingSolution:
        fields[f"{solution}_people"] = CountField(label="Nombre de personnes", required=False)
        fields[f"{solution}_households"] = CountField(label="Nombre de ménages", required=False)
        fields[f"{solution}_message"] = forms.CharField(
            label="Précisions", required=False, widget=forms.Textarea(attrs={"rows": 2})
        )
    return fields


# Built through the forms' metaclass, as if the 18 fields were written out, so that `BaseForm` sets them up for DSFR.
_Orientations = type(BaseForm)("_Orientations", (BaseForm,), {"__module__": __name__, **_orientation_fields()})


class SiteCloseForm(_ClosingFields, _Orientations):
    """§C.6: date, cause, résorbé définitivement ?, context, and one row per closing solution."""

    closed_at = BoundedDateField(
        label="Date de la fermeture du site",
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"required": "La date de la fermeture du site est obligatoire."},
    )

    @property
    def orientation_rows(self) -> list[dict]:
        """One row per closing solution, for the template: its label and its three bound fields."""
        return [
            {
                "label": solution.label,
                "people": self[f"{solution}_people"],
                "households": self[f"{solution}_households"],
                "message": self[f"{solution}_message"],
            }
            for solution in ClosingSolution
        ]

    def clean(self):
        cleaned = super().clean()
        for solution in ClosingSolution:
            people = cleaned.get(f"{solution}_people")
            households = cleaned.get(f"{solution}_households")
            if people is not None and households is not None and households > people:
                self.add_error(
                    f"{solution}_households", "Le nombre de ménages ne peut pas dépasser le nombre de personnes."
                )
        return cleaned

    def orientations(self) -> list[dict]:
        """The rows the user filled in, as `site_close` takes them."""
        rows = []
        for solution in ClosingSolution:
            row = {
                "solution": solution.value,
                "people_affected": self.cleaned_data.get(f"{solution}_people"),
                "households_affected": self.cleaned_data.get(f"{solution}_households"),
                "message": (self.cleaned_data.get(f"{solution}_message") or "").strip(),
            }
            if row["people_affected"] is not None or row["households_affected"] is not None or row["message"]:
                rows.append(row)
        return rows


class SiteFixStatusForm(_ClosingFields):
    """« Corriger le statut »: résorbé or fermé, the cause and its context, of a closed site."""

    field_order = ["expected_version", "closed_with_solutions", "closing_cause", "closing_context"]


def close(request: HttpRequest, pk: int) -> HttpResponse:
    """« Fermer le site »: for those who may close it (403 otherwise); a closed site is refused."""
    site = access_site(request.user, pk, shape="commune")
    if not permissions.can_close_site(request.user, site):
        raise PermissionDenied("Vous n'avez pas le droit de fermer ce site.")
    if site.is_closed:
        messages.error(request, ALREADY_CLOSED)
        return redirect("settlements:detail", pk=site.pk)

    changes = []
    if request.method == "POST":
        form = SiteCloseForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                site_close(
                    user=request.user,
                    site_id=site.pk,
                    expected_version=data["expected_version"],
                    closed_at=data["closed_at"],
                    closing_cause=data["closing_cause"],
                    closed_with_solutions=data["closed_with_solutions"],
                    orientations=form.orientations(),
                    closing_context=data["closing_context"],
                )
            except StaleSiteError as error:
                changes = error.changes
                form = _reopened_on_current_version(SiteCloseForm, request, site)
                form.add_error(None, error.message)
            except ValidationError as error:
                if getattr(error, "code", None) == "already_closed":
                    messages.error(request, ALREADY_CLOSED)
                    return redirect("settlements:detail", pk=site.pk)
                _show_errors(form, error)
            else:
                messages.success(request, "La fermeture du site a été enregistrée.")
                return redirect("settlements:detail", pk=site.pk)
    else:
        form = SiteCloseForm(initial={"expected_version": site.version, "closed_at": timezone.localdate()})
    return render(request, "settlements/site_close.html", {"site": site, "form": form, "changes": changes})


def fix_status(request: HttpRequest, pk: int) -> HttpResponse:
    """« Corriger le statut » of a closed site (§C.6 `setClosedWithSolutions`): for holders of `fix_status` only."""
    site = access_site(request.user, pk, shape="commune")
    if not permissions.can_fix_site_status(request.user, site):
        raise PermissionDenied("Vous n'avez pas le droit de corriger le statut de ce site.")
    if not site.is_closed:
        messages.error(request, NOT_CLOSED)
        return redirect("settlements:detail", pk=site.pk)

    changes = []
    if request.method == "POST":
        form = SiteFixStatusForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                site_fix_status(
                    user=request.user,
                    site_id=site.pk,
                    expected_version=data["expected_version"],
                    closed_with_solutions=data["closed_with_solutions"],
                    closing_cause=data["closing_cause"],
                    closing_context=data["closing_context"],
                )
            except StaleSiteError as error:
                changes = error.changes
                form = _reopened_on_current_version(SiteFixStatusForm, request, site)
                form.add_error(None, error.message)
            except ValidationError as error:
                _show_errors(form, error)
            else:
                messages.success(request, "Le statut du site a été corrigé.")
                return redirect("settlements:detail", pk=site.pk)
    else:
        form = SiteFixStatusForm(
            initial={
                "expected_version": site.version,
                "closed_with_solutions": YES if site.closed_with_solutions else NO,
                "closing_cause": site.closing_cause,
                "closing_context": site.closing_context,
            }
        )
    return render(request, "settlements/site_fix_status.html", {"site": site, "form": form, "changes": changes})


def _reopened_on_current_version(form_class, request: HttpRequest, site: Site) -> BaseForm:
    """The user's input again, now carrying the current version: after reading what changed, he saves on purpose."""
    site.refresh_from_db(fields=["version"])
    data = request.POST.copy()
    data["expected_version"] = str(site.version)
    form = form_class(data)
    form.is_valid()
    return form


def _show_errors(form: BaseForm, error: ValidationError) -> None:
    """A service's errors next to their fields; those of a field the form does not have (the orientations, a rule
    across fields) on top of it."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for field, messages_ in error.message_dict.items():
        form.add_error(field if field in form.fields and field != NON_FIELD_ERRORS else None, messages_)


urlpatterns = [
    path("<int:pk>/fermer/", close, name="close"),
    path("<int:pk>/statut/", fix_status, name="fix_status"),
]
