"""Several checked webhook POSTs under way at once, on the sender's own thread.

A thread per request cost more than the request (a hand-over to the thread and back,
and every blocking call giving the interpreter lock up and taking it again), so the
POSTs of a batch share one selector instead: non-blocking sockets, each request a small
state machine (connect, TLS handshake, send, read the answer). The rules are
outbound.py's: the URL is checked before connecting (`outbound.check_url`, a host once
per batch through `lookups`), the socket goes to an address that was checked, TLS
verifies the URL's name, nothing is followed (a 3xx is just the answer), and every
request has its connect and total deadlines, kept by the loop whatever the server does
(a server that trickles a byte at a time is cut off at the deadline). Only the status
line and headers of the answer matter: at most RESPONSE_MAX bytes of its body are read,
the body ends by its length, its last chunk or the server closing, and a body still
coming at the deadline, or cut off by a reset, does not undo an answer whose status is
in.

A host name is looked up when its first request starts, on this thread, within the
connect timeout: requests under way wait meanwhile (their deadlines still run), once
per host and batch.
"""

from __future__ import annotations

import errno
import os
import re
import selectors
import socket
import ssl
import time
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from subscribe_service.notices.fetch import _reason, _Target
from subscribe_service.webhooks.outbound import (
    RESPONSE_MAX,
    Answer,
    Lookups,
    Refused,
    check_url,
    tls_context,
)

HEAD_MAX = 64 * 1024  # bytes of status line and headers; http.client allows as much a line
CHUNK = 64 * 1024
_UNSENDABLE = re.compile(r"[\x00-\x20\x7f]")  # as http.client: no request smuggling
_READ, _WRITE = selectors.EVENT_READ, selectors.EVENT_WRITE

Request = tuple[str, bytes, Mapping[str, str]]  # url, body, headers
Build = Callable[[], Request]  # called when the request starts (its timestamp then)
Outcome = Answer | Exception  # Refused, or OSError with the reason


@dataclass
class _Exchange:
    target: _Target
    wire: bytes  # the whole request, sent as one
    end: float  # the total deadline (monotonic)
    connect_end: float
    sock: socket.socket | None = None
    addresses: deque = field(default_factory=deque)
    sent: int = 0
    tls: bool = False
    handshaken: bool = False
    head: bytes | None = None  # status line and headers, once complete
    received: bytearray = field(default_factory=bytearray)
    wants: int = _WRITE


class MultiPost:
    """POSTs queued by key, at most `limit` under way, their answers taken in any order.

    `result(key)` runs the loop until that key's request has its outcome, progressing
    every other request under way meanwhile. `close()` abandons what is left."""

    def __init__(
        self,
        *,
        limit: int,
        allow_hosts: tuple[str, ...],
        connect_timeout: float,
        total_timeout: float,
        context: Callable[[], ssl.SSLContext] = tls_context,
    ) -> None:
        self.limit = max(limit, 1)
        self.allow_hosts = allow_hosts
        self.connect_timeout = connect_timeout
        self.total_timeout = total_timeout
        self._context = context
        self.lookups: Lookups = {}  # hosts checked in this batch
        self._queued: deque[tuple[object, Build]] = deque()
        self._waiting: set[object] = set()  # the keys in _queued
        self._active: dict[object, _Exchange] = {}
        self._done: dict[object, Outcome] = {}
        self._selector = selectors.DefaultSelector()

    def add(self, key: object, build: Build) -> None:
        self._queued.append((key, build))
        self._waiting.add(key)

    def __contains__(self, key: object) -> bool:
        return key in self._waiting or key in self._active or key in self._done

    def result(self, key: object) -> Answer:
        """The answer to `key`'s request; Refused or OSError (with the reason) otherwise."""
        if key not in self:
            raise KeyError(key)
        while key not in self._done:
            self._fill()
            self._step()
        outcome = self._done.pop(key)
        if isinstance(outcome, Exception):
            raise outcome
        return outcome

    def close(self) -> None:
        for key in list(self._active):
            self._finish(key, OSError("abandoned"))
        self._queued.clear()
        self._waiting.clear()
        self._done.clear()
        self._selector.close()

    # -- the loop ---------------------------------------------------------------------

    def _fill(self) -> None:
        while self._queued and len(self._active) < self.limit:
            key, build = self._queued.popleft()
            self._waiting.discard(key)
            try:
                self._start(key, build())
            except (Refused, OSError, ValueError) as err:
                failure = err if isinstance(err, Refused | OSError) else OSError(str(err))
                if key in self._active:  # e.g. no socket to be had: out of descriptors
                    self._finish(key, failure)
                else:
                    self._done[key] = failure

    def _step(self) -> None:
        """Wait for the first socket ready or deadline due, and move those on."""
        now = time.monotonic()
        for key, ex in list(self._active.items()):
            if now >= ex.end and ex.head is not None:
                # The status is in; only the body (shown, never needed) was still coming.
                self._finish(key, _answer(ex.head, bytes(ex.received[:RESPONSE_MAX])))
            elif now >= ex.end:
                self._finish(key, OSError(f"no answer within {self.total_timeout:g} seconds"))
            elif not ex.handshaken and now >= ex.connect_end:
                self._finish(key, OSError("timed out"))
        if not self._active:
            return
        due = min(ex.end if ex.handshaken else ex.connect_end for ex in self._active.values())
        for selected, _mask in self._selector.select(max(due - now, 0.0)):
            key = selected.data
            if key in self._active:
                self._advance(key, self._active[key])

    def _start(self, key: object, request: Request) -> None:
        url, body, headers = request
        target = check_url(
            url, self.allow_hosts, timeout=self.connect_timeout, lookups=self.lookups
        )
        now = time.monotonic()
        ex = _Exchange(
            target,
            _wire(target, body, headers),
            end=now + self.total_timeout,
            connect_end=now + min(self.connect_timeout, self.total_timeout),
            addresses=deque(target.addresses),
            tls=target.scheme == "https",
        )
        self._active[key] = ex
        self._connect_next(key, ex, None)

    def _connect_next(self, key: object, ex: _Exchange, failed: OSError | None) -> None:
        """Connect to the next checked address (never a second lookup of the name)."""
        if ex.sock is not None:
            self._selector.unregister(ex.sock)
            ex.sock.close()
            ex.sock = None
        if not ex.addresses:
            self._finish(key, failed or OSError("no address to connect to"))
            return
        address = ex.addresses.popleft()
        family = socket.AF_INET6 if address.version == 6 else socket.AF_INET
        sock = socket.socket(family, socket.SOCK_STREAM)
        sock.setblocking(False)
        code = sock.connect_ex((str(address), ex.target.port))
        ex.sock, ex.wants = sock, _WRITE
        self._selector.register(sock, _WRITE, key)
        if code not in (0, errno.EINPROGRESS, errno.EWOULDBLOCK):
            self._connect_next(key, ex, OSError(os.strerror(code)))

    def _advance(self, key: object, ex: _Exchange) -> None:
        try:
            self._progress(key, ex)
        except ssl.SSLWantReadError:
            self._want(key, ex, _READ)
        except ssl.SSLWantWriteError:
            self._want(key, ex, _WRITE)
        except BlockingIOError:
            pass  # nothing more to do until the selector says so
        except (OSError, ValueError) as err:
            if ex.head is not None and key in self._active:
                # Reset while the body came: the status is in, and it is the answer.
                self._finish(key, _answer(ex.head, bytes(ex.received[:RESPONSE_MAX])))
            elif key in self._active:
                self._finish(key, OSError(_reason(err)))

    def _progress(self, key: object, ex: _Exchange) -> None:
        """Take the exchange as far as the socket allows: connect, handshake, send, read."""
        assert ex.sock is not None
        if not ex.handshaken:
            if not isinstance(ex.sock, ssl.SSLSocket):
                code = ex.sock.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
                if code:
                    self._connect_next(key, ex, OSError(os.strerror(code)))
                    return
                if ex.tls:
                    self._selector.unregister(ex.sock)
                    ex.sock = self._context().wrap_socket(
                        ex.sock, server_hostname=ex.target.host, do_handshake_on_connect=False
                    )
                    self._selector.register(ex.sock, ex.wants, key)
            if ex.tls:
                ex.sock.do_handshake()  # raises SSLWant* until it is done
            ex.handshaken = True
        if ex.sent < len(ex.wire):
            self._want(key, ex, _WRITE)
            while ex.sent < len(ex.wire):
                ex.sent += ex.sock.send(ex.wire[ex.sent : ex.sent + CHUNK])
        self._want(key, ex, _READ)
        while True:  # a TLS socket may hold more than the selector shows
            chunk = ex.sock.recv(CHUNK)
            ex.received += chunk
            if self._answered(key, ex, closed=not chunk):
                return

    def _answered(self, key: object, ex: _Exchange, *, closed: bool) -> bool:
        """Whether the exchange is over (its outcome recorded); False: read on."""
        while ex.head is None:
            end = ex.received.find(b"\r\n\r\n")
            if end < 0:
                if closed:
                    self._finish(key, OSError("the connection closed before an answer"))
                elif len(ex.received) > HEAD_MAX:
                    self._finish(key, OSError("the answer's headers are too long"))
                else:
                    return False
                return True
            head = bytes(ex.received[:end])
            del ex.received[: end + 4]
            if not _INTERIM.match(head):  # 100 Continue and the like: the answer follows
                _answer(head, b"")  # not an HTTP status line: fails the exchange now
                ex.head = head
        if not closed and not _body_complete(ex.head, ex.received):
            return False
        self._finish(key, _answer(ex.head, bytes(ex.received[:RESPONSE_MAX])))
        return True

    def _want(self, key: object, ex: _Exchange, events: int) -> None:
        if ex.wants != events and ex.sock is not None:
            self._selector.modify(ex.sock, events, key)
            ex.wants = events

    def _finish(self, key: object, outcome: Outcome) -> None:
        ex = self._active.pop(key)
        if ex.sock is not None:
            self._selector.unregister(ex.sock)
            ex.sock.close()
        self._done[key] = outcome


def _wire(target: _Target, body: bytes, headers: Mapping[str, str]) -> bytes:
    """The request as sent: the URL's own host in Host (the address is only connected to)."""
    if _UNSENDABLE.search(target.path) or not target.path.isascii():
        raise Refused("the URL's path has spaces, control or non-ASCII characters")
    host = target.host if target.host.isascii() else target.host.encode("idna").decode()
    if ":" in host:
        host = f"[{host}]"
    default = 443 if target.scheme == "https" else 80
    if target.port != default:
        host = f"{host}:{target.port}"
    lines = [f"POST {target.path} HTTP/1.1", f"Host: {host}"]
    for name, value in headers.items():
        if _UNSENDABLE.search(name) or "\r" in value or "\n" in value:
            raise ValueError(f"header {name!r} cannot be sent")
        lines.append(f"{name}: {value}")
    lines += [f"Content-Length: {len(body)}", "Connection: close", "", ""]
    return "\r\n".join(lines).encode("latin-1") + body


_STATUS = re.compile(rb"HTTP/1\.\d (\d\d\d)(?: ([^\r\n]*))?")
_INTERIM = re.compile(rb"HTTP/1\.\d 1\d\d")
_NO_BODY = re.compile(rb"HTTP/1\.\d (204|304)")


def _answer(head: bytes, body: bytes) -> Answer:
    status_line = head.split(b"\r\n", 1)[0]
    found = _STATUS.fullmatch(status_line)
    if found is None:
        raise ValueError(f"not an HTTP answer: {status_line[:80]!r}")
    reason = (found.group(2) or b"").decode("latin-1").strip()
    return Answer(int(found.group(1)), reason, body)


def _body_complete(head: bytes, received: bytearray) -> bool:
    """Whether the body has all come (or RESPONSE_MAX of it): by its Content-Length, its
    last chunk, or none to come; otherwise it ends when the server closes."""
    if len(received) >= RESPONSE_MAX or _NO_BODY.match(head):
        return True
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        name, value = name.strip().lower(), value.strip().lower()
        if name == b"content-length" and value.isdigit():
            return len(received) >= int(value)
        if name == b"transfer-encoding" and value.endswith(b"chunked"):
            return received.endswith(b"0\r\n\r\n")
    return False
