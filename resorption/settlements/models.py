"""A site (bidonville or squat) and what hangs on it: owners and, once closed, the orientations of its households.

Field names follow the reference's API names (§C.1–C.7) so that the reference, exports and history labels map one to
one. Yes/no questions are nullable booleans: NULL is « inconnu » (see `enums.TriState`). Multi-select answers with
a fixed, small list (origins, toilet types, electricity sources) are one boolean column each: list filters such as
"ressortissants européens uniquement" (§C.9) become plain indexed comparisons on SQLite and PostgreSQL alike.

Rules that can be read from one row are database constraints; rules that need the clock ("≤ today"), the user
(justice access) or the previous version (update date not earlier than the last one) belong to the services.
"""

import re

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Coalesce, Length
from django.db.models.lookups import LessThanOrEqual
from django.utils import timezone
from simple_history.models import HistoricalRecords

from resorption.accounts import permissions
from resorption.core.text import normalize_search
from resorption.settlements import living_conditions
from resorption.settlements.enums import (
    CensusStatus,
    ClosingCause,
    ClosingSolution,
    ElectricityAccessType,
    FieldType,
    Origin,
    OwnerType,
    PoliceStatus,
    SiteActorTheme,
    SiteStatus,
    ToiletType,
    WaterAccessType,
)
from resorption.territories.enums import TerritoryLevel
from resorption.territories.location import Territories, sites_in_q
from resorption.territories.models import Commune

NAME_MAX_LENGTH = 35
# "12 rue X, 33000 Bordeaux" → "12 rue X": a 5-digit postal code and everything after it.
_POSTCODE_AND_CITY = re.compile(r"\b\d{5}\b.*$")


def simple_address(address: str) -> str:
    """An address without its postal code and commune (§C.1 `addressSimple`): `Site.address_simple`, for the pages
    that read sites as plain values."""
    street = _POSTCODE_AND_CITY.sub("", address).strip().rstrip(",").strip()
    return street or "Pas d'adresse précise"


# Site columns holding each section's status, kept in step by `Site.save()` from `living_conditions` (list filters
# "section mauvaise ou inconnue", §C.9, read them). Derived, so left out of history.
STATUS_FIELDS: dict[str, str] = {section: f"{section}_status" for section in living_conditions.SECTION_RULES}


def _is(field: str, answer: bool) -> Q:
    """The yes/no question `field` was answered `answer`. Spelled with IS NOT NULL because in SQL `NULL = true` is
    NULL, and a CHECK whose condition is NULL passes: without it an unanswered parent question would let any
    follow-up answer through."""
    return Q(**{field: answer, f"{field}__isnull": False})


def _null_or(field: str, condition: Q) -> Q:
    """`field` is unanswered (NULL), or `condition` holds: a follow-up question asked only when `condition` holds."""
    return Q(**{f"{field}__isnull": True}) | condition


def _blank_or(field: str, condition: Q) -> Q:
    return Q(**{field: ""}) | condition


def _unticked_or(fields: list[str], condition: Q) -> Q:
    return Q(**{field: False for field in fields}) | condition


def _filled(field: str) -> Q:
    return ~Q(**{field: ""})


def _iff(a: Q, b: Q) -> Q:
    return (a & b) | (~a & ~b)


def _after(later: str, earlier: str, *, strict: bool = False) -> Q:
    lookup = "gt" if strict else "gte"
    return (
        Q(**{f"{later}__isnull": True}) | Q(**{f"{earlier}__isnull": True}) | Q(**{f"{later}__{lookup}": F(earlier)})
    )


def _check(name: str, condition: Q, message: str) -> models.CheckConstraint:
    return models.CheckConstraint(condition=condition, name=f"site_{name}", violation_error_message=message)


_AT_MOST_TOTAL = Q(population_total__isnull=True)
_AT_MOST_MINORS = Q(population_minors__isnull=True)
_AGE_BRACKETS = [
    "population_minors_0_3",
    "population_minors_3_6",
    "population_minors_6_12",
    "population_minors_12_16",
    "population_minors_16_18",
]
_TOILET_FIELDS = {
    ToiletType.LATRINES: "sanitary_toilets_latrines",
    ToiletType.CHEMICAL: "sanitary_toilets_chemical",
    ToiletType.DRY: "sanitary_toilets_dry",
    ToiletType.FLUSH: "sanitary_toilets_flush",
}
_ELECTRICITY_FIELDS = {
    ElectricityAccessType.GENERATOR: "electricity_generator",
    ElectricityAccessType.URBAN_NETWORK: "electricity_urban_network",
    ElectricityAccessType.BUILDING_INSTALLATION: "electricity_building_installation",
}
_ORIGIN_FIELDS = {
    Origin.FRENCH: "origin_french",
    Origin.EUROPEAN: "origin_european",
    Origin.EXTRA_EUROPEAN: "origin_extra_european",
}
_POLICE_ASKED = (
    _is("justice_procedure", True) | _is("evacuation_under_time_limit", True) | _is("insalubrity_order", True)
)

SITE_CONSTRAINTS = [
    # §C.1 location
    _check("address_required", _filled("address"), "L'adresse du site est obligatoire."),
    _check(
        "name_length",
        LessThanOrEqual(Length("name"), NAME_MAX_LENGTH),
        f"L'appellation du site ne peut dépasser {NAME_MAX_LENGTH} caractères.",
    ),
    _check(
        "name_without_brackets",
        ~Q(name__contains="<") & ~Q(name__contains=">"),
        "L'appellation du site ne peut pas contenir les caractères < et >.",
    ),
    _check(
        "latitude_range", Q(latitude__gte=-90, latitude__lte=90), "La latitude doit être comprise entre -90 et 90."
    ),
    _check(
        "longitude_range",
        Q(longitude__gte=-180, longitude__lte=180),
        "La longitude doit être comprise entre -180 et 180.",
    ),
    # §C.2 dates and census
    _check(
        "declared_after_built",
        _after("declared_at", "built_at"),
        "La date de signalement ne peut pas précéder la date d'installation.",
    ),
    _check(
        "census_date_required",
        ~Q(census_status__in=[CensusStatus.SCHEDULED, CensusStatus.DONE]) | Q(census_conducted_at__isnull=False),
        "La date du diagnostic est obligatoire lorsqu'il est prévu ou réalisé.",
    ),
    _check(
        "census_operator_required",
        ~Q(census_status__in=[CensusStatus.SCHEDULED, CensusStatus.DONE]) | _filled("census_conducted_by"),
        "Le service ou l'opérateur en charge du diagnostic est obligatoire lorsqu'il est prévu ou réalisé.",
    ),
    _check(
        "census_after_built",
        _after("census_conducted_at", "built_at"),
        "La date du diagnostic ne peut pas précéder la date d'installation.",
    ),
    # §C.3 population
    _check(
        "population_at_least_one",
        _null_or("population_total", Q(population_total__gte=1)),
        "Le nombre de personnes doit être d'au moins 1.",
    ),
    _check(
        "females_within_total",
        _null_or("population_total_females", _AT_MOST_TOTAL | Q(population_total_females__lte=F("population_total"))),
        "Le nombre de femmes et filles ne peut pas dépasser le nombre de personnes.",
    ),
    _check(
        "households_within_total",
        _null_or(
            "population_couples",
            Q(population_couples__gte=1) & (_AT_MOST_TOTAL | Q(population_couples__lte=F("population_total"))),
        ),
        "Le nombre de ménages doit être d'au moins 1 et ne peut pas dépasser le nombre de personnes.",
    ),
    _check(
        "minors_within_total",
        _null_or("population_minors", _AT_MOST_TOTAL | Q(population_minors__lte=F("population_total"))),
        "Le nombre de mineurs ne peut pas dépasser le nombre de personnes.",
    ),
    _check(
        "minors_cover_age_brackets",
        _null_or(
            "population_minors",
            Q(
                population_minors__gte=sum(
                    (Coalesce(F(field), 0) for field in _AGE_BRACKETS[1:]), Coalesce(F(_AGE_BRACKETS[0]), 0)
                )
            ),
        ),
        "Le nombre de mineurs ne peut pas être inférieur à la somme des tranches d'âge.",
    ),
    _check(
        "girls_within_minors",
        _null_or("population_minors_girls", _AT_MOST_MINORS | Q(population_minors_girls__lte=F("population_minors"))),
        "Le nombre de filles ne peut pas dépasser le nombre de mineurs.",
    ),
    _check(
        "schooled_within_minors",
        _null_or(
            "minors_in_school",
            (_AT_MOST_TOTAL | Q(minors_in_school__lte=F("population_total")))
            & (_AT_MOST_MINORS | Q(minors_in_school__lte=F("population_minors"))),
        ),
        "Le nombre d'enfants scolarisés ne peut dépasser ni le nombre de personnes ni le nombre de mineurs.",
    ),
    # §C.4 water
    _check(
        "water_details_iff_other",
        _iff(Q(water_access_type=WaterAccessType.OTHER), _filled("water_access_type_details")),
        "Les modalités d'accès à l'eau sont à préciser quand, et seulement quand, l'accès est « Autre ».",
    ),
    _check(
        "water_public_asked",
        _null_or(
            "water_access_is_public",
            Q(water_access_type__in=[WaterAccessType.NETWORK_TAP, WaterAccessType.OTHER]),
        ),
        "La question « point d'eau sur la voie publique » ne concerne qu'un robinet ou un autre accès.",
    ),
    _check(
        "water_continuous_asked",
        _null_or("water_access_is_continuous", _is("water_access_is_public", False)),
        "La continuité de l'accès ne se renseigne que pour un point d'eau hors voie publique.",
    ),
    _check(
        "water_continuous_details_iff",
        _iff(_is("water_access_is_continuous", False), _filled("water_access_is_continuous_details")),
        "La discontinuité de l'accès est à préciser quand, et seulement quand, l'accès n'est pas continu.",
    ),
    _check(
        "water_local_asked",
        _null_or("water_access_is_local", _is("water_access_is_public", False)),
        "La localisation de l'accès ne se renseigne que pour un point d'eau hors voie publique.",
    ),
    *(
        _check(
            f"water_{field.removeprefix('water_access_')}_asked",
            _null_or(field, _is("water_access_is_local", True)),
            "Cette question ne se pose que pour un accès à l'eau situé sur le site.",
        )
        for field in ["water_access_is_close", "water_access_is_unequal", "water_access_has_stagnant_water"]
    ),
    _check(
        "water_unequal_details_iff",
        _iff(_is("water_access_is_unequal", True), _filled("water_access_is_unequal_details")),
        "Les inégalités d'accès à l'eau sont à préciser quand, et seulement quand, il y en a.",
    ),
    # §C.4 sanitary
    _check(
        "toilet_types_asked",
        _unticked_or(list(_TOILET_FIELDS.values()), _is("sanitary_working_toilets", True)),
        "Les types de toilettes ne se renseignent qu'en présence de toilettes fonctionnelles.",
    ),
    *(
        _check(
            f"{field}_asked",
            _null_or(
                field,
                _is("sanitary_toilets_chemical", True)
                | _is("sanitary_toilets_dry", True)
                | _is("sanitary_toilets_flush", True),
            ),
            "Cette question ne se pose que pour des toilettes autres que des latrines.",
        )
        for field in ["sanitary_toilets_are_inside", "sanitary_toilets_are_lighted", "sanitary_hand_washing"]
    ),
    # §C.4 electricity
    _check(
        "electricity_types_asked",
        _unticked_or(list(_ELECTRICITY_FIELDS.values()), _is("electricity_access", True)),
        "La source de l'électricité ne se renseigne qu'en présence d'une installation électrique.",
    ),
    _check(
        "electricity_unequal_asked",
        _null_or("electricity_access_is_unequal", ~Q(**dict.fromkeys(_ELECTRICITY_FIELDS.values(), False))),
        "Les inégalités d'accès à l'électricité ne se renseignent qu'une fois la source indiquée.",
    ),
    # §C.4 trash
    *(
        _check(
            f"{field}_asked",
            _null_or(field, _is("trash_evacuation_is_close", True)),
            "Cette question ne se pose qu'en présence d'un dispositif de ramassage des ordures.",
        )
        for field in ["trash_evacuation_is_safe", "trash_evacuation_is_regular", "trash_bulky_is_piling"]
    ),
    # §C.5 justice
    _check(
        "justice_rendered_asked",
        _null_or("justice_rendered", _is("justice_procedure", True)),
        "La décision de justice ne se renseigne qu'en cas de procédure judiciaire.",
    ),
    _check(
        "justice_decision_iff_rendered",
        _iff(
            _is("justice_rendered", True),
            _filled("justice_rendered_by") & Q(justice_rendered_at__isnull=False),
        ),
        "L'origine et la date de la décision sont obligatoires quand, et seulement quand, une décision est rendue.",
    ),
    _check(
        "justice_challenged_asked",
        _null_or("justice_challenged", _is("justice_rendered", True)),
        "L'appel ne se renseigne qu'une fois la décision de justice rendue.",
    ),
    _check(
        "justice_after_built",
        _after("justice_rendered_at", "built_at"),
        "La date de la décision ne peut pas précéder la date d'installation.",
    ),
    _check(
        "administrative_order_asked",
        _null_or("administrative_order_decision_at", _is("evacuation_under_time_limit", True)),
        "La date de l'arrêté ne se renseigne qu'en cas de procédure administrative d'évacuation.",
    ),
    _check(
        "administrative_order_after_built",
        _after("administrative_order_decision_at", "built_at"),
        "La date de l'arrêté ne peut pas précéder la date d'installation.",
    ),
    _check(
        "insalubrity_displayed_asked",
        _null_or("insalubrity_order_displayed", _is("insalubrity_order", True)),
        "L'affichage de l'arrêté ne se renseigne qu'en cas d'arrêté d'insalubrité.",
    ),
    _check(
        "police_asked",
        _blank_or("police_status", _POLICE_ASKED),
        "Le concours de la force publique ne se renseigne qu'en cas de procédure judiciaire, administrative ou "
        "d'arrêté d'insalubrité.",
    ),
    _check(
        "police_requested_date",
        ~Q(police_status__in=[PoliceStatus.REQUESTED, PoliceStatus.GRANTED, PoliceStatus.REFUSED])
        | Q(police_requested_at__isnull=False),
        "La date de la demande du concours de la force publique est obligatoire.",
    ),
    _check(
        "police_granted_date",
        ~Q(police_status=PoliceStatus.GRANTED) | Q(police_granted_at__isnull=False),
        "La date d'octroi du concours de la force publique est obligatoire.",
    ),
    _check(
        "police_granted_after_requested",
        _after("police_granted_at", "police_requested_at"),
        "La date d'octroi ne peut pas précéder la date de la demande.",
    ),
    _check(
        "litigation_asked",
        _null_or("existing_litigation", Q(police_status=PoliceStatus.GRANTED)),
        "Le contentieux ne se renseigne qu'une fois le concours de la force publique obtenu.",
    ),
    # §C.6 closing
    _check(
        "closed_iff_closing_data",
        _iff(Q(status=SiteStatus.CLOSED), Q(closed_at__isnull=False))
        & _iff(Q(status=SiteStatus.CLOSED), _filled("closing_cause")),
        "Un site fermé a une date et une cause de fermeture ; un site existant n'en a pas.",
    ),
    _check(
        "closing_context_for_other",
        ~Q(closing_cause=ClosingCause.OTHER) | _filled("closing_context"),
        "Le contexte de la fermeture est obligatoire lorsque la cause est « Autre ».",
    ),
    _check(
        "resorbed_answer_when_closed",
        _null_or("closed_with_solutions", Q(status=SiteStatus.CLOSED)),
        "Seul un site fermé peut être déclaré résorbé.",
    ),
    _check(
        "closed_after_declared",
        _after("closed_at", "declared_at"),
        "La date de fermeture ne peut pas précéder la date de signalement.",
    ),
    _check(
        "closed_after_built",
        _after("closed_at", "built_at", strict=True),
        "La date de fermeture doit suivre la date d'installation.",
    ),
    # §C.7
    _check(
        "resorption_target_year",
        _null_or("resorption_target", Q(resorption_target__gte=2000, resorption_target__lte=2100)),
        "L'objectif de résorption doit être une année.",
    ),
]


class SiteQuerySet(models.QuerySet):
    def visible_to(self, user) -> "SiteQuerySet":
        """Sites the user sees in lists, on the map and in statistics (rule: `permissions.visible_sites_q`)."""
        return self.filter(permissions.visible_sites_q(user, commune_path="commune"))

    def open(self) -> "SiteQuerySet":
        return self.filter(status=SiteStatus.OPEN)

    def closed(self) -> "SiteQuerySet":
        return self.filter(status=SiteStatus.CLOSED)

    def resorbed(self) -> "SiteQuerySet":
        """Closed sites declared « résorbé définitivement » (§C.6); the other closed sites are « fermé »."""
        return self.closed().filter(closed_with_solutions=True)

    def in_departement(self, code: str) -> "SiteQuerySet":
        return self.filter(sites_in_q(Territories.of(TerritoryLevel.DEPARTEMENT, [code])))

    def with_list_data(self) -> "SiteQuerySet":
        """What a row of the list, the map or an export shows about the place."""
        return self.select_related("commune__departement", "commune__epci")


# The columns the site list filters on, besides the search words and the justice filters (settlements/filters.py):
# carried by the summary index so that a filtered summary needs no table row.
LIST_FILTER_COLUMNS = [
    "id",  # the actors filter's EXISTS
    "commune",
    "field_type",
    "water_status",
    "sanitary_status",
    "electricity_status",
    "trash_status",
    "pest_animals_status",
    "fire_prevention_status",
    "origin_french",
    "origin_european",
    "origin_extra_european",
    "resorption_target",
    "heatwave",
    "closing_cause",
    "closed_with_solutions",
    "owner_type",
]


def _yes_no(label: str, **kwargs) -> models.BooleanField:
    """A yes/no question: NULL is « inconnu »."""
    return models.BooleanField(label, null=True, blank=True, **kwargs)


def _count(label: str) -> models.PositiveIntegerField:
    return models.PositiveIntegerField(label, null=True, blank=True)


def _tick(label: str) -> models.BooleanField:
    return models.BooleanField(label, default=False)


def _status(label: str) -> models.CharField:
    return models.CharField(
        label,
        max_length=12,
        choices=living_conditions.Status.choices,
        default=living_conditions.Status.UNKNOWN,
        editable=False,
    )


class Site(models.Model):
    # §C.1 Location & identification
    address = models.CharField("Localisation géographique", max_length=500)
    commune = models.ForeignKey(
        "territories.Commune", on_delete=models.PROTECT, related_name="sites", verbose_name="commune"
    )
    latitude = models.FloatField("latitude")
    longitude = models.FloatField("longitude")
    name = models.CharField("Appellation du site", max_length=NAME_MAX_LENGTH, blank=True)
    address_details = models.TextField("Information d'accès", blank=True)
    # What the list's word search reads, lower-case and accent-free (core.text.normalize_search), set by `save()`:
    # the address and the name, then the commune's name, its département's name and its postal codes — one column,
    # so that a word is one trigram index scan on PostgreSQL (docs/decisions/0013-trigram-search.md).
    search_text = models.TextField(editable=False, blank=True, default="")

    # §C.2 Characteristics
    built_at = models.DateField("Date d'installation du site", null=True, blank=True)
    declared_at = models.DateField("Date de signalement du site")
    field_type = models.CharField("Type de site", max_length=10, choices=FieldType.choices, default=FieldType.UNKNOWN)
    owner_type = models.CharField(
        "Type de propriétaire", max_length=10, choices=OwnerType.choices, default=OwnerType.UNKNOWN
    )
    is_reinstallation = _yes_no("S'agit-il d'une réinstallation ?")
    reinstallation_comments = models.TextField("Précisions sur la réinstallation", blank=True)
    incoming_sites = models.ManyToManyField(
        "self",
        symmetrical=False,
        blank=True,
        related_name="reinstalled_sites",
        verbose_name="Sites dont sont originaires les habitant(e)s",
    )
    census_status = models.CharField(
        "Statut du diagnostic social", max_length=10, choices=CensusStatus.choices, blank=True
    )
    census_conducted_at = models.DateField("Date du diagnostic", null=True, blank=True)
    census_conducted_by = models.CharField("Service ou opérateur en charge du diagnostic", max_length=255, blank=True)

    # §C.3 Population
    population_total = _count("Nombre de personnes")
    population_total_females = _count("dont femmes et filles")
    population_couples = _count("Nombre de ménages")
    population_minors = _count("Nombre de mineurs")
    population_minors_girls = _count("dont filles")
    population_minors_0_3 = _count("Mineurs (0 à 3 ans)")
    population_minors_3_6 = _count("Mineurs (3 à 6 ans)")
    population_minors_6_12 = _count("Mineurs (6 à 12 ans)")
    population_minors_12_16 = _count("Mineurs (12 à 16 ans)")
    population_minors_16_18 = _count("Mineurs (16 à 18 ans)")
    minors_in_school = _count("Nombre d'enfants inscrits dans un établissement scolaire")
    caravans = _count("Caravanes")
    huts = _count("Cabanes")
    tents = _count("Tentes")
    cars = _count("Voitures dortoir")
    mattresses = _count("Matelas")
    # « Origines »: none ticked means unknown.
    origin_french = _tick(Origin.FRENCH.label)
    origin_european = _tick(Origin.EUROPEAN.label)
    origin_extra_european = _tick(Origin.EXTRA_EUROPEAN.label)

    # §C.4 Living conditions, version 2 — water
    water_access_type = models.CharField(
        "Comment les habitants ont-ils accès à l'eau ?",
        max_length=30,
        choices=WaterAccessType.choices,
        default=WaterAccessType.UNKNOWN,
    )
    water_access_type_details = models.TextField("Veuillez préciser les modalités d'accès à l'eau", blank=True)
    water_access_is_public = _yes_no("Est-ce un point d'eau sur la voie publique ?")
    water_access_is_continuous = _yes_no("L'accès est-il continu ?")
    water_access_is_continuous_details = models.TextField("Veuillez préciser la discontinuité de l'accès", blank=True)
    water_access_is_local = _yes_no("Où se situe l'accès ?", help_text="Oui : sur site ; non : hors site.")
    water_access_is_close = _yes_no("Distance point d'eau / habitation la plus éloignée ?")
    water_access_is_unequal = _yes_no("Des inégalités d'accès ont-elles été constatées ?")
    water_access_is_unequal_details = models.TextField("Veuillez préciser les inégalités d'accès", blank=True)
    water_access_has_stagnant_water = _yes_no("Existe-t-il des eaux stagnantes autour du point de distribution ?")
    water_access_comments = models.TextField("Informations complémentaires concernant l'accès à l'eau", blank=True)
    # toilets
    sanitary_open_air_defecation = _yes_no("Constate-t-on des marques de défécation à l'air libre ?")
    sanitary_working_toilets = _yes_no("Présence de toilettes fonctionnelles et utilisées ?")
    sanitary_toilets_latrines = _tick(ToiletType.LATRINES.label)
    sanitary_toilets_chemical = _tick(ToiletType.CHEMICAL.label)
    sanitary_toilets_dry = _tick(ToiletType.DRY.label)
    sanitary_toilets_flush = _tick(ToiletType.FLUSH.label)
    sanitary_toilets_are_inside = _yes_no("Les toilettes sont-elles à l'intérieur du site ?")
    sanitary_toilets_are_lighted = _yes_no("Ces toilettes sont-elles éclairées et verrouillables de l'intérieur ?")
    sanitary_hand_washing = _yes_no("Y a-t-il un point de lavage des mains à proximité des toilettes ?")
    # electricity
    electricity_access = _yes_no("Y a-t-il présence d'une installation électrique ?")
    electricity_generator = _tick(ElectricityAccessType.GENERATOR.label)
    electricity_urban_network = _tick(ElectricityAccessType.URBAN_NETWORK.label)
    electricity_building_installation = _tick(ElectricityAccessType.BUILDING_INSTALLATION.label)
    electricity_access_is_unequal = _yes_no("Des inégalités d'accès ont-elles été constatées ?")
    # trash
    trash_is_piling = _yes_no("Constate-t-on une accumulation de déchets type ordures ménagères ?")
    trash_evacuation_is_close = _yes_no("Y a-t-il des dispositifs de ramassage des ordures ménagères ?")
    trash_evacuation_is_safe = _yes_no("Ces dispositifs sont-ils en bon état ?")
    trash_evacuation_is_regular = _yes_no("La collecte est-elle réalisée de manière régulière ?")
    trash_bulky_is_piling = _yes_no("Constate-t-on une accumulation de déchets type encombrants ?")
    # pests and fire
    pest_animals_presence = _yes_no("Y a-t-il des nuisibles sur le site ou à proximité ?")
    pest_animals_details = models.TextField("Précisions sur les nuisibles", blank=True)
    fire_prevention_diagnostic = _yes_no("Un diagnostic prévention incendie a-t-il été réalisé ?")
    # derived statuses (see STATUS_FIELDS)
    water_status = _status("État de l'accès à l'eau")
    sanitary_status = _status("État des toilettes")
    electricity_status = _status("État de l'accès à l'électricité")
    trash_status = _status("État de l'évacuation des déchets")
    pest_animals_status = _status("État vis-à-vis des nuisibles")
    fire_prevention_status = _status("État de la prévention incendie")

    # §C.5 Justice & administrative procedures — confidential (§A.6, see confidential.py)
    owner_complaint = _yes_no("Dépôt de plainte par le propriétaire")
    justice_procedure = _yes_no("Existence d'une procédure judiciaire")
    justice_rendered = _yes_no("Décision de justice rendue")
    justice_rendered_by = models.CharField("Origine de la décision", max_length=255, blank=True)
    justice_rendered_at = models.DateField("Date de la décision", null=True, blank=True)
    justice_challenged = _yes_no("Y a-t-il un appel en cours ?")
    evacuation_under_time_limit = _yes_no(
        "Une procédure administrative prescrivant l'évacuation sous délai est-elle en cours ?"
    )
    administrative_order_decision_at = models.DateField("Date de l'arrêté d'évacuation", null=True, blank=True)
    administrative_order_decision_rendered_by = models.CharField(
        "Qui a pris l'arrêté d'évacuation ?", max_length=255, blank=True
    )
    administrative_order_evacuation_at = models.DateField("Date de l'évacuation", null=True, blank=True)
    insalubrity_order = _yes_no(
        "Un arrêté d'insalubrité dans le cadre d'une opération RHI bidonville est-il en cours ?"
    )
    insalubrity_order_displayed = _yes_no("Affichage de l'arrêté ou notification")
    insalubrity_order_type = models.CharField(
        "Type d'arrêté (arrêté de mise en sécurité...)", max_length=255, blank=True
    )
    insalubrity_order_by = models.CharField("Qui a pris l'arrêté d'insalubrité ?", max_length=255, blank=True)
    insalubrity_order_at = models.DateField("Date de l'arrêté d'insalubrité", null=True, blank=True)
    insalubrity_parcels = models.TextField("Parcelles concernées par l'arrêté", blank=True)
    police_status = models.CharField(
        "Concours de la force publique", max_length=10, choices=PoliceStatus.choices, blank=True
    )
    police_requested_at = models.DateField("Date de la demande du CFP", null=True, blank=True)
    police_granted_at = models.DateField("Date d'octroi du CFP", null=True, blank=True)
    existing_litigation = _yes_no("Existence d'un contentieux ?")
    bailiff = models.CharField("Nom de l'étude d'huissiers", max_length=255, blank=True)

    # §C.7 Other attributes
    heatwave = models.BooleanField("Risque canicule", default=False)
    resorption_target = models.PositiveSmallIntegerField("Objectif résorption", null=True, blank=True)
    # {phase uid: completion date "YYYY-MM-DD" or null while under way}; kept on the row so that history and
    # "as of" rebuilds carry it with the rest of the site (§C.7, §C.8 diff phase by phase).
    preparatory_phases = models.JSONField("Phases préparatoires à la résorption", default=dict, blank=True)

    # §C.6 Closing
    status = models.CharField(
        "statut", max_length=10, choices=SiteStatus.choices, default=SiteStatus.OPEN, db_index=True
    )
    closed_at = models.DateField("Date de la fermeture du site", null=True, blank=True)
    closing_cause = models.CharField("Cause de la fermeture", max_length=30, choices=ClosingCause.choices, blank=True)
    closed_with_solutions = _yes_no("Le site a-t-il été résorbé définitivement ?")
    closing_context = models.TextField("Préciser le contexte de la fermeture et les faits à signaler", blank=True)

    # §C.1, §C.8 bookkeeping
    updated_at = models.DateField("Date de mise à jour", default=timezone.localdate)
    created_at = models.DateTimeField("créé le", auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="déclaré par",
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="mis à jour par",
    )
    # Optimistic locking: every save through the services bumps it; an update whose form carried an older version is
    # refused, so that a concurrent edit is never overwritten (issue 4 « no lost update »).
    version = models.PositiveIntegerField("version", default=1)

    objects = SiteQuerySet.as_manager()
    history = HistoricalRecords(
        excluded_fields=[*STATUS_FIELDS.values(), "search_text"],
        m2m_fields=[incoming_sites],
        verbose_name="version du site",
        verbose_name_plural="versions des sites",
    )

    class Meta:
        verbose_name = "site"
        verbose_name_plural = "sites"
        ordering = ["-updated_at", "-pk"]
        constraints = SITE_CONSTRAINTS
        indexes = [
            models.Index(fields=["status", "-updated_at"], name="site_status_updated_idx"),
            # The list's summary line (sites, people, minors of a tab) from the index alone, with the columns of its
            # usual filters beside them (PostgreSQL; other databases leave `include` out): a filtered summary read
            # the heap pages of every open site, 3.4 → 0.7 ms with three filters (docs/benchmarks.md).
            models.Index(
                fields=["status", "population_total", "population_minors"],
                include=LIST_FILTER_COLUMNS,
                name="site_summary_filters_idx",
            ),
            # The sites of a territory in one tab (a local user's list and its summary): only the rows of that status
            # are read, not every closed site of each commune (docs/benchmarks.md).
            models.Index(fields=["commune", "status"], name="site_commune_status_idx"),
            # The map's markers (maps/selectors.py): every open site's point, type, water and people read from the
            # index alone, in id order (the national document was rebuilt in 95 ms with a scan of the table).
            models.Index(
                fields=["status", "id"],
                include=["latitude", "longitude", "field_type", "water_status", "population_total"],
                name="site_map_markers_idx",
            ),
        ]

    def __str__(self):
        return self.display_name

    def save(self, *args, **kwargs):
        derived = [*self.refresh_living_condition_statuses(), "search_text"]
        self.search_text = site_search_text(self.address, self.name, self._commune_search_terms())
        update_fields = kwargs.get("update_fields")
        if update_fields is not None:
            kwargs["update_fields"] = {*update_fields, *derived}
        super().save(*args, **kwargs)

    def _commune_search_terms(self) -> str:
        """`commune_search_terms` of the site's commune, without a query when the commune and its département are
        already loaded."""
        commune_field = Site._meta.get_field("commune")
        if commune_field.is_cached(self) and self.commune.pk == self.commune_id:
            commune = self.commune
            if Commune._meta.get_field("departement").is_cached(commune):
                return commune_search_terms(commune.search_name, commune.departement.search_name, commune.postal_codes)
        return commune_search_terms_by_code([self.commune_id]).get(self.commune_id, "")

    def refresh_living_condition_statuses(self) -> list[str]:
        """Sets the stored status columns from the answers; returns their names. `save()` calls it; code that writes
        with `bulk_create` or `update()` must call it (or compute the statuses) itself."""
        for section, status in living_conditions.site_living_conditions(self).items():
            setattr(self, STATUS_FIELDS[section], status)
        return list(STATUS_FIELDS.values())

    @property
    def is_closed(self) -> bool:
        return self.status == SiteStatus.CLOSED

    @property
    def is_resorbed(self) -> bool:
        """« Résorbé » iff closed and declared resorbed for good (§C.6); otherwise a closed site is « fermé »."""
        return self.is_closed and self.closed_with_solutions is True

    @property
    def address_simple(self) -> str:
        """The address without its postal code and commune (§C.1 `addressSimple`)."""
        return simple_address(self.address)

    @property
    def display_name(self) -> str:
        """How the site is named in titles and emails: its street address, then its name when it has one (§C.1)."""
        return f"{self.address_simple} « {self.name} »" if self.name else self.address_simple

    @property
    def origins(self) -> list[Origin]:
        return [origin for origin, field in _ORIGIN_FIELDS.items() if getattr(self, field)]

    @property
    def toilet_types(self) -> list[ToiletType]:
        return [kind for kind, field in _TOILET_FIELDS.items() if getattr(self, field)]

    @property
    def electricity_access_types(self) -> list[ElectricityAccessType]:
        return [kind for kind, field in _ELECTRICITY_FIELDS.items() if getattr(self, field)]


def site_search_text(address: str, name: str, commune_terms: str) -> str:
    """The value of `Site.search_text`, `commune_terms` coming from `commune_search_terms`; code writing sites with
    `bulk_create` or `update()` must set it itself (`commune_search_terms_by_code` gives the terms of many communes in
    one query)."""
    return " ".join(part for part in (normalize_search(f"{address} {name}"), commune_terms) if part)


def commune_search_terms(search_name: str, departement_search_name: str, postal_codes: str) -> str:
    """The words of a commune a site is found by: its name, its département's name (both already normalised by
    `Territory.save`) and its postal codes."""
    return " ".join(part for part in (search_name, departement_search_name, postal_codes) if part)


def commune_search_terms_by_code(codes) -> dict[str, str]:
    """`commune_search_terms` of each commune of `codes`, in one query."""
    rows = Commune.objects.filter(code__in=set(codes)).values_list(
        "code", "search_name", "departement__search_name", "postal_codes"
    )
    return {code: commune_search_terms(*terms) for code, *terms in rows}


def refresh_search_texts(*, batch_size: int = 2000) -> int:
    """Recomputes `search_text` of every site (after the territories' names changed); returns how many changed."""
    changed = 0
    terms = commune_search_terms_by_code(Site.objects.values_list("commune_id", flat=True).distinct())
    sites = Site.objects.order_by("pk").only("pk", "address", "name", "commune_id", "search_text")
    batch: list[Site] = []
    for site in sites.iterator(chunk_size=batch_size):
        text = site_search_text(site.address, site.name, terms.get(site.commune_id, ""))
        if text != site.search_text:
            site.search_text = text
            batch.append(site)
        if len(batch) >= batch_size:
            Site.objects.bulk_update(batch, ["search_text"])
            changed += len(batch)
            batch = []
    if batch:
        Site.objects.bulk_update(batch, ["search_text"])
        changed += len(batch)
    return changed


class SiteOwner(models.Model):
    """One owner of the site's parcels (§C.2 `shantytown_parcel_owners`); confidential (§A.6, see confidential.py)."""

    site = models.ForeignKey(Site, on_delete=models.CASCADE, related_name="owners", verbose_name="site")
    name = models.CharField("Nom du propriétaire", max_length=255, blank=True)
    owner_type = models.CharField(
        "Type de propriétaire", max_length=10, choices=OwnerType.choices, default=OwnerType.UNKNOWN
    )

    history = HistoricalRecords(
        verbose_name="version d'un propriétaire", verbose_name_plural="versions des propriétaires"
    )

    class Meta:
        verbose_name = "propriétaire"
        verbose_name_plural = "propriétaires"
        ordering = ["pk"]

    def __str__(self):
        return self.name or self.get_owner_type_display()


class ClosingOrientation(models.Model):
    """Where the households of a closed site went, per closing solution (§C.6 « Orientations des ménages »)."""

    site = models.ForeignKey(Site, on_delete=models.CASCADE, related_name="closing_orientations", verbose_name="site")
    solution = models.CharField("orientation", max_length=30, choices=ClosingSolution.choices)
    people_affected = models.PositiveIntegerField("Nombre de personnes", null=True, blank=True)
    households_affected = models.PositiveIntegerField("Nombre de ménages", null=True, blank=True)
    message = models.TextField("Précisions", blank=True)

    history = HistoricalRecords(
        verbose_name="version d'une orientation", verbose_name_plural="versions des orientations"
    )

    class Meta:
        verbose_name = "orientation des ménages"
        verbose_name_plural = "orientations des ménages"
        ordering = ["site", "solution"]
        constraints = [
            models.UniqueConstraint(
                fields=["site", "solution"],
                name="closing_orientation_once_per_solution",
                violation_error_message="Chaque orientation ne peut être indiquée qu'une fois.",
            ),
            models.CheckConstraint(
                condition=Q(people_affected__isnull=True)
                | Q(households_affected__isnull=True)
                | Q(households_affected__lte=F("people_affected")),
                name="closing_orientation_households_within_people",
                violation_error_message="Le nombre de ménages ne peut pas dépasser le nombre de personnes.",
            ),
        ]

    def __str__(self):
        return self.get_solution_display()


class SiteActor(models.Model):
    """A user who works on the site (§C.10 « Intervenants »), with the themes of their work. Site actors follow the
    site's journal. « Autre » comes with a free-text description (`other_theme`)."""

    site = models.ForeignKey(Site, on_delete=models.CASCADE, related_name="actors", verbose_name="site")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="site_actors", verbose_name="intervenant"
    )
    themes = models.JSONField("thèmes d'intervention", default=list, blank=True)
    other_theme = models.CharField("autre thème", max_length=250, blank=True)
    created_at = models.DateTimeField("ajouté le", default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="ajouté par",
    )
    updated_at = models.DateTimeField("modifié le", auto_now=True)

    class Meta:
        verbose_name = "intervenant"
        verbose_name_plural = "intervenants"
        ordering = ["site", "created_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["site", "user"],
                name="site_actor_once_per_site",
                violation_error_message="Cette personne est déjà intervenante sur ce site.",
            ),
        ]

    def __str__(self):
        return f"{self.user} — {self.site}"

    @property
    def theme_labels(self) -> list[str]:
        """The themes as users read them, « Autre » replaced by its description when there is one."""
        labels = []
        for value in self.themes:
            if value == SiteActorTheme.OTHER and self.other_theme:
                labels.append(self.other_theme)
            elif value in SiteActorTheme.values:
                labels.append(SiteActorTheme(value).label)
        return labels


class FollowedSite(models.Model):
    """A site a user follows (« sites suivis », §A.3 favourites): starred from the list or the site's page and listed
    on his dashboard. Interveners and external observers follow no site (`permissions.can_follow_sites`)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="followed_sites", verbose_name="personne"
    )
    site = models.ForeignKey(Site, on_delete=models.CASCADE, related_name="followers", verbose_name="site")
    created_at = models.DateTimeField("suivi depuis le", default=timezone.now)

    class Meta:
        verbose_name = "site suivi"
        verbose_name_plural = "sites suivis"
        constraints = [models.UniqueConstraint(fields=["user", "site"], name="followed_site_once_per_user")]

    def __str__(self):
        return f"{self.user} suit {self.site}"
