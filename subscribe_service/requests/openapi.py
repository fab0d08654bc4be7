"""The request endpoints' part of /api/openapi.json (merged in by `web.openapi`)."""

from __future__ import annotations

from typing import Any

from subscribe_service.requests.models import (
    COMPANY_MAX,
    DETAILS_MAX,
    NAME_MAX,
    REQUEST_TYPES,
    VERSION_MAX,
)
from subscribe_service.web.openapi import form_post

HONEYPOT = {
    "type": "string",
    "maxLength": 1000,
    "description": "Honeypot: leave empty (hidden in the form).",
}
ACCEPTED = {
    "description": "Recorded; a confirming email is on its way.",
    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Accepted"}}},
}
SEE_OTHER = {
    "description": "Form post: redirect to the site's request-received page.",
    "headers": {"Location": {"schema": {"type": "string"}}},
}
EMAIL = {"type": "string", "format": "email", "maxLength": 254}


def _text(max_length: int, description: str) -> dict[str, Any]:
    return {"type": "string", "minLength": 1, "maxLength": max_length, "description": description}


DPA_REQUEST = {
    "type": "object",
    "required": ["name", "email", "company"],
    "additionalProperties": False,
    "properties": {
        "name": _text(NAME_MAX, "The requester's name (one line)."),
        "email": {**EMAIL, "description": "Work email; the DPA is sent here."},
        "company": _text(COMPANY_MAX, "The client company the requester works for."),
        "signed_version": {
            "type": "string",
            "maxLength": VERSION_MAX,
            "pattern": r"^(\d+(\.\d+){0,2})?$",
            "description": (
                "The DPA version the company signed, if known: one already in force (a "
                "version announced but not yet effective is refused with 422)."
            ),
        },
        "website": HONEYPOT,
    },
}
SUBJECT_REQUEST = {
    "type": "object",
    "required": ["name", "email", "request_type", "controller"],
    "additionalProperties": False,
    "properties": {
        "name": _text(NAME_MAX, "The individual's name (one line)."),
        "email": {**EMAIL, "description": "Where the acknowledgement is sent."},
        "request_type": {"type": "string", "enum": list(REQUEST_TYPES)},
        "controller": _text(COMPANY_MAX, "The company the individual dealt with."),
        "details": {
            "type": "string",
            "maxLength": DETAILS_MAX,
            "description": "Anything that helps the controller find the data.",
        },
        "website": HONEYPOT,
    },
}


def _post(summary: str, description: str, schema: dict[str, Any]) -> dict[str, Any]:
    return form_post(
        summary,
        schema,
        description=description,
        accepted=ACCEPTED,
        see_other=SEE_OTHER,
        errors=(400, 403, 413, 415, 422, 429, 503),
    )


PATHS: dict[str, Any] = {
    "/api/dpa-requests": _post(
        "Ask for the current DPA",
        "Mails the requester the current version's permalink with its PDF, and tells the "
        "privacy team. Repeats (same email and company) within a day are merged.",
        DPA_REQUEST,
    ),
    "/api/subject-requests": _post(
        "Send a data subject request, to be referred to the controller",
        "The processor acts only on its clients' instructions: the request is acknowledged "
        "to the individual and referred by the privacy team to the named controller.",
        SUBJECT_REQUEST,
    ),
}
