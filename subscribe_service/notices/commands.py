"""`flask --app subscribe_service notify SOURCE`, `notices` and `objections`."""

from __future__ import annotations

import sys
from collections import defaultdict

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from subscribe_service.infra.db import session_scope
from subscribe_service.infra.models import Notice, OutboxMessage, OutboxStatus, Subscriber
from subscribe_service.notices.models import Objection
from subscribe_service.notices.notify import NOTICE_KIND, NotifyConflict, NotifyReport, notify
from subscribe_service.notices.source import (
    DEFAULT_MAX_BYTES,
    DEFAULT_TIMEOUT,
    LoadedChanges,
    SourceError,
    load_changes,
)

MAX_TIMEOUT = 3600  # seconds; inf would overflow the timers


@click.command("notify")
@click.argument("source")
@click.option(
    "--baseline",
    is_flag=True,
    help="Record every change as already announced, mailing nobody "
    "(first run on a site that already has a history).",
)
@click.option(
    "--all",
    "mail_all",
    is_flag=True,
    help="On a service that has never notified, mail subscribers about every change in "
    "SOURCE, old ones included (without it, such a first run is refused).",
)
@click.option(
    "--timeout",
    type=float,
    callback=lambda _ctx, _param, value: _seconds(value),
    default=DEFAULT_TIMEOUT,
    show_default=True,
    help="Seconds for reading SOURCE in all: for an URL the lookups, redirects and body; "
    "for a pipe or FIFO the wait for its end.",
)
@click.option(
    "--allow-host",
    "allow_hosts",
    multiple=True,
    metavar="HOST",
    help="A host name, address or network (10.1.0.0/16) that an URL or a redirect may reach "
    "although it is loopback, private or link-local, e.g. 127.0.0.1 for a development "
    "server. Repeatable; also TRUSTSITE_NOTIFY_ALLOW_HOSTS (comma-separated).",
)
@with_appcontext
def notify_command(
    source: str, baseline: bool, mail_all: bool, timeout: float, allow_hosts: tuple[str, ...]
) -> None:
    """Queue notices for new changes in SOURCE: a changes.json path, site folder, URL or -."""
    configured = str(current_app.config["NOTIFY_ALLOW_HOSTS"] or "").split(",")
    allowed = [host.strip() for host in (*allow_hosts, *configured) if host.strip()]
    try:
        loaded = load_changes(
            source, timeout=timeout, max_bytes=DEFAULT_MAX_BYTES, allow_hosts=allowed
        )
    except SourceError as err:
        click.echo(f"{err.source}: cannot use this changes.json; nothing was queued.", err=True)
        for problem in err.problems:
            click.echo(f"  {problem}", err=True)
        sys.exit(1)
    if baseline and mail_all:
        raise click.UsageError("--baseline mails nobody and --all mails everyone: give one")
    try:
        with session_scope() as session:
            if not (baseline or mail_all) and _first_run_would_mail(session, loaded):
                click.echo(_FIRST_RUN_REFUSAL.format(source=source), err=True)
                sys.exit(1)
            report = notify(session, loaded, baseline=baseline)
    except NotifyConflict as err:
        click.echo(str(err), err=True)
        sys.exit(1)
    click.echo(_describe(source, report))


_FIRST_RUN_REFUSAL = (
    "{source}: this service has never recorded a baseline, so every change in it, however "
    "old, would be mailed to every subscriber; nothing was queued.\n"
    "  Run `flask --app subscribe_service notify --baseline {source}` first to record what "
    "is already published (nobody is mailed); later runs then mail only new changes.\n"
    "  To mail every change in it anyway, run it again with --all."
)


def _first_run_would_mail(session: Session, loaded: LoadedChanges) -> bool:
    """No notice was ever recorded (not even a baseline) and SOURCE has changes to mail."""
    if session.scalar(select(Notice.id).limit(1)) is not None:
        return False
    return any(not change.editorial for change in loaded.doc.changes)


def _seconds(value: float) -> float:
    if not 0 < value <= MAX_TIMEOUT:  # also refuses nan, which compares false to all
        raise click.BadParameter(f"give a number of seconds above 0 and at most {MAX_TIMEOUT}")
    return value


def _describe(source: str, report: NotifyReport) -> str:
    lines = [
        f"{source}: {report.changes_found} changes found "
        f"({report.editorial} editorial, never notified; "
        f"{report.already_known} already known)"
    ]
    for created in report.created:
        if report.baseline:
            lines.append(f"  {created.change_id}: recorded as already announced (baseline)")
        else:
            others = created.other_deliveries
            webhooks = f", {others} webhook deliveries" if others else ""
            lines.append(f"  {created.change_id}: {created.deliveries} deliveries queued{webhooks}")
    noun = "notice" if len(report.created) == 1 else "notices"
    if report.baseline:
        lines.append(f"{len(report.created)} {noun} recorded as baseline; nobody is mailed.")
    else:
        summary = f"{len(report.created)} {noun} created, {report.deliveries} deliveries queued"
        others = sum(c.other_deliveries for c in report.created)
        summary += f", {others} webhook deliveries." if others else "."
        if report.deliveries or others:
            summary += " Run `flask --app subscribe_service send` to send them."
        lines.append(summary)
    return "\n".join(lines)


# Outbox statuses as the `notices` table shows them.
COLUMNS = {
    "sent": (OutboxStatus.SENT,),
    "pending": (OutboxStatus.QUEUED, OutboxStatus.SENDING),
    "failed": (OutboxStatus.FAILED,),
    "bounced": (OutboxStatus.BOUNCED,),
    "cancelled": (OutboxStatus.CANCELLED,),
}


@click.command("notices")
@with_appcontext
def notices_command() -> None:
    """List the notices with their sent, pending, failed and bounced deliveries."""
    with session_scope() as session:
        notices = list(session.scalars(select(Notice).order_by(Notice.created_at, Notice.id)))
        counts: dict[int, dict[str, int]] = defaultdict(lambda: defaultdict(int))
        rows = session.execute(
            select(OutboxMessage.notice_id, OutboxMessage.status, func.count())
            .where(OutboxMessage.kind == NOTICE_KIND, OutboxMessage.notice_id.is_not(None))
            .group_by(OutboxMessage.notice_id, OutboxMessage.status)
        )
        for notice_id, status, count in rows:
            counts[notice_id][status] = count
    if not notices:
        click.echo(
            "no notices yet: record what is already published with "
            "`flask --app subscribe_service notify --baseline SOURCE` (nobody is mailed); "
            "after that, `flask --app subscribe_service notify SOURCE` mails new changes"
        )
        return
    width = max(len("change"), *(len(n.change_id) for n in notices))
    header = f"{'change':<{width}}  {'created':<16}  " + "  ".join(f"{c:>9}" for c in COLUMNS)
    click.echo(header)
    for notice in notices:
        created = notice.created_at.strftime("%Y-%m-%d %H:%M")
        if notice.baseline:
            click.echo(f"{notice.change_id:<{width}}  {created:<16}  baseline (not sent)")
            continue
        cells = [sum(counts[notice.id][s] for s in statuses) for statuses in COLUMNS.values()]
        click.echo(
            f"{notice.change_id:<{width}}  {created:<16}  " + "  ".join(f"{n:>9}" for n in cells)
        )


@click.command("objections")
@click.option("--change", "change_id", metavar="ID", help="Only objections to this change.")
@with_appcontext
def objections_command(change_id: str | None) -> None:
    """List the objections to changes: who, which change, when, on time or late, why."""
    with session_scope() as session:
        query = (
            select(Objection, Notice.change_id, Subscriber.email)
            .join(Notice, Objection.notice_id == Notice.id)
            .join(Subscriber, Objection.subscriber_id == Subscriber.id)
            .order_by(Objection.objected_at, Objection.id)
        )
        if change_id:
            query = query.where(Notice.change_id == change_id)
        rows = session.execute(query).all()
        if not rows:
            click.echo("no objections" + (f" to {change_id}" if change_id else ""))
            return
        for objection, notice_change_id, email in rows:
            when = objection.objected_at.strftime("%Y-%m-%d %H:%M UTC")
            timing = "on time" if objection.on_time else "LATE (after the deadline)"
            updated = ""
            if objection.updated_at != objection.objected_at:
                updated = f", updated {objection.updated_at:%Y-%m-%d %H:%M UTC}"
            click.echo(f"{when}  {notice_change_id}  {email}  {timing}{updated}")
            reason = " ".join(objection.reason.split()) or "(no reason given)"
            click.echo(f"    {reason}")
        click.echo(f"{len(rows)} objection{'s' if len(rows) != 1 else ''}")
