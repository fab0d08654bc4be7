"""What a subscriber sends: the subscribe request and topic choices."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from generator.contract import TOPICS
from subscribe_service.identity.addresses import InvalidInput, normalise_email

# Product (region) ids a subscription may name (they ride in the signed confirmation link).
MAX_SCOPE_IDS = 20
MAX_PRODUCTS = MAX_REGIONS = MAX_SCOPE_IDS


@dataclass(frozen=True)
class SubscribeRequest:
    email: str
    topics: list[str]
    honeypot: bool
    products: list[str] | None = None  # None: every product
    regions: list[str] | None = None  # None: every region


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
    return parse_scope("products", "product", value, known, form=form)


def parse_regions(
    value: object, known: Sequence[str], *, form: bool = False
) -> list[str] | None:
    """The regions a subscription is limited to, sorted; None for every region (the rules
    of `parse_products`, with the site's region ids)."""
    return parse_scope("regions", "region", value, known, form=form)


def parse_scope(
    field: str, noun: str, value: object, known: Sequence[str], *, form: bool = False
) -> list[str] | None:
    """`field` (`products` or `regions`): a list of the site's `noun` ids, or None for all."""
    if value is None:
        return None
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise InvalidInput(field, f"`{field}` must be a list of {noun} ids.")
    names = {part.strip() for item in value for part in item.split(",") if part.strip()}
    every = f"leave `{field}` out for every {noun}"
    if len(names) > MAX_SCOPE_IDS:
        raise InvalidInput(field, f"Choose at most {MAX_SCOPE_IDS} {field}, or {every}.")
    if not names:
        if form:
            return None
        raise InvalidInput(field, f"Choose at least one {noun}, or {every}.")
    for name in sorted(names):
        if name not in known:
            shown = name[:63].encode("unicode_escape").decode("ascii")
            choices = (
                f"choose from: {', '.join(known)}"
                if known
                else f"this site has no {field}; leave `{field}` out"
            )
            raise InvalidInput(field, f"Unknown {noun} {shown!r}; {choices}.")
    return sorted(names)


def parse_subscribe(
    data: dict[str, object],
    known_products: Sequence[str] = (),
    *,
    form: bool = False,
    known_regions: Sequence[str] = (),
) -> SubscribeRequest:
    unknown = set(data) - {"email", "topics", "website", "products", "regions"}
    if unknown:
        names = ", ".join(sorted(str(k)[:40] for k in unknown))
        raise InvalidInput(
            "body",
            f"Unknown field(s): {names}. Send `email`, `topics`, `products` and `regions`.",
        )
    honeypot = data.get("website")
    if honeypot is not None and not isinstance(honeypot, str):
        raise InvalidInput("website", "`website` must be text.")
    email = normalise_email(data.get("email"))
    # A form without topic choices (a one-field form) subscribes to everything.
    topics = parse_topics(data["topics"]) if "topics" in data else list(TOPICS)
    products = parse_products(data.get("products"), known_products, form=form)
    regions = parse_regions(data.get("regions"), known_regions, form=form)
    return SubscribeRequest(
        email=email,
        topics=topics,
        honeypot=bool(honeypot and honeypot.strip()),
        products=products,
        regions=regions,
    )


def payload_scope(raw: object) -> list[str] | None:
    """The products (or regions) of a queued request or a signed link, as the API
    validated them; None (every one) when absent, as in rows queued before they existed."""
    if not isinstance(raw, list):
        return None
    return sorted({p for p in raw if isinstance(p, str)}) or None
