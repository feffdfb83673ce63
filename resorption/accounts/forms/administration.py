"""Forms of the account administration: they check the shape of the input; the rules (which role, which area, which
state) are the services' and the permissions' business."""

import re

from django import forms

from resorption.accounts.enums import AccessStatus, AdminRole, AreaType, Role
from resorption.accounts.models import Organization, OrganizationType
from resorption.accounts.validators import validate_not_anonymous_address
from resorption.core.forms import BaseForm
from resorption.emails.models import EmailStatus

# ---------------------------------------------------------------------------------------------------------------------
# Lists
# ---------------------------------------------------------------------------------------------------------------------


class AccountFilterForm(BaseForm):
    q = forms.CharField(
        label="Rechercher",
        required=False,
        max_length=200,
        help_text="Nom, adresse électronique ou structure",
        widget=forms.TextInput(attrs={"type": "search"}),
    )
    statut = forms.ChoiceField(
        label="Statut de l'accès",
        required=False,
        choices=[("", "Tous les statuts"), *AccessStatus.choices],
    )
    role = forms.ChoiceField(
        label="Rôle",
        required=False,
        choices=[("", "Tous les rôles"), *AdminRole.choices, *Role.choices],
    )


class OutboxFilterForm(BaseForm):
    statut = forms.ChoiceField(
        label="Statut",
        required=False,
        choices=[
            ("", "Tous les courriels"),
            (EmailStatus.FAILED, "En échec"),
            (EmailStatus.PENDING, "En attente"),
            (EmailStatus.SENT, "Envoyés"),
        ],
    )


class SignInFilterForm(BaseForm):
    email = forms.CharField(
        label="Adresse électronique",
        required=False,
        max_length=254,
        help_text="Tout ou partie de l'adresse saisie",
        widget=forms.TextInput(attrs={"type": "search"}),
    )


# ---------------------------------------------------------------------------------------------------------------------
# Territories typed as codes
# ---------------------------------------------------------------------------------------------------------------------

AREA_TYPE_CHOICES = [("", "Choisir un niveau"), *AreaType.choices]
CODES_HELP = (
    "Code INSEE des communes, départements et régions, numéro SIREN des intercommunalités ; plusieurs codes "
    "séparés par des virgules. Exemple : 33063, 33281"
)
_AREA_VALUE = re.compile(r"^((region|departement|epci|commune):[0-9A-Za-z]{1,9}|nation:)$")


def parse_codes(text: str) -> list[str]:
    return [code for code in re.split(r"[\s,;]+", text.strip()) if code]


def area_value(area_type: str, code: str | None) -> str:
    """How an area travels in a form: "departement:33", "nation:"."""
    return f"{area_type}:{code or ''}"


class AreaValuesField(forms.MultipleChoiceField):
    """Checkboxes of areas: the current ones and the results of a territory search. Any well-formed value is
    accepted, since the search that offered it is not repeated on submission; the service checks the codes."""

    def valid_value(self, value):
        return bool(_AREA_VALUE.match(str(value)))


def _typed_codes(form: forms.Form, type_field: str, codes_field: str) -> list[tuple[str, str]]:
    """(type, code) pairs typed in a level select and a codes field; adds form errors when the level is missing."""
    area_type = form.cleaned_data.get(type_field, "")
    codes = parse_codes(form.cleaned_data.get(codes_field, ""))
    if area_type == AreaType.NATION:
        return [(AreaType.NATION, "")]
    if codes and not area_type:
        form.add_error(type_field, "Choisissez le niveau des codes saisis.")
    if area_type and not codes:
        form.add_error(codes_field, "Saisissez au moins un code.")
    return [(area_type, code) for code in codes] if area_type else []


# ---------------------------------------------------------------------------------------------------------------------
# The account page
# ---------------------------------------------------------------------------------------------------------------------


class ConfirmForm(BaseForm):
    """The actions that need nothing but a click (send a link, reactivate, promote, demote)."""


class RoleForm(BaseForm):
    """The account's regular role. The select offers its current role, shown selected, and the roles this admin may
    give it (`roles`): saving without touching the select keeps the role, even one this admin could not give."""

    role = forms.ChoiceField(
        label="Rôle",
        error_messages={"invalid_choice": "Vous ne pouvez pas attribuer ce rôle à ce compte."},
    )

    def __init__(self, *args, roles: tuple[Role, ...], current: str, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["role"]
        field.choices = [
            (role.value, f"{role.label} (rôle actuel)" if role == current else role.label)
            for role in Role
            if role == current or role in roles
        ]
        if len(roles) < len(Role):
            giveable = ", ".join(f"« {role.label} »" for role in roles)
            # The bound field, already made by DsfrBaseForm, copied the help text of the field when it was made.
            self["role"].help_text = field.help_text = (
                f"Vous pouvez attribuer : {giveable}. Les autres rôles sont donnés par un administrateur national."
            )

    @property
    def offers_a_change(self) -> bool:
        """Whether the select holds anything but the current role."""
        return len(self.fields["role"].choices) > 1


class OptionsForm(BaseForm):
    options = forms.MultipleChoiceField(
        label="Options",
        required=False,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"invalid_choice": "Cette option ne peut pas être donnée à un compte de ce rôle."},
    )

    def __init__(self, *args, options: tuple, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["options"].choices = [(option.value, option.label) for option in options]


class AreasForm(BaseForm):
    ORGANIZATION = "organization"
    CUSTOM = "custom"

    mode = forms.ChoiceField(
        label="Territoires d'intervention du compte",
        widget=forms.RadioSelect,
        error_messages={"required": "Choisissez d'où viennent les territoires d'intervention."},
    )
    areas = AreaValuesField(
        label="Territoires choisis",
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Décochez un territoire pour le retirer ; cherchez-en d'autres ci-dessus, ou saisissez leur code.",
        error_messages={"invalid_choice": "Ce territoire n'est pas valide."},
    )
    area_type = forms.ChoiceField(label="Ajouter des territoires : niveau", required=False, choices=AREA_TYPE_CHOICES)
    area_codes = forms.CharField(label="Codes des territoires", required=False, max_length=500, help_text=CODES_HELP)

    def __init__(self, *args, organization_label: str, area_choices: list[tuple[str, str]], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["mode"].choices = [
            (self.ORGANIZATION, f"Ceux de sa structure ({organization_label})"),
            (self.CUSTOM, "Des territoires choisis pour ce compte"),
        ]
        self.fields["areas"].choices = area_choices

    def clean(self):
        cleaned_data = super().clean()
        chosen = [tuple(value.split(":", 1)) for value in cleaned_data.get("areas", [])]
        chosen += _typed_codes(self, "area_type", "area_codes")
        if cleaned_data.get("mode") == self.CUSTOM and not chosen and not self.errors:
            self.add_error("areas", "Choisissez au moins un territoire d'intervention.")
        cleaned_data["chosen_areas"] = None if cleaned_data.get("mode") == self.ORGANIZATION else chosen
        return cleaned_data


class NoteForm(BaseForm):
    note = forms.CharField(
        label="Note d'administration",
        required=False,
        max_length=5000,
        help_text="Lue par les seuls administrateurs, jamais par la personne.",
        widget=forms.Textarea(attrs={"rows": 4}),
    )


class RefuseForm(BaseForm):
    reason = forms.CharField(
        label="Motif du refus",
        max_length=2000,
        help_text="Envoyé par courriel à la personne, qui pourra vous répondre.",
        error_messages={"required": "Indiquez le motif du refus : il sera envoyé à la personne."},
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class DeactivateForm(BaseForm):
    reason = forms.CharField(
        label="Motif de la désactivation",
        max_length=2000,
        help_text="Envoyé par courriel à la personne.",
        error_messages={"required": "Indiquez le motif de la désactivation : il sera envoyé à la personne."},
        widget=forms.Textarea(attrs={"rows": 3}),
    )


# ---------------------------------------------------------------------------------------------------------------------
# Creations
# ---------------------------------------------------------------------------------------------------------------------

# More would make a select nobody can read: the admin narrows the list with the organisation search instead.
ORGANIZATION_CHOICES_LIMIT = 200


class OrganizationChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        abbreviation = f" ({obj.abbreviation})" if obj.abbreviation else ""
        return f"{obj.name}{abbreviation} — {obj.type.name_singular} — {obj.territory_label}"


class UserCreateForm(BaseForm):
    first_name = forms.CharField(label="Prénom", max_length=150)
    last_name = forms.CharField(label="Nom", max_length=150)
    email = forms.EmailField(
        label="Adresse électronique",
        max_length=254,
        help_text="Format attendu : nom@domaine.fr",
        validators=[validate_not_anonymous_address],
    )
    phone = forms.CharField(label="Téléphone", max_length=20, help_text="Exemple : 06 12 34 56 78")
    position = forms.CharField(label="Fonction", max_length=200)
    organization = OrganizationChoiceField(
        label="Structure",
        queryset=Organization.objects.none(),
        empty_label="Choisir une structure",
        error_messages={"invalid_choice": "Choisissez une structure de votre territoire dans la liste."},
    )
    role = forms.ChoiceField(
        label="Rôle",
        error_messages={"invalid_choice": "Vous ne pouvez pas attribuer ce rôle."},
    )

    def __init__(self, *args, organizations, shown_organizations, roles: tuple[Role, ...], **kwargs):
        """`organizations`: those the admin may choose; `shown_organizations`: those the select offers (a search)."""
        super().__init__(*args, **kwargs)
        field = self.fields["organization"]
        field.queryset = organizations
        shown = list(shown_organizations[:ORGANIZATION_CHOICES_LIMIT])
        field.widget.choices = [("", field.empty_label)] + [(org.pk, field.label_from_instance(org)) for org in shown]
        self.fields["role"].choices = [(role.value, role.label) for role in roles]


class OrganizationCreateForm(BaseForm):
    name = forms.CharField(label="Nom", max_length=250)
    abbreviation = forms.CharField(label="Sigle", max_length=250, required=False)
    organization_type = forms.ModelChoiceField(
        label="Type de structure",
        queryset=OrganizationType.objects.all(),
        empty_label="Choisir un type",
        error_messages={"invalid_choice": "Choisissez un type de structure dans la liste."},
    )
    location_type = forms.ChoiceField(label="Niveau où se trouve la structure", choices=AREA_TYPE_CHOICES)
    location_code = forms.CharField(
        label="Code du territoire où se trouve la structure",
        required=False,
        max_length=9,
        help_text="Code INSEE de la commune, du département ou de la région, numéro SIREN de l'intercommunalité ; "
        "rien pour « France entière ».",
    )
    area_type = forms.ChoiceField(
        label="Territoires d'intervention : niveau", required=False, choices=AREA_TYPE_CHOICES
    )
    area_codes = forms.CharField(
        label="Codes des territoires d'intervention",
        required=False,
        max_length=500,
        help_text=f"Laissez vide si la structure intervient là où elle se trouve. {CODES_HELP}",
    )

    def clean(self):
        cleaned_data = super().clean()
        location_type = cleaned_data.get("location_type")
        if location_type and location_type != AreaType.NATION and not cleaned_data.get("location_code", "").strip():
            self.add_error("location_code", "Saisissez le code du territoire où se trouve la structure.")
        cleaned_data["areas"] = _typed_codes(self, "area_type", "area_codes") or None
        return cleaned_data
