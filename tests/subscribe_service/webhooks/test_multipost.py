"""The sender's POSTs (webhooks/multipost.py) against real servers on this machine that
answer well, badly or not at all: plain HTTP and TLS with a certificate made for the
test, a server that trickles, one that never ends its headers, one that says nothing
HTTP, one that hangs up. Each request's outcome is its own; the deadlines hold whatever
the server does; the connection goes to the checked address and names the URL's host."""

from __future__ import annotations

import socket
import ssl
import struct
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from subscribe_service.dev.webhook_receiver import WebhookReceiver
from subscribe_service.webhooks.multipost import MultiPost
from subscribe_service.webhooks.outbound import RESPONSE_MAX, Refused, check_url
from tests.support.tls import loopback_certificate

Serve = Callable[[socket.socket], None]
HEADERS = {"Content-Type": "application/json", "webhook-id": "msg_test"}


class RawServer:
    """A TCP server on 127.0.0.1 that hands each connection to `serve` on its own thread
    (through TLS first when given a context)."""

    def __init__(self, serve: Serve, tls: ssl.SSLContext | None = None) -> None:
        self.serve, self.tls = serve, tls
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.accepted = 0
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                conn, _ = self.listener.accept()
            except OSError:
                return
            self.accepted += 1
            threading.Thread(target=self._handle, args=(conn,), daemon=True).start()

    def _handle(self, conn: socket.socket) -> None:
        try:
            if self.tls is not None:
                conn = self.tls.wrap_socket(conn, server_side=True)
            self.serve(conn)
        except OSError:
            pass  # the client hung up (or refused the certificate): the test looks at its side
        finally:
            conn.close()

    def close(self) -> None:
        self.listener.close()


def read_request(conn: socket.socket) -> bytes:
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = conn.recv(65536)
        if not chunk:
            return data
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    length = next(
        int(line.split(b":")[1])
        for line in head.split(b"\r\n")
        if line.lower().startswith(b"content-length:")
    )
    while len(body) < length:
        body += conn.recv(65536)
    return data


def answering(*parts: bytes, pause: float = 0.0, then_hold: float = 0.0) -> Serve:
    def serve(conn: socket.socket) -> None:
        read_request(conn)
        for part in parts:
            conn.sendall(part)
            time.sleep(pause)
        time.sleep(then_hold)

    return serve


@pytest.fixture
def server() -> Iterator[Callable[..., RawServer]]:
    made: list[RawServer] = []

    def make(serve: Serve, tls: ssl.SSLContext | None = None) -> RawServer:
        made.append(RawServer(serve, tls))
        return made[-1]

    yield make
    for one in made:
        one.close()


def posts(limit: int = 4, total: float = 3.0, **kwargs) -> MultiPost:
    return MultiPost(
        limit=limit,
        allow_hosts=("127.0.0.1",),
        connect_timeout=2.0,
        total_timeout=total,
        **kwargs,
    )


def post_one(poster: MultiPost, url: str, body: bytes = b"{}"):
    poster.add("one", lambda: (url, body, HEADERS))
    return poster.result("one")


def test_several_posts_arrive_and_each_answer_is_its_own() -> None:
    receiver = WebhookReceiver().start()
    try:
        receiver.answer("/down", 503)
        poster = posts(limit=2)
        for path in ("/a", "/down", "/b", "/c"):
            poster.add(path, lambda p=path: (receiver.url(p), b'{"n":1}', HEADERS))
        answers = {p: poster.result(p) for p in ("/c", "/a", "/down", "/b")}  # any order
        poster.close()
    finally:
        receiver.stop()
    assert {p: a.status for p, a in answers.items()} == {
        "/a": 200,
        "/down": 503,
        "/b": 200,
        "/c": 200,
    }
    assert sorted(r.path for r in receiver.received) == ["/a", "/b", "/c", "/down"]
    first = receiver.received[0]
    assert first.body == b'{"n":1}'
    assert first.headers["webhook-id"] == "msg_test"
    assert first.headers["host"] == f"127.0.0.1:{receiver.port}"


def test_no_more_than_the_limit_is_under_way() -> None:
    receiver = WebhookReceiver().start()
    try:
        receiver.answer("/slow", 200, delay=0.3)
        poster = posts(limit=2)
        for i in range(4):
            poster.add(i, lambda: (receiver.url("/slow"), b"{}", HEADERS))
        started = time.monotonic()
        assert [poster.result(i).status for i in range(4)] == [200] * 4
        took = time.monotonic() - started
    finally:
        receiver.stop()
    assert took >= 0.55  # two rounds of two, not four at once


def test_the_connection_goes_to_the_checked_address_and_names_the_urls_host() -> None:
    # hook.invalid cannot be looked up: only the batch's checked address gets it there.
    receiver = WebhookReceiver().start()
    try:
        poster = MultiPost(
            limit=1, allow_hosts=("hook.invalid",), connect_timeout=2, total_timeout=3
        )
        address = check_url("http://127.0.0.1/", ("127.0.0.1",)).addresses
        poster.lookups[("hook.invalid", receiver.port)] = address
        answer = post_one(poster, f"http://hook.invalid:{receiver.port}/pinned")
    finally:
        receiver.stop()
    assert answer.status == 200
    [request] = receiver.received
    assert request.headers["host"] == f"hook.invalid:{receiver.port}"


def test_a_host_is_checked_once_per_batch_and_a_refused_one_is_not_kept() -> None:
    lookups: dict = {}
    check_url("http://127.0.0.1:8080/a", ("127.0.0.1",), lookups=lookups)
    assert list(lookups) == [("127.0.0.1", 8080)]
    with pytest.raises(Refused, match="loopback"):
        check_url("https://127.0.0.2/a", (), lookups=lookups)
    assert list(lookups) == [("127.0.0.1", 8080)]
    # A checked host's entry is what the next request of the batch connects to.
    lookups[("127.0.0.1", 8080)] = ["sentinel"]
    assert check_url("http://127.0.0.1:8080/b", ("127.0.0.1",), lookups=lookups).addresses == [
        "sentinel"
    ]


def test_a_private_address_is_refused_before_connecting() -> None:
    poster = MultiPost(limit=1, allow_hosts=(), connect_timeout=1, total_timeout=1)
    with pytest.raises(Refused, match="private"):
        post_one(poster, "https://10.0.0.1/hook")


@pytest.mark.parametrize("path", ["/a b", "/a\r\nX-Injected: 1", "/caf\u00e9"])
def test_a_path_that_would_change_the_request_is_refused(path: str) -> None:
    with pytest.raises(Refused, match="path"):
        post_one(posts(), f"http://127.0.0.1:9{path}")


def test_a_server_that_trickles_is_cut_off_at_the_deadline(server) -> None:
    slow = server(answering(*[b"H"] * 100, pause=0.1))
    started = time.monotonic()
    with pytest.raises(OSError, match=r"no answer within 0\.5 seconds"):
        post_one(posts(total=0.5), f"http://127.0.0.1:{slow.port}/hook")
    assert time.monotonic() - started < 1.5


def test_headers_that_never_end_are_not_kept(server) -> None:
    endless = server(answering(b"HTTP/1.1 200 OK\r\n", *[b"X-Pad: " + b"a" * 8000 + b"\r\n"] * 20))
    with pytest.raises(OSError, match="headers are too long"):
        post_one(posts(), f"http://127.0.0.1:{endless.port}/hook")


def test_a_large_answer_is_read_only_up_to_the_cap(server) -> None:
    big = b"x" * (RESPONSE_MAX * 4)
    flood = server(answering(b"HTTP/1.1 200 OK\r\n\r\n", big, then_hold=5))
    started = time.monotonic()
    answer = post_one(posts(), f"http://127.0.0.1:{flood.port}/hook")
    assert (answer.status, len(answer.body)) == (200, RESPONSE_MAX)
    assert time.monotonic() - started < 2  # not held until the server hangs up


@pytest.mark.parametrize(
    "answer",
    [
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\n\r\n",
        b"HTTP/1.1 204 No Content\r\n\r\n",
        b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok",
    ],
)
def test_an_answer_is_complete_without_the_server_hanging_up(server, answer: bytes) -> None:
    keeps_open = server(answering(answer, then_hold=5))
    started = time.monotonic()
    got = post_one(posts(), f"http://127.0.0.1:{keeps_open.port}/hook")
    assert got.status in (200, 204)
    assert time.monotonic() - started < 1


def test_a_body_still_coming_at_the_deadline_keeps_the_answer(server) -> None:
    endless_body = server(
        answering(b"HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n", *[b"x"] * 50, pause=0.1)
    )
    started = time.monotonic()
    got = post_one(posts(total=0.5), f"http://127.0.0.1:{endless_body.port}/hook")
    assert got.status == 200
    assert 0.4 < time.monotonic() - started < 1.5


def test_a_connection_reset_while_the_body_comes_keeps_the_answer(server) -> None:
    def serve(conn: socket.socket) -> None:
        read_request(conn)
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\npartial")
        time.sleep(0.2)
        conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        conn.close()  # a reset, not an orderly close

    abrupt = server(serve)
    got = post_one(posts(), f"http://127.0.0.1:{abrupt.port}/hook")
    assert (got.status, got.body) == (200, b"partial")


def test_a_connection_reset_before_the_answer_fails(server) -> None:
    def serve(conn: socket.socket) -> None:
        read_request(conn)
        conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        conn.close()

    abrupt = server(serve)
    with pytest.raises(OSError, match=r"reset|closed before an answer"):
        post_one(posts(), f"http://127.0.0.1:{abrupt.port}/hook")


def test_an_answer_that_is_not_http_fails(server) -> None:
    odd = server(answering(b"SSH-2.0-OpenSSH\r\n\r\n"))
    with pytest.raises(OSError, match="not an HTTP answer"):
        post_one(posts(), f"http://127.0.0.1:{odd.port}/hook")


def test_a_server_that_hangs_up_without_answering_fails(server) -> None:
    rude = server(answering())
    with pytest.raises(OSError, match="closed before an answer"):
        post_one(posts(), f"http://127.0.0.1:{rude.port}/hook")


def test_an_interim_answer_is_skipped(server) -> None:
    polite = server(
        answering(
            b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 202 Accepted\r\nContent-Length: 0\r\n\r\n"
        )
    )
    answer = post_one(posts(), f"http://127.0.0.1:{polite.port}/hook")
    assert (answer.status, answer.reason) == (202, "Accepted")


def test_endless_interim_answers_end_at_the_deadline(server) -> None:
    chatty = server(answering(b"HTTP/1.1 100 Continue\r\n\r\n" * 20_000, then_hold=3))
    with pytest.raises(OSError, match=r"no answer within 0\.5 seconds"):
        post_one(posts(total=0.5), f"http://127.0.0.1:{chatty.port}/hook")


def test_a_redirect_is_an_answer_not_followed(server) -> None:
    mover = server(
        answering(
            b"HTTP/1.1 302 Found\r\nLocation: http://127.0.0.1:1/\r\nContent-Length: 0\r\n\r\n"
        )
    )
    answer = post_one(posts(), f"http://127.0.0.1:{mover.port}/hook")
    assert answer.status == 302
    assert mover.accepted == 1


def test_a_closed_port_fails_with_the_reason() -> None:
    with socket.socket() as unused:
        unused.bind(("127.0.0.1", 0))
        port = unused.getsockname()[1]
    with pytest.raises(OSError, match="refused"):
        post_one(posts(), f"http://127.0.0.1:{port}/hook")


@pytest.fixture(scope="module")
def certificate(tmp_path_factory) -> tuple[Path, Path]:
    return loopback_certificate(tmp_path_factory.mktemp("tls"))


def tls_server(server, certificate, serve: Serve) -> RawServer:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(*map(str, certificate))
    return server(serve, tls=context)


def trusting(certificate) -> Callable[[], ssl.SSLContext]:
    context = ssl.create_default_context(cafile=str(certificate[0]))
    return lambda: context


def test_https_is_posted_over_tls_that_verifies_the_name(server, certificate) -> None:
    got: list[bytes] = []

    def serve(conn: socket.socket) -> None:
        got.append(read_request(conn))
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")

    secure = tls_server(server, certificate, serve)
    poster = posts(context=trusting(certificate))
    answer = post_one(poster, f"https://127.0.0.1:{secure.port}/hook", b'{"tls":true}')
    assert (answer.status, answer.body) == (200, b"ok")
    [request] = got
    assert request.startswith(b"POST /hook HTTP/1.1\r\n")
    assert request.endswith(b'{"tls":true}')


def test_a_certificate_the_system_does_not_trust_fails(server, certificate) -> None:
    secure = tls_server(server, certificate, answering(b"HTTP/1.1 200 OK\r\n\r\n"))
    with pytest.raises(OSError, match="certificate not accepted"):
        post_one(posts(), f"https://127.0.0.1:{secure.port}/hook")


def test_a_tls_server_that_trickles_is_cut_off_at_the_deadline(server, certificate) -> None:
    secure = tls_server(server, certificate, answering(*[b"H"] * 100, pause=0.1))
    started = time.monotonic()
    with pytest.raises(OSError, match=r"no answer within 0\.5 seconds"):
        post_one(
            posts(total=0.5, context=trusting(certificate)), f"https://127.0.0.1:{secure.port}/"
        )
    assert time.monotonic() - started < 1.5


def test_a_server_that_never_finishes_the_handshake_is_given_up_on(server) -> None:
    silent = server(lambda conn: time.sleep(3))
    poster = MultiPost(limit=1, allow_hosts=("127.0.0.1",), connect_timeout=0.4, total_timeout=5)
    started = time.monotonic()
    with pytest.raises(OSError, match="timed out"):
        post_one(poster, f"https://127.0.0.1:{silent.port}/hook")
    assert time.monotonic() - started < 1.5
