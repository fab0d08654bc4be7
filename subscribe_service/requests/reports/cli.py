"""The security team's commands for report requests, added to `flask ... requests`:
`reports` (list, with downloads), `approve`, `decline`, `export-reports`, and the report
part of `erase` and `purge`."""

from __future__ import annotations

import logging

import click
from flask import Flask, current_app
from flask.cli import AppGroup
from sqlalchemy import select
from sqlalchemy.orm import Session

from subscribe_service.infra.db import session_scope
from subscribe_service.infra.models import MAX_ROW_ID
from subscribe_service.requests.reports import gate as reports
from subscribe_service.requests.reports.models import REPORT_STATUSES, ReportRequest
from subscribe_service.requests.settings import NotConfigured, get_settings

log = logging.getLogger("subscribe_service.requests")


def report_number(ref: str) -> int:
    kind, _, number = ref.strip().lower().partition("-")
    if kind != "report" or not number.isdigit() or int(number) > MAX_ROW_ID:
        raise click.ClickException(f"{ref!r} is not a report request id; write it as report-12")
    return int(number)


def get_report_request(session: Session, ref: str) -> ReportRequest:
    request = session.get(ReportRequest, report_number(ref))
    if request is None:
        raise click.ClickException(f"no request {ref} (it may have been erased or purged)")
    return request


def add_commands(group: AppGroup) -> None:
    @group.command("reports")
    @click.option("--status", type=click.Choice(REPORT_STATUSES), help="Only this state.")
    def reports_command(status: str | None) -> None:
        """List security report requests with their downloads, oldest first."""
        with session_scope(current_app) as session:
            query = select(ReportRequest).order_by(ReportRequest.created_at)
            if status:
                query = query.where(ReportRequest.status == status)
            rows = list(session.scalars(query))
            if not rows:
                click.echo("no report requests" + (f" with status {status}" if status else ""))
            for r in rows:
                when = r.created_at.strftime("%Y-%m-%d %H:%M")
                downloads = len(reports.downloads_of(session, r))
                click.echo(
                    f"{r.ref:<12} {when}  {r.status:<9} {r.name} <{r.email}> ({r.company}): "
                    f"{r.report}, NDA {r.nda_version}, {downloads} download(s)"
                )

    @group.command("approve")
    @click.argument("ref", metavar="ID")
    @click.option(
        "--days", type=click.IntRange(1, 90), default=None, help="Link lifetime (default 7)."
    )
    def approve_command(ref: str, days: int | None) -> None:
        """Approve report request ID: mail a download link."""
        lifetime = days or int(current_app.config["REPORT_LINK_DAYS"])
        try:
            with session_scope(current_app) as session:
                request = reports.approve(session, get_report_request(session, ref), days=lifetime)
                until = request.link_expires_at
                click.echo(f"{ref} approved; the link works until {until:%Y-%m-%d %H:%M} UTC")
        except (reports.DecisionError, reports.ReportNotConfigured) as err:
            raise click.ClickException(str(err)) from None

    @group.command("decline")
    @click.argument("ref", metavar="ID")
    def decline_command(ref: str) -> None:
        """Decline report request ID (an approved link stops working)."""
        with session_scope(current_app) as session:
            reports.decline(session, get_report_request(session, ref))
        click.echo(f"{ref} declined")

    @group.command("export-reports")
    def export_command() -> None:
        """Every report request with its NDA acceptance and downloads, as JSON."""
        with session_scope(current_app) as session:
            click.echo(reports.export_json(session), nl=False)


def erase_report(ref: str) -> None:
    """Only the id and the address are read: a row whose dates were damaged is erased too."""
    with session_scope(current_app) as session:
        found = session.execute(
            select(ReportRequest.id, ReportRequest.email).where(
                ReportRequest.id == report_number(ref)
            )
        ).first()
        if found is None:
            raise click.ClickException(f"no request {ref} (it may have been erased or purged)")
        reports.delete_requests(session, {found.id}, recipients=[found.email])


def purge_reports(app: Flask) -> int:
    site = get_settings(app).require_site()
    with session_scope(app) as session:
        count = reports.purge(session, site.request_retention_days)
    if count:
        log.info("report requests retention: purged %d", count)
    return count


def purge_chore(app: Flask) -> None:
    try:
        purge_reports(app)
    except NotConfigured as err:
        log.warning("report requests are not purged: %s", err)
