"""/api/openapi.json: the OpenAPI 3.0 description of every endpoint the service answers."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, current_app, jsonify

from subscribe_service.registry import get_registry

bp = Blueprint("openapi", __name__)

PROBLEM = {"$ref": "#/components/responses/Problem"}
TOKEN_PARAM = {
    "name": "token",
    "in": "path",
    "required": True,
    "description": "The signed token from the link in an email.",
    "schema": {"type": "string", "maxLength": 1000},
}
HTML_PAGE = {
    "description": "An HTML page that tells the outcome.",
    "content": {"text/html": {"schema": {"type": "string"}}},
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
    operation: dict[str, Any] = {"summary": summary}
    if description:
        operation["description"] = description
    operation["requestBody"] = {
        "required": True,
        "content": {
            "application/json": {"schema": schema},
            "application/x-www-form-urlencoded": {"schema": schema},
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
        "openapi": "3.0.3",
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
    doc["paths"].update(get_registry().openapi_paths)
    return doc


@bp.get("/api/openapi.json")
def document_view() -> Response:
    return jsonify(document())
