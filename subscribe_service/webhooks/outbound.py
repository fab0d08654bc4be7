"""Whether a webhook URL may be posted to, and where: the rules every POST follows.

The URL is the endpoint owner's, so it is as hostile as any input: it must not reach an
address inside the network (a metadata endpoint, an admin port), hold the sender, or
fill its memory. Every request is checked before connecting: the scheme (https only,
plain http only for a host the operator allowed), and every address the host resolves
to, which must be public unless the host is in TRUSTSITE_WEBHOOK_ALLOW_HOSTS. The name
is resolved once and the connection goes to an address that was checked (a second
lookup could be answered differently: DNS rebinding); TLS still verifies the original
name (SNI) and the Host header carries it. Redirects are not followed (a 3xx is a
failed delivery), the connect and the whole exchange have deadlines, and only the
first RESPONSE_MAX bytes of an answer are read: the sender's POSTs (multipost.py) keep
these; registration checks a URL with `check_url` alone.

A sender posting a batch passes `lookups`, a dict kept for that batch: a host's checked
addresses are then looked up and checked once per batch, not once per request, and
every request still connects to exactly the addresses that were checked.

The address rules are `notify`'s (notices/fetch.py): one copy of what is public.
"""

from __future__ import annotations

import ipaddress
import ssl
import urllib.parse
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from subscribe_service.notices.fetch import (
    Deadline,
    FetchError,
    IPAddress,
    _allowed,
    _local_kind,
    _resolve,
    _Target,
)

TICK = 0.25  # seconds: how closely the watchdog keeps a request's deadline
RESPONSE_MAX = 64 * 1024  # bytes of an answer read (it is only shown on the manage page)


class Refused(Exception):
    """The URL may not be posted to; the message says why, in words for its owner."""


@dataclass(frozen=True)
class Answer:
    status: int
    reason: str
    body: bytes


def allow_list(setting: object) -> tuple[str, ...]:
    """TRUSTSITE_WEBHOOK_ALLOW_HOSTS as a tuple of host names, addresses or networks."""
    return tuple(h.strip().lower() for h in str(setting or "").split(",") if h.strip())


Lookups = dict[tuple[str, int], list[IPAddress]]  # (host, port) -> its checked addresses


def check_url(
    url: str, allow_hosts: Sequence[str], *, timeout: float = 5.0, lookups: Lookups | None = None
) -> _Target:
    """The URL's parts and checked addresses, or Refused saying which rule it breaks.
    With `lookups`, a host already checked there is not looked up again; a host
    checked now is added."""
    try:
        parts = urllib.parse.urlsplit(url)
        port = parts.port
    except ValueError as err:
        raise Refused(f"not a valid URL ({err})") from None
    scheme = parts.scheme.lower()
    if scheme not in ("https", "http"):
        raise Refused("use an https:// URL")
    host = (parts.hostname or "").lower()
    if not host:
        raise Refused("the URL has no host")
    if scheme == "http" and host not in allow_hosts:
        raise Refused("use an https:// URL (http:// only for a host the operator allows)")
    if parts.username or parts.password:
        raise Refused("the URL may not carry a user name or password")
    port = port or (443 if scheme == "https" else 80)
    addresses = lookups.get((host, port)) if lookups is not None else None
    if addresses is None:
        addresses = _addresses(host, port, timeout)
        for address in addresses:
            _refuse_local(host, address, allow_hosts)
        if lookups is not None:
            lookups[(host, port)] = addresses  # only once every address passed
    path = urllib.parse.urlunsplit(("", "", parts.path or "/", parts.query, ""))
    return _Target(url, scheme, host, port, path, addresses)


def _addresses(host: str, port: int, timeout: float) -> list[IPAddress]:
    """An address literal as it is; a name looked up within `timeout`."""
    try:
        return [ipaddress.ip_address(host.strip("[]"))]
    except ValueError:
        pass
    try:
        return _resolve(host, port, Deadline(timeout), "")
    except FetchError as err:
        raise Refused(str(err)) from None


def _refuse_local(host: str, address: IPAddress, allow_hosts: Sequence[str]) -> None:
    kind = _local_kind(address)
    if kind and not _allowed(host, address, allow_hosts):
        named = f"{host} is" if host == str(address) else f"{host} resolves to {address},"
        raise Refused(f"{named} a {kind} address, not a public one")


@lru_cache(maxsize=1)
def tls_context() -> ssl.SSLContext:
    """The system's CA store, loaded once per process (it takes tens of milliseconds)."""
    return ssl.create_default_context()
