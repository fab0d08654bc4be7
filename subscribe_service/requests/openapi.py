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
from subscribe_service.requests.views import BODY_FIELD_MAX
from subscribe_service.web.openapi import EMAIL, form_post, honeypot

# forms.one_line: no control character at all (tab and line breaks included), no line or
# paragraph separator, and something besides spaces (the characters str.strip removes
# that the body guard lets through). Its length is counted after runs of spaces are
# collapsed, so a longer value full of spaces is accepted too.
_ONE_LINE_REFUSED = r"\u0000-\u001F\u007F-\u009F\u2028\u2029"
_SPACES = r" \u00A0\u1680\u2000-\u200A\u202F\u205F\u3000"
_ONE_LINE = f"[^{_ONE_LINE_REFUSED}]"
ONE_LINE_PATTERN = rf"^{_ONE_LINE}*[^{_ONE_LINE_REFUSED}{_SPACES}]{_ONE_LINE}*$"
# forms._details: line breaks and tabs, but no carriage return or other control.
DETAILS_PATTERN = r"^[^\u0000-\u0008\u000B-\u001F\u007F-\u009F]*$"
# forms._version: blank (left out), or a version with spaces around it.
_SPACE_OR_BREAK = r"[\t\n\r \u00A0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000]"
HONEYPOT = honeypot(BODY_FIELD_MAX)
ACCEPTED = {
    "description": "Recorded; a confirming email is on its way.",
    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Accepted"}}},
}
SEE_OTHER = {
    "description": "Form post: redirect to the site's request-received page.",
    "headers": {"Location": {"schema": {"type": "string"}}},
}


def _text(max_length: int, description: str) -> dict[str, Any]:
    return {
        "type": "string",
        "pattern": ONE_LINE_PATTERN,
        "minLength": 1,
        "maxLength": max_length,
        "description": description,
    }


DPA_REQUEST = {
    "type": "object",
    "required": ["name", "email", "company"],
    "additionalProperties": False,
    "properties": {
        "name": _text(NAME_MAX, "The requester's name (one line)."),
        "email": {**EMAIL, "description": "Work email; the DPA is sent here."},
        "company": _text(COMPANY_MAX, "The client company the requester works for."),
        "signed_version": {
            "type": ["string", "null"],
            "maxLength": VERSION_MAX,
            "pattern": rf"^{_SPACE_OR_BREAK}*([0-9]+(\.[0-9]+){{0,2}})?{_SPACE_OR_BREAK}*$",
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
            "type": ["string", "null"],
            "pattern": DETAILS_PATTERN,
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
