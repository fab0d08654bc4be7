"""Fixtures for the service: a migrated app on a fresh database, a real SMTP server.

`app` is SQLite in tmp_path; `backend_app` runs the same test on SQLite and, when the
server is reachable, on PostgreSQL (a fresh schema per test in a database made for this
test session). `smtp_server` is a real aiosmtpd server; `send_all(app)` drains the
outbox with the real sender. The app reads a "built" site that holds the service.json a
build of tests/fixtures/data-small writes (`published_site`), never `data/`.
"""

from __future__ import annotations

import os
import re
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner

from subscribe_service import create_app
from subscribe_service.dev.smtpsink import SmtpSink
from subscribe_service.infra.migrate import upgrade
from subscribe_service.mail.sender import Counts, drain
from tests.support.published_data import write_service_json

PG_ADMIN_URL = os.environ.get(
    "TRUSTSITE_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
TEST_SECRET = "test-secret-0123456789abcdef-0123456789"


@pytest.fixture
def smtp_server() -> Iterator[SmtpSink]:
    """A real SMTP server on a free port; `.messages`, `.refuse(addr, reply, times)`."""
    sink = SmtpSink().start()
    yield sink
    sink.stop()


@pytest.fixture
def app_config() -> dict[str, Any]:
    """Override in a test module to change the configuration of `app`."""
    return {}


@pytest.fixture(scope="session")
def published_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A site folder with the service.json of the fixture data (written once per session)."""
    site = tmp_path_factory.mktemp("published-site")
    write_service_json(site)
    return site


def base_config(database_url: str, sink: SmtpSink, site_dir: Path) -> dict[str, Any]:
    return {
        "TESTING": True,
        "SECRET_KEY": TEST_SECRET,
        "DATABASE_URL": database_url,
        "SITE_URL": "http://127.0.0.1:8000/",
        "SITE_DIR": str(site_dir),
        "LIMIT_PER_IP": "10000 per minute",
        "LIMIT_PER_ADDRESS": "10000 per minute",
        "LIMIT_PER_TOKEN": "10000 per minute",
        "SEND_RATE": 0,
        "SEND_BACKOFF_SECONDS": 0,
        "SEND_MAX_ATTEMPTS": 3,
        "SMTP_TIMEOUT": 5,
        **sink.config,
    }


def make_migrated_app(config: dict[str, Any]) -> Flask:
    app = create_app(config)
    upgrade(app)
    return app


@pytest.fixture
def make_app(tmp_path, smtp_server, published_site) -> Iterator[Callable[..., Flask]]:
    """make_app(**config) -> a migrated app on a fresh SQLite file (or DATABASE_URL given)."""
    apps: list[Flask] = []

    def factory(**overrides: Any) -> Flask:
        url = f"sqlite:///{tmp_path / f'trustsite-{len(apps)}.db'}"
        app = make_migrated_app({**base_config(url, smtp_server, published_site), **overrides})
        apps.append(app)
        return app

    yield factory
    for app in apps:
        app.extensions["trustsite.db"].dispose()


@pytest.fixture
def app(make_app, app_config) -> Flask:
    return make_app(**app_config)


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def runner(app: Flask) -> FlaskCliRunner:
    return app.test_cli_runner()


def _send_all(app: Flask) -> Counts:
    """Drain the outbox with the real sender (what `flask send --once` does)."""
    return drain(app)


@pytest.fixture
def send_all() -> Callable[[Flask], Counts]:
    return _send_all


# --- PostgreSQL --------------------------------------------------------------------------


def _pg_reachable() -> str | None:
    """None when PostgreSQL answers, else why not."""
    try:
        import psycopg

        dsn = PG_ADMIN_URL.replace("postgresql+psycopg://", "postgresql://")
        with psycopg.connect(dsn, connect_timeout=3):
            return None
    except Exception as err:  # any failure means: skip with the reason
        return f"PostgreSQL not reachable at {PG_ADMIN_URL}: {err}"


@pytest.fixture(scope="session")
def pg_database() -> Iterator[str]:
    """A database made for this test session (trustsite_test_<pid>), dropped at the end."""
    reason = _pg_reachable()
    if reason:
        pytest.skip(reason)
    import psycopg

    admin = PG_ADMIN_URL.replace("postgresql+psycopg://", "postgresql://")
    name = f"trustsite_test_{os.getpid()}"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')
    yield re.sub(r"/[^/]*$", f"/{name}", PG_ADMIN_URL)
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def pg_url(pg_database: str) -> str:
    """A SQLAlchemy URL whose connections see only a fresh, empty schema."""
    import psycopg

    schema = f"t_{uuid.uuid4().hex[:12]}"
    dsn = pg_database.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    return f"{pg_database}?options={quote(f'-csearch_path={schema}')}"


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def backend_app(request, make_app, app_config) -> Flask:
    """The same test on SQLite and on PostgreSQL (skipped with a reason if unreachable)."""
    if request.param == "postgresql":
        url = request.getfixturevalue("pg_url")
        return make_app(DATABASE_URL=url, **app_config)
    return make_app(**app_config)
