"""Forms of the settlements pages. The site list's filters (reference §C.9) live in the query string: every filter is
a GET parameter with a French name and value, so that a filtered list is a link one can share."""

from django import forms

from resorption.core.forms import BaseForm
from resorption.settlements.enums import (
    ClosingCause,
    FieldType,
    LivingConditionSection,
    LivingConditionStatus,
    OwnerType,
)
from resorption.territories.models import clean_search_term


class Tab:
    """The two tabs of the list (`?statut=`): existing sites, and closed or resorbed ones."""

    OPEN = "ouverts"
    CLOSED = "fermes"


class Location:
    """Values of the location filter: a département code alone (the most used, kept short), or a level and a code
    (`region-75`, `epci-243300316`, `commune-33063`), or the whole métropole or outre-mer."""

    METROPOLE = "metropole"
    OVERSEAS = "outre-mer"
    REGION = "region"
    EPCI = "epci"
    COMMUNE = "commune"
    PREFIXED = (REGION, EPCI, COMMUNE)

    @classmethod
    def parse(cls, value: str) -> tuple[str, str]:
        """(level, code) of a location value: level is "departement" for a bare code, "" for an empty value."""
        level, _, code = value.partition("-")
        if code and level in cls.PREFIXED:
            return level, code
        if value in (cls.METROPOLE, cls.OVERSEAS):
            return value, ""
        return ("departement", value) if value else ("", "")


class Sort:
    UPDATED = "mise-a-jour"
    COMMUNE = "commune"
    POPULATION = "population"
    DECLARED = "signalement"

    CHOICES = [
        (UPDATED, "Date de mise à jour"),
        (COMMUNE, "Commune"),
        (POPULATION, "Nombre de personnes"),
        (DECLARED, "Date de signalement"),
    ]


# Population ranges (§C.9 gives "min-max" ranges; these are the issue's brackets), value → (label, min, max).
POPULATION_RANGES: dict[str, tuple[str, int | None, int | None]] = {
    "moins-de-10": ("Moins de 10 personnes", None, 9),
    "10-50": ("De 10 à 50 personnes", 10, 50),
    "51-100": ("De 51 à 100 personnes", 51, 100),
    "plus-de-100": ("Plus de 100 personnes", 101, None),
}
POPULATION_UNKNOWN = "inconnu"

EUROPEANS_ONLY = "europeens-uniquement"
ORIGINS_UNKNOWN = "inconnues"
ORIGIN_CHOICES = [
    ("francais", "Ressortissants français"),
    ("europeens", "Ressortissants européens"),
    ("extracommunautaires", "Ressortissants extracommunautaires"),
    (EUROPEANS_ONLY, "Ressortissants européens uniquement"),
    (ORIGINS_UNKNOWN, "Origines inconnues"),
]

YES_NO = [("", "Indifférent"), ("oui", "Oui"), ("non", "Non")]

# « Accès à l'eau » as the map words it (§G): the water section's status.
WATER_CHOICES = [
    (LivingConditionStatus.GOOD.value, "Oui"),
    (LivingConditionStatus.TO_IMPROVE.value, "À améliorer"),
    (LivingConditionStatus.BAD.value, "Non"),
    (LivingConditionStatus.UNKNOWN.value, "Inconnu"),
]

JUSTICE_CHOICES = [
    ("plainte", "Dépôt de plainte par le propriétaire"),
    ("procedure", "Existence d'une procédure judiciaire"),
    ("decision", "Décision de justice rendue"),
    ("aucune", "Aucune plainte ni procédure"),
    ("inconnu", "Inconnu"),
]
ORDER_CHOICES = [("oui", "En cours"), ("non", "Aucun"), ("inconnu", "Inconnu")]

OUTCOME_RESORBED = "resorbe"
OUTCOME_CLOSED = "ferme"
OUTCOME_CHOICES = [(OUTCOME_RESORBED, "Résorbé"), (OUTCOME_CLOSED, "Fermé")]

# Which filters each tab offers (§C.9: living conditions, heatwave and actors for existing sites; closing cause and
# outcome for closed ones). The others apply to both.
OPEN_ONLY_FILTERS = ("conditions", "intervenants", "canicule")
CLOSED_ONLY_FILTERS = ("cause", "issue")
JUSTICE_FILTERS = ("justice", "arrete", "rhi")


class LenientMultipleChoiceField(forms.MultipleChoiceField):
    """Keeps the known values and drops the others, so that a shared link with a stale value still filters by the
    rest of it."""

    def to_python(self, value):
        values = super().to_python(value)
        known = {str(key) for key, _ in self.choices}
        return [item for item in values if item in known]


def _checkboxes(label: str, choices) -> LenientMultipleChoiceField:
    return LenientMultipleChoiceField(
        label=label, required=False, choices=choices, widget=forms.CheckboxSelectMultiple
    )


class SiteFilterForm(BaseForm):
    """The filters of the site list. Départements are those where the user sees sites; the justice filters exist only
    for users who may read justice data somewhere (`with_justice`)."""

    statut = forms.ChoiceField(
        required=False,
        choices=[(Tab.OPEN, "Sites existants"), (Tab.CLOSED, "Sites fermés")],
        widget=forms.HiddenInput,
    )
    q = forms.CharField(
        label="Rechercher",
        required=False,
        help_text="Adresse, nom d'un site, commune, code postal…",
        widget=forms.TextInput(attrs={"type": "search"}),
    )
    localisation = forms.ChoiceField(label="Territoire", required=False)
    tri = forms.ChoiceField(label="Trier par", required=False, choices=Sort.CHOICES)
    population = _checkboxes(
        "Nombre de personnes",
        [*((value, label) for value, (label, _, _) in POPULATION_RANGES.items()), (POPULATION_UNKNOWN, "Inconnu")],
    )
    type = _checkboxes("Type de site", FieldType.choices)
    origines = _checkboxes("Origines", ORIGIN_CHOICES)
    objectif = forms.ChoiceField(label="Objectif résorption", required=False, choices=YES_NO)
    # §G: the map's « Accès à l'eau » and « Type de propriétaire », offered by the list too (one set of filters).
    eau = _checkboxes("Accès à l'eau", WATER_CHOICES)
    proprietaire = _checkboxes("Type de propriétaire", OwnerType.choices)
    conditions = _checkboxes(
        "Conditions de vie mauvaises ou inconnues",
        [(section.value, section.label) for section in LivingConditionSection],
    )
    intervenants = forms.ChoiceField(label="Intervenants déclarés", required=False, choices=YES_NO)
    canicule = forms.ChoiceField(label="Risque canicule", required=False, choices=YES_NO)
    cause = _checkboxes("Cause de la fermeture", ClosingCause.choices)
    issue = _checkboxes("Résorbé ou fermé", OUTCOME_CHOICES)
    justice = _checkboxes("Procédure judiciaire", JUSTICE_CHOICES)
    arrete = _checkboxes("Procédure administrative d'évacuation", ORDER_CHOICES)
    rhi = _checkboxes("Arrêté d'insalubrité (RHI)", ORDER_CHOICES)

    def __init__(self, *args, regions, departements, extra_location=None, with_justice: bool, **kwargs):
        """`regions` and `departements` are those where the user sees sites; `extra_location` is a (value, label)
        pair for an EPCI or a commune, which the list offers only once chosen (from the main area or a link)."""
        super().__init__(*args, **kwargs)
        self.fields["localisation"].choices = [
            ("", "Tous vos territoires"),
            (Location.METROPOLE, "Métropole"),
            (Location.OVERSEAS, "Outre-mer"),
            *([("Intercommunalité ou commune", [extra_location])] if extra_location else []),
            ("Régions", [(f"{Location.REGION}-{region.code}", str(region)) for region in regions]),
            ("Départements", [(departement.code, str(departement)) for departement in departements]),
        ]
        if not with_justice:
            for name in JUSTICE_FILTERS:
                del self.fields[name]

    @classmethod
    def from_query(cls, query, **kwargs) -> "SiteFilterForm":
        """The form bound to the query string with its invalid values left out: the list ignores them rather than
        failing, and the form shows the filters actually applied."""
        form = cls(query, **kwargs)
        if not form.is_valid():
            query = query.copy()
            for name in form.errors:
                query.pop(name, None)
            form = cls(query, **kwargs)
            form.is_valid()
        return form

    def clean_q(self) -> str:
        return clean_search_term(self.cleaned_data["q"])

    @property
    def tab(self) -> str:
        return self.tab_of(self.cleaned_data)

    @staticmethod
    def tab_of(cleaned_data: dict) -> str:
        return cleaned_data.get("statut") or Tab.OPEN
