"""The journal's forms: they check the shape of the input; the rules (audience, tags, files, health follow-up) are
the services' (services.py), whose French errors come back next to the same fields."""

from django import forms
from dsfr.widgets import InlineCheckboxSelectMultiple

from resorption.core.forms import BaseForm, BoundedDateField, parse_id
from resorption.journal.attachments import ALLOWED_LABEL, MAX_FILES
from resorption.journal.enums import Audience, EntryKind, HealthIntervention
from resorption.journal.services import Recipients, audience_chosen


class MultipleFileInput(forms.FileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files under one name. Each file is checked by the services (type from the bytes, size, antivirus),
    not here: Django's own checks would only repeat some of them with other words."""

    def __init__(self, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(**kwargs)

    def clean(self, data, initial=None):
        uploads = [upload for upload in data if upload] if isinstance(data, list | tuple) else [data] if data else []
        if len(uploads) > MAX_FILES:
            raise forms.ValidationError(f"Vous pouvez joindre au plus {MAX_FILES} fichiers à un message.")
        return uploads


class RecipientsField(forms.TypedMultipleChoiceField):
    """Ids of organisations or people of a custom audience. The page never lists them as options (the picker finds
    them through `journal:recipients`): the form gives as choices those of the ids sent that the audience holds."""

    widget = forms.MultipleHiddenInput

    def __init__(self, **kwargs):
        super().__init__(coerce=int, required=False, **kwargs)


def _tag_choices(tags) -> list[tuple[str, str]]:
    return [(tag.uid, tag.label) for tag in tags]


class JournalEntryForm(BaseForm):
    """« Nouveau message » / « Nouveau suivi sanitaire » (§D.2, §I.2). The tags offered are given by the view, so
    that the page reads their list once."""

    kind = forms.ChoiceField(choices=EntryKind.choices, widget=forms.HiddenInput, initial=EntryKind.MESSAGE)
    health_date = BoundedDateField(
        label="Date de l'intervention",
        required=False,  # required for a health follow-up only (see __init__)
        error_messages={"required": "La date de l'intervention est obligatoire."},
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    health_interventions = forms.MultipleChoiceField(
        label="Interventions réalisées",
        required=False,
        error_messages={"required": "Cochez au moins une intervention."},
        choices=HealthIntervention.choices,
        widget=forms.CheckboxSelectMultiple,
    )
    body = forms.CharField(
        label="Message",
        widget=forms.Textarea(attrs={"rows": 5}),
        error_messages={"required": "Le message ne peut pas être vide."},
    )
    audience = forms.ChoiceField(
        label="Qui peut lire ce message ?",
        choices=Audience.choices,
        initial=Audience.PUBLIC,
        widget=forms.RadioSelect,
        error_messages={"required": "Choisissez qui peut lire ce message."},
    )
    # The custom audience: ids chosen through the picker's search (journal/includes/recipients.html), checked
    # against the audience offered (see __init__).
    target_organizations = RecipientsField(label="Structures destinataires")
    target_users = RecipientsField(label="Personnes destinataires")
    tags = forms.MultipleChoiceField(label="Étiquettes", required=False, widget=InlineCheckboxSelectMultiple)
    files = MultipleFileField(
        label="Pièces jointes",
        help_text=f"Jusqu'à {MAX_FILES} fichiers de 10 Mo au plus chacun. Formats acceptés : {ALLOWED_LABEL}.",
        required=False,
        widget=MultipleFileInput(attrs={"class": "fr-upload"}),
    )

    def __init__(self, *args, tags, departement_id: str, **kwargs):
        """`departement_id` (the site's): the ids sent (or given as initial values) are looked up in its custom
        audience (`services.audience_chosen`), and become the fields' choices: an id outside the audience is refused
        as a choice the page never offered, without listing the whole département. No query when none is sent."""
        super().__init__(*args, **kwargs)
        if "tags" in self.fields:
            self.fields["tags"].choices = _tag_choices(tags)
        organization_ids, user_ids = self._ids("target_organizations"), self._ids("target_users")
        self.chosen = (
            audience_chosen(departement_id, organization_ids=organization_ids, user_ids=user_ids)
            if organization_ids or user_ids
            else Recipients()
        )
        self.fields["target_organizations"].choices = [(org.pk, org.name) for org in self.chosen.organizations]
        self.fields["target_users"].choices = [
            (user.pk, f"{user.full_name} ({user.organization.name})") for user in self.chosen.users
        ]
        self.fields["files"].widget.group_class = "fr-upload-group"
        if self.is_health:
            # The bound field (already built by DsfrBaseForm) carries the label shown.
            self["body"].label = "Précisions sur l'intervention"
            self.fields["health_date"].required = True
            self.fields["health_interventions"].required = True

    @property
    def is_health(self) -> bool:
        return self["kind"].value() == EntryKind.HEALTH

    @property
    def has_recipient_errors(self) -> bool:
        return bool(self["target_organizations"].errors or self["target_users"].errors)

    def typed_values(self) -> dict:
        """What was sent, as the initial values of the same form shown again without checking it (the picker's search
        without JavaScript). Files cannot be sent back to the browser."""
        return {name: self[name].value() for name in self.fields if name != "files"}

    def _ids(self, name: str) -> set[int]:
        values = self[name].value() or []
        return {parse_id(value) for value in (values if isinstance(values, list | tuple) else [values])} - {None}


class JournalEntryEditForm(BaseForm):
    """« Modifier le message » (§D.3): its text and tags."""

    body = forms.CharField(
        label="Message",
        widget=forms.Textarea(attrs={"rows": 6}),
        error_messages={"required": "Le message ne peut pas être vide."},
    )
    tags = forms.MultipleChoiceField(label="Étiquettes", required=False, widget=InlineCheckboxSelectMultiple)

    def __init__(self, *args, tags, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["tags"].choices = _tag_choices(tags)


class JournalEntryDeleteForm(BaseForm):
    """« Supprimer le message » (§D.3): a moderator deleting someone else's message gives the reason, emailed to the
    author."""

    reason = forms.CharField(
        label="Motif de la suppression",
        help_text="Il sera envoyé à l'auteur du message, avec son message.",
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": "Vous devez préciser le motif de suppression du message."},
    )

    def __init__(self, *args, reason_required: bool, **kwargs):
        super().__init__(*args, **kwargs)
        if not reason_required:
            del self.fields["reason"]
