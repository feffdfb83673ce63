"""The client's IP address behind a counted number of trusted proxies (issue 9, item 6)."""

import pytest
from django.test import RequestFactory

from resorption.core.network import MAX_FORWARDED_ENTRIES, client_ip

PROXY = "10.0.0.1"


def request_from(remote_addr=PROXY, forwarded_for=None):
    extra = {"REMOTE_ADDR": remote_addr}
    if forwarded_for is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded_for
    return RequestFactory().get("/", **extra)


def test_without_trusted_proxy_a_forged_forwarded_for_is_ignored(settings):
    settings.TRUSTED_PROXY_COUNT = 0

    assert client_ip(request_from("203.0.113.7", "198.51.100.1")) == "203.0.113.7"


def test_without_trusted_proxy_a_non_address_remote_addr_gives_none(settings):
    settings.TRUSTED_PROXY_COUNT = 0

    assert client_ip(request_from("")) is None
    assert client_ip(request_from("unix:/run/gunicorn.sock")) is None


@pytest.mark.parametrize(
    ("forwarded_for", "expected"),
    [
        ("203.0.113.7", "203.0.113.7"),
        (" 203.0.113.7 ", "203.0.113.7"),
        ("2001:DB8::7", "2001:db8::7"),  # normalised, as the sign-in log stores it
        # The client prepends addresses of its own: only the entry the proxy appended is read.
        ("198.51.100.1, 203.0.113.7", "203.0.113.7"),
        ("198.51.100.1,192.0.2.1, 203.0.113.7", "203.0.113.7"),
        ("not-an-address, 203.0.113.7", "203.0.113.7"),
    ],
)
def test_with_one_proxy_the_last_forwarded_entry_is_the_client(settings, forwarded_for, expected):
    settings.TRUSTED_PROXY_COUNT = 1

    assert client_ip(request_from(PROXY, forwarded_for)) == expected


def test_with_two_proxies_the_second_entry_from_the_right_is_the_client(settings):
    settings.TRUSTED_PROXY_COUNT = 2

    # client-written, the client as seen by the outer proxy, the outer proxy as seen by the inner one
    request = request_from("10.0.0.2", "198.51.100.1, 203.0.113.7, 10.0.0.1")

    assert client_ip(request) == "203.0.113.7"


@pytest.mark.parametrize(
    "forwarded_for",
    [
        None,  # the proxy did not set it
        "",
        " ",
        "unknown",
        "203.0.113.7:51234",  # ports are not addresses
        "[2001:db8::7]",
        "fe80::1%eth0",  # an IPv6 zone cannot be stored
        "203.0.113.7,",  # the last entry is empty
        "203.0.113.7, 203.0.113.300",
        "203.0.113.7\x00",
        ",".join(["203.0.113.7"] * (MAX_FORWARDED_ENTRIES + 1)),
    ],
)
def test_with_one_proxy_a_malformed_header_falls_back_to_remote_addr(settings, forwarded_for):
    settings.TRUSTED_PROXY_COUNT = 1

    assert client_ip(request_from(PROXY, forwarded_for)) == PROXY


def test_a_header_shorter_than_the_proxy_chain_falls_back_to_remote_addr(settings):
    settings.TRUSTED_PROXY_COUNT = 2

    assert client_ip(request_from(PROXY, "203.0.113.7")) == PROXY


def test_with_two_proxies_a_bad_proxy_entry_is_not_trusted(settings):
    settings.TRUSTED_PROXY_COUNT = 2

    assert client_ip(request_from(PROXY, "203.0.113.7, garbage")) == PROXY
