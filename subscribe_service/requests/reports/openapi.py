"""The report request endpoint's part of /api/openapi.json (merged in with the others).

Built when the document is asked for: `report` names the reports the built site offers on
request (while TRUSTSITE_REPORTS_DIR is a folder) and `nda_version` the NDA the form shows,
so the document never promises a request the server would refuse."""

from __future__ import annotations

import copy
import datetime as dt
from typing import Any

from subscribe_service.requests.models import COMPANY_MAX, NAME_MAX, VERSION_MAX
from subscribe_service.requests.openapi import EMAIL, _post, _text
from subscribe_service.requests.reports.gate import (
    ReportNotConfigured,
    nda_versions_shown,
    reports_dir,
)
from subscribe_service.requests.settings import NotConfigured, get_settings
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
            "pattern": r"^[a-z0-9][a-z0-9-]{0,62}$",
            "description": "The id of a certification whose report the site offers on "
            "request; any other id is refused.",
        },
        "nda_version": {
            "type": "string",
            "maxLength": VERSION_MAX,
            "pattern": r"^[0-9]+(\.[0-9]+){0,2}$",
            "description": "The version of the click-through NDA the form shows (the one in "
            "force); any other version is refused.",
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


def offered_reports() -> tuple[list[str], list[str]]:
    """(the ids of the reports that can be requested now, the NDA versions accepted): what
    `gate.check_offered` lets through. Nothing while no report can be served (no private
    folder, or no built site to say what is offered)."""
    try:
        reports_dir()
        site = get_settings().require_site()
    except (ReportNotConfigured, NotConfigured):
        return [], []
    today = dt.datetime.now(dt.UTC).date()
    return sorted(r.id for r in site.reports), sorted(nda_versions_shown(site, today))


def report_paths() -> dict[str, Any]:
    """Always documented (it is part of the service's contract), with exactly what the gate
    lets through now: while no report is offered, no value of `report` is valid (422), and
    a service without its private folder answers 503."""
    offered, nda_versions = offered_reports()
    schema = copy.deepcopy(REPORT_REQUEST)
    nothing = {"not": {}, "description": "Nothing can be requested now: every value is refused."}
    properties = schema["properties"]
    properties["report"] = {**properties["report"], "enum": offered} if offered else nothing
    properties["nda_version"] = (
        {**properties["nda_version"], "enum": nda_versions} if nda_versions else nothing
    )
    return {
        "/api/report-requests": _post(
            "Request a security audit report under NDA",
            "Records the request with the NDA version accepted and the time, acknowledges "
            "it to the requester and tells the security team. If the team approves it, the "
            "requester gets a signed download link that works once a day for 7 days.",
            schema,
        ),
    }
