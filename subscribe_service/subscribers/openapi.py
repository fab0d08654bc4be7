"""The subscription's part of /api/openapi.json: the API under /api/ and the pages behind
the personal links (registered by create_app, merged in by `web.openapi`)."""

from __future__ import annotations

import copy
from typing import Any

from generator.contract import TOPICS
from subscribe_service.subscribers.api import site_products, site_regions
from subscribe_service.web.openapi import (
    EMAIL,
    EXTRA_FORM_FIELDS,
    TOKEN_PARAM,
    _errors,
    _page_op,
    form_post,
    honeypot,
)
from subscribe_service.web.request_body import FIELD_MAX

SUBSCRIBE_BODY = {
    "type": "object",
    "required": ["email"],
    "additionalProperties": False,
    "properties": {
        "email": EMAIL,
        "topics": {
            "type": "array",
            "items": {"type": "string", "enum": list(TOPICS)},
            "minItems": 1,
            "description": "Topics to subscribe to; all of them when left out.",
        },
        "products": {
            "type": ["array", "null"],  # null: every product, as when left out
            "items": {"type": "string"},  # the site's product ids: see `paths`
            "minItems": 1,
            "description": "Only the sub-processor changes that concern these products "
            "(the ids of `products` in the site's service.json); every product when "
            "left out. Changes to documents concern every product. An id the site "
            "does not declare is refused with 422.",
        },
        "regions": {
            "type": ["array", "null"],  # null: every region, as when left out
            "items": {"type": "string"},  # the site's region ids: see `paths`
            "minItems": 1,
            "description": "Only the sub-processor changes that concern these regions "
            "(the ids of `regions` in the site's service.json); every region when left "
            "out. With `products` too, a change is sent when one of its entries serves "
            "both one of these products and one of these regions. An id the site does "
            "not declare is refused with 422.",
        },
        "website": honeypot(FIELD_MAX),
    },
}
EMAIL_ONLY = {
    "type": "object",
    "required": ["email"],
    "additionalProperties": False,
    "properties": {
        "email": EMAIL,
        "website": honeypot(FIELD_MAX),
    },
}
ACCEPTED = {
    "description": "Accepted. The same answer whether or not the address is known.",
    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Accepted"}}},
}
SEE_OTHER = {
    "description": "Form post: redirect to the site's check-your-email page.",
    "headers": {"Location": {"schema": {"type": "string"}}},
}

PATHS: dict[str, Any] = {
    "/api/subscriptions": form_post(
        "Ask to subscribe an address (a confirmation email follows)",
        SUBSCRIBE_BODY,
        accepted=ACCEPTED,
        see_other=SEE_OTHER,
    ),
    "/api/manage-links": form_post(
        "Email a fresh preferences link to a subscriber",
        EMAIL_ONLY,
        accepted=ACCEPTED,
        see_other=SEE_OTHER,
    ),
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
                            **EXTRA_FORM_FIELDS,
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
                            **EXTRA_FORM_FIELDS,
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
                                "regions": {
                                    "type": "array",
                                    "items": {"type": "string"},
                                    "description": "Regions to limit sub-processor "
                                    "changes to; none ticked: every region.",
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
                            **EXTRA_FORM_FIELDS,
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
}


def paths() -> dict[str, Any]:
    """PATHS as the built site makes them, when the document is asked for: `products`
    (`regions`) takes exactly the product (region) ids of service.json (the server refuses
    any other with 422), and a site without products (regions) offers no such field."""
    doc = copy.deepcopy(PATHS)
    subscribe = doc["/api/subscriptions"]["post"]["requestBody"]["content"]
    manage = doc["/manage/{token}"]["post"]["requestBody"]["content"]
    for field, known in (("products", site_products()), ("regions", site_regions())):
        bodies = [
            (subscribe["application/json"]["schema"], known),
            # A form sends an empty value for no choice: every one, like no field at all.
            (subscribe["application/x-www-form-urlencoded"]["schema"], [*known, ""]),
            (manage["application/x-www-form-urlencoded"]["schema"], [*known, ""]),
        ]
        for schema, ids in bodies:
            if not known:
                del schema["properties"][field]
                continue
            schema["properties"][field]["items"] = {"type": "string", "enum": ids}
            if "" in ids:  # a form: nothing ticked (or an empty field) is every one
                schema["properties"][field].pop("minItems", None)
    return doc
