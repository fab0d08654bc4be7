"""POST /api/report-requests and GET /reports/<token> (the download link of an approval).

The request takes JSON or the form of the site's /security/ page, with the rules of the
other request forms (problem+json naming the field, its own rate-limit counters, origin
checks, honeypot). The download answers 400 for a damaged or forged link, 410 for one
that expired or was revoked, 429 when it was already used today; it serves the file from
TRUSTSITE_REPORTS_DIR (never the static site), stamped when pypdf is installed.
"""

from __future__ import annotations

import datetime as dt

from flask import Blueprint, Response, current_app
from sqlalchemy.exc import IntegrityError

from subscribe_service.infra.db import get_session
from subscribe_service.requests.reports import gate as reports
from subscribe_service.requests.reports.mails import team_address
from subscribe_service.requests.reports.stamp import (
    off_the_event_loop,
    stamp,
    stamp_text,
    stamping_available,
)
from subscribe_service.requests.settings import NotConfigured, get_settings
from subscribe_service.requests.views import _accepted
from subscribe_service.web.problems import problem
from subscribe_service.web.request_body import read_body

bp = Blueprint("reports", __name__)

REPORT_MAX_BYTES = 50 * 1024 * 1024


@bp.post("/api/report-requests")
def report_request() -> Response:
    form = reports.parse_report_request(read_body(field_max=1000))
    if form.honeypot:
        return _accepted()
    site = get_settings().require_site()
    reports.reports_dir()  # 503 when no report can be served at all
    # Only what the site offers, whatever files the private folder holds: the answer is
    # the same whether or not a file exists (approving waits for a missing one).
    reports.check_offered(site, form, today=dt.datetime.now(dt.UTC).date())
    session = get_session()
    reports.record_report_request(session, form, team_address=team_address(site))
    session.commit()
    return _accepted()


@bp.get("/reports/<token>")
def download(token: str) -> Response:
    session = get_session()
    request = reports.read_download(session, token)
    path = reports.report_file(request.report)
    if path is None or path.stat().st_size > REPORT_MAX_BYTES:
        session.rollback()  # not recorded: nothing was served
        current_app.logger.error("report file for %s is missing or too large", request.ref)
        return problem(503, "Report unavailable", "The report cannot be served right now.")
    request_id, ref, report, email = request.id, request.ref, request.report, request.email
    # The day's download is claimed (committed) before the file is read and stamped: of
    # parallel downloads of one link, one gets the claim and stamps, the others are told
    # at once (429), in this process or any other, instead of each stamping first.
    try:
        session.commit()
    except IntegrityError:
        session.rollback()
        raise reports.already_used(dt.datetime.now(dt.UTC)) from None
    try:
        content = path.read_bytes()
    except OSError as err:
        reports.release_download(session, request_id)  # nothing was served: try again
        current_app.logger.error("report file for %s cannot be read: %s", ref, err.strerror)
        return problem(503, "Report unavailable", "The report cannot be served right now.")
    if current_app.config.get("REPORTS_STAMP") and stamping_available():
        text = stamp_text(email, dt.datetime.now(dt.UTC).date())
        content = off_the_event_loop(stamp, content, text)
    current_app.logger.info("report %s downloaded for %s", report, ref)
    response = Response(content, mimetype="application/pdf")
    response.headers["Content-Disposition"] = f'attachment; filename="{report}.pdf"'
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.errorhandler(reports.LinkRefused)
def _refused(err: reports.LinkRefused) -> Response:
    titles = {400: "Damaged link", 410: "Link no longer valid", 429: "Already downloaded today"}
    headers = {"Retry-After": str(err.retry_after)} if err.retry_after else None
    return problem(err.status, titles.get(err.status, "Refused"), err.detail, headers=headers)


@bp.errorhandler(NotConfigured)
@bp.errorhandler(reports.ReportNotConfigured)
def _not_configured(err: Exception) -> Response:
    current_app.logger.error("report request refused: %s", err)
    return problem(
        503,
        "Service unavailable",
        "Reports cannot be requested right now; write to the security team by email instead.",
        headers={"Retry-After": "3600"},
    )
