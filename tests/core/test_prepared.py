"""Querysets compiled once (`resorption.core.prepared`): what they return must be what the ORM returns."""

import pytest
from django.db.models import Count, F, Q
from django.db.models.query import QuerySet

from resorption.core.prepared import PreparedQueries, PreparedQuery, sentinels
from resorption.settlements.models import Site
from resorption.territories.models import Commune
from tests.settlements.factories import SiteFactory, SiteOwnerFactory
from tests.territories.factories import CommuneFactory

pytestmark = pytest.mark.django_db


def _values(instance) -> dict:
    return {field.attname: getattr(instance, field.attname) for field in instance._meta.concrete_fields}


def _sites_of(commune_id, population) -> QuerySet[Site]:
    return (
        Site.objects.select_related("commune__departement")
        .filter(commune_id=commune_id, population_total__gte=population)
        .annotate(owners_count=Count("owners"), twice=F("population_total") * 2)
        .prefetch_related("owners")
        .order_by("pk")
    )


def test_a_prepared_query_returns_the_orms_objects_with_related_annotations_and_prefetches():
    commune, other = CommuneFactory(), CommuneFactory(code="33281", name="Mérignac")
    big = SiteFactory(commune=commune, population_total=80)
    small = SiteFactory(commune=commune, population_total=20)
    SiteFactory(commune=other, population_total=90)
    SiteOwnerFactory(site=big, name="Conseil départemental")
    SiteOwnerFactory(site=big, name="SNCF Réseau")
    prepared = PreparedQuery(_sites_of(*sentinels(2)), 2)

    for population, expected_sites in ((20, [big, small]), (50, [big]), (100, [])):
        expected = list(_sites_of(commune.pk, population))
        loaded = prepared.fetch(commune.pk, population)

        assert [site.pk for site in loaded] == [site.pk for site in expected_sites]
        for got, want in zip(loaded, expected, strict=True):
            assert _values(got) == _values(want)
            assert _values(got.commune) == _values(want.commune)
            assert _values(got.commune.departement) == _values(want.commune.departement)
            assert (got.owners_count, got.twice) == (want.owners_count, want.twice)
            assert [owner.name for owner in got.owners.all()] == [owner.name for owner in want.owners.all()]
            assert got._state.adding is False and got._state.db == "default"


def test_the_related_objects_are_loaded_with_the_row_and_the_prefetch_in_one_more_query(
    django_assert_num_queries,
):
    site = SiteFactory(population_total=30)
    SiteOwnerFactory(site=site)
    prepared = PreparedQuery(_sites_of(*sentinels(2)), 2)

    with django_assert_num_queries(2):
        (loaded,) = prepared.fetch(site.commune_id, 1)
        assert loaded.commune.departement.name
        assert len(loaded.owners.all()) == 1


def test_a_value_used_twice_is_put_in_each_place():
    site, other = SiteFactory(population_total=30), SiteFactory(population_total=30)
    (hole,) = sentinels(1)
    prepared = PreparedQuery(Site.objects.filter(Q(pk=hole) | Q(pk=hole, population_total=30)), 1)

    assert len(prepared.positions[0]) == 2
    assert [each.pk for each in prepared.fetch(site.pk)] == [site.pk]
    assert [each.pk for each in prepared.fetch(other.pk)] == [other.pk]


def test_what_cannot_be_prepared_is_refused():
    (hole,) = sentinels(1)
    with pytest.raises(ValueError, match="model instances"):
        PreparedQuery(Site.objects.filter(pk=hole).values("pk"), 1)
    with pytest.raises(ValueError, match="not among the query's parameters"):
        PreparedQuery(Site.objects.filter(pk=1), 1)
    with pytest.raises(ValueError, match="locks rows"):
        PreparedQuery(Site.objects.filter(pk=hole).select_for_update(), 1)
    with pytest.raises(TypeError, match="takes 1 values, not 2"):
        PreparedQuery(Site.objects.filter(pk=hole), 1).fetch(1, 2)


def test_queries_are_kept_by_key_and_built_once_each():
    first, second = SiteFactory(population_total=30), SiteFactory(population_total=40)
    queries = PreparedQueries(Site, size=2)
    built = []

    def build(pk, key):
        built.append(key)
        return Site.objects.filter(pk=pk)

    assert [s.pk for s in queries.fetch("a", lambda pk: build(pk, "a"), first.pk)] == [first.pk]
    assert [s.pk for s in queries.fetch("a", lambda pk: build(pk, "a"), second.pk)] == [second.pk]
    assert [s.pk for s in queries.fetch("b", lambda pk: build(pk, "b"), second.pk)] == [second.pk]
    assert built == ["a", "b"]

    queries.fetch("c", lambda pk: build(pk, "c"), first.pk)  # the least recently used, "a", goes
    assert len(queries) == 2
    queries.fetch("a", lambda pk: build(pk, "a"), first.pk)
    assert built == ["a", "b", "c", "a"]


def test_a_build_of_another_model_is_refused():
    queries = PreparedQueries("settlements.Site")
    with pytest.raises(TypeError, match="Site queries were asked, Commune built"):
        queries.fetch("key", lambda pk: Commune.objects.filter(pk=pk), 1)


def test_a_filter_nothing_can_match_runs_no_query(django_assert_num_queries):
    SiteFactory()
    prepared = PreparedQuery(Site.objects.filter(pk__in=[]).filter(pk=sentinels(1)[0]), 1)
    with django_assert_num_queries(0):
        assert prepared.fetch(1) == []
