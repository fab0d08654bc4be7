"""POST to a webhook URL safely: https to public addresses, the checked address, bounded.

The URL is the endpoint owner's, so it is as hostile as any input: it must not reach an
address inside the network (a metadata endpoint, an admin port), hold the sender, or
fill its memory. Every request is checked before connecting: the scheme (https only,
plain http only for a host the operator allowed), and every address the host resolves
to, which must be public unless the host is in TRUSTSITE_WEBHOOK_ALLOW_HOSTS. The name
is resolved once and the connection goes to the address that was checked (a second
lookup could be answered differently: DNS rebinding); TLS still verifies the original
name (SNI) and the Host header carries it. Redirects are not followed (a 3xx is a
failed delivery), the connect and the whole exchange have deadlines, and only the
first RESPONSE_MAX bytes of an answer are read.

A sender posting a batch passes `lookups`, a dict kept for that batch: a host's checked
addresses are then looked up and checked once per batch, not once per request, and
every request still connects to exactly the addresses that were checked.

The address rules are `notify`'s (notices/fetch.py): one copy of what is public.
"""

from __future__ import annotations

import http.client
import ipaddress
import socket
import ssl
import threading
import time
import urllib.parse
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache

from subscribe_service.notices.fetch import (
    Deadline,
    FetchError,
    IPAddress,
    _abort,
    _allowed,
    _local_kind,
    _reason,
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
def _tls() -> ssl.SSLContext:
    # Loading the system's CA store takes tens of milliseconds: once per process.
    return ssl.create_default_context()


def post(
    url: str,
    body: bytes,
    headers: Mapping[str, str],
    *,
    allow_hosts: Sequence[str],
    connect_timeout: float,
    total_timeout: float,
    lookups: Lookups | None = None,
) -> Answer:
    """POST `body` to `url` under the rules above; Refused if the URL breaks one, OSError
    (with the reason) if the exchange fails or runs out of time."""
    target = check_url(url, allow_hosts, timeout=connect_timeout, lookups=lookups)
    deadline = Deadline(total_timeout)
    opened: list[socket.socket] = []  # the sockets, for the watchdog
    connecting = Deadline(min(connect_timeout, total_timeout))
    conn: http.client.HTTPConnection
    if target.scheme == "https":
        conn = _PinnedTLS(target, connecting, opened, _tls())
    else:
        conn = _Pinned(target, connecting, opened)
    # Per-read timeouts cannot bound a server that trickles a byte at a time: the
    # watchdog ends the connection when the deadline passes, whatever it is doing.
    watch = _WATCHDOG.watch(opened, deadline.end)
    try:
        conn.request("POST", target.path, body=body, headers=dict(headers))
        response = conn.getresponse()
        content = response.read(RESPONSE_MAX)  # the rest is never read
        return Answer(response.status, response.reason, content)
    except FetchError as err:
        raise OSError(str(err)) from None
    except (OSError, http.client.HTTPException, ValueError) as err:
        if deadline.end <= time.monotonic():
            raise OSError(f"no answer within {total_timeout:g} seconds") from None
        raise OSError(_reason(err)) from None
    finally:
        _WATCHDOG.forget(watch)
        conn.close()


def _connect(target: _Target, deadline: Deadline, opened: list[socket.socket]) -> socket.socket:
    """A socket to one of the checked addresses (never a second lookup of the name)."""
    last: OSError | None = None
    for address in target.addresses:
        try:
            left = deadline.remaining()
        except FetchError as err:
            raise OSError(str(err)) from None
        # A socket of the address's family, connected to it as it is: no name lookup
        # at all (socket.create_connection would call getaddrinfo again).
        family = socket.AF_INET6 if address.version == 6 else socket.AF_INET
        sock = socket.socket(family, socket.SOCK_STREAM)
        try:
            sock.settimeout(left)
            sock.connect((str(address), target.port))
        except OSError as err:
            sock.close()
            last = err
            continue
        opened.append(sock)
        return sock
    raise last or OSError("no address to connect to")


class _Pinned(http.client.HTTPConnection):
    """Plain HTTP (an allowed host only) to the checked addresses. One class for every
    request: building a class per connection cost more than the rest of the setup."""

    def __init__(self, target: _Target, deadline: Deadline, opened: list[socket.socket]) -> None:
        super().__init__(target.host, target.port, timeout=deadline.seconds)
        self._target, self._deadline, self._opened = target, deadline, opened

    def connect(self) -> None:
        self.sock = _connect(self._target, self._deadline, self._opened)


class _PinnedTLS(http.client.HTTPSConnection):
    """HTTPS to the checked addresses; the certificate is verified for the URL's name."""

    def __init__(
        self,
        target: _Target,
        deadline: Deadline,
        opened: list[socket.socket],
        context: ssl.SSLContext,
    ) -> None:
        super().__init__(target.host, target.port, timeout=deadline.seconds, context=context)
        self._target, self._deadline, self._opened = target, deadline, opened
        self._tls_context = context

    def connect(self) -> None:
        sock = _connect(self._target, self._deadline, self._opened)
        # wrap_socket takes the descriptor over: the watchdog needs the TLS socket too.
        self.sock = self._tls_context.wrap_socket(sock, server_hostname=self._target.host)
        self._opened.append(self.sock)


class _Watchdog:
    """One thread for every request's deadline (a timer thread per request cost more
    than a local POST): it shuts the sockets of a request whose deadline has passed.

    It looks every TICK seconds while requests are under way, and sleeps otherwise; it
    is woken only when the first request arrives, so a busy sender does not wake it for
    each one. A deadline is kept to within a TICK."""

    def __init__(self) -> None:
        self._lock = threading.Condition()
        self._watched: dict[int, tuple[float, list[socket.socket]]] = {}
        self._next = 0
        self._thread: threading.Thread | None = None

    def watch(self, opened: list[socket.socket], end: float) -> int:
        with self._lock:
            self._next += 1
            self._watched[self._next] = (end, opened)
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, daemon=True)
                self._thread.start()
            if len(self._watched) == 1:
                self._lock.notify()
            return self._next

    def forget(self, key: int) -> None:
        with self._lock:
            self._watched.pop(key, None)

    def _run(self) -> None:
        with self._lock:
            while True:
                now = time.monotonic()
                for key, (end, opened) in list(self._watched.items()):
                    if end <= now:
                        del self._watched[key]
                        _abort(opened)
                self._lock.wait(TICK if self._watched else None)


_WATCHDOG = _Watchdog()
