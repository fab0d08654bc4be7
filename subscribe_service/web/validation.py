"""Input checks for everything a client sends; each failure says what to fix."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from email_validator import EmailNotValidError, validate_email

from generator.contract import TOPICS
from subscribe_service.infra.models import EMAIL_MAX


class InvalidInput(ValueError):
    """Bad input from a client; becomes a 400/422 problem naming the field."""

    def __init__(self, field: str, detail: str, status: int = 422) -> None:
        super().__init__(detail)
        self.field = field
        self.detail = detail
        self.status = status


# Product ids a subscription may name (they ride in the signed confirmation link).
MAX_PRODUCTS = 20


@dataclass(frozen=True)
class SubscribeRequest:
    email: str
    topics: list[str]
    honeypot: bool
    products: list[str] | None = None  # None: every product


def normalise_email(value: object) -> str:
    """The address as stored and sent: validated, local part as written, domain in lower
    case and in its ASCII (A-label) form, without DNS lookups.

    The service speaks plain SMTP, so an address must be ASCII on the wire: an
    internationalised domain is written as its A-label (`bücher.example` ->
    `xn--bcher-kva.example`), and a local part with other characters is refused here
    with a reason, rather than accepted and then failing at every send. Identity (for
    duplicates and limits) is `address_key`, not this value.
    """
    if not isinstance(value, str) or not value.strip():
        raise InvalidInput("email", "Give an email address, like name@example.com.")
    if "\r" in value or "\n" in value or "\x00" in value:
        raise InvalidInput("email", "The email address must be on one line.")
    value = value.strip()
    if len(value) > EMAIL_MAX:
        raise InvalidInput("email", f"The email address is longer than {EMAIL_MAX} characters.")
    return _normalise(value)


def address_key(address: str) -> str:
    """Who an address is: the same mailbox however its letters were cased.

    Takes a `normalise_email` result (ASCII, domain already lower case) and lower-cases
    the local part too: RFC 5321 lets a server tell `Ann@` from `ann@`, but no mailbox
    provider in practice does, and treating them as two people let one inbox be
    flooded past its per-address limit.
    """
    return address.lower()


# Cached: the rate limiter's key and the view both need the same address per request.
@lru_cache(maxsize=4096)
def _normalise(value: str) -> str:
    local, _, domain = value.rpartition("@")
    if local and not local.isascii():
        raise InvalidInput("email", _non_ascii_local(local, domain))
    try:
        checked = validate_email(value, check_deliverability=False, allow_smtputf8=False)
    except EmailNotValidError as err:
        raise InvalidInput("email", f"That email address is not valid: {err}") from None
    result = f"{checked.local_part}@{checked.ascii_domain.lower()}"
    if len(result) > EMAIL_MAX:
        raise InvalidInput("email", f"The email address is longer than {EMAIL_MAX} characters.")
    return result


def _non_ascii_local(local: str, domain: str) -> str:
    shown = local[:64]
    detail = (
        f"The part before the @ ({shown!r}) has characters other than plain ASCII letters, "
        "digits and punctuation. This service sends mail without the SMTPUTF8 extension, "
        "so it cannot deliver to such an address; please give an ASCII address for the "
        "same mailbox."
    )
    folded = unicodedata.normalize("NFKC", local)
    if folded.isascii():  # full-width letters, ligatures and the like
        detail += f" Did you mean {folded + '@' + unicodedata.normalize('NFKC', domain)!r}?"
    return detail


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
