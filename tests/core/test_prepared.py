"""Querysets compiled once (`resorption.core.prepared`): what they return must be what the ORM returns."""

import pytest
from django.db.models import Count, F, Q
from django.db.models.query import QuerySet

from resorption.core.prepared import NO_ID, PreparedQueries, PreparedQuery, padded, sentinels
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
    with pytest.raises(ValueError, match="named=True"):
        PreparedQuery(Site.objects.filter(pk=hole).values_list("pk", named=True), 1)
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


def _site_values(commune_id, population) -> QuerySet[Site]:
    # Converted columns (a date, a decimal coordinate, an annotation), a join, and an ordering on a column not asked.
    return (
        Site.objects.filter(commune_id=commune_id, population_total__gte=population)
        .annotate(owners_count=Count("owners"))
        .order_by("-population_total", "pk")
    )


@pytest.mark.parametrize(
    "shape",
    [
        lambda qs: qs.values("pk", "declared_at", "latitude", "commune__name", "owners_count"),
        lambda qs: qs.values_list("pk", "declared_at", "latitude", "commune__name", "owners_count"),
        lambda qs: qs.values_list("declared_at", flat=True),
    ],
    ids=["values", "values_list", "flat"],
)
def test_plain_rows_are_the_orms_rows(shape):
    commune = CommuneFactory()
    for population in (20, 30, 30, 80):
        SiteOwnerFactory(site=SiteFactory(commune=commune, population_total=population))

    prepared = PreparedQuery(shape(_site_values(*sentinels(2))), 2)

    expected = list(shape(_site_values(commune.pk, 25)))
    assert len(expected) == 3
    assert prepared.fetch(commune.pk, 25) == expected
    assert prepared.fetch(commune.pk, 100) == list(shape(_site_values(commune.pk, 100))) == []


def test_a_padded_list_of_ids_runs_the_same_query_for_any_number_of_ids(django_assert_num_queries):
    sites = [SiteFactory() for _ in range(3)]
    prepared = PreparedQuery(Site.objects.filter(pk__in=sentinels(4)).order_by("pk").values_list("pk", flat=True), 4)

    assert prepared.fetch(*padded([sites[0].pk, sites[2].pk], 4)) == [sites[0].pk, sites[2].pk]
    assert prepared.fetch(*padded([each.pk for each in sites], 4)) == [each.pk for each in sites]
    assert padded([], 2) == (NO_ID, NO_ID)
    with pytest.raises(ValueError, match="at most 4"):
        padded(range(5), 4)


def test_a_window_and_a_count_of_the_stored_query():
    commune = CommuneFactory()
    sites = [SiteFactory(commune=commune, population_total=20 + index) for index in range(5)]
    prepared = PreparedQuery(
        Site.objects.filter(commune_id=sentinels(1)[0]).order_by("-population_total").values_list("pk", flat=True), 1
    )

    newest_first = [each.pk for each in reversed(sites)]
    assert prepared.fetch(commune.pk, window=(0, 2)) == newest_first[:2]
    assert prepared.fetch(commune.pk, window=(2, 2)) == newest_first[2:4]
    assert prepared.fetch(commune.pk, window=(4, 2)) == newest_first[4:]
    assert prepared.count(commune.pk) == 5
    assert prepared.count("00000") == 0
    with pytest.raises(ValueError, match="sliced already"):
        PreparedQuery(Site.objects.filter(pk=sentinels(1)[0])[:1], 1).fetch(1, window=(0, 1))
    nothing = PreparedQuery(Site.objects.filter(pk__in=[]).filter(pk=sentinels(1)[0]), 1)
    assert nothing.count(1) == 0
