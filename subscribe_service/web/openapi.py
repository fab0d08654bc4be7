"""/api/openapi.json: the OpenAPI 3.0 description of every endpoint the service answers."""

from __future__ import annotations

import copy
import re
from typing import Any

from email_validator import SPECIAL_USE_DOMAIN_NAMES
from flask import Blueprint, Response, current_app, jsonify

from subscribe_service.identity.tokens import MAX_TOKEN_LENGTH, MIN_TOKEN_LENGTH, TOKEN_PATTERN
from subscribe_service.infra.models import EMAIL_MAX
from subscribe_service.registry import get_registry
from subscribe_service.web.body_guard import REFUSED_CONTROLS, TEXT_PATTERN

bp = Blueprint("openapi", __name__)

PROBLEM = {"$ref": "#/components/responses/Problem"}
TOKEN_PARAM = {
    "name": "token",
    "in": "path",
    "required": True,
    "description": "The signed token from the link in an email. A token of another shape "
    "is damaged (400); one of this shape that the service did not sign is not found (404).",
    "schema": {
        "type": "string",
        "pattern": TOKEN_PATTERN,
        "minLength": MIN_TOKEN_LENGTH,
        "maxLength": MAX_TOKEN_LENGTH,
    },
}
HTML_PAGE = {
    "description": "An HTML page that tells the outcome.",
    "content": {"text/html": {"schema": {"type": "string"}}},
}


def text(**schema: Any) -> dict[str, Any]:
    """A string of a request body: the body guard refuses control characters (but tab
    and line breaks) in any field (422), so the document does (body_guard.TEXT_PATTERN;
    a lone UTF-16 surrogate, also refused, is not Unicode text to begin with)."""
    return {"type": "string", "pattern": TEXT_PATTERN, **schema}


def honeypot(max_length: int) -> dict[str, Any]:
    """The hidden `website` field: any text up to the body's field limit is accepted;
    filled (not blank), the answer is the usual success and nothing is done."""
    return text(
        type=["string", "null"],  # null: left out
        maxLength=max_length,
        description="Honeypot, hidden in the form: leave it out or empty. When it holds "
        "anything but spaces the request is answered as if accepted and then ignored.",
    )


def _any_case(word: str) -> str:
    return "".join(f"[{c.upper()}{c.lower()}]" if c.isalpha() else re.escape(c) for c in word)


# identity.addresses.normalise_email (email_validator) refuses the special-use domains
# (RFC 6761: .test, .local, .onion, ...): an address there is not one the document offers.
_SPECIAL_USE = "|".join(_any_case(name) for name in SPECIAL_USE_DOMAIN_NAMES)
EMAIL = text(
    format="email",
    maxLength=EMAIL_MAX,
    pattern=rf"^(?!.*[@.](?:{_SPECIAL_USE})$)[^{REFUSED_CONTROLS}]*$",
)

# Form bodies may carry fields the endpoint does not read; the guard still checks them
# (propertyNames: OpenAPI 3.1, JSON Schema 2020-12).
EXTRA_FORM_FIELDS: dict[str, Any] = {
    "additionalProperties": text(),
    "propertyNames": {"pattern": TEXT_PATTERN},
}


def _errors(*codes: int) -> dict[str, Any]:
    return {str(code): PROBLEM for code in codes}


def form_post(
    summary: str,
    schema: dict[str, Any],
    *,
    accepted: dict[str, Any],
    see_other: dict[str, Any],
    errors: tuple[int, ...] = (400, 403, 413, 415, 422, 429),
    description: str | None = None,
) -> dict[str, Any]:
    """A POST that takes the same fields as JSON (202) or as an HTML form post (303)."""
    form = copy.deepcopy(schema)  # a form has no null: a field is there as text, or not
    for field in form.get("properties", {}).values():
        if isinstance(field.get("type"), list):
            field["type"] = next(kind for kind in field["type"] if kind != "null")
    operation: dict[str, Any] = {"summary": summary}
    if description:
        operation["description"] = description
    operation["requestBody"] = {
        "required": True,
        "content": {
            "application/json": {"schema": schema},
            "application/x-www-form-urlencoded": {"schema": form},
        },
    }
    operation["responses"] = {"202": accepted, "303": see_other, **_errors(*errors)}
    return {"post": operation}


def _page_op(summary: str, ok: str = "200", errors: tuple[int, ...] = (400, 403, 404, 410)) -> dict:
    return {
        "summary": summary,
        "parameters": [TOKEN_PARAM],
        "responses": {ok: HTML_PAGE, **_errors(*errors)},
    }


def document() -> dict[str, Any]:
    doc: dict[str, Any] = {
        "openapi": "3.1.0",
        "info": {
            "title": f"{current_app.config['COMPANY_NAME']} trust center subscriptions",
            "version": "1",
            "description": "Double opt-in email subscriptions to changes of the trust "
            "center's documents. Errors are application/problem+json (RFC 9457).",
        },
        "servers": [{"url": current_app.config["SERVICE_URL"].rstrip("/") or "/"}],
        "paths": {
            "/api/openapi.json": {
                "get": {
                    "summary": "This document",
                    "responses": {
                        "200": {
                            "description": "OpenAPI 3 document",
                            "content": {"application/json": {"schema": {"type": "object"}}},
                        }
                    },
                }
            },
            "/healthz": {
                "get": {
                    "summary": "Liveness: the process answers",
                    "responses": {"200": {"$ref": "#/components/responses/Health"}},
                }
            },
            "/healthz/ready": {
                "get": {
                    "summary": "Readiness: the database answers",
                    "responses": {"200": {"$ref": "#/components/responses/Health"}, **_errors(503)},
                }
            },
        },
        "components": {
            "schemas": {
                "Accepted": {
                    "type": "object",
                    "required": ["status", "detail"],
                    "properties": {"status": {"type": "string"}, "detail": {"type": "string"}},
                },
                "Problem": {
                    "type": "object",
                    "required": ["title", "status", "detail"],
                    "properties": {
                        "type": {"type": "string"},
                        "title": {"type": "string"},
                        "status": {"type": "integer"},
                        "detail": {"type": "string"},
                        "invalid_params": {
                            "type": "array",
                            "items": {
                                "type": "object",
                                "properties": {
                                    "name": {"type": "string"},
                                    "reason": {"type": "string"},
                                },
                            },
                        },
                    },
                },
            },
            "responses": {
                "Problem": {
                    "description": "What went wrong and how to fix it.",
                    "content": {
                        "application/problem+json": {
                            "schema": {"$ref": "#/components/schemas/Problem"}
                        },
                        "text/html": {"schema": {"type": "string"}},
                    },
                },
                "Health": {
                    "description": "Healthy",
                    "content": {
                        "application/json": {
                            "schema": {
                                "type": "object",
                                "required": ["status"],
                                "properties": {"status": {"type": "string", "enum": ["ok"]}},
                            }
                        }
                    },
                },
            },
        },
    }
    # Paths of the parts (subscriptions, requests), registered in create_app.
    doc["paths"].update(get_registry().openapi_paths())
    return doc


@bp.get("/api/openapi.json")
def document_view() -> Response:
    return jsonify(document())
