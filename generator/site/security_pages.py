"""The security section of the site: `/security/` with its badges and report request form,
the NDA and the disclosure policy pages, and `/.well-known/security.txt` (RFC 9116).

The version permalinks, redlines and version list of the `security` topic come from
generator.site.text_pages like every text topic; this module replaces only the topic's front
page, which shows more than the current text.
"""

from __future__ import annotations

import datetime as dt
import html
from collections.abc import Sequence

from markupsafe import Markup

from generator import contract
from generator.contract import Status, page_path
from generator.history.changes import ChangeRecord
from generator.history.urls import absolute_url
from generator.load.model import TextVersionDoc, TrustData
from generator.load.security import (
    SECURITY,
    SECURITY_DOCUMENTS,
    Certification,
    CertState,
    ReportAccess,
    SecurityVersionDoc,
    cert_state,
    current_security,
)
from generator.load.timeline import TopicTimeline, published_status
from generator.site.page_context import AddPage, service_action, version_context

SECURITY_TXT = ".well-known/security.txt"
# RFC 9116 2.5.5: Expires should be less than a year ahead; the daily build renews it.
SECURITY_TXT_LIFETIME = dt.timedelta(days=180)

_BADGE_COLOURS = {
    CertState.valid: "#1b6e3a",
    CertState.expiring: "#8a5a00",
    CertState.renewal: "#8a5a00",
    CertState.lapsed: "#a1242b",
}


def add_security_pages(
    add: AddPage,
    line: TopicTimeline,
    by_id: dict[str, ChangeRecord],
    data: TrustData,
    today: dt.date,
) -> None:
    """`/security/` (replacing the generic page of the topic) and the two documents' pages."""
    if not line.published:
        return
    versions = [version_context(line, by_id, doc, None) for doc in line.published]
    current = next((v for v in versions if v["status"] is Status.current), None)
    doc = current["doc"] if current else None
    assert doc is None or isinstance(doc, SecurityVersionDoc)
    certifications = [_cert_view(c, today) for c in (doc.certifications if doc else ())]
    nda = _current_document(data, "nda", today)
    add(
        f"{SECURITY}/index.md",
        "security.md.j2",
        v=current,
        upcoming=[v for v in versions if v["status"] is Status.upcoming],
        certifications=certifications,
        requestable=[c for c in certifications if c["cert"].report is ReportAccess.on_request],
        practices=doc.practices if doc else (),
        nda=nda,
        has_disclosure=bool(data.documents.get("disclosure")),
        report_request_action=service_action(data.site, "report-requests"),
    )
    for name, title in SECURITY_DOCUMENTS.items():
        _add_document(add, name, title, data.documents.get(name, ()), today)


def _cert_view(cert: Certification, today: dt.date) -> dict[str, object]:
    state = cert_state(cert, today)
    return {"cert": cert, "state": state.value, "badge": badge_svg(cert.standard, state)}


def home_badges(data: TrustData, today: dt.date) -> list[dict[str, object]]:
    """The certifications of the security version in force, for the home page's row of
    badges: a lapsed one is never shown there (the security page says it lapsed)."""
    doc = current_security(data, today)
    if doc is None:
        return []
    views = [_cert_view(c, today) for c in doc.certifications]
    return [v for v in views if v["state"] != CertState.lapsed.value]


def badge_svg(label: str, state: CertState) -> Markup:
    """A two-part badge drawn inline: no image request leaves the page (the site's CSP)."""
    status = {
        CertState.valid: "certified",
        CertState.expiring: "renewal due",
        CertState.renewal: "renewal in progress",
        CertState.lapsed: "lapsed",
    }[state]
    # Widths from the character count: close enough for a short label in a 11px sans font.
    left, right = 12 + 7 * len(label), 12 + 7 * len(status)
    width = left + right
    text = f"{label}: {status}"
    return Markup(
        f'<svg class="ts-badge" xmlns="http://www.w3.org/2000/svg" width="{width}" height="22" '
        f'viewBox="0 0 {width} 22" role="img" aria-label="{html.escape(text)}">'
        f"<title>{html.escape(text)}</title>"
        f'<rect width="{left}" height="22" rx="3" fill="#3b3f46"/>'
        f'<rect x="{left}" width="{right}" height="22" rx="3" fill="{_BADGE_COLOURS[state]}"/>'
        f'<g fill="#fff" font-family="Verdana,DejaVu Sans,sans-serif" font-size="11">'
        f'<text x="6" y="15">{html.escape(label)}</text>'
        f'<text x="{left + 6}" y="15">{html.escape(status)}</text></g></svg>'
    )


def _published(docs: Sequence[TextVersionDoc], today: dt.date) -> list[TextVersionDoc]:
    return [d for d in docs if d.announced <= today]


def _current_document(data: TrustData, name: str, today: dt.date) -> TextVersionDoc | None:
    published = _published(data.documents.get(name, ()), today)
    label = contract.in_force_on([(d.version, d.effective) for d in published], today)
    return next((d for d in published if d.version == label), None)


def _add_document(
    add: AddPage, name: str, title: str, docs: Sequence[TextVersionDoc], today: dt.date
) -> None:
    published = _published(docs, today)
    if not published:
        return
    in_force = contract.in_force_on([(d.version, d.effective) for d in published], today)
    views = []
    for doc in published:
        status = published_status(doc.version, doc.effective, in_force, today)
        views.append({"doc": doc, "status": status, "path": document_path(name, doc.version)})
    current = next((v for v in views if v["status"] is Status.current), None)
    for view in views:
        add(f"{view['path']}index.md", "security_document.md.j2", title=title, d=view, all=views)
    if current is not None:
        path = document_path(name)
        add(f"{path}index.md", "security_document.md.j2", title=title, d=current, all=views)


def document_path(name: str, version: str | None = None) -> str:
    """`security/nda/`, `security/nda/1.0/`, `security/disclosure/`."""
    return page_path(f"{SECURITY}/{name}", version)


# --- /.well-known/security.txt ---------------------------------------------------------------


def security_txt(data: TrustData, today: dt.date) -> bytes | None:
    """RFC 9116's file, from site.yaml's contacts; None when there is no security contact."""
    contacts = data.site.contacts
    if contacts.security is None:
        return None
    expires = dt.datetime.combine(today + SECURITY_TXT_LIFETIME, dt.time(), tzinfo=dt.UTC)
    lines = [
        f"# Security contact of {data.site.company.name}; see RFC 9116.",
        f"Contact: mailto:{contacts.security}",
        f"Expires: {expires.strftime('%Y-%m-%dT%H:%M:%SZ')}",
    ]
    if contacts.encryption is not None:
        lines.append(f"Encryption: {contacts.encryption}")
    lines.append("Preferred-Languages: en")
    lines.append(f"Canonical: {absolute_url(data.site, SECURITY_TXT)}")
    if _current_document(data, "disclosure", today) is not None:
        lines.append(f"Policy: {absolute_url(data.site, document_path('disclosure'))}")
    return ("\n".join(lines) + "\n").encode("utf-8")


def security_outputs(data: TrustData, today: dt.date) -> dict[str, bytes]:
    content = security_txt(data, today)
    return {SECURITY_TXT: content} if content is not None else {}
