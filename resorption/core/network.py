"""The address of the person making a request, as seen through the trusted reverse proxies."""

import ipaddress

from django.conf import settings
from django.http import HttpRequest

# More entries than this in X-Forwarded-For is not a real proxy chain: the header is not read at all.
MAX_FORWARDED_ENTRIES = 32


def client_ip(request: HttpRequest) -> str | None:
    """The client's IP address, or None when there is none (a Unix socket, a misconfigured server).

    With TRUSTED_PROXY_COUNT = 0 (no proxy in front of the application), REMOTE_ADDR; X-Forwarded-For is ignored, since
    anyone can send it. With N trusted proxies, each appends to X-Forwarded-For the address that connected to it, so
    the client is the N-th entry from the right: entries further left were written by the client and are never read.
    A header too short for N proxies, or with a non-address among the last N entries, is not trusted: REMOTE_ADDR
    (the nearest proxy) is used instead.
    """
    remote = _ip_or_none(request.META.get("REMOTE_ADDR", ""))
    count = settings.TRUSTED_PROXY_COUNT
    if count <= 0:
        return remote
    entries = request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
    if len(entries) < count or len(entries) > MAX_FORWARDED_ENTRIES:
        return remote
    trusted = [_ip_or_none(entry) for entry in entries[-count:]]
    if None in trusted:
        return remote
    return trusted[0]


def _ip_or_none(value: str) -> str | None:
    """The normalised address, or None for anything else (names, ports, IPv6 zones such as `fe80::1%eth0`)."""
    try:
        address = ipaddress.ip_address(value.strip())
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.scope_id:
        return None
    return str(address)
