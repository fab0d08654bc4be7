"""The four request mails, rendered at send time from the request's row.

Links point at the site the service is configured with (TRUSTSITE_SITE_URL), like every
other mail of the service; the company, its contacts and the DPA versions come from the
built site's service.json (settings.py).

A request that was erased or purged before its mail went out renders as None, and the
sender cancels the mail. The DPA copy attaches the version's PDF from the built site
(TRUSTSITE_SITE_DIR); when the site has no PDF the mail says so and links the page
instead, so the requester always gets an answer.
"""

from __future__ import annotations

import datetime as dt
import itertools
import logging
from pathlib import Path
from typing import Any

from flask import current_app
from sqlalchemy.orm import Session

from generator.contract import ServiceInfo, in_force_between, long_date, page_path
from subscribe_service.identity.links import site_url
from subscribe_service.infra.models import OutboxMessage
from subscribe_service.mail.message import RenderedMail
from subscribe_service.mail.renderers import render_mail
from subscribe_service.requests import records
from subscribe_service.requests.models import DpaRequest, SubjectRequest
from subscribe_service.requests.settings import get_settings

log = logging.getLogger("subscribe_service.requests")

PDF_MAX_BYTES = 20 * 1024 * 1024


def render_dpa_copy(session: Session, message: OutboxMessage) -> RenderedMail | None:
    request = records.request_for(session, message)
    if not isinstance(request, DpaRequest):
        return None
    site = get_settings().require_site()
    version = message.payload.get("version")
    pdf = _read_pdf(message.payload.get("pdf"))
    attachments = [(Path(message.payload["pdf"]).name, "application/pdf", pdf)] if pdf else []
    if version:
        subject = f"The current {site.company.name} DPA (version {version})"
    else:
        subject = f"Your request for the {site.company.name} DPA"
    return render_mail(
        "requests/dpa_copy",
        subject=subject,
        list_id=None,
        unsubscribe_url=None,
        extra_headers={"Reply-To": site.contacts.privacy},
        attachments=attachments,
        **_dpa_context(site, request, version, attached=bool(pdf)),
    )


def render_dpa_team(session: Session, message: OutboxMessage) -> RenderedMail | None:
    request = records.request_for(session, message)
    if not isinstance(request, DpaRequest):
        return None
    site = get_settings().require_site()
    version = message.payload.get("version")
    return render_mail(
        "requests/dpa_team",
        subject=f"DPA request from {request.name} ({request.company})",
        list_id=None,
        unsubscribe_url=None,
        extra_headers={"Reply-To": request.email},
        **{
            **_dpa_context(site, request, version, attached=_has_pdf(message.payload)),
            **_team_context(site, request),
        },
    )


def render_subject_ack(session: Session, message: OutboxMessage) -> RenderedMail | None:
    request = records.request_for(session, message)
    if not isinstance(request, SubjectRequest):
        return None
    site = get_settings().require_site()
    return render_mail(
        "requests/subject_ack",
        subject=f"We are referring your request to {request.controller}",
        list_id=None,
        unsubscribe_url=None,
        extra_headers={"Reply-To": site.contacts.privacy},
        site=site,
        request=request,
        privacy_page=site_url(page_path("privacy")),
    )


def render_subject_referral(session: Session, message: OutboxMessage) -> RenderedMail | None:
    request = records.request_for(session, message)
    if not isinstance(request, SubjectRequest):
        return None
    site = get_settings().require_site()
    return render_mail(
        "requests/subject_referral",
        subject=(
            f"Refer to {request.controller}: {request.request_type} request "
            f"from {request.name} ({request.ref})"
        ),
        list_id=None,
        unsubscribe_url=None,
        extra_headers={"Reply-To": request.email},
        **_team_context(site, request),
    )


def _dpa_context(
    site: ServiceInfo, request: DpaRequest, version: str | None, *, attached: bool
) -> dict[str, Any]:
    doc = get_settings().dpa_doc(version) if version else None
    return {
        "site": site,
        "request": request,
        "version": version,
        "effective": long_date(doc.effective) if doc else None,
        "replaced": replacements(site, dt.datetime.now(dt.UTC).date()) if doc else [],
        "version_url": site_url(page_path("dpa", version)) if version else None,
        "dpa_url": site_url(page_path("dpa")),
        "versions_url": site_url(page_path("dpa") + "versions/"),
        "attached": attached,
        "signed_differs": bool(request.signed_version and request.signed_version != version),
    }


def replacements(site: ServiceInfo, today: dt.date) -> list[str]:
    """`Version 2.1 replaces version 2.0 on 15 December 2026.`, for each pending version,
    from the contract's one rule of what is in force when."""
    dated = [(v.version, v.effective) for v in site.dpa]
    last = max((e for _, e in dated), default=today)
    periods = in_force_between(dated, today, last)
    return [
        f"Version {new.version} replaces version {old.version} on {long_date(new.since)}."
        for old, new in itertools.pairwise(periods)
    ]


def _team_context(site: ServiceInfo, request: DpaRequest | SubjectRequest) -> dict[str, Any]:
    retention = site.request_retention_days
    return {
        "site": site,
        "request": request,
        "received": request.created_at.strftime("%Y-%m-%d %H:%M UTC"),
        "retention_days": retention,
        "delete_on": (request.created_at + dt.timedelta(days=retention)).date().isoformat(),
    }


def _has_pdf(payload: dict[str, Any]) -> bool:
    return _read_pdf(payload.get("pdf")) is not None


def _read_pdf(relative: object) -> bytes | None:
    """The PDF at `relative` inside the built site, if it is there and looks like a PDF."""
    if not isinstance(relative, str) or not relative:
        return None
    site_dir = Path(current_app.config["SITE_DIR"]).resolve()
    path = (site_dir / relative).resolve()
    if not path.is_relative_to(site_dir) or not path.is_file():
        log.warning("no DPA PDF at %s; the mail links the page instead", path)
        return None
    if path.stat().st_size > PDF_MAX_BYTES:
        log.warning("DPA PDF %s is too large to attach; the mail links the page instead", path)
        return None
    content = path.read_bytes()
    return content if content.startswith(b"%PDF-") else None
