"""POST /api/dpa-requests and POST /api/subject-requests.

Both take JSON or a plain HTML form post from the static site, with the subscription API's
rules: a problem+json 4xx naming the field for bad input, rate limits per client IP and per
address (registered with `limits`), origin checks (`security`), and a honeypot field that
makes a bot's post look accepted while nothing happens. A browser's form post is answered
with a 303 to the site's "request received" page; JSON, or a script asking for JSON, gets
202. Nothing is mailed here: the mails are outbox rows committed with the request.
"""

from __future__ import annotations

import datetime as dt

from flask import Blueprint, Response, current_app, jsonify, redirect

from generator.contract import ServiceInfo, long_date
from subscribe_service.identity.addresses import InvalidInput
from subscribe_service.infra.db import get_session
from subscribe_service.requests import records
from subscribe_service.requests.forms import parse_dpa_request, parse_subject_request
from subscribe_service.requests.models import DETAILS_MAX
from subscribe_service.requests.settings import NotConfigured, get_settings
from subscribe_service.web.problems import problem
from subscribe_service.web.request_body import _wants_page as wants_page
from subscribe_service.web.request_body import read_body

bp = Blueprint("requests", __name__, url_prefix="/api")

RECEIVED_PAGE = "requests/received/"
# A browser sends each line break of a textarea as CRLF while its maxlength counts one
# character, so the raw value may be twice DETAILS_MAX; the form parser then checks the
# normalised text and names the field.
BODY_FIELD_MAX = 2 * DETAILS_MAX
ACCEPTED = {
    "status": "accepted",
    "detail": "Your request was received. An email confirming it is on its way.",
}


def _accepted() -> Response:
    if wants_page():
        return redirect(current_app.config["SITE_URL"] + RECEIVED_PAGE, code=303)
    response = jsonify(ACCEPTED)
    response.status_code = 202
    return response


@bp.post("/dpa-requests")
def dpa_request() -> Response:
    form = parse_dpa_request(read_body(field_max=BODY_FIELD_MAX))
    if form.honeypot:
        return _accepted()
    settings = get_settings()
    site = settings.require_site()
    today = dt.datetime.now(dt.UTC).date()
    _check_signed(site, form.signed_version, today)
    current = settings.current_dpa(today)
    session = get_session()
    records.record_dpa_request(
        session,
        form,
        current_version=current.version if current else None,
        pdf_path=current.pdf if current else None,
        privacy_address=site.contacts.privacy,
    )
    session.commit()
    return _accepted()


def _check_signed(site: ServiceInfo, version: str | None, today: dt.date) -> None:
    """A version one says one signed must have been in force: not a pending one (the form
    offers only versions in force; a script might send any)."""
    doc = site.dpa_version(version) if version else None
    # An unknown version is the privacy team's to sort out (the site may be newer than the
    # service's copy); a pending one is a mistake the requester can fix.
    if doc is not None and doc.effective > today:
        raise InvalidInput(
            "signed_version",
            f"DPA version {version} takes effect on {long_date(doc.effective)}: nobody has "
            "signed it yet. Choose the version you signed, or leave it empty if unsure.",
        )


@bp.post("/subject-requests")
def subject_request() -> Response:
    form = parse_subject_request(read_body(field_max=BODY_FIELD_MAX))
    if form.honeypot:
        return _accepted()
    site = get_settings().require_site()
    session = get_session()
    records.record_subject_request(session, form, privacy_address=site.contacts.privacy)
    session.commit()
    return _accepted()


@bp.errorhandler(NotConfigured)
def _not_configured(err: NotConfigured) -> Response:
    current_app.logger.error("request refused: %s", err)
    return problem(
        503,
        "Service unavailable",
        "Requests cannot be taken right now; write to the privacy team by email instead.",
        headers={"Retry-After": "3600"},
    )
