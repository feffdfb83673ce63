"""Loading the signed-in user on every request (`EmailBackend.get_user`) and reading his session: the fast paths must
give exactly what the ORM gives."""

from datetime import timedelta

import pytest
from django.contrib.sessions.backends.db import SessionStore as DjangoSessionStore
from django.contrib.sessions.models import Session
from django.utils import timezone

from resorption.accounts.backends import EmailBackend, signed_in_user_queryset
from resorption.accounts.enums import UserStatus
from resorption.accounts.models import Charter
from resorption.accounts.sessions import SessionStore
from tests.accounts.factories import UserFactory
from tests.notifications.test_views_centre import notify

pytestmark = pytest.mark.django_db


def _values(instance) -> dict:
    return {field.attname: getattr(instance, field.attname) for field in instance._meta.concrete_fields}


def test_the_signed_in_user_is_the_one_the_orm_loads_with_organisation_type_and_annotations():
    Charter.objects.create(version=7, published_at=timezone.localdate(), body="Charte.")
    user = UserFactory(options=["close_shantytown"], email_unsubscriptions=["journal"])
    for read in (False, False, True):
        notify(user, read=read)
    expected = signed_in_user_queryset().get(pk=user.pk)

    loaded = EmailBackend().get_user(str(user.pk))

    assert _values(loaded) == _values(expected)
    assert _values(loaded.organization) == _values(expected.organization)
    assert _values(loaded.organization.type) == _values(expected.organization.type)
    assert loaded.current_charter_version == expected.current_charter_version == 7
    assert loaded.unread_notifications == expected.unread_notifications == 2
    assert loaded._state.adding is False and loaded._state.db == "default"


def test_several_users_in_a_row_each_get_their_own_row(django_assert_num_queries):
    first, second = UserFactory(first_name="Inès"), UserFactory(first_name="Yanis")
    notify(second)
    backend = EmailBackend()
    with django_assert_num_queries(2):
        loaded_first, loaded_second = backend.get_user(first.pk), backend.get_user(second.pk)
    assert (loaded_first.first_name, loaded_first.unread_notifications) == ("Inès", 0)
    assert (loaded_second.first_name, loaded_second.unread_notifications) == ("Yanis", 1)
    assert loaded_second.organization.pk == second.organization_id


@pytest.mark.parametrize("user_id", ["999999", "not-a-number", None])
def test_an_unknown_or_malformed_id_signs_nobody_in(user_id):
    assert EmailBackend().get_user(user_id) is None


def test_an_account_that_may_no_longer_sign_in_is_not_loaded():
    inactive = UserFactory(status=UserStatus.INACTIVE)
    closed_organisation = UserFactory()
    closed_organisation.organization.active = False
    closed_organisation.organization.save()

    assert EmailBackend().get_user(inactive.pk) is None
    assert EmailBackend().get_user(closed_organisation.pk) is None


def test_the_session_store_reads_what_django_wrote_and_ignores_expired_sessions():
    written = DjangoSessionStore()
    written["answer"] = 42
    written.create()

    store = SessionStore(session_key=written.session_key)
    assert store["answer"] == 42
    assert SessionStore(session_key="unknown-key").load() == {}

    Session.objects.filter(pk=written.session_key).update(expire_date=timezone.now() - timedelta(seconds=1))
    expired = SessionStore(session_key=written.session_key)
    assert expired.load() == {}
    assert expired.session_key is None  # forgotten, as Django's store does


def test_the_session_store_returns_the_expiry_as_a_datetime():
    written = DjangoSessionStore()
    written["answer"] = 42
    written.create()
    stored = Session.objects.get(pk=written.session_key)

    row = SessionStore(session_key=written.session_key)._get_session_from_db()

    assert row.expire_date == stored.expire_date
    assert row.session_data == stored.session_data
