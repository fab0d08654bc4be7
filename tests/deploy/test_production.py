"""docs/deploy.md, run for real on localhost: nginx in front of the static site and of
gunicorn (2 workers, PostgreSQL, Redis rate limits), two senders, a real SMTP server.

Everything goes through nginx over plain http, as a subscriber's browser and the
operator's `notify` would: subscribe, confirm, change the data, rebuild, notify, and the
two senders deliver exactly one notice per confirmed subscriber.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from email.message import EmailMessage
from pathlib import Path

import pytest
import requests
from prometheus_client.parser import text_string_to_metric_families

from tests.support.deploy_stack import (
    DEPLOY,
    REDIS_URL,
    Stack,
    missing_requirement,
    production_stack,
    work_folder,
)

pytestmark = [pytest.mark.slow, pytest.mark.postgres, pytest.mark.redis]

LINK = re.compile(r"https?://[^\s<>\"']+")
NEW_CHANGE = "subprocessors/2025-08-01"
SUBPROCESSOR_READERS = [f"reader{i}@client-{i}.example" for i in range(1, 7)]
DPA_ONLY = "counsel@client-dpa.example"
NEVER_CONFIRMS = "undecided@client-p.example"
FLOODED = "flooded@client-f.example"


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    reason = missing_requirement()
    if reason:
        pytest.skip(reason)
    with (
        work_folder(tmp_path_factory.mktemp("deploy")) as work,
        production_stack(work) as running,
    ):
        yield running


# --- helpers -----------------------------------------------------------------------------


def wait_until(check, what: str, timeout: float = 30.0, explain=None):  # type: ignore[no-untyped-def]
    """`check()` once it is truthy; on timeout an AssertionError with `explain()` (what
    the processes were doing), so a failure in CI says why and not only that."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            detail = f"\n{explain()}" if explain else ""
            raise AssertionError(f"timed out waiting for {what}{detail}")
        time.sleep(0.1)


def outbox_report(stack: Stack) -> str:
    """The outbox's notices and every sender line above INFO: why a notice is late."""
    from sqlalchemy import create_engine, text

    engine = create_engine(stack.env["TRUSTSITE_DATABASE_URL"])
    try:
        with engine.connect() as connection:
            rows = connection.execute(
                text(
                    "SELECT id, status, attempts, next_attempt_at, lease_owner, last_error"
                    " FROM outbox WHERE kind = 'notice' ORDER BY id"
                )
            ).all()
    finally:
        engine.dispose()
    lines = ["outbox notices (id, status, attempts, next attempt, lease, last error):"]
    lines += ["  " + ", ".join(str(value) for value in row) for row in rows]
    for name in ("sender1", "sender2"):
        noisy = [line for line in stack.log_lines(name) if '"level": "info"' not in line]
        lines.append(f"{name}, lines above INFO ({len(noisy)}):")
        lines += [f"  {line[:600]}" for line in noisy[-15:]]
    return "\n".join(lines)


def mails_to(stack: Stack, address: str, list_prefix: str) -> list[EmailMessage]:
    return [
        m
        for m in stack.sink.messages_to(address)
        if (m["List-Id"] or "").split("<")[-1].startswith(list_prefix)
    ]


def link_in(mail: EmailMessage, kind: str) -> str:
    body = mail.get_body(("plain",))
    assert body is not None
    found = [u for u in LINK.findall(body.get_content()) if f"/{kind}/" in u]
    assert found, f"no /{kind}/ link in the mail"
    return found[0]


def subscribe_json(stack: Stack, address: str, topics: list[str]) -> requests.Response:
    """What the site's script does: the form's fields, from the site's page."""
    return requests.post(
        f"{stack.url}/api/subscriptions",
        data={"email": address, "topics": topics, "website": ""},
        headers={"Origin": stack.url, "Accept": "application/json"},
        allow_redirects=False,
        timeout=10,
    )


def confirm(stack: Stack, address: str) -> None:
    mail = wait_until(lambda: mails_to(stack, address, "subscriptions."), f"mail to {address}")[-1]
    url = link_in(mail, "confirm")
    assert url.startswith(f"{stack.url}/confirm/")
    page = requests.get(url, timeout=10)  # what a link scanner does: changes nothing
    assert page.status_code == 200 and page.headers["Cache-Control"] == "no-store"
    done = requests.post(url, headers={"Origin": stack.url}, timeout=10)
    assert done.status_code == 200, done.text


def scrape(stack: Stack) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    answer = requests.get(
        f"{stack.url}/metrics",
        headers={"Authorization": f"Bearer {stack.metrics_token}"},
        timeout=10,
    )
    assert answer.status_code == 200, answer.text
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(answer.text)
        for sample in family.samples
    }


def notice_counts(metrics: dict, status: str) -> float:  # type: ignore[type-arg]
    return metrics[("trustsite_outbox_messages", (("kind", "notice"), ("status", status)))]


def json_lines(stack: Stack, name: str) -> list[dict]:  # type: ignore[type-arg]
    lines = stack.log_lines(name)
    parsed = []
    for number, line in enumerate(lines):
        try:
            parsed.append(json.loads(line))
        except json.JSONDecodeError:
            rest = "\n".join(lines[number : number + 40])
            pytest.fail(f"{name} wrote lines that are not JSON:\n{rest}")
    return parsed


# --- the scenario ------------------------------------------------------------------------


def test_subscribe_confirm_change_notify_deliver_through_nginx(stack: Stack) -> None:
    # A visitor without JavaScript: the form on the site's subscribe page posts to the
    # service through nginx and lands on the site's "check your email" page.
    page = requests.get(f"{stack.url}/subscribe/", timeout=10)
    assert page.status_code == 200
    action = re.search(r'<form class="ts-subscribe" method="post" action="([^"]+)"', page.text)
    assert action and action.group(1) == f"{stack.url}/api/subscriptions"
    first = SUBPROCESSOR_READERS[0]
    posted = requests.post(
        action.group(1),
        data={"email": first, "topics": ["subprocessors"], "website": ""},
        headers={"Origin": stack.url},
        timeout=10,
    )
    assert posted.status_code == 200 and posted.url == f"{stack.url}/subscribe/check-email/"
    assert [r.status_code for r in posted.history] == [303]

    for address in SUBPROCESSOR_READERS[1:]:
        assert subscribe_json(stack, address, ["subprocessors", "dpa"]).status_code in (202, 303)
    for address, topics in ((DPA_ONLY, ["dpa"]), (NEVER_CONFIRMS, ["subprocessors"])):
        assert subscribe_json(stack, address, topics).status_code in (202, 303)
    for address in [*SUBPROCESSOR_READERS, DPA_ONLY]:
        confirm(stack, address)

    # Rate limits per address hold across both workers (shared in Redis).
    answers = [subscribe_json(stack, FLOODED, ["faq"]).status_code for _ in range(4)]
    assert answers[:3] in ([202] * 3, [303] * 3) and answers[3] == 429
    import redis
    from flask import Flask

    from subscribe_service.web.limits import address_limit_key

    hmac_app = Flask(__name__)
    hmac_app.config["SECRET_KEY"] = stack.env["TRUSTSITE_SECRET_KEY"]
    with hmac_app.app_context():
        counted_as = address_limit_key(FLOODED)
    server = redis.Redis.from_url(REDIS_URL)
    keys = server.keys(f"*{stack.rate_limit_prefix}/{counted_as}*")
    assert keys, "the per-address limit is not counted in Redis"
    # Counted under an HMAC of the address: Redis holds no address.
    assert not server.keys(f"*{stack.rate_limit_prefix}*@*")

    # The legal team adds a sub-processor; the site is rebuilt and published.
    (stack.data / "subprocessors" / "2025-08-01.yaml").write_text(
        "announced: 2025-06-01\n"
        "effective: 2025-08-01\n"
        "summary: Adds Echo Metrics Oy for delivery statistics.\n"
        "editorial: false\n"
        "add:\n"
        "  - id: echo-metrics\n"
        "    entity: Echo Metrics Oy\n"
        "    purpose: Computes delivery statistics\n"
        "    data_categories: [Usage data]\n"
        "    processing_locations: [FI]\n"
        "    corporate_location: FI\n"
        "    transfer_mechanism: none\n"
        "    website: https://echo-metrics.example\n"
        "    relationship: third-party\n",
        encoding="utf-8",
    )
    stack.build()
    published = requests.get(f"{stack.url}/changes.json", timeout=10).json()
    assert NEW_CHANGE in [c["id"] for c in published["changes"]]

    # notify reads the published changes.json through nginx, as the deploy job does.
    notified = stack.flask("notify", f"{stack.url}/changes.json")
    assert f"{NEW_CHANGE}: {len(SUBPROCESSOR_READERS)} deliveries queued" in notified.stdout

    def delivered() -> bool:
        metrics = scrape(stack)
        pending = metrics[("trustsite_outbox_pending", (("kind", "notice"),))]
        return pending == 0 and notice_counts(metrics, "sent") == len(SUBPROCESSOR_READERS)

    wait_until(
        delivered, "both senders to deliver every notice", explain=lambda: outbox_report(stack)
    )
    time.sleep(1.0)  # a duplicate would arrive now, if a sender were to send one

    for address in SUBPROCESSOR_READERS:
        notices = mails_to(stack, address, "subprocessors.")
        assert len(notices) == 1, f"{address} received {len(notices)} notices"
        assert "Echo Metrics Oy" in notices[0].get_body(("plain",)).get_content()
    for address in (DPA_ONLY, NEVER_CONFIRMS, FLOODED):
        assert mails_to(stack, address, "subprocessors.") == []

    # Both senders took part (each logs one line per mail it sent).
    for name in ("sender1", "sender2"):
        sent = [e for e in json_lines(stack, name) if e["message"].startswith("sent ")]
        assert sent, f"{name} sent nothing: the two senders did not share the queue"

    listing = stack.flask("notices").stdout
    row = next(line for line in listing.splitlines() if line.startswith(NEW_CHANGE))
    assert row.split()[3:5] == [str(len(SUBPROCESSOR_READERS)), "0"]  # sent, pending

    # Health and metrics through nginx.
    assert requests.get(f"{stack.url}/healthz", timeout=10).json() == {"status": "ok"}
    ready = requests.get(f"{stack.url}/healthz/ready", timeout=10)
    assert ready.json() == {"status": "ok", "database": "ok"}
    metrics = scrape(stack)
    assert notice_counts(metrics, "failed") == 0 and notice_counts(metrics, "bounced") == 0
    assert metrics[("trustsite_database_up", ())] == 1
    confirmations = len(SUBPROCESSOR_READERS) + 2 + 3  # + DPA-only, undecided, 3 flooded
    sent_confirms = metrics[
        ("trustsite_outbox_messages", (("kind", "confirm"), ("status", "sent")))
    ]
    assert sent_confirms == confirmations
    # Request counters are summed over both gunicorn workers.
    requests_total = {
        labels: value
        for (name, labels), value in metrics.items()
        if name == "trustsite_http_requests_total"
    }
    subscribed = sum(
        v
        for labels, v in requests_total.items()
        if ("endpoint", "api.subscribe") in labels and ("status", "429") not in labels
    )
    assert subscribed == len(SUBPROCESSOR_READERS) + 2 + 3
    limited = [(lbl, v) for lbl, v in requests_total.items() if ("status", "429") in lbl]
    assert [v for _lbl, v in limited] == [1.0]
    confirmed = requests_total[
        (("endpoint", "confirm.confirm"), ("method", "POST"), ("status", "200"))
    ]
    assert confirmed == len(SUBPROCESSOR_READERS) + 1


def test_metrics_need_the_token_through_nginx(stack: Stack) -> None:
    anonymous = requests.get(f"{stack.url}/metrics", timeout=10)
    assert anonymous.status_code == 401
    assert anonymous.headers["Content-Type"].startswith("application/problem+json")
    wrong = requests.get(
        f"{stack.url}/metrics", headers={"Authorization": "Bearer nope"}, timeout=10
    )
    assert wrong.status_code == 401


def test_static_site_headers_and_caching(stack: Stack) -> None:
    page = requests.get(f"{stack.url}/subprocessors/", timeout=10)
    assert page.status_code == 200
    csp = page.headers["Content-Security-Policy"]
    assert "script-src 'self' 'sha256-" in csp and "form-action 'self'" in csp
    assert "'unsafe-inline'" not in csp.split("script-src")[1].split(";")[0]
    assert page.headers["Cache-Control"] == "no-cache"
    assert page.headers["X-Content-Type-Options"] == "nosniff"
    # Every inline script of the built site is allowed by the shipped policy.
    checked = subprocess.run(
        [
            *(sys.executable, str(DEPLOY / "csp_hashes.py"), str(stack.site)),
            *("--check", str(DEPLOY / "nginx" / "static-headers.conf")),
        ],
        capture_output=True,
        text=True,
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr

    bundle = re.search(r'src="(\.\./assets/javascripts/bundle\.[0-9a-f]{8}\.min\.js)"', page.text)
    assert bundle, "Material's hashed bundle is not linked from the page"
    asset = requests.get(f"{stack.url}/assets/javascripts/{bundle.group(1).split('/')[-1]}")
    assert asset.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    script = requests.get(f"{stack.url}/javascripts/subscribe.js", timeout=10)
    assert script.headers["Cache-Control"] == "public, max-age=3600"
    assert "Content-Security-Policy" in script.headers

    csv = requests.get(f"{stack.url}/subprocessors.csv", timeout=10)
    assert csv.headers["Content-Type"] == "text/csv; charset=utf-8"
    feed = requests.get(f"{stack.url}/feeds/all.atom", timeout=10)
    assert feed.headers["Content-Type"] == "application/atom+xml"

    # A folder without its slash redirects relatively; a missing page is the site's 404.
    folder = requests.get(f"{stack.url}/subscribe", allow_redirects=False, timeout=10)
    assert folder.status_code == 301 and folder.headers["Location"] == "/subscribe/"
    missing = requests.get(f"{stack.url}/no-such-page/", timeout=10)
    assert missing.status_code == 404 and "Content-Security-Policy" in missing.headers

    # The service's pages keep the service's own, stricter policy.
    api = requests.get(f"{stack.url}/api/openapi.json", timeout=10)
    assert api.status_code == 200 and "default-src 'none'" in api.headers["Content-Security-Policy"]


def test_tls_server_block_and_redirect(stack: Stack) -> None:
    certificate = stack.nginx_prefix / "cert.pem"
    secure = requests.get(f"https://127.0.0.1:{stack.tls_port}/", verify=certificate, timeout=10)
    assert secure.status_code == 200 and "Larkspur Relay" in secure.text
    assert secure.headers["Strict-Transport-Security"].startswith("max-age=31536000")
    health = requests.get(f"https://127.0.0.1:{stack.tls_port}/healthz", verify=certificate)
    assert health.json() == {"status": "ok"}
    plain = requests.get(
        f"http://127.0.0.1:{stack.redirect_port}/subprocessors/", allow_redirects=False
    )
    assert plain.status_code == 301
    assert plain.headers["Location"] == "https://127.0.0.1/subprocessors/"


def test_logs_are_json_lines_with_the_request_id_and_no_tokens(stack: Stack) -> None:
    answer = requests.get(f"{stack.url}/healthz/ready", timeout=10)
    request_id = answer.headers["X-Request-ID"]
    assert re.fullmatch(r"[0-9a-f]{32}", request_id)  # nginx's $request_id, passed on

    def logged() -> list[dict]:  # type: ignore[type-arg]
        return [e for e in json_lines(stack, "gunicorn") if e.get("request_id") == request_id]

    [line] = wait_until(logged, "the service's log line for the request")
    assert line["message"] == "request" and line["route"] == "/healthz/ready"
    assert line["status"] == 200 and line["remote_addr"] == "127.0.0.1"

    def access_log() -> list[dict]:  # type: ignore[type-arg]
        lines = Path(stack.logs["nginx_access"]).read_text(encoding="utf-8").splitlines()
        return [json.loads(line) for line in lines]

    # nginx writes its line once the response is sent: wait for it.
    wait_until(
        lambda: any(e["request_id"] == request_id for e in access_log()),
        "nginx's access log line with the same request id",
    )
    access = access_log()
    confirm_lines = [e for e in access if e["uri"].startswith("/confirm/")]
    assert confirm_lines and {e["uri"] for e in confirm_lines} == {"/confirm/<token>"}
    routes = Counter(e.get("route") for e in json_lines(stack, "gunicorn"))
    assert routes["/confirm/<token>"] > 0
    # No log line anywhere holds the token of a mailed link.
    for name in ("gunicorn", "sender1", "sender2", "nginx_access"):
        text = Path(stack.logs[name]).read_text(encoding="utf-8")
        leaked = re.findall(r"/(?:confirm|manage|unsubscribe|object)/[A-Za-z0-9_.-]{8,}", text)
        assert not leaked, f"{name} logged a token: {leaked[:1]}"
    # The senders log JSON too (one line per mail sent).
    assert any(e["logger"] == "subscribe_service.mail.sender" for e in json_lines(stack, "sender1"))


def test_client_address_reaches_the_service_through_the_proxy(stack: Stack) -> None:
    """ProxyFix trusts nginx's one hop: the address a client claims is not believed."""
    answer = requests.get(
        f"{stack.url}/healthz", headers={"X-Forwarded-For": "203.0.113.9"}, timeout=10
    )
    request_id = answer.headers["X-Request-ID"]

    def logged() -> list[dict]:  # type: ignore[type-arg]
        return [e for e in json_lines(stack, "gunicorn") if e.get("request_id") == request_id]

    [line] = wait_until(logged, "the service's log line for the request")
    assert line["remote_addr"] == "127.0.0.1"
