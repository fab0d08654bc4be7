"""`notify URL` against a hostile server: real HTTP servers on this machine that trickle,
redirect where they should not, and send more than the cap. Each refusal must be quick,
name the limit, and reach nothing it refused."""

from __future__ import annotations

import http.server
import json
import ssl
import threading
import time
import urllib.parse
from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest

from subscribe_service.notices.source import SourceError, load_changes
from tests.support.changes_data import NEW_SUBPROCESSOR, changes_doc
from tests.support.tls import loopback_certificate

DOC = json.dumps(changes_doc(NEW_SUBPROCESSOR)).encode()
LOCAL = ["127.0.0.1"]  # the operator's override for the test server; nothing else


@dataclass
class Server:
    url: str
    hits: list[str] = field(default_factory=list)


class Hostile(http.server.BaseHTTPRequestHandler):
    """/changes.json, /redirect?to=URL, /chain/N, /trickle-body, /trickle-headers, /endless,
    /huge-announced."""

    hits: list[str]

    def do_GET(self) -> None:
        self.hits.append(self.path)
        parts = urllib.parse.urlsplit(self.path)
        try:
            if parts.path == "/changes.json":
                self._send(200, DOC)
            elif parts.path == "/redirect":
                to = urllib.parse.parse_qs(parts.query)["to"][0]
                self._send(302, b"", Location=to)
            elif parts.path.startswith("/chain/"):
                self._send(302, b"", Location=f"/chain/{int(parts.path[7:]) + 1}")
            elif parts.path == "/trickle-body":
                self._send(200, b"", length=100)
                self._trickle(b" ")
            elif parts.path == "/trickle-headers":
                self.wfile.write(b"HTTP/1.0 200 OK\r\nX-Slow: ")
                self._trickle(b"x")
            elif parts.path == "/endless":
                self._send(200, b"", length=None)
                while True:
                    self.wfile.write(b" " * 65536)
            elif parts.path == "/huge-announced":
                self._send(200, b"", length=10**12)
            else:
                self._send(404, b"")
        except OSError:
            pass  # the client hung up: what a refusal looks like from here

    def _send(self, status: int, body: bytes, length: int | None = -1, **headers: str) -> None:
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        if length is not None:
            self.send_header("Content-Length", str(len(body) if length == -1 else length))
        self.end_headers()
        self.wfile.write(body)

    def _trickle(self, byte: bytes) -> None:
        for _ in range(100):  # 25 s in all, far past any deadline the tests give
            self.wfile.write(byte)
            self.wfile.flush()
            time.sleep(0.25)

    def log_message(self, *args: object) -> None:
        pass


def _serve(host: str) -> Iterator[Server]:
    hits: list[str] = []
    handler = type("Handler", (Hostile,), {"hits": hits})
    server = http.server.ThreadingHTTPServer((host, 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield Server(f"http://{host}:{server.server_address[1]}", hits)
    server.shutdown()
    server.server_close()


@pytest.fixture
def hostile() -> Iterator[Server]:
    yield from _serve("127.0.0.1")


@pytest.fixture
def bystander() -> Iterator[Server]:
    """A server on another loopback address: a redirect must not reach it unless allowed."""
    yield from _serve("127.0.0.2")


def _redirect(server: Server, to: str) -> str:
    return f"{server.url}/redirect?to={urllib.parse.quote(to, safe='')}"


def _refusal(url: str, **kwargs: object) -> tuple[str, float]:
    started = time.monotonic()
    with pytest.raises(SourceError) as err:
        load_changes(url, **{"allow_hosts": LOCAL, **kwargs})  # type: ignore[arg-type]
    assert len(err.value.problems) == 1, err.value.problems
    return err.value.problems[0], time.monotonic() - started


def test_a_trickling_server_is_stopped_at_the_total_deadline(hostile: Server) -> None:
    # Before: --timeout applied per read; a byte every 5 s kept notify running 62 s.
    for path in ("/trickle-body", "/trickle-headers"):
        problem, took = _refusal(f"{hostile.url}{path}", timeout=1.0)
        assert problem == "no complete answer within 1 seconds (--timeout)"
        assert took < 2.5, f"{path}: {took:.1f} s for a 1 s deadline"


@pytest.fixture
def hostile_tls(tmp_path, monkeypatch) -> Iterator[Server]:
    """The hostile server over TLS, with a certificate for 127.0.0.1 that notify trusts."""
    cert, key = loopback_certificate(tmp_path)
    monkeypatch.setenv("SSL_CERT_FILE", str(cert))
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(str(cert), str(key))
    hits: list[str] = []
    handler = type("Handler", (Hostile,), {"hits": hits})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield Server(f"https://127.0.0.1:{server.server_address[1]}", hits)
    server.shutdown()
    server.server_close()


def test_a_trickling_server_over_https_is_stopped_at_the_total_deadline(
    hostile_tls: Server,
) -> None:
    # Before: the watchdog shut the plain socket, which TLS had taken over, and a byte
    # every 0.25 s kept notify reading for the whole trickle (25 s).
    assert load_changes(f"{hostile_tls.url}/changes.json", allow_hosts=LOCAL, timeout=5.0)
    for path in ("/trickle-body", "/trickle-headers"):
        problem, took = _refusal(f"{hostile_tls.url}{path}", timeout=1.0)
        assert problem == "no complete answer within 1 seconds (--timeout)"
        assert took < 2.5, f"{path}: {took:.1f} s for a 1 s deadline"


def test_the_deadline_covers_every_redirect_together(hostile: Server) -> None:
    problem, took = _refusal(_redirect(hostile, "/trickle-body"), timeout=0.8)
    assert "within 0.8 seconds" in problem
    assert took < 2.5


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        ("https://0.0.0.0:{port}/changes.json", "0.0.0.0 is an unspecified address"),
        ("http://0.0.0.0:{port}/changes.json", "http:// is accepted for this machine only"),
        ("ftp://127.0.0.1/changes.json", "use an https:// URL, not ftp"),
        ("file:///etc/passwd", "use an https:// URL, not file"),
        ("https://10.0.0.1/changes.json", "10.0.0.1 is a private address"),
        ("https://169.254.169.254/latest/meta-data/", "169.254.169.254 is a link-local address"),
        ("https://[::1]/changes.json", "::1 is a loopback address"),
        ("https://[::ffff:192.168.1.1]/changes.json", "c0a8:101, a private address"),
        ("http://10.0.0.1/changes.json", "http:// is accepted for this machine only"),
        ("http://[::1/changes.json", "not a valid URL"),
        ("https://" + "a" * 64 + ".example/", "not a valid host name"),
        ("http://127.0.0.1:99999/", "the port is not a number from 0 to 65535"),
    ],
)
def test_redirects_are_checked_like_the_first_url(
    hostile: Server, target: str, expected: str
) -> None:
    port = hostile.url.rsplit(":", 1)[1]
    target = target.format(port=port)
    problem, _ = _refusal(_redirect(hostile, target))
    assert problem.startswith(f"redirected to {target}: "), problem
    assert expected in problem, problem


def test_a_refused_redirect_reaches_nothing_and_an_allowed_one_is_followed(
    hostile: Server, bystander: Server
) -> None:
    target = f"{bystander.url}/changes.json"
    problem, _ = _refusal(_redirect(hostile, target))
    assert "127.0.0.2 is a loopback address; to read from it, pass --allow-host 127.0.0.2" in (
        problem
    )
    assert bystander.hits == []
    # The operator allows the whole loopback network: the same redirect is followed.
    loaded = load_changes(_redirect(hostile, target), allow_hosts=["127.0.0.0/8"])
    assert list(loaded.records) == ["subprocessors/2025-03-01"]
    assert bystander.hits == ["/changes.json"]


def test_a_redirect_to_bytes_http_cannot_send_is_one_line(hostile: Server) -> None:
    problem, _ = _refusal(_redirect(hostile, "/caf\u00e9.json"))
    assert problem.startswith(f"cannot fetch {hostile.url}/caf"), problem


def test_relative_redirects_are_followed_up_to_five(hostile: Server) -> None:
    loaded = load_changes(_redirect(hostile, "/changes.json"), allow_hosts=LOCAL)
    assert list(loaded.records) == ["subprocessors/2025-03-01"]
    problem, _ = _refusal(f"{hostile.url}/chain/0")
    assert problem == "more than 5 redirects"
    assert hostile.hits[-1] == "/chain/5"


def test_an_oversized_body_is_refused_at_the_cap(hostile: Server) -> None:
    problem, took = _refusal(f"{hostile.url}/endless", max_bytes=1_000_000)
    assert problem == "response is over the limit of 1000000 bytes; stopped reading there"
    assert took < 5
    problem, _ = _refusal(f"{hostile.url}/huge-announced")
    assert problem == (
        f"the server announces {10**12} bytes, over the limit of {20 * 1024 * 1024} bytes"
    )


def test_a_local_host_needs_the_override_even_by_name(hostile: Server) -> None:
    url = hostile.url.replace("127.0.0.1", "localhost") + "/changes.json"
    problem, _ = _refusal(url, allow_hosts=[])
    assert "localhost resolves to" in problem and "--allow-host localhost" in problem
    assert list(load_changes(url, allow_hosts=["localhost"]).records)
