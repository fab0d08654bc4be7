"""One guard in front of every view: a body the service cannot use is a 4xx problem.

Before any view runs, a POST's body is read once and refused with a problem+json that
names what to fix when it is:

- JSON that is not UTF-8 (or declares another charset), not well formed, nested deeper
  than MAX_DEPTH (Python's parser would run out of stack: a 500), with a key twice (which
  of the two counts is anyone's guess), NaN/Infinity or a number of more than
  MAX_NUMBER_DIGITS digits (400);
- a urlencoded form whose escapes are not UTF-8 (400), or a multipart field whose bytes
  are not text in its charset (422 naming the field), rather than stored with U+FFFD;
- text holding a control character other than tab and line breaks, or half of a UTF-16
  pair, in any field, key or value, JSON or form (422 naming the field): PostgreSQL
  refuses NUL outright (a DataError, once a 500), SQLite stores it and the sender mails it,
  and neither belongs in a name, an address or a reason. Fields that must be one line
  refuse line breaks in their own parsers;
- not a form on the pages that post forms (415);
- streamed (chunked) and longer than MAX_CONTENT_LENGTH (413, as with a Content-Length).

A JSON body parsed here is what `request.get_json()` returns later (not parsed twice);
the app's JSON provider parses with the same rules for any other caller.
"""

from __future__ import annotations

import json
import re
import unicodedata
from typing import Any
from urllib.parse import parse_qsl

from flask import Flask, request
from flask.json.provider import DefaultJSONProvider
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.http import parse_options_header
from werkzeug.sansio.multipart import (
    Data,
    Epilogue,
    Event,
    Field,
    File,
    MultipartDecoder,
    NeedData,
)

from subscribe_service.identity.addresses import InvalidInput

MAX_DEPTH = 32  # the service's bodies are two levels deep
MAX_NUMBER_DIGITS = 100
URLENCODED = "application/x-www-form-urlencoded"
FORM_TYPES = (URLENCODED, "multipart/form-data")
BODY_METHODS = {"POST", "PUT", "PATCH", "DELETE"}
# The personal pages' own forms post here; JSON or anything else is a mistake.
FORM_ONLY = {
    "confirm.confirm",
    "manage.save",
    "manage.export",
    "manage.erase",
    "objections.object_change",
}
# RFC 8058: mail providers post one-click unsubscribes with any body; it is never read.
BODY_IGNORED = {"unsubscribe.one_click"}
# Strings are skipped when measuring depth: brackets inside them do not nest.
_STRING = re.compile(r'"(?:[^"\\]|\\.)*"', re.DOTALL)
_BRACKETS = re.compile(r"[\[\]{}]")
_ALLOWED_CONTROLS = "\t\n\r"
# The control characters check_text refuses (all but tab, LF and CR) as an ECMA-262
# character class: the OpenAPI document gives every string of every request body
# TEXT_PATTERN, so the document refuses what the guard refuses (checked by
# tests/subscribe_service/web/test_openapi_fuzz.py). Halves of UTF-16 pairs are not in
# it: a JSON Schema string is Unicode text, which a lone surrogate is not (RFC 8259
# 8.2), and a \uD800-\uDFFF range is refused as a regex by the validators.
REFUSED_CONTROLS = r"\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F"
TEXT_PATTERN = rf"^[^{REFUSED_CONTROLS}]*$"


class _Refused(Exception):
    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


def check_body() -> None:
    """before_request: refuse a body no view can use, before any view (or limit) sees it."""
    # The request object itself: each use of the `request` proxy costs a lookup, and this
    # runs before every view (the subscribe endpoint's share was measurable).
    req = request._get_current_object()  # type: ignore[attr-defined]
    endpoint = req.endpoint
    if req.method not in BODY_METHODS or endpoint in BODY_IGNORED:
        return
    if endpoint is None:
        return  # 404/405: nothing will read the body
    _refuse_a_cut_body()
    mimetype = req.mimetype
    if req.is_json:
        if endpoint in FORM_ONLY:
            raise InvalidInput("body", "This page takes the form on its page, not JSON.", 415)
        data = parse_json(req.get_data(cache=True), req.mimetype_params.get("charset"))
        req._cached_json = (data, data)  # get_json() returns this, silent or not
        check_text(data)
    elif mimetype in FORM_TYPES:
        raw = request.get_data(cache=True)  # before the form: it is parsed from these bytes
        if mimetype == URLENCODED:
            _check_urlencoded(raw)
        elif any("\ufffd" in value for values in request.form.listvalues() for value in values):
            _check_multipart(raw)
        for key, values in request.form.lists():
            check_text({key: values if len(values) > 1 else values[0]})
        if request.files:
            raise InvalidInput("body", "Files cannot be sent here; send the form's fields.", 415)
    elif request.endpoint in FORM_ONLY and _has_body():
        raise InvalidInput("body", "This page takes the form on its page.", 415)


def _refuse_a_cut_body() -> None:
    """413 for a streamed (chunked) body longer than MAX_CONTENT_LENGTH. Werkzeug refuses
    such a body when it declares its length, but reads a streamed one only up to the limit
    and quietly drops the rest: a valid JSON prefix followed by 70 KB of anything passed as
    that prefix alone. The whole body is one document or it is refused."""
    if request.content_length is not None:
        return  # werkzeug refuses a declared length over the limit itself
    limit = request.max_content_length
    if limit is None:
        return
    if "wsgi.input_terminated" not in request.environ:
        return  # werkzeug reads no streamed body at all from such a server
    if len(request.get_data(cache=True)) >= limit and request.environ["wsgi.input"].read(1):
        raise RequestEntityTooLarge()


def _has_body() -> bool:
    return bool(request.content_length) or "chunked" in request.headers.get("Transfer-Encoding", "")


def parse_json(raw: bytes, charset: str | None = None) -> Any:
    """The body as JSON, or InvalidInput (400) saying what is wrong with it."""
    if charset and charset.strip().lower().replace("_", "-") not in ("utf-8", "utf8"):
        raise InvalidInput("body", "Send JSON as UTF-8 (charset=utf-8), as JSON requires.", 415)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as err:
        raise InvalidInput(
            "body", f"The body is not valid UTF-8 (byte {err.start + 1}); send UTF-8 JSON.", 400
        ) from None
    try:
        _check_depth(text)
        return json.loads(
            text,
            object_pairs_hook=_object,
            parse_int=_int,
            parse_float=_float,
            parse_constant=_constant,
        )
    except _Refused as err:
        raise InvalidInput("body", err.detail, 400) from None
    except json.JSONDecodeError as err:
        raise InvalidInput(
            "body",
            f"The body is not valid JSON ({err.msg} at line {err.lineno}, column {err.colno}); "
            'send a JSON object, like {"email": ...}.',
            400,
        ) from None
    except (ValueError, RecursionError):
        raise InvalidInput("body", 'Send a JSON object, like {"email": ...}.', 400) from None


def _check_depth(text: str) -> None:
    depth = 0
    for bracket in _BRACKETS.findall(_STRING.sub("", text)):
        depth += 1 if bracket in "[{" else -1
        if depth > MAX_DEPTH:
            raise _Refused(f"The JSON is nested more than {MAX_DEPTH} levels deep.")


def _object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise _Refused(f"The key `{_shown(key)}` appears twice in one object; send it once.")
        result[key] = value
    return result


def _int(digits: str) -> int:
    if len(digits.lstrip("-")) > MAX_NUMBER_DIGITS:
        raise _Refused(f"A number in the body has more than {MAX_NUMBER_DIGITS} digits.")
    return int(digits)


def _float(text: str) -> float:
    value = float(text)
    if len(text) > MAX_NUMBER_DIGITS or value in (float("inf"), float("-inf")):
        raise _Refused("A number in the body is too large.")
    return value


def _constant(name: str) -> Any:
    raise _Refused(f"`{name}` is not a JSON number; send a number or text.")


def _check_urlencoded(raw: bytes) -> None:
    try:
        parse_qsl(raw.decode("utf-8"), keep_blank_values=True, errors="strict")
    except UnicodeDecodeError:
        raise InvalidInput(
            "body", "The form is not valid UTF-8; send the form as UTF-8.", 400
        ) from None


def _check_multipart(raw: bytes) -> None:
    """422 for a multipart field whose bytes are not text in its charset (UTF-8 unless
    the part declares another): werkzeug decodes such bytes to U+FFFD, and the field
    would be stored as something its sender never wrote. Only run when a value holds a
    U+FFFD, which a sender may also have meant: so the bytes decide."""
    boundary = request.mimetype_params.get("boundary", "")
    decoder = MultipartDecoder(boundary.encode("latin-1", "replace"))
    decoder.receive_data(raw)
    decoder.receive_data(None)
    field, charset, chunks = None, "utf-8", []
    while not isinstance(event := _next(decoder), NeedData | Epilogue):
        if isinstance(event, Field | File):  # files are refused on their own, below
            field = event.name if isinstance(event, Field) else None
            charset, chunks = _part_charset(event.headers.get("Content-Type", "")), []
        elif isinstance(event, Data) and field is not None:
            chunks.append(event.data)
            if not event.more_data:
                try:
                    b"".join(chunks).decode(charset)
                except UnicodeDecodeError:
                    shown = _shown(field)
                    raise InvalidInput(
                        shown, f"`{shown}` is not valid {charset.upper()}; send the form as UTF-8."
                    ) from None


def _next(decoder: MultipartDecoder) -> Event:
    try:
        return decoder.next_event()
    except ValueError:
        raise InvalidInput("body", "The form is not valid multipart/form-data.", 400) from None


def _part_charset(content_type: str) -> str:
    """The charset werkzeug decodes a part with: the one it declares, among these four."""
    declared = parse_options_header(content_type)[1].get("charset", "").lower()
    return declared if declared in {"ascii", "us-ascii", "utf-8", "iso-8859-1"} else "utf-8"


def check_text(data: Any) -> None:
    """Refuse a control character or lone surrogate anywhere in `data`, naming the field."""
    stack: list[tuple[str, Any]] = [("body", data)]
    while stack:
        field, value = stack.pop()
        if isinstance(value, str):
            _check_string(field, value)
        elif isinstance(value, dict):
            for key, item in value.items():
                name = key if field == "body" else f"{field}.{key}"
                _check_string(field, key)
                stack.append((name, item))
        elif isinstance(value, list):
            stack.extend((f"{field}[{i}]", item) for i, item in enumerate(value))


def _check_string(field: str, value: str) -> None:
    if value.isprintable():
        return  # the common case, at C speed
    for char in value:
        category = unicodedata.category(char)
        if (category == "Cc" and char not in _ALLOWED_CONTROLS) or category == "Cs":
            what = "half of a UTF-16 pair" if category == "Cs" else "a control character"
            shown = _shown(field)
            raise InvalidInput(
                shown,
                f"`{shown}` contains {what} (U+{ord(char):04X}), which text cannot hold; "
                "remove it.",
            )


def _shown(text: str) -> str:
    return text[:40].encode("unicode_escape").decode("ascii")


class GuardedJSONProvider(DefaultJSONProvider):
    """Any other parse of JSON through the app follows the guard's rules."""

    def loads(self, s: str | bytes, **kwargs: Any) -> Any:
        raw = s if isinstance(s, bytes) else s.encode("utf-8", "surrogatepass")
        data = parse_json(raw)  # InvalidInput is a ValueError: get_json's usual path
        check_text(data)
        return data


def init_app(app: Flask) -> None:
    app.json = GuardedJSONProvider(app)
    app.before_request(check_body)
