"""The webhook endpoints' part of /api/openapi.json (handed in through the registry)."""

from __future__ import annotations

from typing import Any

from generator.contract import TOPICS
from subscribe_service.web.openapi import EMAIL, EXTRA_FORM_FIELDS, HTML_PAGE, TOKEN_PARAM, text
from subscribe_service.webhooks.api import PRODUCT, PRODUCTS_MAX, REGIONS_MAX
from subscribe_service.webhooks.models import FORMATS, URL_MAX

PROBLEM = {"$ref": "#/components/responses/Problem"}
# What api._parse_url takes, as far as the request alone tells: https, a host name or
# IPv4 address, an optional port, then printable ASCII. (IPv6 literals and, where the
# operator allows a host, plain http are taken too; the document offers the common form.)
_LABEL = "[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
_PORT = (  # 0 to 65535, as urllib reads a port
    "(?:[0-9]|[1-9][0-9]{1,3}|[1-5][0-9]{4}|6[0-4][0-9]{3}|65[0-4][0-9]{2}|655[0-2][0-9]|6553[0-5])"
)
URL_PATTERN = rf"^[Hh][Tt][Tt][Pp][Ss]://{_LABEL}(?:\.{_LABEL})*(?::{_PORT})?(?:[/?#][!-~]*)?$"

REGISTRATION = {
    "type": "object",
    "required": ["url", "email", "topics"],
    "additionalProperties": False,
    "properties": {
        "url": text(
            pattern=URL_PATTERN,
            maxLength=URL_MAX,
            description="Where to POST: https:// to a public address. A host name is looked "
            "up when the endpoint is registered: one that does not resolve, or resolves to a "
            "loopback or private address, is refused with 422 (unless the operator allowed "
            "the host), and every delivery checks it again.",
        ),
        "email": {
            **EMAIL,
            "description": "The owner: gets the confirmation link, and a mail if the endpoint "
            "is paused after three days of failed deliveries.",
        },
        "topics": {
            "type": "array",
            "items": {"type": "string", "enum": list(TOPICS)},
            "minItems": 1,
        },
        "products": {
            "type": "array",
            "items": text(pattern=f"^{PRODUCT.pattern}$"),
            "minItems": 1,
            "maxItems": PRODUCTS_MAX,
            "description": "Only changes that touch these products; all when left out.",
        },
        "regions": {
            "type": "array",
            "items": text(pattern=f"^{PRODUCT.pattern}$"),
            "minItems": 1,
            "maxItems": REGIONS_MAX,
            "description": "Only changes that touch these regions; all when left out. With "
            "`products` too, a change is posted when one of its entries serves both one of "
            "these products and one of these regions, and the body lists only those entries.",
        },
        "format": {
            "type": "string",
            "enum": list(FORMATS),
            "default": "standard",
            "description": "standard: a Standard Webhooks event; slack: a Block Kit message "
            "for an incoming-webhook URL; teams: an Adaptive Card for a Workflows webhook URL.",
        },
    },
}


def _page(summary: str, ok: str = "200", extra: tuple[int, ...] = ()) -> dict[str, Any]:
    return {
        "summary": summary,
        "parameters": [TOKEN_PARAM],
        "responses": {ok: HTML_PAGE, **{str(c): PROBLEM for c in (400, 403, 404, 410, *extra)}},
    }


DELIVERY_PARAM = {
    "name": "delivery_id",
    "in": "path",
    "required": True,
    "schema": {"type": "integer"},
}

PATHS: dict[str, Any] = {
    "/api/webhooks": {
        "post": {
            "summary": "Register a webhook endpoint (its owner confirms by email)",
            "description": "Deliveries follow the Standard Webhooks specification; see "
            "docs/webhooks.md for the event, the signature and the retry schedule.",
            "requestBody": {
                "required": True,
                "content": {"application/json": {"schema": REGISTRATION}},
            },
            "responses": {
                "202": {
                    "description": "Accepted. The same answer whatever the address owns.",
                    "content": {
                        "application/json": {"schema": {"$ref": "#/components/schemas/Accepted"}}
                    },
                },
                **{str(c): PROBLEM for c in (400, 403, 413, 415, 422, 429)},
            },
        }
    },
    "/webhooks/confirm/{token}": {
        "get": _page("What a webhook confirmation link will confirm"),
        "post": _page("Confirm the endpoint; shows its signing secret once", extra=(429,)),
    },
    "/webhooks/manage/{token}": {"get": _page("The endpoint and its recent deliveries")},
    "/webhooks/manage/{token}/rotate": {"post": _page("A new signing secret, shown once")},
    "/webhooks/manage/{token}/pause": {"post": _page("Pause deliveries")},
    "/webhooks/manage/{token}/resume": {"post": _page("Resume; held deliveries are queued")},
    "/webhooks/manage/{token}/delete": {
        "post": {
            **_page("Delete the endpoint and its record", extra=(413, 422)),
            "requestBody": {
                "required": False,
                "content": {
                    "application/x-www-form-urlencoded": {
                        "schema": {
                            "type": "object",
                            **EXTRA_FORM_FIELDS,
                            "properties": {
                                "confirm": {
                                    "type": "string",
                                    "enum": ["yes"],
                                    "description": "The ticked box; anything else is 422.",
                                }
                            },
                        }
                    }
                },
            },
        }
    },
    "/webhooks/manage/{token}/redeliver/{delivery_id}": {
        "post": {
            **_page("Post one delivery again, same webhook-id", ok="202", extra=(409, 429)),
            "parameters": [TOKEN_PARAM, DELIVERY_PARAM],
        }
    },
}
