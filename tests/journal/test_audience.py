"""Who reads a journal entry, three ways that must agree (§A.6): the entries a user may read
(`journal_entries_q`), the predicate on one entry (`can_read_journal_entry`), and the people who may read one entry
(`journal_entry_readers_q`, behind `JournalEntry.audience_users()`, for notifications)."""

import itertools

import pytest

from resorption.accounts import permissions
from resorption.accounts.enums import AdminRole, Role
from resorption.accounts.models import User
from resorption.journal.enums import Audience
from resorption.journal.models import JournalEntry
from tests.accounts.factories import OrganizationFactory, UserFactory
from tests.journal.factories import JournalEntryFactory
from tests.territories.factories import DepartementFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def people(author, target, bystander, correspondent, local_admin, observer, outsider, prefecture):
    dordogne = DepartementFactory(code="24", name="Dordogne")
    return {
        "author": author,
        "target": target,
        "bystander": bystander,
        "correspondent": correspondent,
        "local_admin": local_admin,
        "observer": observer,
        "outsider": outsider,
        "prefecture_agent": UserFactory(role=Role.INTERVENER, organization=prefecture),
        "national_admin": UserFactory(admin_role=AdminRole.NATIONAL_ADMIN, role=Role.DIRECT_COLLABORATOR),
        # Reads sites everywhere, but journals and targeted messages only on his own département.
        "far_correspondent": UserFactory(
            role=Role.DIRECT_COLLABORATOR, organization=OrganizationFactory(departement=dordogne)
        ),
    }


@pytest.fixture
def entries(site, author, target, prefecture):
    return {
        "public": JournalEntryFactory(site=site, author=author),
        "to_target": JournalEntryFactory(site=site, author=author, targeted=True, target_users=[target]),
        "to_prefecture": JournalEntryFactory(
            site=site, author=author, audience=Audience.PREFECTURE_DDETS, target_organizations=[prefecture]
        ),
        "by_target_to_himself": JournalEntryFactory(site=site, author=target, targeted=True, target_users=[target]),
    }


EXPECTED = {
    "public": {
        "author",
        "target",
        "bystander",
        "correspondent",
        "local_admin",
        "observer",
        "prefecture_agent",
        "national_admin",
    },
    "to_target": {"author", "target", "correspondent", "local_admin", "national_admin"},
    "to_prefecture": {"author", "prefecture_agent", "correspondent", "local_admin", "national_admin"},
    "by_target_to_himself": {"target", "correspondent", "local_admin", "national_admin"},
}


def test_the_three_rules_agree_on_who_reads_each_entry(people, entries):
    for name, entry in entries.items():
        entry = JournalEntry.objects.with_display_data().get(pk=entry.pk)
        by_predicate = {who for who, user in people.items() if permissions.can_read_journal_entry(user, entry)}
        by_entries = {
            who for who, user in people.items() if JournalEntry.objects.readable_by(user).filter(pk=entry.pk).exists()
        }
        readers = set(User.objects.filter(permissions.journal_entry_readers_q(entry)))
        by_readers = {who for who, user in people.items() if user in readers}

        assert by_predicate == EXPECTED[name], name
        assert by_entries == EXPECTED[name], name
        assert by_readers == EXPECTED[name], name


def test_audience_users_are_the_active_readers(people, entries):
    people["target"].status = "inactive"
    people["target"].save()

    audience = set(entries["to_target"].audience_users())

    assert audience == {people[who] for who in EXPECTED["to_target"] - {"target"}}


def test_only_the_author_edits_and_the_author_or_a_moderator_deletes(people, entries):
    entry = JournalEntry.objects.with_display_data().get(pk=entries["to_target"].pk)

    editors = {who for who, user in people.items() if permissions.can_edit_journal_entry(user, entry)}
    deleters = {who for who, user in people.items() if permissions.can_delete_journal_entry(user, entry)}

    assert editors == {"author"}
    assert deleters == {"author", "local_admin", "national_admin"}


def test_an_entry_addressed_several_ways_to_a_reader_is_listed_once_without_distinct(site, author, target):
    # Targeted at the reader himself and at his organisation, with other people beside him.
    colleague = UserFactory(organization=target.organization)
    entry = JournalEntryFactory(
        site=site,
        author=author,
        targeted=True,
        target_users=[target, colleague, UserFactory()],
        target_organizations=[target.organization, OrganizationFactory()],
    )

    readable = JournalEntry.objects.readable_by(User.objects.get(pk=target.pk))

    assert list(readable) == [entry]
    # The audience is matched through the link tables' indexes (IN), not by joining them and de-duplicating.
    sql = str(readable.query)
    assert "DISTINCT" not in sql
    for link_table in ("journal_journalentry_target_users", "journal_journalentry_target_organizations"):
        assert f'JOIN "{link_table}"' not in sql
        assert f'FROM "{link_table}"' in sql


def test_the_entries_key_is_shared_only_by_users_who_read_the_same_entries(people, entries):
    """`permissions.journal_entries_key` names the compiled query of a site's latest messages: two users with the same
    key get the same SQL, so they must read the same entries."""
    people["second_national_admin"] = UserFactory(admin_role=AdminRole.NATIONAL_ADMIN, role=Role.DIRECT_COLLABORATOR)
    keys = {who: permissions.journal_entries_key(user) for who, user in people.items()}
    readable = {
        who: frozenset(JournalEntry.objects.readable_by(user).values_list("pk", flat=True))
        for who, user in people.items()
    }

    for first, second in itertools.combinations(people, 2):
        if keys[first] == keys[second]:
            assert readable[first] == readable[second], (first, second)
    # Who reads every entry shares one query; who reads what is addressed to him has his own.
    assert keys["national_admin"] == keys["second_national_admin"]
    assert keys["target"] != keys["bystander"]
    assert readable["target"] != readable["bystander"]
