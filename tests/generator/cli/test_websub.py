"""`trustsite websub-publish` against a real HTTP hub on this machine, and the outbound
rules it follows (generator.cli.outbound): https to public addresses only, no redirects,
a deadline, a cap on what is read."""

from __future__ import annotations

import contextlib
import http.server
import threading
import time
import urllib.parse
from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest
from click.testing import CliRunner

from generator.cli.commands import main
from generator.cli.outbound import MAX_RESPONSE, OutboundError, check_url, post_form
from generator.cli.websub import feed_urls
from generator.load.loader import load_site

if TYPE_CHECKING:
    from tests.support.datafiles import DataFiles


class Hub(http.server.ThreadingHTTPServer):
    """A WebSub hub that records each publish request; `answer` sets its reply."""

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _HubHandler)
        self.received: list[tuple[str, dict[str, list[str]]]] = []
        self.status = 204
        self.headers_out: dict[str, str] = {}
        self.body_out = b""
        self.delay = 0.0
        self.trickle = False  # answer a header a byte every 0.25 s, for 25 s

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/hub"


class _HubHandler(http.server.BaseHTTPRequestHandler):
    server: Hub

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length", "0"))
        body = self.rfile.read(length).decode()
        self.server.received.append(
            (self.headers.get("Content-Type", ""), urllib.parse.parse_qs(body))
        )
        time.sleep(self.server.delay)
        if self.server.trickle:
            with contextlib.suppress(OSError):  # the client hung up: the deadline at work
                self.wfile.write(b"HTTP/1.1 202 Accepted\r\nX-Slow: ")
                for _ in range(100):
                    self.wfile.write(b"x")
                    self.wfile.flush()
                    time.sleep(0.25)
            return
        self.send_response(self.server.status)
        for name, value in self.server.headers_out.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(self.server.body_out)))
        self.end_headers()
        # The client reads what it wants and hangs up: the cap at work.
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            self.wfile.write(self.server.body_out)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def hub() -> Iterator[Hub]:
    server = Hub()
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server
    server.shutdown()
    server.server_close()


def run(*args: str):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def name_hub(data_files: DataFiles, url: str, products: bool = True) -> None:
    text = (data_files.root / "site.yaml").read_text() + f"websub_hub: {url}\n"
    if products:
        text += "products:\n  - id: inbox\n    name: Shared Inbox\n"
    data_files.write("site.yaml", text)


def test_every_feed_is_published_to_the_hub(data_files: DataFiles, hub: Hub) -> None:
    name_hub(data_files, hub.url)
    result = run(
        "websub-publish", "https://trust.larkspur.example/", "--allow-host", "127.0.0.1"
    )
    assert result.exit_code == 0, result.output
    feeds = feed_urls(load_site(data_files.root / "site.yaml"), "https://trust.larkspur.example/")
    # all, five topics and the one product, each as Atom and RSS.
    assert len(feeds) == 14
    assert "https://trust.larkspur.example/feeds/subprocessors-inbox.rss" in feeds
    assert [form for _, form in hub.received] == [
        {"hub.mode": ["publish"], "hub.url": [feed]} for feed in feeds
    ]
    assert {kind for kind, _ in hub.received} == {"application/x-www-form-urlencoded"}
    assert result.stdout.endswith(f"14 feeds published to {hub.url}.\n")


def test_a_hub_on_a_private_address_is_refused_unless_allowed(
    data_files: DataFiles, hub: Hub
) -> None:
    name_hub(data_files, hub.url.replace("http://", "https://"), products=False)
    result = run("websub-publish", "https://trust.larkspur.example/")
    assert result.exit_code == 1
    assert "127.0.0.1 is a loopback address, not a public one" in result.stderr
    assert "--allow-host 127.0.0.1" in result.stderr
    assert hub.received == []


def test_a_refusing_or_redirecting_hub_fails_the_command(data_files: DataFiles, hub: Hub) -> None:
    name_hub(data_files, hub.url, products=False)
    hub.status = 307
    hub.headers_out = {"Location": "http://169.254.169.254/latest/meta-data/"}
    result = run("websub-publish", "https://trust.larkspur.example/", "--allow-host", "127.0.0.1")
    assert result.exit_code == 1
    assert "feeds/all.atom: 307 Temporary Redirect" in result.stderr
    assert "12 of 12 feeds were not accepted by the hub." in result.stderr
    assert len(hub.received) == 12  # each feed once; the redirect was not followed


def test_a_site_without_a_hub_says_so(data_files: DataFiles) -> None:
    result = run("websub-publish", "https://trust.larkspur.example/")
    assert result.exit_code == 1
    assert "site.yaml names no websub_hub" in result.stderr


def test_http_is_for_allowed_hosts_only() -> None:
    with pytest.raises(OutboundError, match="only https:// addresses"):
        check_url("http://hub.example/", ())
    with pytest.raises(OutboundError, match="only https:// addresses"):
        check_url("ftp://127.0.0.1/", ("127.0.0.1",))
    for private in ("https://10.1.2.3/", "https://[::1]/", "https://169.254.169.254/"):
        with pytest.raises(OutboundError, match="not a public one"):
            check_url(private, ())
    assert check_url("https://10.1.2.3/hub", ("10.0.0.0/8",)).path == "/hub"


def test_a_slow_hub_meets_the_deadline_and_a_large_answer_is_cut(hub: Hub) -> None:
    hub.delay = 3
    started = time.monotonic()
    with pytest.raises(OutboundError, match=r"within 1 seconds|timed out"):
        post_form(hub.url, b"hub.mode=publish", allow_hosts=("127.0.0.1",), timeout=1)
    assert time.monotonic() - started < 2.5
    hub.delay = 0
    hub.status = 202
    hub.body_out = b"x" * (MAX_RESPONSE * 4)
    answer = post_form(hub.url, b"hub.mode=publish", allow_hosts=("127.0.0.1",))
    assert answer.status == 202 and len(answer.body) == MAX_RESPONSE


def _certificate(tmp_path, name: str):
    """A self-signed certificate for `name` (an IP address), and its key, as PEM files."""
    import datetime as dt
    import ipaddress

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(hours=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address(name))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = tmp_path / f"{name}.crt", tmp_path / f"{name}.key"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_file, key_file


def test_an_https_hub_is_reached_at_the_checked_address_and_its_certificate_checked(
    hub: Hub, tmp_path, monkeypatch
) -> None:
    import ssl

    cert_file, key_file = _certificate(tmp_path, "127.0.0.1")
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert_file, key_file)
    hub.socket = context.wrap_socket(hub.socket, server_side=True)
    url = hub.url.replace("http://", "https://")
    hub.status = 202

    # Not trusted: refused, though the address is allowed.
    with pytest.raises(OutboundError, match="certificate not accepted"):
        post_form(url, b"hub.mode=publish", allow_hosts=("127.0.0.1",))
    # Trusted (the certificate names 127.0.0.1): accepted.
    monkeypatch.setenv("SSL_CERT_FILE", str(cert_file))
    answer = post_form(url, b"hub.mode=publish", allow_hosts=("127.0.0.1",))
    assert answer.status == 202
    assert hub.received[-1][1] == {"hub.mode": ["publish"]}


def test_a_trickling_https_hub_is_stopped_at_the_deadline(hub: Hub, tmp_path, monkeypatch) -> None:
    # Before: the watchdog shut the plain socket, which TLS had taken over, and a hub
    # answering a byte every 0.25 s held the publish for the whole trickle (25 s).
    import ssl

    cert_file, key_file = _certificate(tmp_path, "127.0.0.1")
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert_file, key_file)
    hub.socket = context.wrap_socket(hub.socket, server_side=True)
    monkeypatch.setenv("SSL_CERT_FILE", str(cert_file))
    hub.trickle = True
    started = time.monotonic()
    with pytest.raises(OutboundError, match=r"within 1 seconds|timed out"):
        post_form(
            hub.url.replace("http://", "https://"),
            b"hub.mode=publish",
            allow_hosts=("127.0.0.1",),
            timeout=1,
        )
    assert time.monotonic() - started < 2.5
