"""deploy/gunicorn.conf.py as deployed: gevent workers whose waits on PostgreSQL let the
worker's other requests run (and so share their outbox commits), which take turns between
keep-alive connections, and which stop without waiting for idle ones."""

from __future__ import annotations

import http.client
import json
import os
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from subscribe_service.dev.smtpsink import free_port
from tests.support.deploy_stack import DEPLOY, ROOT, fresh_database, pg_reason, wait_for

pytestmark = [pytest.mark.slow, pytest.mark.postgres]


@pytest.fixture(scope="module")
def database() -> Iterator[str]:
    reason = pg_reason()
    if reason:
        pytest.skip(reason)
    with fresh_database() as url:
        env = {**os.environ, "TRUSTSITE_DATABASE_URL": url, "TRUSTSITE_SECRET_KEY": "x" * 32}
        subprocess.run(
            [str(Path(sys.executable).parent / "flask"), "--app", "subscribe_service", "db",
             "upgrade"],
            env=env, check=True, capture_output=True,
        )  # fmt: skip
        yield url


@contextmanager
def gunicorn(database: str, tmp_path: Path) -> Iterator[tuple[subprocess.Popen[bytes], int]]:
    """One worker of the production settings (every request meets in one process), and
    its port."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("TRUSTSITE_")}
    env.update(
        TRUSTSITE_DATABASE_URL=database,
        TRUSTSITE_SECRET_KEY=uuid.uuid4().hex * 2,
        TRUSTSITE_BIND=f"127.0.0.1:{port}",
        TRUSTSITE_LIMIT_PER_IP="100000 per minute",
        WEB_CONCURRENCY="1",
        PROMETHEUS_MULTIPROC_DIR=str(tmp_path / "metrics"),
    )
    log = (tmp_path / "gunicorn.log").open("wb")
    proc = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-c", str(DEPLOY / "gunicorn.conf.py"),
         "subscribe_service:create_app()"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    try:
        wait_for(f"http://127.0.0.1:{port}/healthz", proc, "gunicorn")
        yield proc, port
    finally:
        proc.terminate()
        proc.wait(timeout=30)
        log.close()


def _get(port: int, path: str) -> int:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    try:
        conn.request("GET", path)
        return conn.getresponse().status
    finally:
        conn.close()


def _subscribe(port: int, email: str) -> int:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    body = json.dumps({"email": email, "topics": ["dpa"]})
    conn.request("POST", "/api/subscriptions", body, {"Content-Type": "application/json"})
    status = conn.getresponse().status
    conn.close()
    return status


def test_the_worker_is_gevent_and_database_waits_let_other_requests_share_a_commit(
    database: str, tmp_path: Path
) -> None:
    import psycopg

    run = uuid.uuid4().hex[:8]
    with gunicorn(database, tmp_path) as (_server, port):
        start = threading.Barrier(40)
        codes: list[int] = []

        def one(i: int) -> None:
            start.wait()
            codes.append(_subscribe(port, f"burst-{run}-{i}@example.com"))

        threads = [threading.Thread(target=one, args=(i,)) for i in range(40)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    assert codes == [202] * 40
    log = (tmp_path / "gunicorn.log").read_text()
    assert "Using worker: TrustsiteGeventWorker" in log
    with psycopg.connect(database.replace("+psycopg", "")) as conn:
        # Rows written by one transaction share its id (xmin); nothing else touched them.
        rows, transactions = conn.execute(
            "SELECT count(*), count(DISTINCT xmin::text) FROM outbox WHERE recipient LIKE %s",
            (f"burst-{run}-%",),
        ).fetchone()
    assert rows == 40  # every answered request is committed
    # A driver that blocked the worker while PostgreSQL committed would let no other
    # request reach the writer meanwhile: every row would be a transaction of its own.
    assert transactions < rows


def test_a_busy_keep_alive_connection_does_not_hold_up_the_others(
    database: str, tmp_path: Path
) -> None:
    """One connection with many requests already waiting (pipelined) is served in turn
    with the others, not to its end first."""
    greedy_count = 2000
    with gunicorn(database, tmp_path) as (_server, port):
        greedy = socket.create_connection(("127.0.0.1", port), timeout=60)
        request = b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
        greedy_done: list[float] = []

        def read_all() -> None:
            seen, tail = 0, b""
            while seen < greedy_count:
                chunk = greedy.recv(1 << 16)
                assert chunk, "the server closed the busy connection"
                seen += (tail + chunk).count(b"HTTP/1.1 200")
                tail = chunk[-16:]
            greedy_done.append(time.monotonic())

        reader = threading.Thread(target=read_all)
        reader.start()
        began = time.monotonic()
        greedy.sendall(request * greedy_count)
        time.sleep(0.05)  # the worker is busy with them
        asked = time.monotonic()
        assert _get(port, "/healthz") == 200
        answered = time.monotonic() - asked
        reader.join(timeout=120)
        greedy.close()
    busy_for = greedy_done[0] - began
    # Served in turn: within a few requests' time, not after the 2,000 others.
    assert answered < busy_for / 4, (answered, busy_for)


def test_stopping_does_not_wait_for_idle_keep_alive_connections(
    database: str, tmp_path: Path
) -> None:
    """nginx keeps connections open between requests; a stop (or reload) must not wait
    graceful_timeout (30 s) for them."""
    with gunicorn(database, tmp_path) as (server, port):
        idle = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        idle.request("GET", "/healthz")
        assert idle.getresponse().read()
        began = time.monotonic()
        server.terminate()
        server.wait(timeout=60)
        took = time.monotonic() - began
        idle.close()
    assert server.returncode == 0
    assert took < 10, f"gunicorn took {took:.1f}s to stop"


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("TRUSTSITE_WORKER_CONNECTIONS", "lots", "must be a whole number of at least 1"),
        ("WEB_CONCURRENCY", "0", "must be a whole number of at least 1"),
        ("TRUSTSITE_WORKER_CLASS", "eventlet", "must be gevent or gthread"),
    ],
)
def test_a_bad_setting_stops_gunicorn_with_what_to_fix(name: str, value: str, message: str):
    env = {k: v for k, v in os.environ.items() if not k.startswith("TRUSTSITE_")}
    env.update({name: value, "TRUSTSITE_BIND": f"127.0.0.1:{free_port()}"})
    done = subprocess.run(
        [sys.executable, "-m", "gunicorn", "-c", str(DEPLOY / "gunicorn.conf.py"),
         "subscribe_service:create_app()"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert done.returncode != 0
    assert f"{name} {message}, not {value!r}" in done.stderr
    assert "Traceback" not in done.stderr
