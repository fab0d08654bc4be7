"""Reading a request's body, JSON or form, the same way on every endpoint that takes one."""

from __future__ import annotations

from typing import Any

from flask import request

from subscribe_service.identity.addresses import InvalidInput

FIELD_MAX = 1000  # any single form or JSON value
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


def _is_form() -> bool:
    # Read from the raw header: asked up to four times per request, werkzeug's parsed
    # mimetype (through the request proxy) was a measurable share of a subscribe.
    content_type: str = request.environ.get("CONTENT_TYPE", "")
    return content_type.partition(";")[0].strip().lower() in FORM_TYPES


def read_body(list_fields: tuple[str, ...] = (), *, field_max: int = FIELD_MAX) -> dict[str, Any]:
    """The request body as a dict, from JSON or a form; anything else is a 4xx.

    `field_max` caps every value (forms with a free-text field allow more).
    """
    if _is_form():
        form = request.form
        data: dict[str, Any] = {}
        for key in form:
            values = form.getlist(key)
            data[key] = values if key in list_fields else values[-1]
    elif request.is_json:
        data = request.get_json(silent=True)  # type: ignore[assignment]
        if not isinstance(data, dict):
            raise InvalidInput("body", 'The body must be a JSON object, like {"email": ...}.', 400)
    else:
        raise InvalidInput(
            "body",
            "Send JSON (Content-Type: application/json) or an HTML form post.",
            415,
        )
    for key, value in data.items():
        if len(str(key)) > 100 or len(str(value)) > field_max:
            # A field over its cap is invalid input (422, naming it); 413 is for a
            # body over MAX_CONTENT_LENGTH as a whole.
            raise InvalidInput(str(key)[:100], f"`{str(key)[:40]}` is too long.", 422)
    return data


def _wants_page() -> bool:
    """A browser's plain form post is sent on to a page. The site's subscribe script posts
    the same form but asks for JSON: following a 303 to the site's origin would fail CORS
    when the service runs on another origin, and the script would post the form twice."""
    return _is_form() and request.accept_mimetypes.best != "application/json"
