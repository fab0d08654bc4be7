"""`flask --app subscribe_service requests ...`: the privacy team's view of the requests.

Requests are listed, moved through received -> referred -> closed, erased one by one, and
purged after the retention period in `data/site.yaml`. The polling sender runs the purge on
its own about once an hour (`retention.py`); `requests purge` does it at once.
"""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import AppGroup

from subscribe_service.infra.db import session_scope
from subscribe_service.requests import records
from subscribe_service.requests.models import REQUEST_STATUSES, DpaRequest
from subscribe_service.requests.reports.cli import add_commands, erase_report, purge_reports
from subscribe_service.requests.retention import purge_expired
from subscribe_service.requests.settings import NotConfigured

requests_cli = AppGroup("requests", help="DPA and data subject requests: list, update, erase.")

add_commands(requests_cli)  # report requests: reports, approve, decline, export-reports


@requests_cli.command("list")
@click.option("--status", type=click.Choice(REQUEST_STATUSES), help="Only requests in this state.")
def list_command(status: str | None) -> None:
    """List requests, oldest first."""
    with session_scope(current_app) as session:
        rows = records.list_requests(session, status)
        if not rows:
            click.echo("no requests" + (f" with status {status}" if status else ""))
            return
        for row in rows:
            click.echo(_line(row))


def _line(row: records.Request) -> str:
    when = row.created_at.strftime("%Y-%m-%d %H:%M")
    if isinstance(row, DpaRequest):
        signed = f", signed {row.signed_version}" if row.signed_version else ""
        sent = row.current_version or "none found"
        what = f"DPA copy (sent {sent}{signed}) for {row.company}"
        if row.times_requested > 1:
            what += f", asked {row.times_requested}x"
    else:
        what = f"{row.request_type} request, controller {row.controller}"
    return f"{row.ref:<12} {when}  {row.status:<9} {row.name} <{row.email}>: {what}"


@requests_cli.command("update")
@click.argument("ref", metavar="ID")
@click.option("--status", type=click.Choice(REQUEST_STATUSES), required=True)
def update_command(ref: str, status: str) -> None:
    """Set the status of request ID (as shown by `list`, e.g. subject-7)."""
    try:
        with session_scope(current_app) as session:
            row = records.update_status(session, ref, status)
            click.echo(f"{row.ref} is now {row.status}")
    except records.UnknownRequest as err:
        raise click.ClickException(str(err)) from None


@requests_cli.command("erase")
@click.argument("ref", metavar="ID")
def erase_command(ref: str) -> None:
    """Delete request ID and every mail about it, now."""
    if ref.strip().lower().startswith("report-"):
        erase_report(ref)
        click.echo(f"{ref} erased")
        return
    try:
        with session_scope(current_app) as session:
            records.erase(session, ref)
    except records.UnknownRequest as err:
        raise click.ClickException(str(err)) from None
    click.echo(f"{ref} erased")


@requests_cli.command("purge")
def purge_command() -> None:
    """Delete requests older than request_retention_days (data/site.yaml)."""
    try:
        click.echo(str(purge_expired(current_app)))
        reports = purge_reports(current_app)
        if reports:
            click.echo(f"purged {reports} security report request(s) and their downloads")
    except NotConfigured as err:
        raise click.ClickException(str(err)) from None
