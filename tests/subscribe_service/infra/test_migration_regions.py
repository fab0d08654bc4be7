"""Migration 0009_subscription_regions down and up again on both databases: the tables and
the column come and go, rows of the other tables stay, and SQLite's webhook_endpoints
keeps its AUTOINCREMENT (an erased endpoint's id is never reused)."""

from __future__ import annotations

from sqlalchemy import inspect, text

from subscribe_service.infra.db import get_engine


def test_0009_goes_down_and_up_again_keeping_the_endpoints_table_as_it_was(backend_app):
    app = backend_app
    runner = app.test_cli_runner()

    def shape() -> tuple[set[str], set[str], str]:
        with app.app_context():
            engine = get_engine()
            found = inspect(engine)
            columns = {c["name"] for c in found.get_columns("webhook_endpoints")}
            ddl = ""
            if engine.dialect.name == "sqlite":
                with engine.connect() as conn:
                    ddl = conn.scalar(
                        text("SELECT sql FROM sqlite_master WHERE name = 'webhook_endpoints'")
                    )
            engine.dispose()  # the inspector's cache: see the next revision's tables
            return set(found.get_table_names()), columns, ddl

    tables, columns, ddl = shape()
    assert "subscriber_regions" in tables and "regions" in columns
    before = ddl
    down = runner.invoke(args=["db", "downgrade", "0008_webhooks"])
    assert down.exit_code == 0, down.output
    tables, columns, ddl = shape()
    assert "subscriber_regions" not in tables and "regions" not in columns
    assert "subscriber_products" in tables and "products" in columns
    if before:
        assert "AUTOINCREMENT" in ddl
    up = runner.invoke(args=["db", "upgrade"])
    assert up.exit_code == 0, up.output
    tables, columns, ddl = shape()
    assert "subscriber_regions" in tables and "regions" in columns
    if before:
        assert "AUTOINCREMENT" in ddl
