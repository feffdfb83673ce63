"""The French administrative map: régions → départements → EPCI → communes.

Codes are the official INSEE / SIREN codes and serve as primary keys, so that a foreign key reads as the code itself
(`site.commune_id == "33063"`) and the permission filters stay simple joins.
"""

import re

from django.db import models
from django.db.models import Q

from resorption.core.text import normalize_search
from resorption.territories.enums import OVERSEAS_REGION_CODES, TerritoryLevel

# What a search term looks like when it is a code rather than a name: an INSEE code or its prefix (digits, or the
# Corsican "2A"/"2B" followed by digits), a département or région code, an EPCI SIREN.
_CODE_TERM = re.compile(r"^(\d{1,9}|2[AB]\d{0,3})$")
# A postal code or the start of one.
_POSTAL_CODE_TERM = re.compile(r"^\d{2,5}$")
# Abbreviations people type for the most common name prefix ("st etienne", "ste foy").
_ABBREVIATIONS = {"st": "saint", "ste": "sainte"}
SEARCH_TERM_MAX_LENGTH = 100


def clean_search_term(term: str) -> str:
    """The term without control characters (PostgreSQL refuses NUL) and cut to a sane length."""
    return "".join(char for char in term if char.isprintable())[:SEARCH_TERM_MAX_LENGTH].strip()


_DEPARTEMENT_CODE = re.compile(r"[0-9]{2,3}|2[AB]")


def parse_departement_code(value) -> str | None:
    """A département code as pages write it (« 33 », « 2A », « 974 »), or None for anything else: what reaches a
    query is a code, never a raw parameter (PostgreSQL refuses NUL bytes)."""
    code = value.strip().upper() if isinstance(value, str) else ""
    return code if _DEPARTEMENT_CODE.fullmatch(code) else None


def search_key(term: str) -> str:
    """The normalised form of a name term, with the usual abbreviations spelled out."""
    return " ".join(_ABBREVIATIONS.get(word, word) for word in normalize_search(term).split())


class TerritoryQuerySet(models.QuerySet):
    # Columns that order results of equal relevance, after the relevance rank.
    search_tiebreak: tuple = ("name",)

    def search(self, term: str):
        """Territories matching the term, the most relevant first (annotated with `search_rank`, lower is better).

        A name matches when it contains every word of the term, accents, case, hyphens and apostrophes aside
        ("saint medard" finds "Saint-Médard-en-Jalles"). A term shaped like a code matches codes starting with it, and
        for communes a term shaped like a postal code matches postal codes starting with it.
        """
        term = clean_search_term(term)
        key = search_key(term)
        if not key:
            return self.none()
        condition = Q(*(Q(search_name__contains=word) for word in key.split()))
        # The relevance ranks, best first: exact code (or exact postal code), exact name, name starting with the term,
        # a word of the name starting with the term, anything else that matched.
        exact = []
        code = term.upper()
        if _CODE_TERM.match(code):
            condition |= Q(code__startswith=code)
            exact.append(models.When(code=code, then=0))
        if hasattr(self.model, "postal_codes") and _POSTAL_CODE_TERM.match(term):
            # Postal codes are stored space-separated: match the start of any of them.
            postal_code_prefix = Q(postal_codes__startswith=term) | Q(postal_codes__contains=f" {term}")
            condition |= postal_code_prefix
            if len(term) == 5:
                exact.append(models.When(postal_code_prefix, then=0))
        rank = models.Case(
            *exact,
            models.When(search_name=key, then=1),
            models.When(search_name__startswith=key, then=2),
            models.When(search_name__contains=f" {key}", then=3),
            default=4,
            output_field=models.IntegerField(),
        )
        return self.filter(condition).annotate(search_rank=rank).order_by("search_rank", *self.search_tiebreak)


class OverseasQuerySet(TerritoryQuerySet):
    """Territories that can be told apart as overseas or métropole from their région code (reference §A.1).

    The loader leaves out the collectivités d'outre-mer (Saint-Pierre-et-Miquelon, Polynésie…), so every région outside
    OVERSEAS_REGION_CODES is in métropole.
    """

    # Path from the model to its région code.
    region_code_lookup: str

    def overseas(self):
        return self.filter(**{f"{self.region_code_lookup}__in": OVERSEAS_REGION_CODES})

    def metropole(self):
        return self.exclude(**{f"{self.region_code_lookup}__in": OVERSEAS_REGION_CODES})


class RegionQuerySet(OverseasQuerySet):
    region_code_lookup = "code"


class DepartementQuerySet(OverseasQuerySet):
    region_code_lookup = "region_id"


class CommuneQuerySet(OverseasQuerySet):
    region_code_lookup = "departement__region_id"
    # Among communes of equal relevance, the most populated first: "Saint" should offer Saint-Denis before a hamlet.
    search_tiebreak = (models.F("population").desc(nulls_last=True), "name")


class Territory(models.Model):
    code = models.CharField("code", max_length=9, primary_key=True)
    name = models.CharField("nom", max_length=200)
    search_name = models.CharField(max_length=200, editable=False, db_index=True)

    objects = TerritoryQuerySet.as_manager()

    level: TerritoryLevel

    class Meta:
        abstract = True
        ordering = ["code"]

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        self.search_name = normalize_search(self.name)
        super().save(*args, **kwargs)


class Region(Territory):
    latitude = models.FloatField("latitude", null=True, blank=True)
    longitude = models.FloatField("longitude", null=True, blank=True)

    objects = RegionQuerySet.as_manager()

    level = TerritoryLevel.REGION

    class Meta(Territory.Meta):
        verbose_name = "région"

    @property
    def is_overseas(self) -> bool:
        return self.code in OVERSEAS_REGION_CODES


class Departement(Territory):
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="departements", verbose_name="région")
    latitude = models.FloatField("latitude", null=True, blank=True)
    longitude = models.FloatField("longitude", null=True, blank=True)

    objects = DepartementQuerySet.as_manager()

    level = TerritoryLevel.DEPARTEMENT

    class Meta(Territory.Meta):
        verbose_name = "département"

    def __str__(self):
        return f"{self.name} ({self.code})"

    @property
    def is_overseas(self) -> bool:
        return self.region_id in OVERSEAS_REGION_CODES


class Epci(Territory):
    kind = models.CharField("nature juridique", max_length=10, blank=True)
    departements = models.ManyToManyField(Departement, related_name="epcis", verbose_name="départements")

    level = TerritoryLevel.EPCI

    class Meta(Territory.Meta):
        verbose_name = "intercommunalité"
        verbose_name_plural = "intercommunalités"


class Commune(Territory):
    departement = models.ForeignKey(
        Departement, on_delete=models.PROTECT, related_name="communes", verbose_name="département"
    )
    epci = models.ForeignKey(
        Epci, on_delete=models.SET_NULL, null=True, blank=True, related_name="communes", verbose_name="EPCI"
    )
    # Arrondissements municipaux of Paris, Lyon and Marseille point to their main commune (reference §A.1).
    main = models.ForeignKey(
        "self",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="arrondissements",
        verbose_name="commune principale",
    )
    postal_codes = models.CharField("codes postaux", max_length=300, blank=True)
    population = models.PositiveIntegerField("population", null=True, blank=True)

    objects = CommuneQuerySet.as_manager()

    level = TerritoryLevel.COMMUNE

    class Meta(Territory.Meta):
        verbose_name = "commune"

    def __str__(self):
        return f"{self.name} ({self.departement_id})"

    @property
    def postal_code_list(self) -> list[str]:
        return self.postal_codes.split()
