"""Rate limits per client IP and per target address.

In memory for one process, and with Redis across two real gunicorn workers, where a
limit must hold no matter which worker answers.
"""

from __future__ import annotations

import http.client
import json
import os
import re
import subprocess
import sys
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from subscribe_service.dev.smtpsink import free_port

REDIS_URL = os.environ.get("TRUSTSITE_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


@pytest.fixture
def app_config():
    return {"LIMIT_PER_IP": "5 per minute", "LIMIT_PER_ADDRESS": "2 per minute"}


def problem_of(response) -> dict:
    assert response.headers["Content-Type"] == "application/problem+json"
    return response.get_json()


def test_per_ip_limit(app):
    client = app.test_client()
    codes = [
        client.post("/api/subscriptions", json={"email": f"u{i}@example.com"}).status_code
        for i in range(7)
    ]
    assert codes == [202] * 5 + [429] * 2
    limited = client.post("/api/subscriptions", json={"email": "z@example.com"})
    assert limited.status_code == 429
    assert "too many" in problem_of(limited)["detail"].lower()
    assert int(limited.headers["Retry-After"]) > 0


def test_per_address_limit_holds_across_ips(app):
    client = app.test_client()
    codes = [
        client.post(
            "/api/subscriptions",
            json={"email": "Victim@Example.com"},
            environ_base={"REMOTE_ADDR": f"198.51.100.{i}"},
        ).status_code
        for i in range(4)
    ]
    assert codes == [202, 202, 429, 429]
    other = client.post(
        "/api/subscriptions",
        json={"email": "else@example.com"},
        environ_base={"REMOTE_ADDR": "198.51.100.1"},
    )
    assert other.status_code == 202


# --- two gunicorn workers sharing Redis ----------------------------------------------------


def _redis_reason() -> str | None:
    try:
        import redis

        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2).ping()
        return None
    except Exception as err:
        return f"Redis not reachable at {REDIS_URL}: {err}"


@pytest.fixture
def redis_app(make_app):
    """An app whose limits are kept in Redis under a key prefix of its own."""
    reason = _redis_reason()
    if reason:
        pytest.skip(reason)

    def build(**config):
        return make_app(
            RATELIMIT_STORAGE_URI=REDIS_URL,
            RATELIMIT_KEY_PREFIX=f"test-{uuid.uuid4().hex}",
            **config,
        )

    return build


def _post(port: int, email: str, forwarded_for: str | None = None) -> int:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    headers = {"Content-Type": "application/json", "Connection": "close"}
    if forwarded_for:
        headers["X-Forwarded-For"] = forwarded_for
    conn.request("POST", "/api/subscriptions", json.dumps({"email": email}), headers)
    status = conn.getresponse().status
    conn.close()
    return status


def _wait_ready(port: int, proc: subprocess.Popen, timeout: float = 60) -> None:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if proc.poll() is not None:
            raise AssertionError(f"gunicorn exited with {proc.returncode}")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/healthz")
            if conn.getresponse().status == 200:
                return
        except OSError:
            time.sleep(0.2)
    raise AssertionError("gunicorn did not start")


def _pids(log: Path, method: str) -> set[str]:
    text = log.read_text() if log.exists() else ""
    return set(re.findall(rf"^<?(\d+)>? {method} ", text, re.MULTILINE))


def _wait_both_workers(port: int, log: Path, timeout: float = 60) -> None:
    """Both workers boot at their own pace: wait until each has answered a request."""
    end = time.monotonic() + timeout
    while len(_pids(log, "GET")) < 2 and time.monotonic() < end:
        with ThreadPoolExecutor(4) as pool:
            list(pool.map(lambda _i: _get(port, "/healthz"), range(8)))
    assert len(_pids(log, "GET")) == 2, "the second gunicorn worker never answered"


def _get(port: int, path: str) -> int:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    conn.request("GET", path, headers={"Connection": "close"})
    status = conn.getresponse().status
    conn.close()
    return status


@pytest.mark.slow
@pytest.mark.redis
def test_limits_hold_across_two_gunicorn_workers(make_app, tmp_path: Path):
    reason = _redis_reason()
    if reason:
        pytest.skip(reason)
    db = tmp_path / "gunicorn.db"
    make_app(DATABASE_URL=f"sqlite:///{db}")  # migrated schema on that file
    port = free_port()
    log = tmp_path / "access.log"
    env = {
        **os.environ,
        "TRUSTSITE_DATABASE_URL": f"sqlite:///{db}",
        "TRUSTSITE_SECRET_KEY": "gunicorn-test-secret-0123456789abcdef",
        "TRUSTSITE_RATELIMIT_STORAGE_URI": REDIS_URL,
        "TRUSTSITE_RATELIMIT_KEY_PREFIX": f"test-{uuid.uuid4().hex}",
        "TRUSTSITE_LIMIT_PER_IP": "6 per minute",
        "TRUSTSITE_LIMIT_PER_ADDRESS": "3 per minute",
        "TRUSTSITE_PROXY_FIX_X_FOR": "1",
    }
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "-w",
            "2",
            "-b",
            f"127.0.0.1:{port}",
            "--access-logfile",
            str(log),
            "--access-logformat",
            "%(p)s %(m)s %(s)s",
            "subscribe_service:create_app()",
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        _wait_ready(port, proc)
        _wait_both_workers(port, log)
        # Twelve requests at once from one client IP: both workers answer some of them.
        with ThreadPoolExecutor(12) as pool:
            codes = list(
                pool.map(lambda i: _post(port, f"w{i}@example.com", "203.0.113.7"), range(12))
            )
        assert sorted(codes) == [202] * 6 + [429] * 6
        # One target address from many IPs: limited per address across workers.
        with ThreadPoolExecutor(8) as pool:
            codes = list(
                pool.map(
                    lambda i: _post(port, "victim@example.com", f"203.0.113.{20 + i}"), range(8)
                )
            )
        assert sorted(codes) == [202] * 3 + [429] * 5
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    assert len(_pids(log, "POST")) == 2, "both workers should have answered the posts"


# --- the check itself: one Redis round trip, Retry-After, the store down ------------------


def _evalsha_calls(client) -> int:
    stats = client.info("commandstats")
    return int(stats.get("cmdstat_evalsha", {}).get("calls", 0))


@pytest.mark.redis
def test_both_limits_are_counted_in_one_redis_round_trip(redis_app):
    import redis

    app = redis_app(
        LIMIT_PER_IP="30 per minute; 300 per hour", LIMIT_PER_ADDRESS="2 per hour; 20 per day"
    )
    prefix = app.config["RATELIMIT_KEY_PREFIX"]
    server = redis.Redis.from_url(REDIS_URL)
    client = app.test_client()
    client.post("/api/subscriptions", json={"email": "warm@example.com"})  # loads the script
    before = _evalsha_calls(server)
    for _ in range(3):
        client.post("/api/subscriptions", json={"email": "once@example.com"})
    # Four windows (two per limit) per request, counted with one call each time ...
    assert _evalsha_calls(server) - before == 3
    # ... under the keys Flask-Limiter would use, so its reset() clears them.
    keys = [k.decode() for k in server.scan_iter(match=f"*{prefix}*")]
    assert len(keys) == 2 + 2 * 2  # the IP's two windows, each address's two
    # Keyed by an HMAC of the address under the app's secret, never the address itself.
    assert not any("example.com" in k for k in keys), keys
    with app.test_request_context():
        from subscribe_service.web.limits import address_limit_key

        assert sum(address_limit_key("once@example.com") in k for k in keys) == 2
    app.extensions["trustsite.limiter"].reset()
    assert not list(server.scan_iter(match=f"*{prefix}*"))


@pytest.mark.redis
def test_retry_after_is_the_time_left_in_the_refusing_window(redis_app):
    app = redis_app(LIMIT_PER_ADDRESS="1 per hour")
    client = app.test_client()
    assert client.post("/api/subscriptions", json={"email": "r@example.com"}).status_code == 202
    refused = client.post("/api/subscriptions", json={"email": "r@example.com"})
    assert refused.status_code == 429
    assert 3500 < int(refused.headers["Retry-After"]) <= 3601


@pytest.mark.redis
def test_limit_checks_reuse_their_redis_connections_across_threads(redis_app):
    """A connection is kept for the next check, whichever thread (or, under gevent,
    greenlet) makes it: not one connection per thread, which is one per client
    connection under gevent."""
    import redis

    app = redis_app(LIMIT_PER_IP="1000 per minute")
    server = redis.Redis.from_url(REDIS_URL)
    client = app.test_client()
    assert client.post("/api/subscriptions", json={"email": "w@example.com"}).status_code == 202

    def connections() -> int:
        return int(server.info("stats")["total_connections_received"])

    before = connections()
    codes: list[int] = []

    def post(i: int) -> None:
        codes.append(
            client.post("/api/subscriptions", json={"email": f"t{i}@example.com"}).status_code
        )

    for i in range(20):  # one short-lived thread after another
        thread = threading.Thread(target=post, args=(i,))
        thread.start()
        thread.join()
    assert codes == [202] * 20
    assert connections() - before <= 1


def test_limit_store_down_answers_503_and_queues_nothing(make_app):
    port = free_port()  # nothing listens there
    app = make_app(RATELIMIT_STORAGE_URI=f"redis://127.0.0.1:{port}/0")
    response = app.test_client().post("/api/subscriptions", json={"email": "d@example.com"})
    assert response.status_code == 503
    assert response.headers["Content-Type"] == "application/problem+json"
    assert response.headers["Retry-After"] == "60"
    from subscribe_service.infra.db import session_scope
    from subscribe_service.infra.models import OutboxMessage

    with session_scope(app) as session:
        assert session.query(OutboxMessage).count() == 0


def test_limit_store_down_can_be_let_through_when_configured(make_app):
    port = free_port()
    app = make_app(
        RATELIMIT_STORAGE_URI=f"redis://127.0.0.1:{port}/0", RATELIMIT_SWALLOW_ERRORS=True
    )
    response = app.test_client().post("/api/subscriptions", json={"email": "d@example.com"})
    assert response.status_code == 202


@pytest.mark.parametrize("store", ["memory", pytest.param("redis", marks=pytest.mark.redis)])
def test_requests_counted_together_are_limited_as_if_one_by_one(make_app, store):
    """Subscribe requests are counted by the outbox writer for a whole group at once: five
    requests for one address in one group, with room for one more, admit exactly one."""
    if store == "redis" and _redis_reason():
        pytest.skip(_redis_reason())
    from contextlib import contextmanager

    from subscribe_service.infra.db import session_scope
    from subscribe_service.infra.models import OutboxMessage
    from subscribe_service.mail import outbox

    app = make_app(
        LIMIT_PER_ADDRESS="2 per hour",
        RATELIMIT_STORAGE_URI=REDIS_URL if store == "redis" else "memory://",
        RATELIMIT_KEY_PREFIX=f"test-{uuid.uuid4().hex}",
    )
    writer = outbox.writer(app)
    own_turn, first = writer._turn, threading.Event()

    @contextmanager
    def slow_first_write():
        if not first.is_set():  # the first request writes alone, slowly: the rest pile up
            first.set()
            time.sleep(0.3)
        with own_turn():
            yield

    writer._turn = slow_first_write
    client = app.test_client()

    def post(i: int) -> int:
        if i:
            first.wait(5)
            time.sleep(0.05)
        return client.post(
            "/api/subscriptions",
            json={"email": "one@example.com"},
            environ_base={"REMOTE_ADDR": f"198.51.100.{i}"},
        ).status_code

    with ThreadPoolExecutor(6) as pool:
        codes = list(pool.map(post, range(6)))
    assert sorted(codes) == [202, 202, 429, 429, 429, 429]
    assert writer.groups_written == 2  # the first alone, then one group for the other five
    with session_scope(app) as session:
        assert session.query(OutboxMessage).count() == 2


@pytest.mark.redis
def test_a_redis_that_forgot_the_script_or_dropped_the_connection_still_counts(redis_app):
    """A restarted Redis has neither the counting script nor our connections: the next
    check loads the script again or reconnects, and the request is counted as usual."""
    import redis

    app = redis_app(LIMIT_PER_ADDRESS="2 per hour")
    server = redis.Redis.from_url(REDIS_URL)
    client = app.test_client()

    def subscribe() -> int:
        return client.post("/api/subscriptions", json={"email": "f@example.com"}).status_code

    assert subscribe() == 202
    server.script_flush()
    assert subscribe() == 202  # loaded again, and counted: the third is over the limit
    # Only the check's own connection (others share this Redis server).
    [(_pool, connection)] = app.extensions["trustsite.mailing_limits"]._redis._idle
    host, port = connection._sock.getsockname()[:2]
    server.client_kill(f"{host}:{port}")
    assert subscribe() == 429
