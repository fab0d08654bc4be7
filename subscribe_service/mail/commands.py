"""`flask --app subscribe_service send [--once]`: the outbox sender's command."""

from __future__ import annotations

import sys
from typing import Any

import click
from flask import current_app
from flask.cli import with_appcontext

from subscribe_service.mail.outbox import queue_size
from subscribe_service.mail.sender import drain, poll, settle_the_heap


@click.command("send")
@click.option("--once", is_flag=True, help="Send everything that is due, then exit.")
@with_appcontext
def send_command(once: bool) -> None:
    """Send the queued mail (all of the service's mail goes through this)."""
    app: Any = current_app._get_current_object()  # type: ignore[attr-defined]
    if once:
        counts = drain(app, progress=sys.stdout.isatty())
        waiting = queue_size(app)
        click.echo(f"{counts}; {waiting} still queued (waiting to retry or leased)")
        return
    settle_the_heap()  # a process that polls for weeks: see the function
    try:
        poll(app)
    except KeyboardInterrupt:
        click.echo("sender stopped")
