"""Where things are: the one place that says whether a site, an organisation or a user is « in » a territory.

Three kinds of rows have a place on the map (reference §A.1):
- a site, and whatever hangs on it (journal entries…), is located by its **commune**;
- an organisation, or an intervention area, is located at **one level**: the nation, a région, a département, an EPCI
  or a commune (`area_type` and one foreign key per level, `accounts.models.LocatedMixin`);
- a user is located where his organisation is.

A territory takes in everything below it: a région its départements, a département its communes and the EPCI that
overlap it (an EPCI may straddle départements), an EPCI its communes, a commune its arrondissements municipaux (Paris,
Lyon, Marseille point to their main commune).

Every function takes a `Territories` (a set of territories, possibly the whole nation) and returns a `Q` to filter
with, or a yes/no for one commune. Paths lead from the queried model to the located one ("commune" for sites,
"site__commune" for journal entries, "organization" for users, "" for the located model itself). This module only
knows the territories models: callers bring their own paths, so that accounts, settlements, journal and notifications
share one rule without this app importing theirs. EPCI ↔ département is matched by an IN over the EPCI's through
table, never by a join: a filter from here never repeats a row and never needs DISTINCT.
"""

import operator
from collections.abc import Iterable
from dataclasses import dataclass
from functools import reduce
from typing import Any

from django.db.models import Q

from resorption.territories.enums import TerritoryLevel
from resorption.territories.models import Commune, Departement, Epci

_LEVELS = (TerritoryLevel.REGION, TerritoryLevel.DEPARTEMENT, TerritoryLevel.EPCI, TerritoryLevel.COMMUNE)
NOWHERE = Q(pk__in=[])
EVERYWHERE = Q()


@dataclass(frozen=True)
class Territories:
    """A set of territories by code at each level, or the whole nation (`nation=True`, which takes in everything)."""

    nation: bool = False
    regions: frozenset[str] = frozenset()
    departements: frozenset[str] = frozenset()
    epcis: frozenset[str] = frozenset()
    communes: frozenset[str] = frozenset()

    @classmethod
    def of(cls, level: str, codes: Iterable[str] = ()) -> "Territories":
        """The territories of one level (a `TerritoryLevel` value, or an intervention area's `area_type`)."""
        if level == TerritoryLevel.NATION:
            return cls(nation=True)
        if level not in _LEVELS:
            raise ValueError(f"Unknown territory level {level!r}")
        return cls(**{f"{level}s": frozenset(codes)})

    def __bool__(self) -> bool:
        return self.nation or bool(self.regions or self.departements or self.epcis or self.communes)


NATION = Territories(nation=True)


def _path(path: str, lookup: str) -> str:
    """`path__lookup`, or the bare lookup when the queried model is the located one itself (`path=""`)."""
    return f"{path}__{lookup}" if path else lookup


def _any(conditions: Iterable[Q]) -> Q:
    conditions = list(conditions)
    return reduce(operator.or_, conditions) if conditions else NOWHERE


def _epcis_overlapping(*, departements: Iterable[str] = (), regions: Iterable[str] = ()) -> Any:
    """The codes of the EPCI that overlap one of these départements or régions, as a subquery."""
    through: Any = Epci.departements.through
    if regions:
        rows = through.objects.filter(departement__region_id__in=sorted(regions))
    else:
        rows = through.objects.filter(departement_id__in=sorted(departements))
    return rows.values("epci_id")


# ---------------------------------------------------------------------------------------------------------------------
# Sites: located by their commune
# ---------------------------------------------------------------------------------------------------------------------


def sites_in_q(where: Territories, commune_path: str = "commune") -> Q:
    """Sites (or anything located by `commune_path`) in one of these territories: their commune is in the région or
    département, belongs to the EPCI, is the commune or one of its arrondissements."""
    if where.nation:
        return EVERYWHERE
    conditions = []
    if where.regions:
        conditions.append(Q(**{_path(commune_path, "departement__region_id__in"): sorted(where.regions)}))
    if where.departements:
        conditions.append(Q(**{_path(commune_path, "departement_id__in"): sorted(where.departements)}))
    if where.epcis:
        conditions.append(Q(**{_path(commune_path, "epci_id__in"): sorted(where.epcis)}))
    if where.communes:
        communes = sorted(where.communes)
        conditions.append(Q(**{_path(commune_path, "pk__in"): communes}))
        conditions.append(Q(**{_path(commune_path, "main_id__in"): communes}))
    return _any(conditions)


def placed_in_q(where: Territories) -> Q:
    """Rows that record a site's place in two columns of their own, `commune` and `departement` (the commune's), in
    one of these territories: the rule of `sites_in_q` read on those columns, so that a long list of such rows (the
    activity's events) is filtered without a join. Régions, EPCI and communes become a few codes (an IN over a
    subquery of the territories' tables)."""
    if where.nation:
        return EVERYWHERE
    conditions = []
    if where.regions:
        departements = Departement.objects.filter(region_id__in=sorted(where.regions)).values("code")
        conditions.append(Q(departement_id__in=departements))
    if where.departements:
        conditions.append(Q(departement_id__in=sorted(where.departements)))
    if where.epcis:
        conditions.append(Q(commune_id__in=Commune.objects.filter(epci_id__in=sorted(where.epcis)).values("code")))
    if where.communes:
        communes = sorted(where.communes)
        named = Commune.objects.filter(Q(pk__in=communes) | Q(main_id__in=communes))
        conditions.append(Q(commune_id__in=named.values("code")))
    return _any(conditions)


def place_in(where: Territories, commune: Commune) -> bool:
    """Whether this commune (a site's place) is in one of these territories: the rule of `sites_in_q` for one commune.
    Reads the commune's région (one query unless `commune.departement` is loaded) only when régions are asked."""
    if where.nation:
        return True
    return (
        commune.departement_id in where.departements
        or (commune.epci_id is not None and commune.epci_id in where.epcis)
        or commune.pk in where.communes
        or (commune.main_id is not None and commune.main_id in where.communes)
        or (bool(where.regions) and commune.departement.region_id in where.regions)
    )


# ---------------------------------------------------------------------------------------------------------------------
# Organisations and intervention areas: located at one level
# ---------------------------------------------------------------------------------------------------------------------


def located_at_q(where: Territories, path: str = "") -> Q:
    """Organisations (or intervention areas) located exactly at one of these territories — not below it. The nation
    stands for the organisations located at the national level."""
    conditions = [Q(**{_path(path, "area_type"): TerritoryLevel.NATION})] if where.nation else []
    for level, codes in (
        ("region", where.regions),
        ("departement", where.departements),
        ("epci", where.epcis),
        ("commune", where.communes),
    ):
        if codes:
            conditions.append(Q(**{_path(path, f"{level}_id__in"): sorted(codes)}))
    return _any(conditions)


def located_in_q(where: Territories, path: str = "", *, with_overlapping_epcis: bool = True) -> Q:
    """Organisations (or intervention areas) located in one of these territories: at it or anywhere below it — in a
    région, at the région or at one of its départements, EPCI or communes; in a département, at it or at one of its
    communes or at an EPCI that overlaps it; in an EPCI, at it or at one of its communes; in a commune, at it or at
    one of its arrondissements. Only the nation takes in organisations located at the national level.

    `with_overlapping_epcis=False` leaves out the organisations located at an EPCI when looking in a région or a
    département (the notifications about a site reach the organisations of the site's own EPCI only)."""
    if where.nation:
        return EVERYWHERE
    conditions = []
    if where.regions:
        regions = sorted(where.regions)
        conditions += [
            Q(**{_path(path, "region_id__in"): regions}),
            Q(**{_path(path, "departement__region_id__in"): regions}),
            Q(**{_path(path, "commune__departement__region_id__in"): regions}),
        ]
        if with_overlapping_epcis:
            conditions.append(Q(**{_path(path, "epci_id__in"): _epcis_overlapping(regions=regions)}))
    if where.departements:
        departements = sorted(where.departements)
        conditions += [
            Q(**{_path(path, "departement_id__in"): departements}),
            Q(**{_path(path, "commune__departement_id__in"): departements}),
        ]
        if with_overlapping_epcis:
            conditions.append(Q(**{_path(path, "epci_id__in"): _epcis_overlapping(departements=departements)}))
    if where.epcis:
        epcis = sorted(where.epcis)
        conditions += [Q(**{_path(path, "epci_id__in"): epcis}), Q(**{_path(path, "commune__epci_id__in"): epcis})]
    if where.communes:
        communes = sorted(where.communes)
        conditions += [
            Q(**{_path(path, "commune_id__in"): communes}),
            Q(**{_path(path, "commune__main_id__in"): communes}),
        ]
    return _any(conditions)


def located_around_q(commune: Commune, path: str = "", *, whole_departement: bool = False) -> Q:
    """Organisations (or intervention areas) located at a territory that takes in this commune: the nation, its région,
    its département, its EPCI, the commune itself or — for an arrondissement — its main commune. With
    `whole_departement`, only those that take in the commune's whole département: the nation, its région, the
    département."""
    departement = commune.departement_id
    level = _path(path, "area_type")
    conditions = [
        Q(**{level: TerritoryLevel.NATION}),
        Q(**{level: TerritoryLevel.REGION, _path(path, "region__departements"): departement}),
        Q(**{level: TerritoryLevel.DEPARTEMENT, _path(path, "departement_id"): departement}),
    ]
    if not whole_departement:
        if commune.epci_id is not None:
            conditions.append(Q(**{level: TerritoryLevel.EPCI, _path(path, "epci_id"): commune.epci_id}))
        communes = [code for code in (commune.pk, commune.main_id) if code is not None]
        conditions.append(Q(**{level: TerritoryLevel.COMMUNE, _path(path, "commune_id__in"): communes}))
    return _any(conditions)


# ---------------------------------------------------------------------------------------------------------------------
# Users: located where their organisation is
# ---------------------------------------------------------------------------------------------------------------------


def users_in_q(where: Territories, organization_path: str = "organization") -> Q:
    """Users whose organisation is located in one of these territories (`located_in_q`). Every join it makes follows a
    foreign key: each user comes once."""
    return located_in_q(where, organization_path)
