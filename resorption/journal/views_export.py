"""`/sites/journal/export/`: the journal messages a user may read, as an xlsx file (reference §D.3, §A.7).

For holders of « Exporter les messages des journaux » (`shantytown_comment.export`: admins, on their territory).
Optional GET parameters: `departement` (a code), `du` and `au` (days, JJ/MM/AAAA or AAAA-MM-JJ, both included).
Wrong parameters are answered with status 400 and a French message naming the field; nothing is exported.
"""

import logging

from django import forms
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from resorption.accounts import permissions
from resorption.core.forms import BoundedDateField
from resorption.core.xlsx import XLSX_CONTENT_TYPE
from resorption.journal import export
from resorption.territories.models import Departement

logger = logging.getLogger("resorption.journal")

NO_RIGHT_TO_EXPORT = "Vous n'avez pas le droit d'exporter les messages des journaux des sites."
DATE_FORMATS = ["%d/%m/%Y", "%Y-%m-%d"]


class JournalExportFilterForm(forms.Form):
    departement = forms.CharField(label="Département", required=False, max_length=3)
    du = BoundedDateField(
        label="Du",
        required=False,
        input_formats=DATE_FORMATS,
        error_messages={"invalid": "Saisissez une date au format JJ/MM/AAAA."},
    )
    au = BoundedDateField(
        label="Au",
        required=False,
        input_formats=DATE_FORMATS,
        error_messages={"invalid": "Saisissez une date au format JJ/MM/AAAA."},
    )

    def clean_departement(self) -> str:
        code = self.cleaned_data["departement"].strip().upper()
        if code and not Departement.objects.filter(code=code).exists():
            raise forms.ValidationError(f"Le département « {code} » n'existe pas.")
        return code

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("du"), cleaned.get("au")
        if start and end and start > end:
            self.add_error("au", "La date de fin ne peut pas précéder la date de début.")
        return cleaned


def _errors(form: forms.Form) -> list[str]:
    return [
        f"{form.fields[name].label if name in form.fields else 'Export'} : {message}"
        for name, messages in form.errors.items()
        for message in messages
    ]


@require_GET
def journal_export(request: HttpRequest) -> HttpResponse:
    user = request.user
    if not permissions.can_export_journal(user):
        raise PermissionDenied(NO_RIGHT_TO_EXPORT)
    form = JournalExportFilterForm(request.GET)
    if not form.is_valid():
        # The platform's 400 page, saying what was wrong with the filters.
        return render(request, "400.html", {"errors": _errors(form)}, status=400)
    entries = list(
        export.entries_to_export(
            user,
            departement=form.cleaned_data["departement"] or None,
            start=form.cleaned_data["du"],
            end=form.cleaned_data["au"],
        )
    )
    logger.info("journal export", extra={"user_id": user.pk, "rows": len(entries)})
    response = HttpResponse(export.journal_workbook(entries), content_type=XLSX_CONTENT_TYPE)
    filename = export.export_filename(timezone.localdate())
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
