"""The digest's one-click unsubscribe link: signed, opens without signing in, confirms on GET, unsubscribes on POST
(also a mail client's RFC 8058 one-click POST, without CSRF token), and answers an altered token with a French 400."""

import re

import pytest
from django.core import signing
from django.test import Client
from django.urls import reverse

from resorption.accounts.enums import EmailSubscription
from resorption.emails.models import OutgoingEmail
from resorption.notifications import digest
from tests.accounts.factories import UserFactory
from tests.accounts.helpers import text
from tests.notifications.test_digest import next_monday
from tests.settlements.factories import SiteFactory

pytestmark = pytest.mark.django_db

INVALID = "Ce lien de désabonnement n'est pas valide"


def url_for(token: str) -> str:
    return reverse("notifications:unsubscribe", kwargs={"token": token})


@pytest.fixture
def reader():
    return UserFactory(email_unsubscriptions=["comment_notification"])


def test_the_digest_link_confirms_then_unsubscribes_without_signing_in(reader, client):
    SiteFactory()
    digest.weekly_digests_send(now=next_monday())
    [email] = [email for email in OutgoingEmail.objects.filter(template="weekly_digest") if email.to == [reader.email]]
    path = re.search(r"https?://[^/]+(/notifications/desabonnement/[^/\s]+/)", email.body_text).group(1)

    confirmation = client.get(path)

    assert confirmation.status_code == 200
    assert "Confirmer le désabonnement" in text(confirmation)
    assert "le récapitulatif hebdomadaire des activités sur mon territoire" in text(confirmation)
    reader.refresh_from_db()
    assert "weekly_summary" not in reader.email_unsubscriptions  # a GET (a link preview) changes nothing

    done = client.post(path)

    assert done.status_code == 200
    assert "Désabonnement enregistré" in text(done)
    reader.refresh_from_db()
    assert set(reader.email_unsubscriptions) == {"weekly_summary", "comment_notification"}


def test_an_unsubscribed_reader_receives_no_more_digest(reader, client):
    colleague = UserFactory(organization=reader.organization)
    client.post(url_for(digest.unsubscribe_token(reader, EmailSubscription.WEEKLY_SUMMARY)))
    SiteFactory()

    digest.weekly_digests_send(now=next_monday())

    assert [email.to for email in OutgoingEmail.objects.filter(template="weekly_digest")] == [[colleague.email]]


def test_a_one_click_post_from_a_mail_client_needs_no_csrf_token(reader):
    mail_client = Client(enforce_csrf_checks=True)

    response = mail_client.post(
        url_for(digest.unsubscribe_token(reader, EmailSubscription.WEEKLY_SUMMARY)),
        data="List-Unsubscribe=One-Click",
        content_type="application/x-www-form-urlencoded",
    )

    assert response.status_code == 200
    reader.refresh_from_db()
    assert "weekly_summary" in reader.email_unsubscriptions


def test_unsubscribing_twice_is_harmless_and_says_so(reader, client):
    path = url_for(digest.unsubscribe_token(reader, EmailSubscription.WEEKLY_SUMMARY))
    client.post(path)
    client.post(path)

    reader.refresh_from_db()
    assert reader.email_unsubscriptions.count("weekly_summary") == 1
    assert "Vous êtes déjà désabonné" in text(client.get(path))


@pytest.mark.parametrize(
    "tamper",
    [
        lambda token: token[:-2] + ("AA" if not token.endswith("AA") else "BB"),  # altered signature
        lambda token: token.split(":", 1)[0] + ":",  # signature cut off
        lambda token: "nimportequoi",
        # Another user's id, re-encoded without the key: the signature no longer matches.
        lambda token: (
            signing.b64_encode(b'{"user":999999,"category":"weekly_summary"}').decode() + ":" + token.split(":", 1)[1]
        ),
    ],
)
def test_an_altered_link_is_a_french_400_page_and_changes_nothing(reader, client, tamper):
    token = tamper(digest.unsubscribe_token(reader, EmailSubscription.WEEKLY_SUMMARY))

    for response in (client.get(url_for(token)), client.post(url_for(token))):
        assert response.status_code == 400
        assert INVALID in text(response)
    reader.refresh_from_db()
    assert reader.email_unsubscriptions == ["comment_notification"]


def test_a_token_signed_for_another_purpose_is_refused(reader, client):
    """The salt ties the token to unsubscribing: a value signed elsewhere with the same key does not work here."""
    token = signing.dumps({"user": reader.pk, "category": "weekly_summary"}, salt="another.purpose")

    assert client.get(url_for(token)).status_code == 400


def test_a_signed_token_for_an_unknown_category_or_account_is_refused(reader, client):
    unknown_category = signing.dumps({"user": reader.pk, "category": "everything"}, salt=digest.UNSUBSCRIBE_SALT)
    unknown_account = signing.dumps({"user": 999_999, "category": "weekly_summary"}, salt=digest.UNSUBSCRIBE_SALT)

    assert client.post(url_for(unknown_category)).status_code == 400
    assert client.post(url_for(unknown_account)).status_code == 400
    reader.refresh_from_db()
    assert reader.email_unsubscriptions == ["comment_notification"]
