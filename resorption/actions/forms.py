"""Forms of the actions pages: the action form (§E.1), its finances per year, and the list's filters (§E.3, in the
query string so that a filtered list is a link one can share). Forms check the shape of the input; the rules and
their messages are the services'."""

import re

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils.text import capfirst

from resorption.accounts.enums import UserStatus
from resorption.accounts.models import User
from resorption.actions.enums import FinanceType, LocationType, Topic
from resorption.actions.models import FINANCE_AMOUNT_MAX_DIGITS, METRIC_FIELDS, Action, ActionMetrics
from resorption.core.forms import BaseForm, BoundedDateField, CountField, IdField, YearField, parse_id
from resorption.core.text import normalize_search
from resorption.journal.enums import Audience
from resorption.journal.forms import JournalEntryEditForm, JournalEntryForm
from resorption.settlements.models import Site
from resorption.territories.models import Commune, Departement, clean_search_term

DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
CHOOSE_PROPOSED = "Choisissez des valeurs parmi celles proposées."
SEARCH_MIN_LENGTH = 2
_COMMUNE_CODE = re.compile(r"[0-9][0-9AB][0-9]{3}")


class _IdsField(forms.ModelMultipleChoiceField):
    """A multiple choice among a queryset's rows whose values must be ids (a value that is not one never reaches the
    database: PostgreSQL and SQLite refuse integers past their columns)."""

    def __init__(self, queryset, **kwargs):
        kwargs.setdefault("error_messages", {})
        kwargs["error_messages"] = {
            "invalid_choice": CHOOSE_PROPOSED,
            "invalid_pk_value": CHOOSE_PROPOSED,
            "invalid_list": CHOOSE_PROPOSED,
            **kwargs["error_messages"],
        }
        # Never rendered as a list of every row (thousands of people and sites): the page shows the chosen ones and
        # a search (`actions/includes/picker.html`); the field only checks the ids sent back.
        kwargs.setdefault("widget", forms.MultipleHiddenInput)
        super().__init__(queryset, **kwargs)

    def clean(self, value):
        if value and any(parse_id(each) is None for each in (value if isinstance(value, list | tuple) else [value])):
            raise ValidationError(CHOOSE_PROPOSED, code="invalid_choice")
        return super().clean(value)


class _PersonField(_IdsField):
    def label_from_instance(self, obj):
        return f"{obj.full_name} — {obj.organization.name}"


class _SiteField(_IdsField):
    def label_from_instance(self, obj):
        return f"{obj.display_name} — {obj.commune.name} ({obj.commune.departement_id})"


class ActionForm(BaseForm):
    """« Saisir une action » and « Modifier l'action » (§E.1). `can_change_steering` False (an editor without access to
    the finances) shows the main département and the pilots without letting him change them."""

    expected_version = IdField(widget=forms.HiddenInput, required=False)
    name = forms.CharField(
        label="Quel est le nom de l'action ?",
        max_length=255,
        error_messages={"required": "Le nom de l'action est obligatoire."},
    )
    started_at = BoundedDateField(
        label="Date de début", widget=DATE_WIDGET, error_messages={"required": "La date de début est obligatoire."}
    )
    ended_at = BoundedDateField(label="Date de fin", required=False, widget=DATE_WIDGET)
    topics = forms.MultipleChoiceField(
        label="Champs d'intervention",
        choices=Topic.choices,
        widget=forms.CheckboxSelectMultiple,
        error_messages={
            "required": "Choisissez au moins un champ d'intervention.",
            "invalid_choice": CHOOSE_PROPOSED,
            "invalid_list": CHOOSE_PROPOSED,
        },
    )
    goals = forms.CharField(
        label="Objectifs de l'action",
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": "Les objectifs de l'action sont obligatoires."},
    )
    departement = forms.ChoiceField(
        label="Département d'intervention principal",
        error_messages={
            "required": "Le département d'intervention principal est obligatoire.",
            "invalid_choice": "Choisissez un département parmi ceux proposés.",
        },
    )
    location_type = forms.ChoiceField(
        label="Où se déroule l'action ?",
        choices=LocationType.choices,
        widget=forms.RadioSelect,
        error_messages={
            "required": "Indiquez où se déroule l'action.",
            "invalid_choice": "Choisissez un lieu parmi ceux proposés.",
        },
    )
    location_eti = forms.CharField(
        label="Adresse de l'espace temporaire d'accompagnement", max_length=255, required=False
    )
    location_eti_commune = forms.CharField(
        label="Commune de l'ETI (code INSEE)",
        help_text="Le code à 5 caractères de la commune, dans le département d'intervention principal.",
        max_length=5,
        required=False,
    )
    location_eti_latitude = forms.FloatField(label="Latitude de l'ETI", required=False, min_value=-90, max_value=90)
    location_eti_longitude = forms.FloatField(
        label="Longitude de l'ETI", required=False, min_value=-180, max_value=180
    )
    location_autre = forms.CharField(label="Préciser le lieu", max_length=255, required=False)
    sites = _SiteField(Site.objects.none(), label="Sites concernés", required=False)
    managers = _PersonField(
        User.objects.none(),
        label="Pilotes de l'action",
        error_messages={"required": "Choisissez au moins un pilote de l'action."},
    )
    operators = _PersonField(
        User.objects.none(),
        label="Opérateurs de l'action",
        error_messages={"required": "Choisissez au moins un opérateur de l'action."},
    )

    def __init__(self, *args, user, action: Action | None = None, can_change_steering: bool = True, **kwargs):
        if action is not None and "initial" not in kwargs:
            kwargs["initial"] = initial_from_action(action, user=user)
        super().__init__(*args, **kwargs)
        departements = Departement.objects.order_by("code").values_list("code", "name")
        self.fields["departement"].choices = [("", "Sélectionnez un département")] + [
            (code, f"{code} — {name}") for code, name in departements
        ]
        current = set()
        if action is not None:
            current = {member.user_id for member in [*action.managers.all(), *action.operators.all()]}
        self.fields["managers"].queryset = people_choices(current)
        self.fields["operators"].queryset = people_choices(current)
        self.fields["sites"].queryset = site_choices(user)
        if not can_change_steering:
            for name in ("departement", "managers"):
                self.fields[name].disabled = True
                self.fields[
                    name
                ].help_text = "Seules les personnes ayant accès aux financements de l'action peuvent le changer."

    def chosen(self, name: str) -> list:
        """The rows chosen in the picker `name` (`managers`, `operators`, `sites`): those sent back by the page, or
        the action's; only rows the field offers (active people, sites the user reads)."""
        field = self.fields[name]
        if self.is_bound and not field.disabled:
            values = self.data.getlist(self.add_prefix(name)) if hasattr(self.data, "getlist") else []
        else:
            values = self.get_initial_for_field(field, name) or []
        ids = {parse_id(value) for value in values} - {None}
        return list(field.queryset.filter(pk__in=ids)) if ids else []

    def clean_departement(self):
        code = self.cleaned_data["departement"]
        departement = Departement.objects.filter(code=code).first()
        if departement is None:
            raise ValidationError("Choisissez un département parmi ceux proposés.")
        return departement

    def clean_location_eti_commune(self):
        code = self.cleaned_data["location_eti_commune"].strip().upper()
        if not code:
            return None
        commune = Commune.objects.filter(code=code).first() if _COMMUNE_CODE.fullmatch(code) else None
        if commune is None:
            raise ValidationError("Saisissez le code INSEE d'une commune, par exemple 33063 pour Bordeaux.")
        return commune

    def values(self) -> dict:
        """What `action_create` / `action_update` take."""
        data = dict(self.cleaned_data)
        data.pop("expected_version", None)
        data["sites"] = list(data["sites"])
        data["managers"] = list(data["managers"])
        data["operators"] = list(data["operators"])
        return data


def people_choices(current: set[int] | None = None):
    """Who may be chosen as pilot or operator: accounts that may sign in, and those already chosen (kept even when
    their account was closed since)."""
    return (
        User.objects.filter(Q(status=UserStatus.ACTIVE, organization__active=True) | Q(pk__in=current or set()))
        .select_related("organization")
        .order_by("last_name", "first_name", "pk")
    )


def site_choices(user):
    """The sites that may be chosen as concerned: those the user reads."""
    return Site.objects.visible_to(user).select_related("commune").order_by("commune__name", "address", "pk")


def search_choices(name: str, queryset, term: str, *, exclude: set[int], limit: int) -> list | None:
    """At most `limit + 1` rows of a picker's `queryset` matching every word of `term`, those of `exclude` left out;
    None for a term too short to search. People by first name, last name or organisation (name or acronym); sites by
    address, name, commune or postal code (accents and case aside)."""
    term = clean_search_term(term)
    words = term.split()
    if len(term) < SEARCH_MIN_LENGTH or not words:
        return None
    if name == "sites":
        matching = Q(*(Q(search_text__contains=normalize_search(word)) for word in words))
    else:
        queryset = queryset.filter(status=UserStatus.ACTIVE, organization__active=True)
        matching = Q(
            *(
                Q(first_name__icontains=word)
                | Q(last_name__icontains=word)
                | Q(organization__search_name__contains=normalize_search(word))
                | Q(organization__abbreviation__iexact=word)
                for word in words
            )
        )
    return list(queryset.filter(matching).exclude(pk__in=exclude)[: limit + 1])


def initial_from_action(action: Action, *, user) -> dict:
    readable = Site.objects.visible_to(user).filter(action_links__action=action)
    readable_sites = set(readable.values_list("pk", flat=True))
    return {
        "expected_version": action.version,
        "name": action.name,
        "started_at": action.started_at,
        "ended_at": action.ended_at,
        "topics": [topic.value for topic in action.topics],
        "goals": action.goals,
        "departement": action.departement_id,
        "location_type": action.location_type,
        "location_eti": action.location_eti,
        "location_eti_commune": action.location_eti_commune_id or "",
        "location_eti_latitude": action.location_eti_latitude,
        "location_eti_longitude": action.location_eti_longitude,
        "location_autre": action.location_autre,
        "sites": sorted(readable_sites),
        "managers": [member.user_id for member in action.managers.all()],
        "operators": [member.user_id for member in action.operators.all()],
    }


# ---------------------------------------------------------------------------------------------------------------------
# Finances
# ---------------------------------------------------------------------------------------------------------------------

_AMOUNT_MAX = 10 ** (FINANCE_AMOUNT_MAX_DIGITS - 2) - 1


def _amount(label: str, negative: str) -> forms.DecimalField:
    bounds = f"Saisissez un montant entre 0 et {_AMOUNT_MAX:,} €.".replace(",", "\u00a0")
    return forms.DecimalField(
        label=label,
        min_value=0,
        max_value=_AMOUNT_MAX,
        decimal_places=2,
        max_digits=FINANCE_AMOUNT_MAX_DIGITS,
        error_messages={
            "required": "Saisissez un montant (0 si aucun).",
            "invalid": bounds,
            "min_value": negative,
            "max_value": bounds,
            "max_digits": bounds,
            "max_decimal_places": "Saisissez au plus deux chiffres après la virgule.",
            "max_whole_digits": bounds,
        },
    )


class FinanceRowForm(BaseForm):
    """One line of finances: a year, a type, the amount, the expenses made, a comment."""

    id = IdField(widget=forms.HiddenInput, required=False)
    year = YearField(label="Année", min_value=1900, max_value=2100)
    finance_type = forms.ChoiceField(
        label="Type de financement",
        choices=[("", "Sélectionnez un type"), *FinanceType.choices],
        error_messages={
            "required": "Choisissez un type de financement.",
            "invalid_choice": "Choisissez un type de financement parmi ceux proposés.",
        },
    )
    amount = _amount("Montant (€)", "Le montant ne peut pas être négatif.")
    real_amount = _amount("Dépenses exécutées (€)", "Les dépenses exécutées ne peuvent pas être négatives.")
    comments = forms.CharField(
        label="Commentaire",
        max_length=255,
        required=False,
        error_messages={"max_length": "Le commentaire ne peut pas dépasser 255 caractères."},
    )


FinanceFormSet = forms.formset_factory(FinanceRowForm, extra=2, can_delete=True, max_num=60, absolute_max=60)


class FinancesForm(BaseForm):
    """The version of the action the finances page was opened on."""

    expected_version = IdField(widget=forms.HiddenInput)


# ---------------------------------------------------------------------------------------------------------------------
# Indicators
# ---------------------------------------------------------------------------------------------------------------------


def _metric_fields() -> dict[str, forms.Field]:
    fields: dict[str, forms.Field] = {"expected_version": IdField(widget=forms.HiddenInput)}
    for name in METRIC_FIELDS:
        label = capfirst(str(ActionMetrics._meta.get_field(name).verbose_name))
        fields[name] = CountField(label=label, required=False)
    return fields


# Built through the forms' metaclass, as if the fields were written out, so that `BaseForm` sets them up for DSFR.
MetricsForm = type(BaseForm)("MetricsForm", (BaseForm,), {"__module__": __name__, **_metric_fields()})


# ---------------------------------------------------------------------------------------------------------------------
# List filters
# ---------------------------------------------------------------------------------------------------------------------


class Status:
    ONGOING = "en-cours"
    FINISHED = "terminee"
    CHOICES = [("", "Toutes"), (ONGOING, "En cours"), (FINISHED, "Terminées")]


class ActionFilterForm(forms.Form):
    """The list's filters (§E.3). A value that is not one of the choices is ignored, never an error page."""

    localisation = forms.ChoiceField(label="Territoire", required=False)
    statut = forms.ChoiceField(label="Statut", choices=Status.CHOICES, required=False)
    q = forms.CharField(label="Rechercher (nom de l'action, structure pilote ou opératrice)", required=False)
    champ = forms.ChoiceField(label="Champ d'intervention", choices=[("", "Tous"), *Topic.choices], required=False)
    lieu = forms.ChoiceField(label="Lieu de l'action", choices=[("", "Tous"), *LocationType.choices], required=False)

    def __init__(self, *args, locations: list[tuple[str, str]], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["localisation"].choices = [("", "Tous les territoires visibles"), *locations]

    def clean_q(self):
        return clean_search_term(self.cleaned_data["q"])

    def filters(self) -> dict[str, str]:
        """The valid filters; invalid ones are dropped (a stale or edited link still lists something)."""
        self.is_valid()
        return {name: value for name, value in getattr(self, "cleaned_data", {}).items() if value}


class ActionEntryForm(JournalEntryForm):
    """« Nouveau message » in an action's journal (§E.3): the site journal's form — text, audience with its custom
    list picked in the action's main département, files — without the site journal's tags and health follow-up."""

    ACTION_AUDIENCE_LABELS = {
        Audience.PUBLIC: "Tous les utilisateurs ayant accès aux messages de l'action",
        Audience.PREFECTURE_DDETS: "La préfecture et la DDETS du département de l'action uniquement",
        Audience.CUSTOM: "Une liste personnalisée de structures et de personnes",
    }

    def __init__(self, *args, departement_id: str, **kwargs):
        super().__init__(*args, tags=(), departement_id=departement_id, **kwargs)
        for name in ("kind", "health_date", "health_interventions", "tags"):
            del self.fields[name]
        self.fields["audience"].choices = list(self.ACTION_AUDIENCE_LABELS.items())

    @property
    def is_health(self) -> bool:
        return False


class ActionEntryEditForm(JournalEntryEditForm):
    """« Modifier le message » of an action's journal: its text (action messages carry no tags)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, tags=(), **kwargs)
        del self.fields["tags"]
