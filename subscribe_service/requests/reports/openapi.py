"""The report request endpoint's part of /api/openapi.json (merged in with the others).

Built when the document is asked for: the operation is documented only while reports are
offered (TRUSTSITE_REPORTS_DIR is a folder), and `report` names the reports it holds, so
the document never promises a request the server would refuse."""

from __future__ import annotations

import copy
from typing import Any

from subscribe_service.requests.models import COMPANY_MAX, NAME_MAX, VERSION_MAX
from subscribe_service.requests.openapi import EMAIL, _post, _text
from subscribe_service.requests.reports.gate import ReportNotConfigured, report_file, reports_dir
from subscribe_service.web.openapi import honeypot
from subscribe_service.web.request_body import FIELD_MAX

REPORT_REQUEST: dict[str, Any] = {
    "type": "object",
    "required": ["name", "email", "company", "report", "nda_version", "accept_nda"],
    "additionalProperties": False,
    "properties": {
        "name": _text(NAME_MAX, "The requester's name (one line)."),
        "email": {**EMAIL, "description": "Work email; the download link is sent here."},
        "company": _text(COMPANY_MAX, "The company the requester works for."),
        "report": {
            "type": "string",
            "description": "The id of a certification whose report is available on request.",
        },
        "nda_version": {
            "type": "string",
            "maxLength": VERSION_MAX,
            "pattern": r"^[0-9]+(\.[0-9]+){0,2}$",
            "description": "The version of the click-through NDA shown on the form.",
        },
        "accept_nda": {
            "description": "Acceptance of that NDA: true, or the form's checkbox value yes.",
            "oneOf": [
                {"type": "boolean", "enum": [True]},
                # gate.parse_report_request: yes, true, on or 1, in any letter case
                {"type": "string", "pattern": "^([Yy][Ee][Ss]|[Tt][Rr][Uu][Ee]|[Oo][Nn]|1)$"},
            ],
        },
        "website": honeypot(FIELD_MAX),
    },
}


def offered_reports() -> list[str]:
    """The ids of the reports that can be requested now (the PDFs in REPORTS_DIR)."""
    try:
        folder = reports_dir()
    except ReportNotConfigured:
        return []
    ids = (path.stem for path in folder.glob("*.pdf"))
    return sorted(report for report in ids if report_file(report) is not None)


def report_paths() -> dict[str, Any]:
    offered = offered_reports()
    if not offered:
        return {}  # nothing to request: the endpoint only answers 503
    schema = copy.deepcopy(REPORT_REQUEST)
    schema["properties"]["report"]["enum"] = offered
    return {
        "/api/report-requests": _post(
            "Request a security audit report under NDA",
            "Records the request with the NDA version accepted and the time, acknowledges "
            "it to the requester and tells the security team. If the team approves it, the "
            "requester gets a signed download link that works once a day for 7 days.",
            schema,
        ),
    }
