"""Parsing the two request forms: every field checked, every failure naming what to fix.

The same rules as subscriptions (shared `InvalidInput` and `normalise_email`): no unknown
fields, length limits everywhere, and no line breaks or control characters in anything
that reaches a mail header or a one-line field.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from subscribe_service.identity.addresses import InvalidInput, normalise_email
from subscribe_service.requests.models import (
    COMPANY_MAX,
    DETAILS_MAX,
    NAME_MAX,
    REQUEST_TYPES,
    VERSION_MAX,
)

HONEYPOT = "website"
_VERSION = re.compile(r"^[0-9]+(\.[0-9]+){0,2}\Z")  # ASCII digits; \Z: no trailing newline


@dataclass(frozen=True)
class DpaRequestForm:
    name: str
    email: str
    company: str
    signed_version: str | None
    honeypot: bool


@dataclass(frozen=True)
class SubjectRequestForm:
    name: str
    email: str
    request_type: str
    controller: str
    details: str
    honeypot: bool


def parse_dpa_request(data: dict[str, object]) -> DpaRequestForm:
    _refuse_unknown(data, {"name", "email", "company", "signed_version", HONEYPOT})
    return DpaRequestForm(
        name=one_line(data, "name", "your name", NAME_MAX),
        email=normalise_email(data.get("email")),
        company=one_line(data, "company", "your company", COMPANY_MAX),
        signed_version=_version(data.get("signed_version")),
        honeypot=_honeypot(data),
    )


def parse_subject_request(data: dict[str, object]) -> SubjectRequestForm:
    _refuse_unknown(data, {"name", "email", "request_type", "controller", "details", HONEYPOT})
    return SubjectRequestForm(
        name=one_line(data, "name", "your name", NAME_MAX),
        email=normalise_email(data.get("email")),
        request_type=_request_type(data.get("request_type")),
        controller=one_line(data, "controller", "the company you dealt with", COMPANY_MAX),
        details=_details(data.get("details")),
        honeypot=_honeypot(data),
    )


def one_line(data: dict[str, object], field: str, what: str, max_len: int) -> str:
    """A required single-line text: trimmed, inner whitespace collapsed, no control chars."""
    value = data.get(field)
    if value is None or (isinstance(value, str) and not value.strip()):
        raise InvalidInput(field, f"Give {what} in `{field}`.")
    if not isinstance(value, str):
        raise InvalidInput(field, f"`{field}` must be text.")
    if _has_control(value):
        raise InvalidInput(field, f"`{field}` must be one line of text, without line breaks.")
    value = " ".join(value.split())
    if len(value) > max_len:
        raise InvalidInput(field, f"`{field}` is longer than {max_len} characters; shorten it.")
    return value


def company_key(company: str) -> str:
    """How two spellings of one company compare when merging duplicate requests."""
    return " ".join(company.casefold().split())


def _refuse_unknown(data: dict[str, object], known: set[str]) -> None:
    unknown = set(data) - known
    if unknown:
        names = ", ".join(sorted(str(k)[:40] for k in unknown))
        expected = ", ".join(f"`{k}`" for k in sorted(known - {HONEYPOT}))
        raise InvalidInput("body", f"Unknown field(s): {names}. Send {expected}.")


def _honeypot(data: dict[str, object]) -> bool:
    value = data.get(HONEYPOT)
    if value is not None and not isinstance(value, str):
        raise InvalidInput(HONEYPOT, f"`{HONEYPOT}` must be text.")
    return bool(value and value.strip())


def _version(value: object) -> str | None:
    if isinstance(value, str) and len(value) > VERSION_MAX:
        raise InvalidInput(
            "signed_version", f"`signed_version` is longer than {VERSION_MAX} characters."
        )
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if not isinstance(value, str) or len(value) > VERSION_MAX or not _VERSION.match(value.strip()):
        raise InvalidInput(
            "signed_version",
            "`signed_version` is a version number like 1.0 or 2.1; leave it empty if unsure.",
        )
    return value.strip()


def _request_type(value: object) -> str:
    if not isinstance(value, str) or value not in REQUEST_TYPES:
        raise InvalidInput(
            "request_type", f"`request_type` must be one of: {', '.join(REQUEST_TYPES)}."
        )
    return value


def _details(value: object) -> str:
    """Optional free text; line breaks allowed (it never reaches a header), NUL refused."""
    if value is None:
        return ""
    if not isinstance(value, str):
        raise InvalidInput("details", "`details` must be text.")
    value = value.replace("\r\n", "\n").replace("\r", "\n").strip()
    if any(_is_control(c) and c not in "\n\t" for c in value):
        raise InvalidInput("details", "`details` contains control characters; remove them.")
    if len(value) > DETAILS_MAX:
        raise InvalidInput(
            "details", f"`details` is longer than {DETAILS_MAX} characters; shorten it."
        )
    return value


def _is_control(char: str) -> bool:
    return unicodedata.category(char) == "Cc"


def _has_control(value: str) -> bool:
    return any(_is_control(c) or c in "\u2028\u2029" for c in value)
