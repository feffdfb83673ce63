"""Demo sites for `make run` (issue 4, item 12): open and closed sites in every demo commune, living conditions good,
to improve, bad or unknown, some with justice procedures and owners — so that each demo account sees a meaningful list
and site page.

Addresses, names and owners are fictional. Nothing here describes a person: only counts, never names, as the charter
requires of real users. Each site is keyed by its address and commune, so loading twice creates nothing new; dates of
update are relative to the day of loading so that "mis à jour il y a N mois" shows its three colours.
"""

import datetime
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from resorption.accounts.models import User
from resorption.core.constraints import constraint_errors
from resorption.notifications.catalogue import SiteDeclared
from resorption.notifications.models import NotificationEvent
from resorption.settlements.enums import (
    CensusStatus,
    ClosingCause,
    ClosingSolution,
    FieldType,
    OwnerType,
    PoliceStatus,
    SiteActorTheme,
    SiteStatus,
    WaterAccessType,
)
from resorption.settlements.models import ClosingOrientation, Site, SiteActor, SiteOwner

# Who declared the sites of each département (demo accounts of resorption.demo.data).
AUTHORS = {
    "33": "correspondant-33@demo.test",
    "31": "operateur-31@demo.test",
    "44": "national-admin@demo.test",
}

GOOD_LIVING_CONDITIONS: dict[str, Any] = {
    "water_access_type": WaterAccessType.NETWORK_TAP,
    "water_access_is_public": False,
    "water_access_is_continuous": True,
    "water_access_is_local": True,
    "water_access_is_close": True,
    "water_access_is_unequal": False,
    "water_access_has_stagnant_water": False,
    "sanitary_open_air_defecation": False,
    "sanitary_working_toilets": True,
    "sanitary_toilets_dry": True,
    "sanitary_toilets_are_inside": True,
    "sanitary_toilets_are_lighted": True,
    "sanitary_hand_washing": True,
    "electricity_access": True,
    "electricity_urban_network": True,
    "electricity_access_is_unequal": False,
    "trash_is_piling": False,
    "trash_evacuation_is_close": True,
    "trash_evacuation_is_safe": True,
    "trash_evacuation_is_regular": True,
    "trash_bulky_is_piling": False,
    "pest_animals_presence": False,
    "fire_prevention_diagnostic": True,
}
TO_IMPROVE_LIVING_CONDITIONS: dict[str, Any] = {
    "water_access_type": WaterAccessType.NETWORK_TAP,
    "water_access_is_public": False,
    "water_access_is_continuous": False,
    "water_access_is_continuous_details": "Coupures fréquentes le week-end.",
    "water_access_is_local": True,
    "water_access_is_close": False,
    "water_access_is_unequal": False,
    "water_access_has_stagnant_water": True,
    "sanitary_open_air_defecation": False,
    "sanitary_working_toilets": True,
    "sanitary_toilets_latrines": True,
    "electricity_access": True,
    "electricity_generator": True,
    "electricity_access_is_unequal": True,
    "trash_is_piling": False,
    "trash_evacuation_is_close": True,
    "trash_evacuation_is_safe": False,
    "trash_evacuation_is_regular": True,
    "trash_bulky_is_piling": True,
    "pest_animals_presence": False,
    "fire_prevention_diagnostic": True,
}
BAD_LIVING_CONDITIONS: dict[str, Any] = {
    "water_access_type": WaterAccessType.PUBLIC_FOUNTAIN,
    "water_access_comments": "Fontaine à 400 m, de l'autre côté de la route départementale.",
    "sanitary_open_air_defecation": True,
    "sanitary_working_toilets": False,
    "electricity_access": False,
    "trash_is_piling": True,
    "trash_evacuation_is_close": False,
    "pest_animals_presence": True,
    "pest_animals_details": "Rats observés près des cabanes.",
    "fire_prevention_diagnostic": False,
}
# Some sections answered, others not: their status is « inconnu ».
PARTIAL_LIVING_CONDITIONS: dict[str, Any] = {
    "water_access_type": WaterAccessType.OTHER,
    "water_access_type_details": "Citerne remplie chaque semaine par la commune.",
    "sanitary_working_toilets": True,
    "sanitary_toilets_chemical": True,
    "sanitary_toilets_are_inside": True,
    "sanitary_toilets_are_lighted": False,
    "electricity_access": True,
    "electricity_building_installation": True,
    "electricity_access_is_unequal": False,
}

CENSUS_DONE = {
    "census_status": CensusStatus.DONE,
    "census_conducted_at": datetime.date(2025, 3, 18),
    "census_conducted_by": "Médiation sanitaire en Gironde",
}


@dataclass(frozen=True)
class DemoSite:
    commune: str  # INSEE code, one of data.COMMUNES
    address: str
    latitude: float
    longitude: float
    updated_days_ago: int
    fields: dict[str, Any] = field(default_factory=dict)
    owners: tuple[tuple[str, str], ...] = ()  # (name, OwnerType)
    orientations: tuple[tuple[str, int, int, str], ...] = ()  # (ClosingSolution, people, households, message)


SITES = [
    # Gironde (33)
    DemoSite(
        "33063",
        "14 quai de la Souys 33100 Bordeaux",
        44.8360,
        -0.5480,
        20,
        {
            "name": "Terrain de la Souys",
            "address_details": "Accès par le portail au bout du chemin de halage.",
            "built_at": datetime.date(2023, 5, 1),
            "declared_at": datetime.date(2023, 6, 12),
            "field_type": FieldType.LAND,
            "owner_type": OwnerType.PUBLIC,
            "is_reinstallation": False,
            "population_total": 62,
            "population_total_females": 30,
            "population_couples": 18,
            "population_minors": 24,
            "population_minors_girls": 11,
            "population_minors_0_3": 5,
            "population_minors_3_6": 6,
            "population_minors_6_12": 8,
            "population_minors_12_16": 3,
            "population_minors_16_18": 2,
            "minors_in_school": 12,
            "caravans": 14,
            "huts": 6,
            "origin_european": True,
            **CENSUS_DONE,
            **BAD_LIVING_CONDITIONS,
            "owner_complaint": True,
            "justice_procedure": True,
            "justice_rendered": True,
            "justice_rendered_by": "Tribunal judiciaire de Bordeaux",
            "justice_rendered_at": datetime.date(2025, 2, 14),
            "justice_challenged": False,
            "police_status": PoliceStatus.REQUESTED,
            "police_requested_at": datetime.date(2025, 4, 1),
            "bailiff": "Étude Lambert et associés",
            "heatwave": True,
            "resorption_target": 2027,
        },
        owners=(("Bordeaux Métropole", OwnerType.PUBLIC), ("SCI Les Berges du Fleuve", OwnerType.PRIVATE)),
    ),
    DemoSite(
        "33063",
        "7 rue des Tonneliers Perdus 33300 Bordeaux",
        44.8710,
        -0.5620,
        130,
        {
            "name": "Squat des Tonneliers",
            "built_at": datetime.date(2024, 1, 10),
            "declared_at": datetime.date(2024, 2, 3),
            "field_type": FieldType.BUILDING,
            "owner_type": OwnerType.PRIVATE,
            "is_reinstallation": True,
            "reinstallation_comments": "Une partie des familles vient d'un terrain de Bègles fermé en 2023.",
            "population_total": 25,
            "population_couples": 8,
            "population_minors": 9,
            "mattresses": 20,
            "origin_european": True,
            "origin_extra_european": True,
            **PARTIAL_LIVING_CONDITIONS,
        },
        owners=(("SCI du Vieux Chai", OwnerType.PRIVATE),),
    ),
    DemoSite(
        "33063",
        "3 chemin de Lissandre 33800 Bordeaux",
        44.8170,
        -0.5560,
        400,
        {
            "built_at": datetime.date(2022, 9, 1),
            "declared_at": datetime.date(2022, 10, 5),
            "field_type": FieldType.LAND,
            "owner_type": OwnerType.PUBLIC,
            "population_total": 35,
            "population_couples": 10,
            "population_minors": 12,
            "origin_european": True,
            **TO_IMPROVE_LIVING_CONDITIONS,
            "status": SiteStatus.CLOSED,
            "closed_at": datetime.date(2025, 6, 30),
            "closing_cause": ClosingCause.RESORBED,
            "closed_with_solutions": True,
            "closing_context": "Accompagnement global de deux ans, piloté par la DDETS.",
        },
        orientations=(
            (ClosingSolution.INSERTION_HOUSING, 20, 6, "Relogement progressif en CHRS."),
            (ClosingSolution.ORDINARY_HOUSING, 15, 4, ""),
        ),
    ),
    DemoSite(
        "33281",
        "22 avenue des Pins Gris 33700 Mérignac",
        44.8320,
        -0.6560,
        75,
        {
            "name": "Camp des Pins",
            "built_at": datetime.date(2024, 6, 1),
            "declared_at": datetime.date(2024, 6, 20),
            "field_type": FieldType.LAND,
            "owner_type": OwnerType.PRIVATE,
            "population_total": 48,
            "population_couples": 14,
            "population_minors": 20,
            "caravans": 12,
            "tents": 4,
            "origin_european": True,
            **TO_IMPROVE_LIVING_CONDITIONS,
            "resorption_target": 2026,
        },
        owners=(("Société Foncière de l'Estey", OwnerType.PRIVATE),),
    ),
    DemoSite(
        "33318",
        "5 allée du Bois Sauvage 33600 Pessac",
        44.7950,
        -0.6500,
        250,
        {
            "built_at": datetime.date(2024, 11, 1),
            "declared_at": datetime.date(2024, 11, 28),
            "field_type": FieldType.UNKNOWN,
            "population_total": 12,
            "huts": 5,
        },
    ),
    DemoSite(
        "33522",
        "9 rue de la Briqueterie 33400 Talence",
        44.8050,
        -0.5880,
        300,
        {
            "built_at": datetime.date(2023, 2, 1),
            "declared_at": datetime.date(2023, 3, 15),
            "field_type": FieldType.BUILDING,
            "owner_type": OwnerType.PRIVATE,
            "population_total": 18,
            "population_couples": 6,
            "population_minors": 7,
            "origin_extra_european": True,
            **PARTIAL_LIVING_CONDITIONS,
            "status": SiteStatus.CLOSED,
            "closed_at": datetime.date(2025, 1, 20),
            "closing_cause": ClosingCause.CLOSED_BY_CITY_ADMIN,
            "closed_with_solutions": False,
            "closing_context": "Arrêté de péril sur le bâtiment.",
        },
        orientations=((ClosingSolution.EMERGENCY_SHELTER, 12, 4, "Mise à l'abri en CHU."),),
    ),
    # Haute-Garonne (31)
    DemoSite(
        "31555",
        "40 chemin du Ramier Bas 31400 Toulouse",
        43.5750,
        1.4330,
        45,
        {
            "name": "Ramier",
            "built_at": datetime.date(2023, 8, 1),
            "declared_at": datetime.date(2023, 8, 30),
            "field_type": FieldType.LAND,
            "owner_type": OwnerType.PUBLIC,
            "population_total": 110,
            "population_total_females": 52,
            "population_couples": 30,
            "population_minors": 45,
            "minors_in_school": 28,
            "caravans": 25,
            "huts": 15,
            "origin_european": True,
            **BAD_LIVING_CONDITIONS,
            "evacuation_under_time_limit": True,
            "administrative_order_decision_at": datetime.date(2025, 9, 10),
            "administrative_order_decision_rendered_by": "Préfecture de la Haute-Garonne",
            "police_status": PoliceStatus.GRANTED,
            "police_requested_at": datetime.date(2025, 9, 20),
            "police_granted_at": datetime.date(2025, 10, 5),
            "existing_litigation": False,
            "heatwave": True,
        },
        owners=(("Toulouse Métropole", OwnerType.PUBLIC),),
    ),
    DemoSite(
        "31555",
        "11 impasse des Briquetiers 31200 Toulouse",
        43.6250,
        1.4280,
        160,
        {
            "built_at": datetime.date(2024, 4, 1),
            "declared_at": datetime.date(2024, 4, 22),
            "field_type": FieldType.BUILDING,
            "owner_type": OwnerType.PRIVATE,
            "population_total": 30,
            "population_couples": 9,
            "population_minors": 11,
            "origin_french": True,
            "origin_european": True,
            **GOOD_LIVING_CONDITIONS,
            "resorption_target": 2026,
        },
    ),
    DemoSite(
        "31555",
        "2 route de la Grande Plaine 31100 Toulouse",
        43.5830,
        1.3900,
        500,
        {
            "built_at": datetime.date(2022, 5, 1),
            "declared_at": datetime.date(2022, 6, 1),
            "field_type": FieldType.LAND,
            "population_total": 40,
            "population_couples": 12,
            "origin_european": True,
            "status": SiteStatus.CLOSED,
            "closed_at": datetime.date(2024, 12, 10),
            "closing_cause": ClosingCause.CLOSED_BY_JUSTICE,
            "closed_with_solutions": False,
        },
        orientations=((ClosingSolution.SOCIAL_WATCH_OR_NONE, 25, 8, "Une partie des ménages sans solution connue."),),
    ),
    DemoSite(
        "31069",
        "8 chemin des Ailes 31700 Blagnac",
        43.6440,
        1.3800,
        100,
        {
            "name": "Les Ailes",
            "built_at": datetime.date(2025, 1, 15),
            "declared_at": datetime.date(2025, 2, 1),
            "field_type": FieldType.LAND,
            "owner_type": OwnerType.UNKNOWN,
            "population_total": 22,
            "population_couples": 7,
            "population_minors": 8,
            "tents": 9,
            "origin_extra_european": True,
            **TO_IMPROVE_LIVING_CONDITIONS,
        },
    ),
    # Loire-Atlantique (44)
    DemoSite(
        "44109",
        "17 boulevard de la Prairie Haute 44200 Nantes",
        47.2010,
        -1.5400,
        60,
        {
            "name": "Prairie Haute",
            "built_at": datetime.date(2023, 10, 1),
            "declared_at": datetime.date(2023, 10, 20),
            "field_type": FieldType.LAND,
            "owner_type": OwnerType.PUBLIC,
            "population_total": 75,
            "population_couples": 20,
            "population_minors": 30,
            "minors_in_school": 22,
            "caravans": 18,
            "origin_european": True,
            **GOOD_LIVING_CONDITIONS,
            "insalubrity_order": True,
            "insalubrity_order_displayed": True,
            "insalubrity_order_type": "Arrêté de mise en sécurité",
            "insalubrity_order_by": "Mairie de Nantes",
            "insalubrity_order_at": datetime.date(2025, 6, 2),
            "insalubrity_parcels": "AB 112, AB 113",
            "police_status": PoliceStatus.NONE,
            "resorption_target": 2026,
        },
        owners=(("Nantes Métropole", OwnerType.PUBLIC),),
    ),
    DemoSite(
        "44109",
        "4 rue du Port Sec 44300 Nantes",
        47.2450,
        -1.5250,
        210,
        {
            "built_at": datetime.date(2024, 7, 1),
            "declared_at": datetime.date(2024, 7, 18),
            "field_type": FieldType.BUILDING,
            "owner_type": OwnerType.PRIVATE,
            "population_total": 16,
            "population_couples": 5,
            "origin_extra_european": True,
            **PARTIAL_LIVING_CONDITIONS,
        },
    ),
    DemoSite(
        "44143",
        "6 chemin de la Jaguère 44400 Rezé",
        47.1880,
        -1.5600,
        350,
        {
            "built_at": datetime.date(2022, 3, 1),
            "declared_at": datetime.date(2022, 3, 25),
            "field_type": FieldType.LAND,
            "owner_type": OwnerType.PUBLIC,
            "population_total": 28,
            "population_couples": 9,
            "population_minors": 10,
            "origin_european": True,
            **GOOD_LIVING_CONDITIONS,
            "status": SiteStatus.CLOSED,
            "closed_at": datetime.date(2025, 4, 15),
            "closing_cause": ClosingCause.RESORBED,
            "closed_with_solutions": True,
        },
        orientations=(
            (ClosingSolution.ORDINARY_HOUSING, 18, 6, "Logements sociaux accompagnés."),
            (ClosingSolution.TERRITORIAL_INSERTION, 10, 3, ""),
        ),
    ),
]


@dataclass(frozen=True)
class DemoActor:
    """A demo account working on a demo site (§C.10), declared by himself or added by another account."""

    site_address: str  # the `address` of one of SITES
    email: str  # a demo account of resorption.demo.data
    themes: tuple[str, ...]
    other_theme: str = ""
    added_by: str = ""  # the account who added him; himself when empty


# Every demo account reads at least one site with actors: the Gironde accounts on the Souys, the Haute-Garonne ones on
# the Ramier, the national ones everywhere (and on a Nantes site).
ACTORS = [
    DemoActor(
        "14 quai de la Souys 33100 Bordeaux",
        "intervenant-33@demo.test",
        (SiteActorTheme.HEALTH, SiteActorTheme.SOCIAL_MEDIATION),
    ),
    DemoActor("14 quai de la Souys 33100 Bordeaux", "correspondant-33@demo.test", (SiteActorTheme.STEERING,)),
    DemoActor(
        "14 quai de la Souys 33100 Bordeaux",
        "partenaire-33@demo.test",
        (SiteActorTheme.HOUSING, SiteActorTheme.EDUCATION),
        added_by="correspondant-33@demo.test",
    ),
    DemoActor("7 rue des Tonneliers Perdus 33300 Bordeaux", "intervenant-33@demo.test", (SiteActorTheme.HEALTH,)),
    DemoActor(
        "3 chemin de Lissandre 33800 Bordeaux",
        "local-admin-33@demo.test",
        (SiteActorTheme.STEERING, SiteActorTheme.HOUSING),
    ),
    DemoActor(
        "40 chemin du Ramier Bas 31400 Toulouse",
        "operateur-31@demo.test",
        (SiteActorTheme.EDUCATION, SiteActorTheme.OTHER),
        other_theme="Accès aux droits et domiciliation",
    ),
    DemoActor(
        "40 chemin du Ramier Bas 31400 Toulouse",
        "observateur-31@demo.test",
        (SiteActorTheme.SECURITY,),
        added_by="operateur-31@demo.test",
    ),
    DemoActor("11 impasse des Briquetiers 31200 Toulouse", "operateur-31@demo.test", (SiteActorTheme.HUMANITARIAN,)),
    DemoActor(
        "17 boulevard de la Prairie Haute 44200 Nantes",
        "acteur-national@demo.test",
        (SiteActorTheme.HOUSING, SiteActorTheme.DIAGNOSIS),
    ),
    DemoActor("17 boulevard de la Prairie Haute 44200 Nantes", "national-admin@demo.test", (SiteActorTheme.STEERING,)),
]


@transaction.atomic
def load_demo_sites() -> int:
    """Create the demo sites that do not exist yet (same address in the same commune) and their missing actors;
    return how many sites were made."""
    today = timezone.localdate()
    authors = {user.email: user for user in User.objects.filter(email__in=AUTHORS.values())}
    created = 0
    for spec in SITES:
        if Site.objects.filter(address=spec.address, commune_id=spec.commune).exists():
            continue
        _create(spec, today=today, author=authors.get(AUTHORS[spec.commune[:2]]))
        created += 1
    _add_actors()
    return created


def _add_actors() -> None:
    """The demo actors not there yet (an account taken off a site by hand is put back at the next load)."""
    communes = {spec.address: spec.commune for spec in SITES}
    emails = {actor.email for actor in ACTORS} | {actor.added_by for actor in ACTORS if actor.added_by}
    users = {user.email: user for user in User.objects.filter(email__in=emails)}
    for spec in ACTORS:
        site = Site.objects.filter(address=spec.site_address, commune_id=communes[spec.site_address]).first()
        user = users.get(spec.email)
        if site is None or user is None or SiteActor.objects.filter(site=site, user=user).exists():
            continue
        actor = SiteActor(
            site=site,
            user=user,
            themes=[str(theme) for theme in spec.themes],
            other_theme=spec.other_theme,
            created_by=users.get(spec.added_by) or user,
        )
        actor.full_clean()
        actor.save()


def _create(spec: DemoSite, *, today: datetime.date, author: User | None) -> Site:
    site = Site(
        address=spec.address,
        commune_id=spec.commune,
        latitude=spec.latitude,
        longitude=spec.longitude,
        updated_at=today - datetime.timedelta(days=spec.updated_days_ago),
        created_by=author,
        updated_by=author,
        **spec.fields,
    )
    site._history_user = author
    site.full_clean(validate_constraints=False)
    if errors := constraint_errors(site):  # one query for the fifty check constraints
        raise ValidationError(errors)
    # Dated in the history as in life, so that the statistics and the exports at a past date have a past: declared on
    # its declaration day, and a closed site open until its closing day, closed from then on.
    closing = {name: getattr(site, name) for name in CLOSING_FIELDS} if site.status == SiteStatus.CLOSED else None
    if closing:
        for name in CLOSING_FIELDS:
            setattr(site, name, Site._meta.get_field(name).get_default())
        site.status = SiteStatus.OPEN
    site._history_date = _noon(site.declared_at)
    site.save()
    for name, owner_type in spec.owners:
        owner = SiteOwner(site=site, name=name, owner_type=owner_type)
        owner._history_user = author
        owner._history_date = site._history_date
        owner.full_clean()
        owner.save()
    if closing:
        for name, value in closing.items():
            setattr(site, name, value)
        site.status = SiteStatus.CLOSED
        site.version += 1
        site._history_date = _noon(site.closed_at)
        site.save()
    for solution, people, households, message in spec.orientations:
        orientation = ClosingOrientation(
            site=site, solution=solution, people_affected=people, households_affected=households, message=message
        )
        orientation._history_user = author
        orientation._history_date = site._history_date
        orientation.full_clean()
        orientation.save()
    _record_declaration(site, author=author)
    return site


# What closing a site sets (§C.6); a demo site declared closed is written open first.
CLOSING_FIELDS = ("closed_at", "closing_cause", "closed_with_solutions", "closing_context")


def _noon(day: datetime.date) -> datetime.datetime:
    """Noon of that day in Paris, or now if that is still to come: the moment a demo version is dated."""
    return min(timezone.make_aware(datetime.datetime.combine(day, datetime.time(12))), timezone.now())


def _record_declaration(site: Site, *, author: User | None) -> None:
    """The event `site_declare` records (through its signal), for the activity feed to list the demo sites: written
    here since the demo writes its sites as they stand (closed ones too), not through the services. Marked fanned out:
    nobody is told of a demo site by email."""
    moment = timezone.now()
    NotificationEvent.objects.create(
        kind=SiteDeclared.name,
        object_id=site.pk,
        actor=author,
        site=site,
        commune_id=site.commune_id,
        departement_id=site.commune.departement_id,
        created_at=moment,
        fanned_out_at=moment,
    )
