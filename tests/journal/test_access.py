"""`access_journal_entry` and `access_territorial_message`: an entry or a message the user may read, else a 404 —
missing, deleted, out of its audience, out of sight and not an id alike."""

import pytest
from django.http import Http404
from django.utils import timezone

from resorption.journal import territorial
from resorption.journal.access import access_journal_entry, access_territorial_message
from resorption.journal.models import TerritorialMessage
from tests.journal.factories import JournalEntryFactory
from tests.settlements.factories import SiteFactory
from tests.territories.factories import CommuneFactory

pytestmark = pytest.mark.django_db


def test_a_public_entry_is_read_by_who_reads_the_journal_and_nobody_else(author, bystander, outsider, site):
    entry = JournalEntryFactory(site=site, author=author)

    assert access_journal_entry(bystander, entry.pk) == entry
    assert access_journal_entry(bystander, str(entry.pk), site=site) == entry
    with pytest.raises(Http404):
        access_journal_entry(outsider, entry.pk)


def test_a_targeted_entry_is_read_by_its_audience_only(author, target, bystander, correspondent, site):
    entry = JournalEntryFactory(site=site, author=author, targeted=True, target_users=[target])

    for reader in (author, target, correspondent):  # the author, his target, who reads every targeted message
        assert access_journal_entry(reader, entry.pk) == entry
    with pytest.raises(Http404):
        access_journal_entry(bystander, entry.pk)


def test_an_entry_of_another_site_a_deleted_entry_and_a_bad_id_are_404(author, site):
    entry = JournalEntryFactory(site=site, author=author)
    other_site = SiteFactory(commune=CommuneFactory(code="33281", name="Mérignac"))
    deleted = JournalEntryFactory(site=site, author=author, deleted_at=timezone.now())

    assert access_journal_entry(author, entry.pk, site=site) == entry
    for call in (
        lambda: access_journal_entry(author, entry.pk, site=other_site),
        lambda: access_journal_entry(author, deleted.pk),
        lambda: access_journal_entry(author, "1 OR 1=1"),
        lambda: access_journal_entry(author, 10**25),
    ):
        with pytest.raises(Http404):
            call()


def test_a_territorial_message_is_read_in_its_departements_only(author, bystander, outsider):
    message = territorial.territorial_message_post(user=author, departement_codes=["33"], body="Vaccination.")

    assert access_territorial_message(bystander, message.pk) == message
    for queryset in (None, TerritorialMessage.objects.all()):  # a caller's queryset never widens the audience
        with pytest.raises(Http404):
            access_territorial_message(outsider, message.pk, queryset=queryset)
    TerritorialMessage.objects.filter(pk=message.pk).update(deleted_at=timezone.now())
    with pytest.raises(Http404):
        access_territorial_message(author, message.pk)
