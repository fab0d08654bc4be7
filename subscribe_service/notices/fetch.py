"""GET a changes.json URL within a byte cap and a total deadline, re-checking every redirect.

`notify` is run by an operator, but the URL it reads (and wherever that URL redirects)
is outside the operator's hands: a hostile or broken server must not make it read
forever, hold gigabytes, or reach an address inside the network (a cloud metadata
endpoint, a database port). So every hop is checked the same way before connecting:
the scheme (https; plain http only to this machine), and every address the host
resolves to, which must be public unless the operator allowed that host or network by
name (`--allow-host 127.0.0.1` for a development server). The
connection then goes to the address that was checked, not to a second lookup (which a
rebinding DNS server could answer differently). Proxy variables are not used: the
checked address is the one connected to.
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

MAX_REDIRECTS = 5
CHUNK = 64 * 1024
REDIRECTS = {301, 302, 303, 307, 308}

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


class FetchError(Exception):
    """The URL could not be read within the rules; the message says which rule and limit."""


@dataclass
class Deadline:
    """One point in time by which the whole fetch (lookups, redirects, body) must be done."""

    seconds: float

    def __post_init__(self) -> None:
        self.end = time.monotonic() + self.seconds

    def remaining(self) -> float:
        left = self.end - time.monotonic()
        if left <= 0:
            raise FetchError(f"no complete answer within {self.seconds:g} seconds (--timeout)")
        return left


def fetch(
    url: str,
    *,
    timeout: float,
    max_bytes: int,
    allow_hosts: Sequence[str] = (),
) -> bytes:
    """The body of `url` after at most MAX_REDIRECTS redirects, each checked like `url`.

    `allow_hosts`: host names, addresses or networks ("10.1.0.0/16") that may be reached
    although they are not public.
    """
    deadline = Deadline(timeout)
    context = ssl.create_default_context()
    for hop in range(MAX_REDIRECTS + 1):
        # A redirect's target is the server's choice: name it, so the operator sees it.
        said = f"redirected to {_shown(url)}: " if hop else ""
        target = _check_url(url, deadline, allow_hosts, said)
        status, location, body = _get(target, deadline, max_bytes, context)
        if status not in REDIRECTS:
            return body
        if not location:
            raise FetchError(f"the server answered {status} without a Location")
        try:
            url = urllib.parse.urljoin(url, location)
        except ValueError as err:  # e.g. an unclosed [ in an IPv6 host
            raise FetchError(f"redirected to {_shown(location)}: not a valid URL ({err})") from None
    raise FetchError(f"more than {MAX_REDIRECTS} redirects")


@dataclass(frozen=True)
class _Target:
    url: str
    scheme: str
    host: str
    port: int
    path: str
    addresses: list[IPAddress]


def _check_url(url: str, deadline: Deadline, allow_hosts: Sequence[str], said: str) -> _Target:
    """The URL's parts and addresses, if it may be read; `said` starts every refusal."""
    try:
        parts = urllib.parse.urlsplit(url)
    except ValueError as err:  # e.g. an unclosed [ in an IPv6 host
        raise FetchError(f"{said}not a valid URL ({err})") from None
    scheme = parts.scheme.lower()
    if scheme not in ("https", "http"):
        raise FetchError(f"{said}use an https:// URL, not {scheme or 'no scheme'}")
    host = parts.hostname
    if not host:
        raise FetchError(f"{said}the URL has no host")
    try:
        port = parts.port or (443 if scheme == "https" else 80)
    except ValueError:
        raise FetchError(f"{said}the port is not a number from 0 to 65535") from None
    if scheme == "http" and not _names_this_machine(host):
        raise FetchError(f"{said}use an https:// URL (http:// is accepted for this machine only)")
    addresses = _resolve(host, port, deadline, said)
    for address in addresses:
        kind = _local_kind(address)
        if kind and not _allowed(host, address, allow_hosts):
            named = f"{host} is" if host == str(address) else f"{host} resolves to {address},"
            article = "an" if kind[0] in "aeiou" else "a"
            raise FetchError(
                f"{said}{named} {article} {kind} address; to read from it, "
                f"pass --allow-host {host} (or list it in TRUSTSITE_NOTIFY_ALLOW_HOSTS)"
            )
    if scheme == "http" and not all(a.is_loopback for a in addresses):
        raise FetchError(f"{said}use an https:// URL (http:// is accepted for this machine only)")
    path = urllib.parse.urlunsplit(("", "", parts.path or "/", parts.query, ""))
    return _Target(url, scheme, host, port, path, addresses)


def _shown(url: str) -> str:
    """The URL for a message, cut short: a redirect's Location is the server's text."""
    return url if len(url) <= 200 else url[:200] + "..."


def _local_kind(address: IPAddress) -> str | None:
    """Why an address is not a public one, or None when it is."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        address = address.ipv4_mapped
    for kind in ("unspecified", "loopback", "link_local", "private", "multicast", "reserved"):
        if getattr(address, f"is_{kind}"):
            return kind.replace("_", "-")
    return None if address.is_global else "non-public"


def _names_this_machine(host: str) -> bool:
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _allowed(host: str, address: IPAddress, allow_hosts: Sequence[str]) -> bool:
    for entry in allow_hosts:
        if entry.strip().lower() == host.lower():
            return True
        try:
            if address in ipaddress.ip_network(entry.strip(), strict=False):
                return True
        except ValueError:
            continue  # a host name that is not this one
    return False


def _resolve(host: str, port: int, deadline: Deadline, said: str) -> list[IPAddress]:
    """Every address of `host`; the lookup counts against the deadline (it has no timeout)."""
    found: list[IPAddress] = []
    failure: list[str] = []

    def lookup() -> None:
        try:
            infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
            found.extend(ipaddress.ip_address(info[4][0]) for info in infos)
        except OSError as err:
            failure.append(err.strerror or str(err))
        except (UnicodeError, ValueError) as err:  # a name IDNA cannot encode
            failure.append(f"not a valid host name ({err})")

    worker = threading.Thread(target=lookup, daemon=True)  # left behind if the lookup hangs
    worker.start()
    worker.join(deadline.remaining())
    if worker.is_alive():
        deadline.remaining()  # raises: the deadline passed during the lookup
        raise FetchError(f"{said}looking up {host} took longer than the deadline")
    if failure or not found:
        reason = failure[0] if failure else "no address"
        raise FetchError(f"{said}cannot look up {host}: {reason}")
    return list(dict.fromkeys(found))


def _connection(
    target: _Target, deadline: Deadline, context: ssl.SSLContext, opened: list[socket.socket]
) -> http.client.HTTPConnection:
    """A connection to the checked addresses only; TLS still verifies the host name.

    Each socket opened is added to `opened`, for the watchdog: http.client lets go of
    its own reference once a response that closes the connection has begun.
    """

    def connect(self: http.client.HTTPConnection) -> None:
        last: OSError | None = None
        for address in target.addresses:
            try:
                self.sock = socket.create_connection(
                    (str(address), target.port), deadline.remaining()
                )
                opened.append(self.sock)
                return
            except OSError as err:
                last = err
        raise last or OSError("no address to connect to")

    if target.scheme == "https":

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


def _get(
    target: _Target, deadline: Deadline, max_bytes: int, context: ssl.SSLContext
) -> tuple[int, str | None, bytes]:
    """(status, Location, body) of one GET; a watchdog closes the socket at the deadline."""
    opened: list[socket.socket] = []
    conn = _connection(target, deadline, context, opened)
    # Per-read timeouts cannot bound a server that trickles a byte at a time: the
    # watchdog ends the connection when the deadline passes, whatever it is doing.
    watchdog = threading.Timer(deadline.remaining(), _abort, args=(opened,))
    watchdog.daemon = True
    watchdog.start()
    try:
        conn.request("GET", target.path, headers={"Accept": "application/json"})
        response = conn.getresponse()
        if response.status in REDIRECTS:
            return response.status, response.getheader("Location"), b""
        if response.status != 200:
            raise FetchError(f"the server answered {response.status} {response.reason}")
        body = _read_body(response, deadline, max_bytes)
    except FetchError:
        raise
    except (OSError, http.client.HTTPException, ValueError) as err:
        # ValueError: a path http.client will not send (a redirect to non-ASCII bytes).
        deadline.remaining()  # the watchdog's doing: say so rather than "connection reset"
        raise FetchError(f"cannot fetch {_shown(target.url)}: {_reason(err)}") from None
    finally:
        watchdog.cancel()
        conn.close()
    deadline.remaining()  # a body cut short by the watchdog is not a whole body
    return 200, None, body


def _read_body(response: http.client.HTTPResponse, deadline: Deadline, max_bytes: int) -> bytes:
    announced = response.getheader("Content-Length")
    if announced and announced.isdigit() and int(announced) > max_bytes:
        raise FetchError(
            f"the server announces {int(announced)} bytes, over the limit of {max_bytes} bytes"
        )
    body = bytearray()
    while len(body) <= max_bytes:
        chunk = response.read(min(CHUNK, max_bytes + 1 - len(body)))
        if not chunk:
            return bytes(body)
        body += chunk
        deadline.remaining()
    raise FetchError(f"response is over the limit of {max_bytes} bytes; stopped reading there")


def _abort(opened: list[socket.socket]) -> None:
    for sock in opened:
        with contextlib.suppress(OSError):  # already closed: nothing left to stop
            sock.shutdown(socket.SHUT_RDWR)


def _reason(err: BaseException) -> str:
    if isinstance(err, ssl.SSLCertVerificationError):
        return f"certificate not accepted ({err.verify_message})"
    if isinstance(err, TimeoutError):
        return "timed out"
    if isinstance(err, OSError) and err.strerror:
        return err.strerror
    return str(err) or type(err).__name__
