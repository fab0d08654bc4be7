"""POST to a URL someone else chose (a WebSub hub), safely: the rules for outbound requests.

The hub's address comes from `site.yaml`, which anyone who can open a pull request edits,
and the command runs in the publishing job, next to its secrets. So a request may only
go over https to a public address: the host is resolved once, every address it resolves
to is checked, and the connection goes to a checked address (a second lookup could be
answered differently: DNS rebinding); TLS still verifies the host name. No redirect is
followed, the whole exchange has a deadline (a watchdog closes the socket when it
passes, however slowly the server trickles), and at most `MAX_RESPONSE` bytes of the
answer are read. `allow_hosts` lets named hosts (or networks: `10.0.0.0/8`) through the
public-address check and permits `http://` for them: a hub on this machine in tests, or an
internal one. No proxy variables are used: the checked address is the one connected to.
"""

from __future__ import annotations

import contextlib
import http.client
import ipaddress
import socket
import ssl
import threading
import time
import urllib.parse
from collections.abc import Sequence
from dataclasses import dataclass

MAX_RESPONSE = 64 * 1024
CONNECT_TIMEOUT = 10.0
TOTAL_TIMEOUT = 30.0

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


class OutboundError(Exception):
    """The request was refused by the rules or failed; the message says which and why."""


@dataclass(frozen=True)
class Answer:
    status: int
    reason: str
    body: bytes


@dataclass(frozen=True)
class Target:
    url: str
    scheme: str
    host: str
    port: int
    path: str
    addresses: tuple[IPAddress, ...]


class _Deadline:
    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.end = time.monotonic() + seconds

    def remaining(self) -> float:
        left = self.end - time.monotonic()
        if left <= 0:
            raise OutboundError(f"no complete answer within {self.seconds:g} seconds")
        return left


def post_form(
    url: str,
    body: bytes,
    *,
    allow_hosts: Sequence[str] = (),
    timeout: float = TOTAL_TIMEOUT,
    connect_timeout: float = CONNECT_TIMEOUT,
) -> Answer:
    """POST `body` (application/x-www-form-urlencoded) to `url`; the answer, not followed."""
    deadline = _Deadline(timeout)
    target = check_url(url, allow_hosts, deadline)
    opened: list[socket.socket] = []
    conn = _connection(target, deadline, min(connect_timeout, timeout), opened)
    watchdog = threading.Timer(deadline.remaining(), _abort, args=(opened,))
    watchdog.daemon = True
    watchdog.start()
    try:
        conn.request(
            "POST",
            target.path,
            body=body,
            headers={
                "Content-Type": "application/x-www-form-urlencoded",
                "User-Agent": "trustsite-websub",
            },
        )
        response = conn.getresponse()
        data = response.read(MAX_RESPONSE)  # the rest is never read
        answer = Answer(response.status, response.reason, data)
    except OutboundError:
        raise
    except (OSError, http.client.HTTPException) as err:
        deadline.remaining()  # the watchdog's doing: say so rather than "connection reset"
        raise OutboundError(f"{target.host}: {_reason(err)}") from None
    finally:
        watchdog.cancel()
        conn.close()
    # An answer cut short by the watchdog can still parse (headers end at the cut): it is
    # not the hub's whole answer.
    deadline.remaining()
    return answer


def check_url(url: str, allow_hosts: Sequence[str], deadline: _Deadline | None = None) -> Target:
    """The URL's parts and checked addresses, or OutboundError saying which rule it breaks."""
    deadline = deadline or _Deadline(TOTAL_TIMEOUT)
    try:
        parts = urllib.parse.urlsplit(url)
        port = parts.port
    except ValueError as err:
        raise OutboundError(f"{url[:200]!r} is not a valid URL ({err})") from None
    scheme, host = parts.scheme.lower(), parts.hostname
    if not host:
        raise OutboundError(f"{url[:200]!r} has no host")
    allowed = _listed(host, allow_hosts)
    if scheme != "https" and not (scheme == "http" and allowed):
        raise OutboundError(
            f"{url[:200]}: only https:// addresses are reached "
            f"(http:// only for a host given with --allow-host)"
        )
    port = port or (443 if scheme == "https" else 80)
    addresses = _resolve(host, port, deadline)
    for address in addresses:
        kind = _local_kind(address)
        if kind and not (allowed or _in_networks(address, allow_hosts)):
            named = f"{host} is" if host == str(address) else f"{host} resolves to {address},"
            raise OutboundError(
                f"{named} a {kind} address, not a public one; "
                f"to reach it anyway, pass --allow-host {host}"
            )
    path = urllib.parse.urlunsplit(("", "", parts.path or "/", parts.query, ""))
    return Target(url, scheme, host, port, path, addresses)


def _listed(host: str, allow_hosts: Sequence[str]) -> bool:
    return any(entry.strip().lower() == host.lower() for entry in allow_hosts)


def _in_networks(address: IPAddress, allow_hosts: Sequence[str]) -> bool:
    for entry in allow_hosts:
        try:
            if address in ipaddress.ip_network(entry.strip(), strict=False):
                return True
        except ValueError:
            continue  # a host name
    return False


def _local_kind(address: IPAddress) -> str | None:
    """Why an address is not a public one, or None when it is."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        address = address.ipv4_mapped
    for kind in ("unspecified", "loopback", "link_local", "private", "multicast", "reserved"):
        if getattr(address, f"is_{kind}"):
            return kind.replace("_", "-")
    return None if address.is_global else "non-public"


def _resolve(host: str, port: int, deadline: _Deadline) -> tuple[IPAddress, ...]:
    """Every address of `host`, once; the lookup counts against the deadline."""
    found: list[IPAddress] = []
    failure: list[str] = []

    def lookup() -> None:
        try:
            infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
            found.extend(ipaddress.ip_address(info[4][0].split("%")[0]) for info in infos)
        except OSError as err:
            failure.append(err.strerror or str(err))
        except (UnicodeError, ValueError) as err:
            failure.append(f"not a valid host name ({err})")

    worker = threading.Thread(target=lookup, daemon=True)  # left behind if the lookup hangs
    worker.start()
    worker.join(deadline.remaining())
    if worker.is_alive():
        raise OutboundError(f"looking up {host} took longer than {deadline.seconds:g} seconds")
    if failure or not found:
        raise OutboundError(f"cannot look up {host}: {failure[0] if failure else 'no address'}")
    return tuple(dict.fromkeys(found))


def _connection(
    target: Target, deadline: _Deadline, connect_timeout: float, opened: list[socket.socket]
) -> http.client.HTTPConnection:
    """A connection to the checked addresses only; TLS verifies the host name."""

    def connect(conn: http.client.HTTPConnection) -> None:
        last: OSError | None = None
        for address in target.addresses:
            try:
                conn.sock = socket.create_connection(
                    (str(address), target.port), min(connect_timeout, deadline.remaining())
                )
                conn.sock.settimeout(deadline.remaining())
                opened.append(conn.sock)
                return
            except OSError as err:
                last = err
        raise last or OSError("no address to connect to")

    if target.scheme == "https":
        context = ssl.create_default_context()

        class Pinned(http.client.HTTPSConnection):
            def connect(self) -> None:
                connect(self)
                self.sock = context.wrap_socket(self.sock, server_hostname=target.host)
                # wrap_socket takes the plain socket's descriptor over (the plain one is
                # detached): the watchdog must shut the TLS socket to stop a trickle.
                opened.append(self.sock)

        return Pinned(target.host, target.port, timeout=deadline.remaining(), context=context)

    class PinnedPlain(http.client.HTTPConnection):
        def connect(self) -> None:
            connect(self)

    return PinnedPlain(target.host, target.port, timeout=deadline.remaining())


def _abort(opened: list[socket.socket]) -> None:
    for sock in opened:
        with contextlib.suppress(OSError):
            sock.shutdown(socket.SHUT_RDWR)


def _reason(err: BaseException) -> str:
    if isinstance(err, ssl.SSLCertVerificationError):
        return f"certificate not accepted ({err.verify_message})"
    if isinstance(err, TimeoutError | socket.timeout):
        return "timed out"
    if isinstance(err, OSError) and err.strerror:
        return err.strerror
    return str(err) or type(err).__name__
