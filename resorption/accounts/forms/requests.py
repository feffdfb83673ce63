"""The public "Demander un accès" form (reference §B.1).

Which fields are required depends on the answers (an access request needs a position; an actor asking for access
needs an organisation), and is decided on the server: the form works the same with or without JavaScript.
"""

import re

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.urls import reverse

from resorption.accounts.enums import AreaType, OrganizationCategory, Referral
from resorption.accounts.forms.auth import CHECKBOX_TEMPLATE
from resorption.accounts.models import Organization, OrganizationType
from resorption.accounts.services.requests import RequestType
from resorption.accounts.validators import validate_french_phone, validate_not_anonymous_address
from resorption.core.forms import BaseForm
from resorption.territories.models import Departement, parse_departement_code

YES, NO = "oui", "non"
# The value of the "not in the list" entries of the type and organisation selects.
OTHER = "autre"
# Without a département, a type with more organisations than this (communes: thousands) lists none: the page stays
# light and the person is asked to choose the département first.
MAX_ORGANIZATIONS_WITHOUT_DEPARTEMENT = 300
REFERRALS_WITH_DETAIL = (Referral.OTHER, Referral.WORD_OF_MOUTH)
ORGANIZATION_FIELDS = (
    "organization_type",
    "organization_departement",
    "organization",
    "other_organization_name",
    "other_organization_territory",
)

_PHONE_SEPARATORS = re.compile(r"[\s.\-]|\(0\)")
_COUNTRY_CODES = ("33", "262", "590", "594", "596")


def normalize_phone(value: str) -> str:
    """A French number (see `validate_french_phone`) in its 10-digit national form, the one stored: "0612345678".

    Overseas numbers keep their own digits: +262 692 12 34 56 is 0692 12 34 56 dialled from France.
    """
    validate_french_phone(value)
    compact = _PHONE_SEPARATORS.sub("", value.strip())
    if compact.startswith("00"):
        compact = f"+{compact[2:]}"
    for code in _COUNTRY_CODES:
        if compact.startswith(f"+{code}"):
            return f"0{compact.removeprefix(f'+{code}')}"
    return compact


def _single_line(value: str) -> None:
    """Names and short answers end up in emails: no line breaks nor other control characters."""
    if any(not character.isprintable() for character in value):
        raise ValidationError("Ce champ ne doit contenir ni retour à la ligne ni caractère spécial invisible.")


class SingleLineField(forms.CharField):
    default_validators = [_single_line]


def _text_input(autocomplete: str = "") -> forms.TextInput:
    return forms.TextInput(attrs={"autocomplete": autocomplete} if autocomplete else {})


class AccessRequestForm(BaseForm):
    # Which fields are required depends on the answers: the server decides; stale browser marks must not block.
    use_required_attribute = False

    request_type = forms.ChoiceField(
        label="Que souhaitez-vous faire ?",
        choices=RequestType.choices,
        initial=RequestType.ACCESS,
        widget=forms.RadioSelect,
        error_messages={"required": "Choisissez l'objet de votre demande.", "invalid_choice": "Choix inconnu."},
    )
    is_actor = forms.ChoiceField(
        label="Êtes-vous un acteur de la résorption des bidonvilles ?",
        help_text="Par exemple : service de l'État, collectivité, association, intervenant auprès des habitants.",
        choices=[(YES, "Oui"), (NO, "Non")],
        widget=forms.RadioSelect,
        error_messages={"required": "Répondez par oui ou par non.", "invalid_choice": "Répondez par oui ou par non."},
    )
    last_name = SingleLineField(label="Nom", max_length=150, widget=_text_input("family-name"))
    first_name = SingleLineField(label="Prénom", max_length=150, widget=_text_input("given-name"))
    email = forms.EmailField(
        label="Adresse électronique",
        max_length=254,
        help_text="Format attendu : nom@domaine.fr",
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
        validators=[validate_not_anonymous_address],
    )
    email_confirmation = forms.EmailField(
        label="Confirmez l'adresse électronique",
        max_length=254,
        help_text="Saisissez à nouveau la même adresse.",
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    phone = SingleLineField(
        label="Téléphone",
        max_length=30,
        help_text="Par exemple : 06 12 34 56 78 ou +262 692 12 34 56",
        widget=forms.TextInput(attrs={"autocomplete": "tel", "type": "tel"}),
    )
    # Organisation: only for an actor asking for access (see `needs_organization`).
    organization_type = forms.ChoiceField(
        label="Type de structure",
        help_text="Les types sont rangés par catégorie.",
        error_messages={"invalid_choice": "Ce type de structure n'existe pas. Choisissez-en un dans la liste."},
    )
    organization_departement = forms.ModelChoiceField(
        label="Département de la structure",
        help_text="Pour n'afficher que les structures de ce département (et les structures régionales ou nationales).",
        queryset=Departement.objects.order_by("code"),
        required=False,
        empty_label="Tous les départements",
        error_messages={"invalid_choice": "Ce département n'existe pas. Choisissez-en un dans la liste."},
    )
    organization = forms.CharField(
        label="Structure",
        help_text="Votre structure n'apparaît pas ? Choisissez « Ma structure n'est pas dans la liste ».",
        widget=forms.Select,
    )
    other_organization_name = SingleLineField(
        label="Nom de votre structure",
        max_length=250,
        help_text="Si votre structure n'est pas dans la liste.",
        widget=_text_input("organization"),
    )
    other_organization_territory = SingleLineField(
        label="Territoire de votre structure",
        max_length=250,
        help_text="Si votre structure n'est pas dans la liste : la commune, le département ou la région où elle agit.",
    )
    position = SingleLineField(label="Fonction", max_length=200, widget=_text_input("organization-title"))
    message = forms.CharField(
        label="Message",
        max_length=5000,
        help_text="Pour une demande d'accès : pourquoi souhaitez-vous utiliser la plateforme, sur quel territoire ?",
        widget=forms.Textarea(attrs={"rows": 5}),
    )
    referral = forms.ChoiceField(
        label="Comment avez-vous connu la plateforme ?",
        choices=[("", "Choisissez une réponse"), *Referral.choices],
        error_messages={"invalid_choice": "Choisissez une réponse dans la liste."},
    )
    referral_detail = SingleLineField(
        label="Précisez",
        max_length=250,
        help_text="Si vous avez répondu « Autre », précisez ; « Par le bouche-à-oreille » : qui vous en a parlé ?",
    )
    consent = forms.BooleanField(
        label="Je certifie que ces données personnelles ont été saisies avec l'accord de leur propriétaire",
        error_messages={"required": "Cochez la case pour certifier l'accord du propriétaire des données."},
        template_name=CHECKBOX_TEMPLATE,
    )
    # Honeypot: hidden from people and assistive technologies (see the template); robots filling every field fill it.
    website = forms.CharField(
        label="Ne pas remplir ce champ",
        required=False,
        widget=forms.TextInput(attrs={"tabindex": "-1", "autocomplete": "off"}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        answers = self.data if self.is_bound else self.initial
        self.is_access_request = answers.get("request_type", RequestType.ACCESS) == RequestType.ACCESS
        # Until the person has answered "non", an access request may need an organisation: show and ask for it.
        self.needs_organization = self.is_access_request and answers.get("is_actor") != NO
        self.selected_type = _organization_type(answers.get("organization_type"))
        self.selected_departement = _departement(answers.get("organization_departement"))
        organization_answer = answers.get("organization")
        self.organization_not_listed = answers.get("organization_type") == OTHER or organization_answer == OTHER

        self.fields["organization_type"].choices = organization_type_choices()
        self.fields["organization"].widget.choices = organization_choices(
            organization_type=self.selected_type, departement=self.selected_departement
        )
        # Text typed in the organisation part while htmx reloads it (the answers above changed) is kept: htmx leaves
        # these inputs in place instead of the server's copy of the answers sent with the request.
        for name in ("other_organization_name", "other_organization_territory", "position"):
            self.fields[name].widget.attrs["hx-preserve"] = "true"
        for name in ("organization_type", "organization_departement"):
            self.fields[name].widget.attrs.update(
                {
                    # With JavaScript, the organisation list follows the type and département chosen.
                    "hx-get": reverse("accounts:access_request_organizations"),
                    "hx-trigger": "change",
                    "hx-target": "#id_organization",
                    "hx-include": "#id_organization_type, #id_organization_departement",
                }
            )

        required = {
            "position": self.is_access_request,
            "organization_type": self.needs_organization,
            "organization": self.needs_organization and answers.get("organization_type") != OTHER,
            "other_organization_name": self.needs_organization and self.organization_not_listed,
            "other_organization_territory": self.needs_organization and self.organization_not_listed,
            "referral_detail": answers.get("referral") in REFERRALS_WITH_DETAIL,
        }
        for name, is_required in required.items():
            self.fields[name].required = is_required
        if not self.needs_organization:
            # Not asked, not read: whatever the page still holds there (or a robot sends) is ignored, not validated.
            for name in ORGANIZATION_FIELDS:
                self.fields[name].disabled = True
        self.fields["is_actor"].widget.inline = True

    @property
    def honeypot_filled(self) -> bool:
        return bool(self.data.get("website"))

    @property
    def set_aside_answers(self) -> list[tuple[str, str]]:
        """The organisation answers already given while the organisation part is not asked (another request type,
        or « Non » to « acteur »): the page carries them as hidden fields, so that they are all back if the person
        changes her mind. Disabled fields never read them on submission."""
        if self.needs_organization:
            return []
        answers = self.data if self.is_bound else self.initial
        return [(name, str(answers[name])) for name in ORGANIZATION_FIELDS if answers.get(name)]

    def clean_email(self):
        return self.cleaned_data["email"].strip().lower()

    def clean_email_confirmation(self):
        return self.cleaned_data["email_confirmation"].strip().lower()

    def clean_phone(self):
        return normalize_phone(self.cleaned_data["phone"])

    def clean(self):
        cleaned_data = super().clean()
        email, confirmation = cleaned_data.get("email"), cleaned_data.get("email_confirmation")
        if email and confirmation and email != confirmation:
            self.add_error("email_confirmation", "Les deux adresses électroniques saisies ne sont pas identiques.")
        cleaned_data["organization_obj"] = None
        cleaned_data["organization_type_obj"] = None
        if not self.needs_organization:
            for name in ("other_organization_name", "other_organization_territory"):
                cleaned_data[name] = ""
            return cleaned_data
        type_answer = cleaned_data.get("organization_type")
        if not type_answer or type_answer == OTHER:
            return cleaned_data
        organization_type = self.selected_type
        cleaned_data["organization_type_obj"] = organization_type
        organization_answer = cleaned_data.get("organization")
        if organization_answer and organization_answer != OTHER:
            organization = _organization(organization_answer, organization_type)
            if organization is None:
                self.add_error(
                    "organization",
                    "Cette structure n'existe pas ou n'est pas du type choisi. Choisissez-en une dans la liste.",
                )
            cleaned_data["organization_obj"] = organization
        if not self.organization_not_listed:
            cleaned_data["other_organization_name"] = cleaned_data["other_organization_territory"] = ""
        return cleaned_data

    def submission(self) -> dict:
        """The answers, as `access_request_submit` takes them."""
        data = self.cleaned_data
        return {
            "request_type": RequestType(data["request_type"]),
            "is_actor": data["is_actor"] == YES,
            "first_name": data["first_name"],
            "last_name": data["last_name"],
            "email": data["email"],
            "phone": data["phone"],
            "organization": data["organization_obj"],
            "organization_type": data["organization_type_obj"],
            "other_organization_name": data["other_organization_name"],
            "other_organization_territory": data["other_organization_territory"],
            "position": data["position"],
            "message": data["message"],
            "referral": Referral(data["referral"]),
            "referral_detail": data["referral_detail"],
        }


def organization_type_choices() -> list:
    """The type select: types grouped under their category, then the "not listed" entry."""
    types_by_category: dict[str, list[tuple[str, str]]] = {}
    for organization_type in OrganizationType.objects.all():
        types_by_category.setdefault(organization_type.category, []).append(
            (str(organization_type.pk), _type_label(organization_type))
        )
    choices: list = [("", "Choisissez un type de structure")]
    choices += [
        (category.label, types_by_category[category])
        for category in OrganizationCategory
        if category in types_by_category
    ]
    choices.append(("Autre", [(OTHER, "Ma structure n'appartient à aucun de ces types")]))
    return choices


def organization_choices(
    *, organization_type: OrganizationType | None, departement: Departement | None
) -> list[tuple[str, str]]:
    """The organisation select for a type, optionally narrowed to a département, with the "not listed" entry last."""
    not_listed = (OTHER, "Ma structure n'est pas dans la liste")
    if organization_type is None:
        return [("", "Choisissez d'abord un type de structure"), not_listed]
    organizations = Organization.objects.filter(type=organization_type).select_related(
        "region", "departement", "epci", "commune"
    )
    if departement is not None:
        organizations = organizations.filter(
            Q(departement=departement)
            | Q(commune__departement=departement)
            | Q(epci__departements=departement)
            | Q(area_type=AreaType.REGION, region=departement.region_id)
            | Q(area_type=AreaType.NATION)
        ).distinct()
        listed = list(organizations)
    else:
        listed = list(organizations[: MAX_ORGANIZATIONS_WITHOUT_DEPARTEMENT + 1])
        if len(listed) > MAX_ORGANIZATIONS_WITHOUT_DEPARTEMENT:
            return [("", "Choisissez d'abord le département de la structure"), not_listed]
    if not listed:
        return [("", "Aucune structure de ce type n'est encore inscrite"), not_listed]
    return [
        ("", "Choisissez votre structure"),
        *((str(org.pk), _organization_label(org)) for org in listed),
        not_listed,
    ]


def organization_choices_for(*, type_answer, departement_answer) -> list[tuple[str, str]]:
    """`organization_choices` from raw answers; unknown or forged values give the list of no type."""
    return organization_choices(
        organization_type=_organization_type(type_answer), departement=_departement(departement_answer)
    )


def _type_label(organization_type: OrganizationType) -> str:
    abbreviation = organization_type.abbreviation
    if abbreviation and abbreviation.lower() not in organization_type.name_singular.lower():
        return f"{organization_type.name_singular} ({abbreviation})"
    return organization_type.name_singular


def _organization_label(organization: Organization) -> str:
    if organization.area_type == AreaType.NATION:
        return organization.name
    return f"{organization.name} — {organization.territory_label}"


def _is_id(value) -> bool:
    return isinstance(value, str) and value.isascii() and value.isdigit() and len(value) <= 18


def _organization_type(value) -> OrganizationType | None:
    if not _is_id(value):
        return None
    return OrganizationType.objects.filter(pk=int(value)).first()


def _departement(value) -> Departement | None:
    code = parse_departement_code(value)
    return Departement.objects.filter(pk=code).first() if code else None


def _organization(value: str, organization_type: OrganizationType | None) -> Organization | None:
    """The organisation of that id when it is of that type; None for anything else (unknown, forged, other type)."""
    if organization_type is None or not _is_id(value):
        return None
    return Organization.objects.filter(pk=int(value), type=organization_type).select_related("type").first()
