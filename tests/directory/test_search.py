"""The search on people's names folds them in SQL (`selectors.Folded`) as `normalize_search` folds the words typed:
on SQLite through `normalize_search` itself, on PostgreSQL through a TRANSLATE table. Both must give the same key."""

import pytest
from django.db.models import Value
from django.db.models.functions import Concat

from resorption.accounts.models import User
from resorption.core.text import normalize_search
from resorption.directory.selectors import Folded, people_named, search_words
from tests.accounts.factories import UserFactory

pytestmark = pytest.mark.django_db

NAMES = [
    ("Élise", "Lefèvre-Noël"),
    ("François", "Ñúñez Ébrard"),
    ("Ștefan", "Țăranu"),
    ("Zoë", "O’Brien"),
    ("ÇAĞLAR", "Şahin"),
    ("Anne_Marie", "D'Arcy"),
    ("Ådne", "Øvergård"),
    ("Jérôme", "ÀÂÄÎÏÔÖÙÛÜŸ"),
]


def test_the_folded_name_in_sql_is_the_normalised_name():
    for first_name, last_name in NAMES:
        UserFactory(first_name=first_name, last_name=last_name)

    folded = User.objects.annotate(key=Folded(Concat("first_name", Value(" "), "last_name"))).values_list(
        "first_name", "last_name", "key"
    )

    assert sorted((first, last, key) for first, last, key in folded) == sorted(
        (first, last, normalize_search(f"{first} {last}")) for first, last in NAMES
    )


def test_every_word_typed_must_be_in_the_name_whatever_its_accents_and_case():
    stefan = UserFactory(first_name="Ștefan", last_name="Țăranu")
    UserFactory(first_name="Stéphane", last_name="Tarin")

    assert list(people_named(search_words("STEFAN taranu"))) == [stefan]
    assert list(people_named(search_words("taranu ștefan"))) == [stefan]
    assert list(people_named(search_words("stefan tarin"))) == []


def test_like_wildcards_typed_are_plain_characters():
    UserFactory(first_name="Paul", last_name="Martin")

    assert list(people_named(search_words("%"))) == []
    assert list(people_named(search_words("m%n"))) == []
