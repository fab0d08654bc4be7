"""`flask --app subscribe_service db upgrade|downgrade|current|history`: Alembic, app-configured.

The models are plain SQLAlchemy (no Flask-SQLAlchemy), so this wraps Alembic's command
API directly, with this package's migrations/ as the script location and the app's
own engine (SQLite pragmas included).
"""

from __future__ import annotations

from pathlib import Path

import click
from alembic import command
from alembic.config import Config
from flask import Flask, current_app
from flask.cli import AppGroup

from subscribe_service.infra.db import get_database

MIGRATIONS_DIR = Path(__file__).with_name("migrations")

db_cli = AppGroup("db", help="Database schema migrations (Alembic).")


def _run(app: Flask, fn, *args: object) -> None:  # type: ignore[no-untyped-def]
    engine = get_database(app).engine
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    # ConfigParser treats % as interpolation: escape it (URLs may carry %-encoded options).
    url = engine.url.render_as_string(hide_password=False).replace("%", "%%")
    cfg.set_main_option("sqlalchemy.url", url)
    with engine.begin() as connection:
        cfg.attributes["connection"] = connection
        fn(cfg, *args)


def upgrade(app: Flask, revision: str = "heads") -> None:
    """Bring the schema of `app`'s database to `revision` (used by tests and the dev runner)."""
    _run(app, command.upgrade, revision)


@db_cli.command("upgrade")
@click.argument("revision", default="heads")
def upgrade_cmd(revision: str) -> None:
    """Upgrade the schema to REVISION (default: the newest)."""
    upgrade(current_app, revision)
    click.echo(f"database schema at {revision}")


@db_cli.command("downgrade")
@click.argument("revision", default="-1")
def downgrade_cmd(revision: str) -> None:
    """Downgrade the schema to REVISION (default: one step back)."""
    _run(current_app, command.downgrade, revision)
    click.echo(f"database schema downgraded to {revision}")


@db_cli.command("current")
def current_cmd() -> None:
    """Show the schema revision of the database."""
    _run(current_app, command.current, True)


@db_cli.command("history")
def history_cmd() -> None:
    """List the migrations."""
    _run(current_app, command.history)


def init_app(app: Flask) -> None:
    app.cli.add_command(db_cli)
