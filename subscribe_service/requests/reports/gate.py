"""Gated security reports: the request form, the team's decision, the download link.

A request names a report the site offers on request (a certification id of the built
site's `service.json`, whose PDF is `<id>.pdf` in TRUSTSITE_REPORTS_DIR) and accepts the
version of the click-through NDA the form shows. The
security team approves or declines it with `flask --app subscribe_service requests
approve|decline ID`. Approval mails a signed link (purpose `report`, bound to the request
and to the approval) that works until `link_expires_at` (TRUSTSITE_REPORT_LINK_DAYS, 7 by
default) and once per day. Mails hold only the request id and are rendered at send time,
so erasing a request also stops its mails.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import re
from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from flask import Flask, current_app
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from generator.contract import ServiceInfo, current_on
from subscribe_service.identity import tokens
from subscribe_service.identity.addresses import InvalidInput, normalise_email
from subscribe_service.infra.models import OutboxMessage, utcnow
from subscribe_service.mail.outbox import enqueue
from subscribe_service.requests.forms import (
    _VERSION,
    HONEYPOT,
    _honeypot,
    _refuse_unknown,
    one_line,
)
from subscribe_service.requests.models import COMPANY_MAX, NAME_MAX, VERSION_MAX
from subscribe_service.requests.records import add_and_queue, mails_about, request_id_in
from subscribe_service.requests.reports.models import (
    ReportDownload,
    ReportRequest,
    ReportStatus,
)

log = logging.getLogger("subscribe_service.requests")

PURPOSE = "report"
REPORT_RECEIVED = "report_request_received"  # to the requester
REPORT_TEAM = "report_request_team"  # to the security team
REPORT_APPROVED = "report_request_approved"  # to the requester, with the link
REPORT_DECLINED = "report_request_declined"  # to the requester
KINDS = (REPORT_RECEIVED, REPORT_TEAM, REPORT_APPROVED, REPORT_DECLINED)

_REPORT_ID = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}$")
_YES = {"yes", "true", "on", "1"}
NO_SUCH_REPORT = "There is no such report; choose one listed on the page."


class ReportNotConfigured(RuntimeError):
    """TRUSTSITE_REPORTS_DIR is not set or not a folder: no report can be requested."""


class LinkRefused(Exception):
    """A download link that cannot be served; `status` is 400 (damaged), 410 (no longer)
    or 429 (already used today)."""

    def __init__(self, status: int, detail: str, retry_after: int | None = None) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.retry_after = retry_after


# --- the form ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReportRequestForm:
    name: str
    email: str
    company: str
    report: str
    nda_version: str
    honeypot: bool


FIELDS = {"name", "email", "company", "report", "nda_version", "accept_nda", HONEYPOT}


def parse_report_request(data: dict[str, object]) -> ReportRequestForm:
    _refuse_unknown(data, FIELDS)
    report = data.get("report")
    if not isinstance(report, str) or not report:
        raise InvalidInput("report", "Choose the report you need in `report`.")
    if not _REPORT_ID.match(report):  # answered like any report not on offer
        raise InvalidInput("report", NO_SUCH_REPORT)
    version = data.get("nda_version")
    if not isinstance(version, str) or len(version) > VERSION_MAX or not _VERSION.match(version):
        raise InvalidInput("nda_version", "`nda_version` is the NDA version shown on the form.")
    accept = data.get("accept_nda")
    if accept is not True and not (isinstance(accept, str) and accept.lower() in _YES):
        raise InvalidInput(
            "accept_nda", "Accept the non-disclosure agreement (`accept_nda`) to request a report."
        )
    return ReportRequestForm(
        name=one_line(data, "name", "your name", NAME_MAX),
        email=normalise_email(data.get("email")),
        company=one_line(data, "company", "your company", COMPANY_MAX),
        report=report,
        nda_version=version,
        honeypot=_honeypot(data),
    )


def nda_versions_shown(site: ServiceInfo, today: dt.date) -> set[str]:
    """The NDA versions a report request may accept: the one the built form shows (in
    force on the build date) and the one in force today."""
    return {
        v.version
        for v in (current_on(site.nda, site.as_of), current_on(site.nda, today))
        if v is not None
    }


def check_offered(site: ServiceInfo, form: ReportRequestForm, *, today: dt.date) -> None:
    """InvalidInput unless the site offers `form.report` on request and `form.nda_version`
    is the NDA the form shows: the one in force on the build date, or today (a version
    that took effect overnight, before the daily build). A `public` certification, a file
    of the private folder that no certification offers, or an NDA version never published
    (or no longer in force) is refused alike."""
    if site.report_name(form.report) is None:
        raise InvalidInput("report", NO_SUCH_REPORT)
    shown = nda_versions_shown(site, today)
    if form.nda_version not in shown:
        detail = (
            f"`nda_version` must be the version of the NDA the page shows "
            f"({', '.join(sorted(shown))}); reload the page and accept it."
            if shown
            else "No NDA is published yet, so no report can be requested; write to us."
        )
        raise InvalidInput("nda_version", detail)


def reports_dir(app: Flask | None = None) -> Path:
    configured = (app or current_app).config.get("REPORTS_DIR")
    folder = Path(configured) if configured else None
    if folder is None or not folder.is_dir():
        raise ReportNotConfigured(f"TRUSTSITE_REPORTS_DIR is not a folder: {configured!r}")
    return folder.resolve()


def report_file(report: str, app: Flask | None = None) -> Path | None:
    """`<REPORTS_DIR>/<report>.pdf` if it is there; ids are slugs, so no path escapes."""
    if not _REPORT_ID.match(report):  # at most 63 characters, the column's width
        return None
    path = reports_dir(app) / f"{report}.pdf"
    return path if path.is_file() else None


# --- recording and deciding --------------------------------------------------------------------


def record_report_request(
    session: Session, form: ReportRequestForm, *, team_address: str, now: dt.datetime | None = None
) -> ReportRequest:
    now = now or utcnow()
    request = ReportRequest(
        name=form.name,
        email=form.email,
        company=form.company,
        report=form.report,
        nda_version=form.nda_version,
        nda_accepted_at=now,
        status=ReportStatus.RECEIVED,
        created_at=now,
        updated_at=now,
    )
    add_and_queue(session, request, [(REPORT_RECEIVED, form.email), (REPORT_TEAM, team_address)])
    return request


class DecisionError(ValueError):
    pass


def approve(
    session: Session, request: ReportRequest, *, days: int, now: dt.datetime | None = None
) -> ReportRequest:
    """Approve (or approve again, with a fresh link) and queue the mail with the link."""
    if request.status == ReportStatus.DECLINED:
        raise DecisionError(f"{request.ref} was declined; a declined request stays declined")
    if report_file(request.report) is None:
        raise DecisionError(
            f"no report file {request.report}.pdf in {reports_dir()}; add it, then approve"
        )
    now = now or utcnow()
    request.status = ReportStatus.APPROVED
    request.decided_at = now
    request.link_expires_at = now + dt.timedelta(days=days)
    request.updated_at = now
    session.flush()
    enqueue(
        session, kind=REPORT_APPROVED, recipient=request.email, payload={"request_id": request.id}
    )
    return request


def decline(session: Session, request: ReportRequest, now: dt.datetime | None = None) -> None:
    """Decline; an approved request's link stops working at once."""
    now = now or utcnow()
    request.status = ReportStatus.DECLINED
    request.decided_at = now
    request.link_expires_at = None
    request.updated_at = now
    session.flush()
    enqueue(
        session, kind=REPORT_DECLINED, recipient=request.email, payload={"request_id": request.id}
    )


def download_token(request: ReportRequest) -> str:
    """Bound to the request and to its approval time: approving again replaces the link."""
    assert request.decided_at is not None
    return tokens.make_token(PURPOSE, request.id, int(request.decided_at.timestamp()))


def read_download(session: Session, token: str, now: dt.datetime | None = None) -> ReportRequest:
    """The approved request a link belongs to, with its download recorded for today."""
    try:
        data = tokens.read_token(PURPOSE, token)
    except tokens.TokenError as err:
        raise LinkRefused(400, err.detail) from None
    gone = "This link no longer works. Ask for the report again on our security page."
    try:
        request = session.get(ReportRequest, data.subscriber_id)
    except ValueError as err:  # a date SQLite holds as text that is not a date
        session.rollback()
        log.error("report-%d cannot be read (%s); its link is refused", data.subscriber_id, err)
        raise LinkRefused(410, gone) from None
    if (
        request is None
        or request.status != ReportStatus.APPROVED
        or request.decided_at is None
        or int(request.decided_at.timestamp()) != data.token_version
    ):
        raise LinkRefused(410, gone)
    now = now or utcnow()
    if request.link_expires_at is None or now >= request.link_expires_at:
        raise LinkRefused(410, "This link has expired. Ask for the report again.")
    day = now.date().isoformat()
    used = session.scalar(
        select(ReportDownload.id).where(
            ReportDownload.request_id == request.id, ReportDownload.day == day
        )
    )
    if used is not None:
        raise already_used(now)
    # The unique (request, day) pair settles a race of two downloads: the caller's commit
    # fails for the second one, which answers like the check above (`already_used`).
    session.add(ReportDownload(request_id=request.id, day=day, downloaded_at=now))
    return request


def release_download(session: Session, request_id: int, now: dt.datetime | None = None) -> None:
    """Give back today's download of a request when nothing could be served after all."""
    day = (now or utcnow()).date().isoformat()
    session.execute(
        delete(ReportDownload).where(
            ReportDownload.request_id == request_id, ReportDownload.day == day
        )
    )
    session.commit()


def already_used(now: dt.datetime) -> LinkRefused:
    tomorrow = dt.datetime.combine(now.date() + dt.timedelta(days=1), dt.time(), dt.UTC)
    return LinkRefused(
        429,
        "This link was already used today; it works again tomorrow.",
        retry_after=max(1, int((tomorrow - now).total_seconds())),
    )


# --- the team's view: list, export, erase, purge -----------------------------------------------


def downloads_of(session: Session, request: ReportRequest) -> list[ReportDownload]:
    return list(
        session.scalars(
            select(ReportDownload)
            .where(ReportDownload.request_id == request.id)
            .order_by(ReportDownload.downloaded_at)
        )
    )


def export_json(session: Session) -> str:
    """Every report request with its downloads, for the team's records."""
    rows = session.scalars(select(ReportRequest).order_by(ReportRequest.created_at))
    return json.dumps([_as_json(session, r) for r in rows], indent=2, sort_keys=True) + "\n"


def _as_json(session: Session, r: ReportRequest) -> dict[str, Any]:
    def iso(value: dt.datetime | None) -> str | None:
        return value.isoformat() if value else None

    return {
        "id": r.ref,
        "name": r.name,
        "email": r.email,
        "company": r.company,
        "report": r.report,
        "nda_version": r.nda_version,
        "nda_accepted_at": iso(r.nda_accepted_at),
        "status": r.status,
        "decided_at": iso(r.decided_at),
        "link_expires_at": iso(r.link_expires_at),
        "created_at": iso(r.created_at),
        "downloads": [iso(d.downloaded_at) for d in downloads_of(session, r)],
    }


def delete_requests(
    session: Session,
    ids: set[int],
    *,
    recipients: Collection[str] = (),
    older_than: dt.datetime | None = None,
) -> int:
    """Delete requests, their downloads and every mail about them; the number of mails.
    `recipients` and `older_than` also take mails whose payload names no request
    (records.mails_about)."""
    doomed = mails_about(session, KINDS, ids, recipients=recipients, older_than=older_than)
    if doomed:
        session.execute(delete(OutboxMessage).where(OutboxMessage.id.in_(doomed)))
    if ids:
        session.execute(delete(ReportDownload).where(ReportDownload.request_id.in_(ids)))
        session.execute(delete(ReportRequest).where(ReportRequest.id.in_(ids)))
    session.flush()
    return len(doomed)


def purge(session: Session, retention_days: int, now: dt.datetime | None = None) -> int:
    """Delete report requests older than the retention period; how many."""
    cutoff = (now or utcnow()) - dt.timedelta(days=retention_days)
    ids = set(session.scalars(select(ReportRequest.id).where(ReportRequest.created_at < cutoff)))
    delete_requests(session, ids, older_than=cutoff)
    return len(ids)


def request_for(session: Session, message: OutboxMessage) -> ReportRequest | None:
    request_id = request_id_in(message.payload)
    if message.kind not in KINDS or request_id is None:
        return None
    return session.get(ReportRequest, request_id)
