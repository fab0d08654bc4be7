"""The application factory, configuration, migrations command, health and OpenAPI."""

from __future__ import annotations

import logging
import os
import re
import subprocess
import sys

import pytest
from sqlalchemy import inspect
from sqlalchemy.exc import IntegrityError

from subscribe_service import create_app
from subscribe_service.infra.config import DEV_SECRET
from subscribe_service.infra.db import get_engine, session_scope
from subscribe_service.infra.models import Notice, OutboxMessage, Subscriber, utcnow
from subscribe_service.infra.published_site import published_site
from tests.support.published_data import write_service_json


def test_defaults_work_on_a_laptop(tmp_path, monkeypatch, caplog):
    monkeypatch.chdir(tmp_path)
    for name in list(os.environ):
        if name.startswith("TRUSTSITE_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("FLASK_DEBUG", "1")  # `flask --debug run`: the development secret is fine
    with caplog.at_level(logging.WARNING, logger="subscribe_service"):
        app = create_app()
    cfg = app.config
    assert cfg["DATABASE_URL"] == f"sqlite:///{tmp_path / 'var' / 'trustsite.db'}"
    assert (cfg["MAIL_SERVER"], cfg["MAIL_PORT"]) == ("localhost", 8025)
    assert cfg["SITE_URL"] == "http://127.0.0.1:8000/"
    assert cfg["SECRET_KEY"] == DEV_SECRET
    assert "TRUSTSITE_SECRET_KEY is the development secret (or not set)" in caplog.text
    with app.app_context():
        from subscribe_service.infra.db import get_engine

        with get_engine().connect() as conn:
            assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"


def test_configuration_from_the_environment(tmp_path, monkeypatch, published_site):
    monkeypatch.setenv("TRUSTSITE_SITE_URL", "https://trust.larkspur.example")
    monkeypatch.setenv("TRUSTSITE_MAIL_PORT", "2525")
    monkeypatch.setenv("TRUSTSITE_SECRET_KEY", "from-env-" + "0" * 32)
    monkeypatch.setenv("TRUSTSITE_DATABASE_URL", f"sqlite:///{tmp_path / 'x.db'}")
    monkeypatch.setenv("TRUSTSITE_SITE_DIR", str(published_site))
    app = create_app()
    assert app.config["SITE_URL"] == "https://trust.larkspur.example/"
    assert app.config["MAIL_PORT"] == 2525 and app.config["SECRET_KEY"] == "from-env-" + "0" * 32
    # The company's name is the one site.yaml gave the build (service.json), not a setting.
    assert app.config["MAIL_DEFAULT_SENDER"] == "Larkspur Relay <notices@trust.larkspur.example>"


def test_the_company_comes_from_the_built_site_only(tmp_path, monkeypatch, caplog):
    monkeypatch.chdir(tmp_path)  # no data/ here, and no site/ yet
    monkeypatch.setenv("TRUSTSITE_COMPANY_NAME", "Someone Else")
    monkeypatch.setenv("TRUSTSITE_SITE_URL", "https://trust.larkspur.example/")
    app = create_app({"SECRET_KEY": "k" * 32, "DATABASE_URL": f"sqlite:///{tmp_path / 'x.db'}"})
    assert "TRUSTSITE_COMPANY_NAME is no longer read" in caplog.text
    # Until the site is built, mails name the site's host; subscribing works meanwhile.
    assert app.config["COMPANY_NAME"] == "trust.larkspur.example"
    write_service_json(tmp_path / "site")
    with app.app_context():
        assert published_site(app).info().company.legal_name == "Larkspur Relay B.V."
    assert app.config["COMPANY_NAME"] == "Larkspur Relay"
    assert app.config["MAIL_DEFAULT_SENDER"] == "Larkspur Relay <notices@trust.larkspur.example>"


def test_flask_db_upgrade_command(tmp_path):
    """`flask --app subscribe_service db upgrade` as an operator runs it."""
    env = {**os.environ, "TRUSTSITE_DATABASE_URL": f"sqlite:///{tmp_path / 'cli.db'}"}
    env["TRUSTSITE_SECRET_KEY"] = "cli-" + "0" * 32
    run = [sys.executable, "-m", "flask", "--app", "subscribe_service", "db"]
    up = subprocess.run([*run, "upgrade"], env=env, capture_output=True, text=True, timeout=120)
    assert up.returncode == 0, up.stderr
    current = subprocess.run(
        [*run, "current"], env=env, capture_output=True, text=True, timeout=120
    )
    assert "(head)" in current.stdout
    app = create_app({"DATABASE_URL": env["TRUSTSITE_DATABASE_URL"], "SECRET_KEY": "x" * 32})
    with app.app_context():
        from subscribe_service.infra.db import get_engine

        tables = set(inspect(get_engine()).get_table_names())
    assert {"subscribers", "subscriber_topics", "notices", "outbox", "suppressions"} <= tables


def test_downgrade_and_upgrade_again(app, runner):
    down = runner.invoke(args=["db", "downgrade", "base"])
    assert down.exit_code == 0, down.output
    with app.app_context():
        from subscribe_service.infra.db import get_engine

        assert "subscribers" not in inspect(get_engine()).get_table_names()
    up = runner.invoke(args=["db", "upgrade"])
    assert up.exit_code == 0, up.output
    with app.app_context():
        assert "subscribers" in inspect(get_engine()).get_table_names()


def test_health(client):
    assert client.get("/healthz").get_json() == {"status": "ok"}
    assert client.get("/healthz/ready").get_json() == {"status": "ok", "database": "ok"}


SERVICE_BLUEPRINTS = {"api", "confirm", "manage", "unsubscribe", "export", "openapi", "health"}


def test_openapi_matches_the_routes(app, client):
    doc = client.get("/api/openapi.json").get_json()
    assert doc["openapi"].startswith("3.")
    documented = {(path, method.upper()) for path, ops in doc["paths"].items() for method in ops}
    served, mine = set(), set()
    for rule in app.url_map.iter_rules():
        path = re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule)
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            served.add((path, method))
            if rule.endpoint.split(".")[0] in SERVICE_BLUEPRINTS:
                mine.add((path, method))
    assert mine <= documented, f"undocumented: {mine - documented}"
    assert documented <= served, f"documented but not served: {documented - served}"


def test_concurrent_subscriptions_all_land(app):
    """Eight threads posting at once on SQLite: no 'database is locked', nothing lost."""
    from concurrent.futures import ThreadPoolExecutor

    from sqlalchemy import func, select

    from subscribe_service.infra.db import session_scope
    from subscribe_service.infra.models import OutboxMessage

    def post(n: int) -> int:
        client = app.test_client()
        return client.post("/api/subscriptions", json={"email": f"c{n}@example.com"}).status_code

    with ThreadPoolExecutor(8) as pool:
        codes = list(pool.map(post, range(80)))
    assert codes == [202] * 80
    with app.app_context(), session_scope(app) as s:
        assert s.scalar(select(func.count()).select_from(OutboxMessage)) == 80


def test_outbox_indexes_skip_rows_without_notice_or_subscriber(backend_app):
    """Migration 0004: the (notice, subscriber) uniqueness still holds for deliveries, the
    API's rows (no notice, no subscriber) are left out of both partial indexes."""
    with backend_app.app_context():
        indexes = {ix["name"]: ix for ix in inspect(get_engine()).get_indexes("outbox")}
    assert "ix_outbox_notice_id" not in indexes  # the unique index leads with notice_id
    for name in ("uq_outbox_notice_subscriber", "ix_outbox_subscriber_id"):
        where = " ".join(str(v) for v in indexes[name].get("dialect_options", {}).values())
        assert "IS NOT NULL" in where.upper(), (name, indexes[name])

    now = utcnow()

    def message(**ids: int) -> OutboxMessage:
        return OutboxMessage(
            kind="notice", recipient="a@example.com", payload={}, status="queued",
            attempts=0, next_attempt_at=now, created_at=now, **ids,
        )  # fmt: skip

    with session_scope(backend_app) as session:
        subscriber = Subscriber(email="a@example.com", status="confirmed", token_version=1,
                                created_at=now)  # fmt: skip
        notice = Notice(change_id="c1", topic="dpa", version="2.0", change={}, baseline=False,
                        created_at=now)  # fmt: skip
        session.add_all([subscriber, notice])
        session.flush()
        session.add_all([message(), message()])  # API rows: no notice, no subscriber
        session.add(message(notice_id=notice.id, subscriber_id=subscriber.id))
    with pytest.raises(IntegrityError), session_scope(backend_app) as session:
        session.add(message(notice_id=notice.id, subscriber_id=subscriber.id))
    # And back, with those rows in the table, and forward again.
    cli = backend_app.test_cli_runner()
    for step in (["downgrade", "0003_requests"], ["upgrade"]):
        result = cli.invoke(args=["db", *step])
        assert result.exit_code == 0, result.output
