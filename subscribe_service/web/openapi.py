"""/api/openapi.json: the OpenAPI 3.0 description of every endpoint the service answers."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, current_app, jsonify

from generator.contract import TOPICS
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
    subscribe_body = {
        "type": "object",
        "required": ["email"],
        "additionalProperties": False,
        "properties": {
            "email": {"type": "string", "format": "email", "maxLength": 254},
            "topics": {
                "type": "array",
                "items": {"type": "string", "enum": list(TOPICS)},
                "minItems": 1,
                "description": "Topics to subscribe to; all of them when left out.",
            },
            "products": {
                "type": "array",
                "items": {"type": "string", "pattern": "^[a-z0-9][a-z0-9-]{0,62}$"},
                "minItems": 1,
                "description": "Only the sub-processor changes that concern these products "
                "(the ids of `products` in the site's service.json); every product when "
                "left out. Changes to documents concern every product. An id the site "
                "does not declare is refused with 422.",
            },
            "website": {
                "type": "string",
                "maxLength": 1000,
                "description": "Honeypot: leave empty (hidden in the form).",
            },
        },
    }
    email_only = {
        "type": "object",
        "required": ["email"],
        "additionalProperties": False,
        "properties": {
            "email": {"type": "string", "format": "email", "maxLength": 254},
            "website": {"type": "string", "maxLength": 1000},
        },
    }
    accepted = {
        "description": "Accepted. The same answer whether or not the address is known.",
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Accepted"}}},
    }
    see_other = {
        "description": "Form post: redirect to the site's check-your-email page.",
        "headers": {"Location": {"schema": {"type": "string"}}},
    }
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
            "/api/subscriptions": form_post(
                "Ask to subscribe an address (a confirmation email follows)",
                subscribe_body,
                accepted=accepted,
                see_other=see_other,
            ),
            "/api/manage-links": form_post(
                "Email a fresh preferences link to a subscriber",
                email_only,
                accepted=accepted,
                see_other=see_other,
            ),
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
            "/confirm/{token}": {
                "get": _page_op("Show what a confirmation link confirms (changes nothing)"),
                "post": _page_op("Confirm the subscription"),
            },
            "/unsubscribe/{token}": {
                "get": _page_op("Show the unsubscribe button (changes nothing)"),
                "post": {
                    **_page_op("One-click unsubscribe (RFC 8058); any body or none"),
                    "requestBody": {
                        "required": False,
                        "content": {
                            "application/x-www-form-urlencoded": {
                                "schema": {
                                    "type": "object",
                                    "properties": {
                                        "List-Unsubscribe": {
                                            "type": "string",
                                            "enum": ["One-Click"],
                                        }
                                    },
                                }
                            },
                        },
                    },
                },
            },
            "/manage/{token}": {
                "get": _page_op("The preferences page"),
                "post": {
                    **_page_op(
                        "Save the chosen topics; none means unsubscribe",
                        errors=(400, 403, 404, 410, 413, 422),
                    ),
                    "requestBody": {
                        "required": False,
                        "content": {
                            "application/x-www-form-urlencoded": {
                                "schema": {
                                    "type": "object",
                                    "properties": {
                                        "topics": {
                                            "type": "array",
                                            "items": {"type": "string", "enum": list(TOPICS)},
                                        },
                                        "products": {
                                            "type": "array",
                                            "items": {"type": "string"},
                                            "description": "Products to limit sub-processor "
                                            "changes to; none ticked: every product.",
                                        },
                                    },
                                }
                            }
                        },
                    },
                },
            },
            "/manage/{token}/export": {
                "post": _page_op("Email the subscriber all their data as JSON", ok="202")
            },
            "/manage/{token}/erase": {
                "post": {
                    **_page_op(
                        "Erase the subscriber's data", errors=(400, 403, 404, 410, 413, 422)
                    ),
                    "requestBody": {
                        "required": True,
                        "content": {
                            "application/x-www-form-urlencoded": {
                                "schema": {
                                    "type": "object",
                                    "required": ["confirm"],
                                    "properties": {"confirm": {"type": "string", "enum": ["yes"]}},
                                }
                            }
                        },
                    },
                }
            },
            "/export/{token}": {
                "get": {
                    "summary": "Download the subscriber's data (link from the export email)",
                    "parameters": [TOKEN_PARAM],
                    "responses": {
                        "200": {
                            "description": "The data as JSON",
                            "content": {"application/json": {"schema": {"type": "object"}}},
                        },
                        **_errors(400, 404, 410),
                    },
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
    # Paths of the other parts (the requests), registered in create_app.
    doc["paths"].update(get_registry().openapi_paths)
    return doc


@bp.get("/api/openapi.json")
def document_view() -> Response:
    return jsonify(document())
