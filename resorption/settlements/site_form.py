"""The form of a site, shared by the declaration and update pages (reference §C.1–C.5, §C.7).

The form checks the shape of the answers only; every rule between fields (conditional questions, totals, dates) is
the services' and the model's, whose French messages come back keyed by field and are shown next to it
(`SiteForm.add_service_errors`). All questions are in the HTML whatever the answers, so the page works without
JavaScript: a follow-up question says in its hint when it applies, and the server decides.

Field names are the model's, so a query string may pre-fill the declaration by model field name (« Signaler un
site » links, §C.11). Three form fields stand for several boolean columns (`TICK_GROUPS`); the preparatory phases,
stored as one JSON column, are a checkbox group plus one date per phase.

Confidential sections (justice procedures, owners — §A.6) exist in the form only for users who may write them: the
page does not offer them to the others, and a request carrying their fields anyway is refused with a message.
"""

import datetime
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django import forms
from django.core.exceptions import NON_FIELD_ERRORS, FieldDoesNotExist, ValidationError
from django.db import models
from django.urls import reverse_lazy
from django.utils import timezone
from dsfr.utils import dsfr_input_class_attr
from dsfr.widgets import InlineRadioSelect

from resorption.accounts import permissions
from resorption.core.forms import ID_MAX, BaseForm, BoundedDateField, CountField, IdField, YearField
from resorption.settlements import living_conditions
from resorption.settlements.confidential import JUSTICE_FIELDS
from resorption.settlements.enums import (
    DEPARTEMENTS_WITH_PREPARATORY_PHASES,
    CensusStatus,
    ElectricityAccessType,
    FieldType,
    Origin,
    OwnerType,
    PoliceStatus,
    PreparatoryPhase,
    ToiletType,
    TriState,
    WaterAccessLocation,
    WaterAccessType,
)
from resorption.settlements.models import NAME_MAX_LENGTH, Site
from resorption.settlements.services import EDITABLE_FIELDS
from resorption.territories.models import Commune, clean_search_term, search_key

OWNERS_PREFIX = "owners"
OWNERS_KEY = "owners"  # the key of owners errors in the services
EXTRA_OWNER_ROWS = 2
# The owners' rows a form may carry; a site's parcels have a handful of owners.
MAX_OWNER_ROWS = 50
DATALIST_ID = "communes-suggestions"

# Multi-choice answers stored as one boolean column per choice: form field → (label, choice → column).
TICK_GROUPS: Mapping[str, tuple[str, Mapping[str, str]]] = {
    "origins": (
        "Origines",
        {
            Origin.FRENCH: "origin_french",
            Origin.EUROPEAN: "origin_european",
            Origin.EXTRA_EUROPEAN: "origin_extra_european",
        },
    ),
    "toilet_types": (
        "Quels sont les types de toilettes installées ?",
        {
            ToiletType.LATRINES: "sanitary_toilets_latrines",
            ToiletType.CHEMICAL: "sanitary_toilets_chemical",
            ToiletType.DRY: "sanitary_toilets_dry",
            ToiletType.FLUSH: "sanitary_toilets_flush",
        },
    ),
    "electricity_access_types": (
        "Quelle est la source de l'accès à l'électricité ?",
        {
            ElectricityAccessType.GENERATOR: "electricity_generator",
            ElectricityAccessType.URBAN_NETWORK: "electricity_urban_network",
            ElectricityAccessType.BUILDING_INSTALLATION: "electricity_building_installation",
        },
    ),
}
TICK_COLUMNS: Mapping[str, tuple[str, str]] = {
    column: (group, choice) for group, (_, columns) in TICK_GROUPS.items() for choice, column in columns.items()
}
PHASES_FIELD = "preparatory_phases"
PHASE_DATE_FIELDS: Mapping[str, str] = {
    phase.value: f"preparatory_phase_{phase.value}_at" for phase in PreparatoryPhase
}

TRI_STATE_FIELDS: frozenset[str] = frozenset(
    name
    for name in EDITABLE_FIELDS
    if isinstance(field := Site._meta.get_field(name), models.BooleanField) and field.null
)

# Hints: units, formats, and when a follow-up question applies (the services enforce it).
HINTS: Mapping[str, str] = {
    "address": "L'adresse la plus précise possible : numéro, voie, code postal et commune.",
    "commune": "Nom ou code INSEE de la commune, par exemple « Bordeaux (33063) » ou « 33063 ».",
    "latitude": "En degrés décimaux, entre -90 et 90, par exemple 44.8378.",
    "longitude": "En degrés décimaux, entre -180 et 180, par exemple -0.5792.",
    "name": f"Nom d'usage du site, {NAME_MAX_LENGTH} caractères au maximum, sans les signes &lt; et &gt;.",
    "address_details": "Comment accéder au site : entrée, portail, repères…",
    "built_at": "Ne peut pas être dans le futur.",
    "declared_at": "Ne peut être ni dans le futur, ni avant la date d'installation.",
    "reinstallation_comments": "Si les habitants viennent d'un autre site : lequel, quand, pourquoi.",
    "incoming_sites": (
        "Numéros des sites d'où viennent les habitants (le numéro figure dans l'adresse de la fiche du site, "
        "/sites/numéro/), séparés par des virgules."
    ),
    "census_conducted_at": "Obligatoire si le diagnostic est prévu (date à venir) ou réalisé (date passée).",
    "census_conducted_by": "Obligatoire si le diagnostic est prévu ou réalisé.",
    "resorption_target": "Une année, par exemple 2027.",
    "population_total": "Nombre de personnes, au moins 1.",
    "population_total_females": "Au plus le nombre de personnes.",
    "population_couples": "Au moins 1, au plus le nombre de personnes.",
    "population_minors": "Au plus le nombre de personnes, au moins la somme des tranches d'âge.",
    "population_minors_girls": "Au plus le nombre de mineurs.",
    "minors_in_school": "Au plus le nombre de mineurs.",
    "origins": "Aucune case cochée : origines inconnues. Jamais d'appartenance ethnique.",
    "water_access_type_details": "Obligatoire si l'accès est « Autre », vide sinon.",
    "water_access_is_public": "Uniquement pour un robinet connecté au réseau ou un autre accès.",
    "water_access_is_continuous": "Uniquement pour un point d'eau hors voie publique.",
    "water_access_is_continuous_details": "Obligatoire si l'accès n'est pas continu, vide sinon.",
    "water_access_is_local": "Uniquement pour un point d'eau hors voie publique.",
    "water_access_is_close": "Uniquement pour un accès situé sur le site.",
    "water_access_is_unequal": "Uniquement pour un accès situé sur le site.",
    "water_access_is_unequal_details": "Obligatoire s'il y a des inégalités d'accès, vide sinon.",
    "water_access_has_stagnant_water": "Uniquement pour un accès situé sur le site.",
    "toilet_types": "Uniquement en présence de toilettes fonctionnelles.",
    "sanitary_toilets_are_inside": "Uniquement pour des toilettes autres que des latrines.",
    "sanitary_toilets_are_lighted": "Uniquement pour des toilettes autres que des latrines.",
    "sanitary_hand_washing": "Uniquement pour des toilettes autres que des latrines.",
    "electricity_access_types": "Uniquement en présence d'une installation électrique.",
    "electricity_access_is_unequal": "Uniquement une fois la source de l'électricité indiquée.",
    "trash_evacuation_is_safe": "Uniquement en présence d'un dispositif de ramassage.",
    "trash_evacuation_is_regular": "Uniquement en présence d'un dispositif de ramassage.",
    "trash_bulky_is_piling": "Uniquement en présence d'un dispositif de ramassage.",
    "justice_rendered": "Uniquement en cas de procédure judiciaire.",
    "justice_rendered_by": "Obligatoire si une décision a été rendue, vide sinon.",
    "justice_rendered_at": "Obligatoire si une décision a été rendue ; ni dans le futur, ni avant l'installation.",
    "justice_challenged": "Uniquement si une décision a été rendue.",
    "administrative_order_decision_at": "Uniquement en cas de procédure administrative ; pas dans le futur.",
    "administrative_order_evacuation_at": "Ne peut pas être dans le futur.",
    "insalubrity_order_displayed": "Uniquement en cas d'arrêté d'insalubrité.",
    "insalubrity_parcels": "Numéros des parcelles cadastrales.",
    "police_status": (
        "Uniquement en cas de procédure judiciaire, de procédure administrative d'évacuation ou d'arrêté "
        "d'insalubrité."
    ),
    "police_requested_at": "Obligatoire si le concours est demandé, obtenu ou refusé.",
    "police_granted_at": "Obligatoire si le concours est obtenu ; pas avant la date de la demande.",
    "existing_litigation": "Uniquement si le concours de la force publique est obtenu.",
    PHASES_FIELD: "Les phases engagées ; indiquez la date de fin de celles qui sont terminées.",
}


@dataclass(frozen=True)
class Part:
    """A group of questions under a legend."""

    title: str
    fields: tuple[str, ...]


@dataclass(frozen=True)
class SectionSpec:
    anchor: str
    title: str
    parts: tuple[Part, ...]


OWNERS_ANCHOR = "section-proprietaires"
SECTIONS: tuple[SectionSpec, ...] = (
    SectionSpec(
        "section-localisation",
        "Localisation",
        (
            Part("Adresse et coordonnées", ("address", "commune", "latitude", "longitude")),
            Part("Identification", ("name", "address_details")),
        ),
    ),
    SectionSpec(
        "section-caracteristiques",
        "Caractéristiques",
        (
            Part("Le site", ("field_type", "owner_type", "built_at", "declared_at")),
            Part("Réinstallation", ("is_reinstallation", "reinstallation_comments", "incoming_sites")),
            Part("Diagnostic social", ("census_status", "census_conducted_at", "census_conducted_by")),
            Part(
                "Suivi de la résorption",
                ("heatwave", "resorption_target", PHASES_FIELD, *PHASE_DATE_FIELDS.values()),
            ),
        ),
    ),
    SectionSpec(OWNERS_ANCHOR, "Propriétaires", ()),
    SectionSpec(
        "section-habitants",
        "Habitants",
        (
            Part(
                "Population",
                ("population_total", "population_total_females", "population_couples", "origins"),
            ),
            Part(
                "Mineurs",
                (
                    "population_minors",
                    "population_minors_girls",
                    "population_minors_0_3",
                    "population_minors_3_6",
                    "population_minors_6_12",
                    "population_minors_12_16",
                    "population_minors_16_18",
                    "minors_in_school",
                ),
            ),
            Part("Habitat", ("caravans", "huts", "tents", "cars", "mattresses")),
        ),
    ),
    SectionSpec(
        "section-conditions-de-vie",
        "Conditions de vie",
        (
            Part(
                "Eau",
                living_conditions.WATER_FIELDS,
            ),
            Part(
                "Toilettes",
                (
                    "sanitary_open_air_defecation",
                    "sanitary_working_toilets",
                    "toilet_types",
                    "sanitary_toilets_are_inside",
                    "sanitary_toilets_are_lighted",
                    "sanitary_hand_washing",
                ),
            ),
            Part("Électricité", ("electricity_access", "electricity_access_types", "electricity_access_is_unequal")),
            Part(
                "Déchets",
                (
                    "trash_is_piling",
                    "trash_evacuation_is_close",
                    "trash_evacuation_is_safe",
                    "trash_evacuation_is_regular",
                    "trash_bulky_is_piling",
                ),
            ),
            Part("Nuisibles", ("pest_animals_presence", "pest_animals_details")),
            Part("Prévention incendie", ("fire_prevention_diagnostic",)),
        ),
    ),
    SectionSpec(
        "section-procedures",
        "Procédures judiciaires et administratives",
        (
            Part(
                "Procédure judiciaire",
                (
                    "owner_complaint",
                    "justice_procedure",
                    "justice_rendered",
                    "justice_rendered_by",
                    "justice_rendered_at",
                    "justice_challenged",
                ),
            ),
            Part(
                "Procédure administrative d'évacuation",
                (
                    "evacuation_under_time_limit",
                    "administrative_order_decision_at",
                    "administrative_order_decision_rendered_by",
                    "administrative_order_evacuation_at",
                ),
            ),
            Part(
                "Arrêté d'insalubrité",
                (
                    "insalubrity_order",
                    "insalubrity_order_displayed",
                    "insalubrity_order_type",
                    "insalubrity_order_by",
                    "insalubrity_order_at",
                    "insalubrity_parcels",
                ),
            ),
            Part(
                "Concours de la force publique",
                ("police_status", "police_requested_at", "police_granted_at", "existing_litigation", "bailiff"),
            ),
        ),
    ),
    SectionSpec(
        "section-mise-a-jour",
        "Mise à jour",
        (Part("Date et nature de la mise à jour", ("updated_at", "without_change")),),
    ),
)


# ---------------------------------------------------------------------------------------------------------------------
# Fields
# ---------------------------------------------------------------------------------------------------------------------


def _tri_state_to_bool(value: str) -> bool | None:
    return TriState(int(value)).to_bool()


TRI_STATE_CHOICES = [(str(answer.value), answer.label) for answer in TriState]
WATER_LOCATION_CHOICES = [
    (str(TriState.YES.value), WaterAccessLocation.ON_SITE.label),
    (str(TriState.NO.value), WaterAccessLocation.OFF_SITE.label),
    (str(TriState.UNKNOWN.value), TriState.UNKNOWN.label),
]


class TriStateField(forms.TypedChoiceField):
    """A yes/no question whose answer may be unknown, as a DSFR radio group: 1 / 0 / -1 → True / False / None."""

    widget = InlineRadioSelect

    def __init__(self, *, choices=None, **kwargs):
        super().__init__(
            choices=choices or TRI_STATE_CHOICES,
            coerce=_tri_state_to_bool,
            empty_value=None,
            required=True,
            error_messages={"required": "Choisissez une réponse, « Inconnu » si vous ne savez pas."},
            **kwargs,
        )


class TextField(forms.CharField):
    """Free text; browsers send a textarea's line breaks as CR LF, stored here as LF so that text sent back
    unchanged is not a change (« mise à jour sans modification »)."""

    def to_python(self, value):
        value = super().to_python(value)
        return value.replace("\r\n", "\n") if value else value


_INSEE_CODE = re.compile(r"(?:\d{5}|2[AB]\d{3})", re.IGNORECASE)
_NAME_AND_CODE = re.compile(r"(?P<name>.*?)\s*\((?P<code>[0-9AB]{2,5})\)\s*", re.IGNORECASE)


def commune_from_text(text: str) -> Commune | None:
    """The commune meant by `text` — an INSEE code, « Nom (code INSEE) », « Nom (département) » or a name only one
    commune bears — or None."""
    try:
        return _commune(text)
    except ValidationError:
        return None


def _commune(text: str) -> Commune | None:
    # Printable and of a sane length before it reaches a query (PostgreSQL refuses NUL; the view reads the raw POST).
    text = clean_search_term(text or "")
    if not text:
        return None
    example = "par exemple « Bordeaux (33063) » ou « 33063 »"
    name, code = text, ""
    if _INSEE_CODE.fullmatch(text):
        name, code = "", text
    elif match := _NAME_AND_CODE.fullmatch(text):
        name, code = match["name"], match["code"]
    if len(code) == 5:
        commune = Commune.objects.filter(code=code.upper()).first()
        if commune is None:
            raise ValidationError(f"Aucune commune n'a le code INSEE « {code} » : vérifiez-le, {example}.")
        return commune
    matches = Commune.objects.filter(search_name=search_key(name))
    if code:
        matches = matches.filter(departement_id=code.upper())
    found = list(matches[:2])
    if not found:
        raise ValidationError(f"Aucune commune ne s'appelle « {name} » : indiquez son code INSEE, {example}.")
    if len(found) > 1:
        raise ValidationError(
            f"Plusieurs communes s'appellent « {name} » : précisez son code INSEE, par exemple « {name} "
            f"({found[0].code}) »."
        )
    return found[0]


class CommuneField(forms.CharField):
    """The commune, typed as a name or an INSEE code; with JavaScript, htmx fills a list of suggestions from the
    territory search as the user types."""

    def __init__(self, **kwargs):
        widget = forms.TextInput(
            attrs={
                "list": DATALIST_ID,
                "autocomplete": "off",
                "hx-get": reverse_lazy("settlements:commune_suggestions"),
                "hx-trigger": "input changed delay:300ms",
                "hx-target": f"#{DATALIST_ID}",
                "hx-swap": "innerHTML",
            }
        )
        super().__init__(widget=widget, max_length=250, **kwargs)

    def prepare_value(self, value):
        if isinstance(value, Commune):
            return commune_label(value)
        return value

    def clean(self, value) -> Commune | None:
        return _commune(super().clean(value))


def commune_label(commune: Commune) -> str:
    return f"{commune.name} ({commune.code})"


class SiteNumbersField(forms.CharField):
    """Site numbers separated by commas or spaces (the sites the inhabitants came from, §C.2)."""

    def prepare_value(self, value):
        if isinstance(value, list | tuple):
            return ", ".join(str(number) for number in value)
        return value

    def clean(self, value) -> list[int]:
        text = super().clean(value)
        numbers = []
        for token in re.split(r"[\s,;]+", text.strip()):
            if not token:
                continue
            token = token.removeprefix("#")
            # ASCII digits only: « ² » is a digit for str.isdigit(), not for int().
            if not (token.isascii() and token.isdigit()) or len(token) > len(str(ID_MAX)) or int(token) > ID_MAX:
                raise ValidationError(
                    f"« {token[:20]} » n'est pas un numéro de site : indiquez des numéros séparés par des virgules, "
                    "par exemple « 12, 345 »."
                )
            numbers.append(int(token))
        return list(dict.fromkeys(numbers))


def _date_widget() -> forms.DateInput:
    return forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"})


def _count_field(label: str) -> forms.IntegerField:
    return CountField(label=label, required=False)


def _model_form_field(name: str) -> forms.Field:
    """The form field of one editable column of `Site`, labelled with its verbose name."""
    model_field = Site._meta.get_field(name)
    label = str(getattr(model_field, "verbose_name", name))
    if name == "commune":
        return CommuneField(label="Commune")
    if name == "incoming_sites":
        # The hidden initial value tells, after a concurrent edit, whether the user changed the list.
        return SiteNumbersField(label=label, required=False, show_hidden_initial=True)
    if name == "water_access_is_local":
        return TriStateField(label=label, choices=WATER_LOCATION_CHOICES)
    if name in TRI_STATE_FIELDS:
        return TriStateField(label=label)
    if name in ("field_type", "owner_type", "water_access_type"):
        enum = {"field_type": FieldType, "owner_type": OwnerType, "water_access_type": WaterAccessType}[name]
        widget = forms.RadioSelect if name == "water_access_type" else InlineRadioSelect
        return forms.ChoiceField(label=label, choices=enum.choices, widget=widget)
    if name in ("census_status", "police_status"):
        enum = CensusStatus if name == "census_status" else PoliceStatus
        # Blank is « Inconnu »: listed last, like the « Inconnu » of the yes/no questions.
        choices = [(value, text) for value, text in enum.choices if value] + [("", "Inconnu")]
        return forms.ChoiceField(label=label, choices=choices, required=False, widget=InlineRadioSelect)
    if name == "heatwave":
        return forms.BooleanField(label=label, required=False)
    if name == "resorption_target":
        return YearField(label=label, required=False, min_value=2000, max_value=2100)
    if isinstance(model_field, models.FloatField):
        limit = 90 if name == "latitude" else 180
        return forms.FloatField(label=label.capitalize(), min_value=-limit, max_value=limit)
    if isinstance(model_field, models.PositiveIntegerField):
        return _count_field(label)
    if isinstance(model_field, models.DateField):
        return BoundedDateField(label=label, required=not model_field.blank, widget=_date_widget())
    if isinstance(model_field, models.TextField):
        return TextField(label=label, required=False, widget=forms.Textarea(attrs={"rows": 3}))
    if isinstance(model_field, models.CharField):
        return TextField(label=label, required=not model_field.blank, max_length=model_field.max_length)
    raise ValueError(f"No form field for Site.{name}")


# The columns the form writes one by one (the others: tick groups and phases).
COLUMN_FIELDS: tuple[str, ...] = tuple(
    name for name in EDITABLE_FIELDS if name not in TICK_COLUMNS and name != PHASES_FIELD
)


# ---------------------------------------------------------------------------------------------------------------------
# Owners
# ---------------------------------------------------------------------------------------------------------------------


class OwnerForm(BaseForm):
    """One owner of the site's parcels. The hidden initial values tell, after a concurrent edit, which rows the user
    changed."""

    id = IdField(required=False, widget=forms.HiddenInput)
    name = TextField(label="Nom du propriétaire", required=False, max_length=255, show_hidden_initial=True)
    owner_type = forms.ChoiceField(
        label="Type de propriétaire",
        choices=OwnerType.choices,
        initial=OwnerType.UNKNOWN,
        show_hidden_initial=True,
    )


OWNER_ROWS_BROKEN = "La liste des propriétaires envoyée est incomplète : rechargez la page."


class BaseOwnerFormSet(forms.BaseFormSet):
    default_error_messages = {
        "missing_management_form": OWNER_ROWS_BROKEN,
        "too_many_forms": "Un site compte au plus %(num)d propriétaires.",
    }

    def clean(self):
        # The row counts come back from the page: a negative or inconsistent count would make the rows of stored
        # owners vanish from the form, and the service delete them.
        counts = self.management_form.cleaned_data
        if not 0 <= counts[forms.formsets.INITIAL_FORM_COUNT] <= counts[forms.formsets.TOTAL_FORM_COUNT]:
            raise ValidationError(OWNER_ROWS_BROKEN)

    def get_deletion_widget(self):
        return forms.CheckboxInput

    def add_fields(self, form, index):
        super().add_fields(form, index)
        if "DELETE" in form.fields:
            form.fields["DELETE"].label = "Supprimer ce propriétaire"


OwnerFormSet = forms.formset_factory(
    OwnerForm,
    formset=BaseOwnerFormSet,
    extra=EXTRA_OWNER_ROWS,
    can_delete=True,
    can_delete_extra=False,
    # A posted row count past this builds no more forms (a huge count would build thousands).
    max_num=MAX_OWNER_ROWS,
    absolute_max=MAX_OWNER_ROWS,
)


def owner_rows_of(owners) -> list[dict[str, Any]]:
    """Stored owners as rows of the owners formset."""
    return [{"id": owner.pk, "name": owner.name, "owner_type": owner.owner_type} for owner in owners]


# ---------------------------------------------------------------------------------------------------------------------
# The form
# ---------------------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Offer:
    """Which confidential sections the form offers (§A.6), and whether the preparatory phases are shown (§C.7)."""

    justice: bool
    owners: bool
    phases: bool


def offer_for(user, commune: Commune | None) -> Offer:
    """What the form offers this user on a site of this commune. Before the commune is known (an empty declaration
    form), whether the user holds the access anywhere; the services check it again on the commune chosen."""
    if commune is None:
        return Offer(
            justice=permissions.can(user, "shantytown_justice.access"),
            owners=permissions.can(user, "shantytown_owner.access"),
            phases=False,
        )
    return Offer(
        justice=permissions.can_access_justice(user, commune),
        owners=permissions.can_access_owners(user, commune),
        phases=commune.departement_id in DEPARTEMENTS_WITH_PREPARATORY_PHASES,
    )


@dataclass(frozen=True)
class SectionView:
    anchor: str
    title: str
    parts: list[tuple[str, str, list[forms.BoundField]]]  # (anchor, legend, fields)


@dataclass(frozen=True)
class ErrorLink:
    label: str
    anchor: str


class SiteForm(BaseForm):
    """Every data field of a site the user may write; with `updating`, the date and kind of the update and the
    version the form was opened at (optimistic locking, services.site_update)."""

    def __init__(
        self,
        data=None,
        *,
        offer: Offer,
        updating: bool = False,
        owners_initial: list[dict[str, Any]] | None = None,
        previous_update: datetime.date | None = None,
        **kwargs,
    ):
        super().__init__(data, **kwargs)
        self.offer = offer
        self.updating = updating
        self.service_errors_on_owners: list[str] = []
        for name in COLUMN_FIELDS:
            if name in JUSTICE_FIELDS and not offer.justice:
                continue
            self.fields[name] = _model_form_field(name)
        for group, (label, columns) in TICK_GROUPS.items():
            choices = [(choice, _choice_label(choice)) for choice in columns]
            self.fields[group] = forms.MultipleChoiceField(
                label=label, choices=choices, required=False, widget=forms.CheckboxSelectMultiple
            )
        if offer.phases:
            self.fields[PHASES_FIELD] = forms.MultipleChoiceField(
                label="Phases préparatoires à la résorption engagées",
                choices=PreparatoryPhase.choices,
                required=False,
                widget=forms.CheckboxSelectMultiple,
            )
            for phase in PreparatoryPhase:
                self.fields[PHASE_DATE_FIELDS[phase.value]] = BoundedDateField(
                    label=f"Date de fin de la phase « {phase.label} »", required=False, widget=_date_widget()
                )
        if updating:
            last = f" (le {previous_update:%d/%m/%Y})" if previous_update else ""
            self.fields["updated_at"] = BoundedDateField(
                label="Date de la mise à jour",
                initial=timezone.localdate,
                widget=_date_widget(),
                help_text=(
                    "Le jour où ces informations ont été constatées : aujourd'hui ou une date passée, jamais avant "
                    f"la mise à jour précédente{last}."
                ),
            )
            self.fields["without_change"] = forms.BooleanField(
                label="Mise à jour sans modification",
                required=False,
                help_text=(
                    "Cochez pour confirmer que les informations du site sont toujours exactes, sans rien changer."
                ),
            )
            self.fields["expected_version"] = IdField(widget=forms.HiddenInput)
        for name, field in self.fields.items():
            if name in HINTS and not field.help_text:
                field.help_text = HINTS[name]
            if not hasattr(field.widget, "group_class"):
                field.widget.group_class = "fr-input-group"
        for visible in self.visible_fields():
            dsfr_input_class_attr(visible)
        self.owners = (
            OwnerFormSet(data, prefix=OWNERS_PREFIX, initial=owners_initial or [], **_renderer(kwargs))
            if offer.owners
            else None
        )

    # Validation ------------------------------------------------------------------------------------------------------

    def is_valid(self) -> bool:
        valid = super().is_valid()
        owners_valid = self.owners is None or self.owners.is_valid()
        return valid and owners_valid

    def clean(self):
        cleaned = super().clean()
        # §A.6: an answer to a section the page did not offer is refused, not silently dropped. Blank and « Inconnu »
        # are no data (a declaration form opened before the commune was chosen may post them).
        if not self.offer.justice and any(_is_data(self.data.get(name)) for name in JUSTICE_FIELDS):
            self.add_error(
                None,
                "Vous n'avez pas accès aux procédures judiciaires des sites de ce territoire : ces "
                "informations ne peuvent pas être enregistrées.",
            )
        if not self.offer.owners and any(
            _OWNER_DATA_KEY.fullmatch(key) and _is_data(self.data.get(key)) for key in self.data
        ):
            self.add_error(
                None,
                "Vous n'avez pas accès aux propriétaires des sites de ce territoire : ces "
                "informations ne peuvent pas être enregistrées.",
            )
        return cleaned

    def add_service_errors(self, error: ValidationError) -> None:
        """Shows the errors of a service next to their fields: a boolean column next to its group, owners in their
        section, and what has no field on the page on top, with the label of its field."""
        errors = error.message_dict if hasattr(error, "error_dict") else {NON_FIELD_ERRORS: error.messages}
        for key, messages in errors.items():
            target = self._field_for(key)
            if target == OWNERS_KEY and self.owners is not None:
                self.service_errors_on_owners.extend(messages)
            elif target in self.fields:
                self.add_error(target, messages)
            elif key == NON_FIELD_ERRORS:
                self.add_error(None, messages)
            else:
                label = _label_of(key)
                self.add_error(None, [f"{label} : {message}" for message in messages])

    @staticmethod
    def _field_for(key: str) -> str:
        if key in TICK_COLUMNS:
            return TICK_COLUMNS[key][0]
        return key

    # Output ------------------------------------------------------------------------------------------------------

    def site_values(self) -> dict[str, Any]:
        """The cleaned answers keyed by `Site` field name, for `site_declare` / `site_update`."""
        cleaned = self.cleaned_data
        values = {name: cleaned[name] for name in COLUMN_FIELDS if name in self.fields}
        for group, (_, columns) in TICK_GROUPS.items():
            for choice, column in columns.items():
                values[column] = choice in cleaned[group]
        if self.offer.phases:
            phases: dict[str, str | None] = {}
            for phase in PreparatoryPhase:
                done_at = cleaned.get(PHASE_DATE_FIELDS[phase.value])
                if phase.value in cleaned[PHASES_FIELD] or done_at:
                    phases[phase.value] = done_at.isoformat() if done_at else None
            values[PHASES_FIELD] = phases
        return values

    def owner_rows(self) -> list[dict[str, Any]] | None:
        """The owners as the user left them (None when the form does not offer them): rows kept, changed or
        added; deleted and empty rows left out."""
        if self.owners is None:
            return None
        rows = []
        for form in self.owners.forms:
            data = form.cleaned_data
            if not data or data.get("DELETE"):
                continue
            row = {"id": data.get("id"), "name": data.get("name", ""), "owner_type": data.get("owner_type")}
            if row["id"] is None and not row["name"] and row["owner_type"] in ("", OwnerType.UNKNOWN):
                continue
            rows.append(row)
        return rows

    # Display ---------------------------------------------------------------------------------------------------------

    @property
    def sections(self) -> list[SectionView]:
        shown = []
        for spec in SECTIONS:
            if spec.anchor == OWNERS_ANCHOR:
                if self.owners is not None:
                    shown.append(SectionView(spec.anchor, spec.title, []))
                continue
            parts = []
            for index, part in enumerate(spec.parts, start=1):
                fields = [self[name] for name in part.fields if name in self.fields]
                if fields:
                    parts.append((f"{spec.anchor}-{index}", part.title, fields))
            if parts:
                shown.append(SectionView(spec.anchor, spec.title, parts))
        return shown

    @property
    def has_any_error(self) -> bool:
        owners_errors = self.owners is not None and self.owners.is_bound and not self.owners.is_valid()
        return bool(self.errors) or owners_errors or bool(self.service_errors_on_owners)

    @property
    def error_links(self) -> list[ErrorLink]:
        """A link to each field in error, in the order of the page, for the summary on top."""
        links = []
        for section in self.sections:
            if section.anchor == OWNERS_ANCHOR:
                owners = self.owners
                if self.service_errors_on_owners or (owners is not None and owners.is_bound and not owners.is_valid()):
                    links.append(ErrorLink("Propriétaires", OWNERS_ANCHOR))
                continue
            for _, _, fields in section.parts:
                for bound in fields:
                    if bound.errors:
                        links.append(ErrorLink(str(bound.label), _anchor_of(bound)))
        return links


_OWNER_DATA_KEY = re.compile(rf"{OWNERS_PREFIX}-\d+-(?:id|name|owner_type)")
_NO_DATA = frozenset({"", str(TriState.UNKNOWN.value), OwnerType.UNKNOWN.value})


def _is_data(value: str | None) -> bool:
    return value is not None and value.strip() not in _NO_DATA


def _renderer(kwargs: Mapping[str, Any]) -> dict[str, Any]:
    return {"renderer": kwargs["renderer"]} if "renderer" in kwargs else {}


def _anchor_of(bound: forms.BoundField) -> str:
    if isinstance(bound.field.widget, forms.RadioSelect | forms.CheckboxSelectMultiple):
        return f"{bound.auto_id}_0"
    return bound.auto_id


def _choice_label(choice: str) -> str:
    for enum in (Origin, ToiletType, ElectricityAccessType):
        if choice in enum.values:
            return str(enum(choice).label)
    return choice


def _label_of(key: str) -> str:
    if key == OWNERS_KEY:
        return "Propriétaires"
    try:
        return str(getattr(Site._meta.get_field(key), "verbose_name", key))
    except FieldDoesNotExist:
        return key


# ---------------------------------------------------------------------------------------------------------------------
# Initial values
# ---------------------------------------------------------------------------------------------------------------------


def site_field_values(site: Site) -> dict[str, Any]:
    """Every editable value of a stored site, keyed as `SiteForm.site_values` returns them."""
    values = {name: getattr(site, name) for name in EDITABLE_FIELDS if name != "incoming_sites"}
    values["incoming_sites"] = [other.pk for other in site.incoming_sites.all()]
    return values


def initial_from_values(values: Mapping[str, Any]) -> dict[str, Any]:
    """The form's initial data for site values keyed by model field name (a stored site, or answers to show
    again)."""
    initial: dict[str, Any] = {name: [] for name in TICK_GROUPS}
    for name, value in values.items():
        if name in TICK_COLUMNS:
            group, choice = TICK_COLUMNS[name]
            if value:
                initial[group].append(choice)
        elif name in TRI_STATE_FIELDS:
            initial[name] = str(TriState.from_bool(value).value)
        elif name == PHASES_FIELD:
            phases = value or {}
            initial[PHASES_FIELD] = list(phases)
            for uid, done_at in phases.items():
                if uid in PHASE_DATE_FIELDS and done_at:
                    initial[PHASE_DATE_FIELDS[uid]] = done_at
        else:
            initial[name] = value
    return initial


_TRUE_WORDS = {"1", "oui", "true", "on", "vrai"}
_FALSE_WORDS = {"0", "non", "false", "off", "faux"}
_UNKNOWN_WORDS = {"-1", "inconnu", "null", ""}


def initial_from_query(query) -> dict[str, Any]:
    """Initial data of a declaration from a query string keyed by model field name (« Signaler un site » links):
    yes/no answers as 1 / 0 / -1 (or oui / non / inconnu), ticks as 1, the commune by INSEE code. Unknown keys and
    unreadable values are left out; the user sees and corrects the rest before saving."""
    initial: dict[str, Any] = {}
    for key in query:
        value = query.get(key, "").strip()
        if key in TICK_COLUMNS:
            if value.lower() in _TRUE_WORDS:
                group, choice = TICK_COLUMNS[key]
                initial.setdefault(group, []).append(choice)
        elif key in TICK_GROUPS:
            initial[key] = query.getlist(key)
        elif key in TRI_STATE_FIELDS:
            word = value.lower()
            if word in _TRUE_WORDS:
                initial[key] = str(TriState.YES.value)
            elif word in _FALSE_WORDS:
                initial[key] = str(TriState.NO.value)
            elif word in _UNKNOWN_WORDS:
                initial[key] = str(TriState.UNKNOWN.value)
        elif key == "commune":
            initial[key] = commune_from_text(value) or value
        elif key == "heatwave":
            initial[key] = value.lower() in _TRUE_WORDS
        elif key in COLUMN_FIELDS:
            initial[key] = value
    return initial


def declaration_initial() -> dict[str, Any]:
    """What an empty declaration starts from: today's date of declaration, every question « Inconnu »."""
    return {
        "declared_at": timezone.localdate(),
        "field_type": FieldType.UNKNOWN,
        "owner_type": OwnerType.UNKNOWN,
        "water_access_type": WaterAccessType.UNKNOWN,
        **{name: str(TriState.UNKNOWN.value) for name in TRI_STATE_FIELDS},
    }
