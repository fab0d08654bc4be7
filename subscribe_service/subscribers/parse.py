"""What a subscriber sends: the subscribe request and topic choices."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from generator.contract import TOPICS
from subscribe_service.identity.addresses import InvalidInput, normalise_email

# Product ids a subscription may name (they ride in the signed confirmation link).
MAX_PRODUCTS = 20


@dataclass(frozen=True)
class SubscribeRequest:
    email: str
    topics: list[str]
    honeypot: bool
    products: list[str] | None = None  # None: every product


def parse_topics(value: object, *, allow_empty: bool = False) -> list[str]:
    """Known topic names from a JSON list or repeated form fields (each may be a comma list)."""
    items: Iterable[object]
    if value is None:
        items = []
    elif isinstance(value, list):
        items = value
    else:
        raise InvalidInput("topics", "`topics` must be a list of topic names.")
    names: list[str] = []
    for item in items:
        if not isinstance(item, str):
            raise InvalidInput("topics", "`topics` must be a list of topic names.")
        names.extend(part.strip() for part in item.split(",") if part.strip())
    topics: list[str] = []
    for name in names:
        if len(name) > 32 or name not in TOPICS:
            shown = name[:32].encode("unicode_escape").decode("ascii")
            raise InvalidInput(
                "topics", f"Unknown topic {shown!r}; choose from: {', '.join(TOPICS)}."
            )
        if name not in topics:
            topics.append(name)
    if len(topics) == 0 and not allow_empty:
        raise InvalidInput("topics", f"Choose at least one topic: {', '.join(TOPICS)}.")
    return sorted(topics, key=TOPICS.index)


def parse_products(
    value: object, known: Sequence[str], *, form: bool = False
) -> list[str] | None:
    """The products a subscription is limited to, sorted; None for every product.

    `known` are the site's product ids (service.json). In JSON, an absent or null
    `products` means every product and an empty list is refused (it would mean no
    notices at all); a form sends nothing when no box is ticked, so there an empty list
    means every product too. A site without products accepts no product ids.
    """
    if value is None:
        return None
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise InvalidInput("products", "`products` must be a list of product ids.")
    names = {part.strip() for item in value for part in item.split(",") if part.strip()}
    if len(names) > MAX_PRODUCTS:
        raise InvalidInput(
            "products",
            f"Choose at most {MAX_PRODUCTS} products, or leave `products` out for every product.",
        )
    if not names:
        if form:
            return None
        raise InvalidInput(
            "products",
            "Choose at least one product, or leave `products` out for every product.",
        )
    for name in sorted(names):
        if name not in known:
            shown = name[:63].encode("unicode_escape").decode("ascii")
            choices = (
                f"choose from: {', '.join(known)}"
                if known
                else "this site has no products; leave `products` out"
            )
            raise InvalidInput("products", f"Unknown product {shown!r}; {choices}.")
    return sorted(names)


def parse_subscribe(
    data: dict[str, object], known_products: Sequence[str] = (), *, form: bool = False
) -> SubscribeRequest:
    unknown = set(data) - {"email", "topics", "website", "products"}
    if unknown:
        names = ", ".join(sorted(str(k)[:40] for k in unknown))
        raise InvalidInput(
            "body", f"Unknown field(s): {names}. Send `email`, `topics` and `products`."
        )
    honeypot = data.get("website")
    if honeypot is not None and not isinstance(honeypot, str):
        raise InvalidInput("website", "`website` must be text.")
    email = normalise_email(data.get("email"))
    # A form without topic choices (a one-field form) subscribes to everything.
    topics = parse_topics(data["topics"]) if "topics" in data else list(TOPICS)
    products = parse_products(data.get("products"), known_products, form=form)
    return SubscribeRequest(
        email=email,
        topics=topics,
        honeypot=bool(honeypot and honeypot.strip()),
        products=products,
    )


def payload_products(payload: dict[str, Any]) -> list[str] | None:
    """The products of a queued request or a signed link, as the API validated them;
    None (every product) when absent, as in rows queued before products existed."""
    raw = payload.get("products")
    if not isinstance(raw, list):
        return None
    return sorted({p for p in raw if isinstance(p, str)}) or None
