"""The report request endpoint's part of /api/openapi.json (merged in with the others)."""

from __future__ import annotations

from typing import Any

from subscribe_service.requests.models import COMPANY_MAX, NAME_MAX, VERSION_MAX
from subscribe_service.requests.openapi import EMAIL, HONEYPOT, _post, _text

REPORT_REQUEST = {
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
            "oneOf": [{"type": "boolean", "enum": [True]}, {"type": "string", "enum": ["yes"]}],
        },
        "website": HONEYPOT,
    },
}

REPORT_PATHS: dict[str, Any] = {
    "/api/report-requests": _post(
        "Request a security audit report under NDA",
        "Records the request with the NDA version accepted and the time, acknowledges it to "
        "the requester and tells the security team. If the team approves it, the requester "
        "gets a signed download link that works once a day for 7 days.",
        REPORT_REQUEST,
    ),
}
