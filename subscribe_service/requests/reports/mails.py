"""The four mails of a report request, rendered at send time from the request's row.

The approval mail signs its download link when it is rendered, so the token exists only in
that mail (never in the outbox payload or a log). A request erased, or declined after the
approval mail was queued, renders as None and the sender cancels the mail.
"""

from __future__ import annotations

import datetime as dt
import shlex
import shutil
import sys
from pathlib import Path
from typing import Any

from flask import current_app
from sqlalchemy.orm import Session

from generator.contract import ServiceInfo, page_path
from subscribe_service.identity.links import service_url, site_url
from subscribe_service.infra.models import OutboxMessage
from subscribe_service.mail.message import RenderedMail
from subscribe_service.mail.renderers import render_mail
from subscribe_service.requests.reports import gate as reports
from subscribe_service.requests.reports.models import ReportRequest, ReportStatus
from subscribe_service.requests.settings import get_settings


def team_address(site: ServiceInfo) -> str:
    return site.contacts.security or site.contacts.privacy


def report_name(report: str) -> str:
    """The certification's name as the site shows it; the id if the site does not offer it."""
    return get_settings().report_name(report) or f"report {report}"


def _context(request: ReportRequest) -> dict[str, Any]:
    site = get_settings().require_site()
    return {
        "site": site,
        "request": request,
        "report_name": report_name(request.report),
        "nda_url": site_url(page_path("security/nda", request.nda_version)),
    }


def _cli_prefix() -> str:
    """The start of the approve and decline commands, with the reports folder and (for a
    SQLite file) the database the service uses: the command checks the report file is
    there and records the decision, so it must look where the service looks."""
    folder = current_app.config.get("REPORTS_DIR")
    # The flask beside this interpreter, by its full path when the shell would not find it.
    beside = Path(sys.executable).with_name("flask")
    found = shutil.which("flask")
    flask = "flask" if not beside.exists() or (found and Path(found) == beside) else str(beside)
    prefix = f"{shlex.quote(flask)} --app subscribe_service"
    if folder:
        prefix = f"TRUSTSITE_REPORTS_DIR={shlex.quote(str(Path(folder).resolve()))} {prefix}"
    database = str(current_app.config.get("DATABASE_URL") or "")
    if database.startswith("sqlite:"):  # a file, no credentials: safe to print
        prefix = f"TRUSTSITE_DATABASE_URL={shlex.quote(database)} {prefix}"
    return prefix


def _render(template: str, subject: str, reply_to: str, **context: Any) -> RenderedMail:
    return render_mail(
        f"requests/{template}",
        subject=subject,
        list_id=None,
        unsubscribe_url=None,
        extra_headers={"Reply-To": reply_to},
        **context,
    )


def render_received(session: Session, message: OutboxMessage) -> RenderedMail | None:
    request = reports.request_for(session, message)
    if request is None:
        return None
    ctx = _context(request)
    subject = f"Your request for the {ctx['report_name']}"
    return _render("report_received", subject, team_address(ctx["site"]), **ctx)


def render_team(session: Session, message: OutboxMessage) -> RenderedMail | None:
    request = reports.request_for(session, message)
    if request is None:
        return None
    ctx = _context(request)
    retention = ctx["site"].request_retention_days
    return _render(
        "report_team",
        f"Report request {request.ref} from {request.name} ({request.company})",
        request.email,
        received=request.created_at.strftime("%Y-%m-%d %H:%M UTC"),
        accepted=request.nda_accepted_at.strftime("%Y-%m-%d %H:%M UTC"),
        retention_days=retention,
        delete_on=(request.created_at + dt.timedelta(days=retention)).date().isoformat(),
        command=_cli_prefix(),
        **ctx,
    )


def render_approved(session: Session, message: OutboxMessage) -> RenderedMail | None:
    request = reports.request_for(session, message)
    if (
        request is None
        or request.status != ReportStatus.APPROVED
        or request.link_expires_at is None
    ):
        return None
    ctx = _context(request)
    return _render(
        "report_approved",
        f"Your download link for the {ctx['report_name']}",
        team_address(ctx["site"]),
        download_url=service_url(f"reports/{reports.download_token(request)}"),
        expires=request.link_expires_at.strftime("%Y-%m-%d %H:%M UTC"),
        **ctx,
    )


def render_declined(session: Session, message: OutboxMessage) -> RenderedMail | None:
    request = reports.request_for(session, message)
    if request is None or request.status != ReportStatus.DECLINED:
        return None
    ctx = _context(request)
    subject = f"Your request for the {ctx['report_name']}"
    return _render("report_declined", subject, team_address(ctx["site"]), **ctx)
