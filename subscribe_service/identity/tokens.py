"""Signed links: itsdangerous over a list of secrets, one salt and lifetime per purpose.

A token carries the subscriber id and their token_version; bumping the version (or
erasing the subscriber) revokes every link sent before. Secrets rotate by putting the
new key in TRUSTSITE_SECRET_KEY and the old ones in TRUSTSITE_OLD_SECRET_KEYS: links
signed with an old key keep working, new links use the new one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from subscribe_service.infra.models import MAX_ROW_ID

HOUR = 3600
DAY = 24 * HOUR

# purpose -> max age in seconds (None: valid until revoked through token_version).
PURPOSES: dict[str, int | None] = {
    "confirm": 72 * HOUR,
    "manage": None,
    "unsubscribe": None,
    "export": 7 * DAY,
    "object": 180 * DAY,
    "report": None,  # a report's download link: its expiry is the request row's (7 days)
    # Webhook endpoints (webhooks/): the id is the endpoint's, not a subscriber's.
    "webhook-confirm": 72 * HOUR,
    "webhook-manage": None,
}

# A confirmation link carries the topics and up to MAX_PRODUCTS product ids and MAX_REGIONS
# region ids (63 characters at most each): about 2,500 characters at worst. Anything
# longer is not one of ours.
MAX_TOKEN_LENGTH = 3200
# A token's numbers are checked before any query: the subscriber's (or request's) row id
# fits PostgreSQL's INTEGER (MAX_ROW_ID), the version (a counter, or an approval's Unix
# time) 64 bits.
MAX_VERSION = 2**63 - 1
# What the signer writes: the payload in base64url (a leading "." when it is compressed),
# the timestamp and the HMAC-SHA1 signature (20 bytes: 27 base64url characters), joined
# by dots. Anything else is damaged before its signature is even looked at; the OpenAPI
# document gives the same pattern and lengths for every {token} in a path.
TOKEN_PATTERN = r"^\.?[A-Za-z0-9_-]{2,}\.[A-Za-z0-9_-]{2,}\.[A-Za-z0-9_-]{27}$"
MIN_TOKEN_LENGTH = 33
_TOKEN = re.compile(TOKEN_PATTERN)


class TokenError(Exception):
    """A link that is malformed, forged, expired or revoked; `reason` says which."""

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(detail)
        # "invalid" (malformed), "forged" (well formed, no signature of ours),
        # "expired" or "revoked"
        self.reason = reason
        self.detail = detail


@dataclass(frozen=True)
class TokenData:
    subscriber_id: int
    token_version: int
    extra: dict[str, Any]


def secrets(config: Any = None) -> list[str]:
    cfg = config if config is not None else current_app.config
    old = cfg.get("OLD_SECRET_KEYS") or []
    if isinstance(old, str):
        old = [s.strip() for s in old.split(",") if s.strip()]
    # itsdangerous signs with the LAST key and accepts all of them.
    return [*old, cfg["SECRET_KEY"]]


def _serializer(purpose: str, config: Any = None) -> URLSafeTimedSerializer:
    if purpose not in PURPOSES:
        raise ValueError(f"unknown token purpose {purpose!r}")
    return _cached_serializer(purpose, tuple(secrets(config)))


# A mail carries several links, so the sender signs thousands of tokens per batch:
# build each serializer once per purpose and key list instead of once per token. The
# keys are part of the cache key, so a rotated secret (or another app's) gets its own.
@lru_cache(maxsize=64)
def _cached_serializer(purpose: str, keys: tuple[str, ...]) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(list(keys), salt=f"trustsite.{purpose}")


def make_token(
    purpose: str, subscriber_id: int, token_version: int, config: Any = None, **extra: Any
) -> str:
    """A signed, URL-safe token for `purpose`; `extra` rides along (e.g. topics)."""
    payload = {"s": subscriber_id, "v": token_version, **extra}
    return _serializer(purpose, config).dumps(payload)


def read_token(purpose: str, token: str, config: Any = None) -> TokenData:
    """Verify `token` for `purpose`; raise TokenError with a reason a person understands."""
    if not MIN_TOKEN_LENGTH <= len(token) <= MAX_TOKEN_LENGTH or not _TOKEN.match(token):
        raise TokenError("invalid", "This link is incomplete or damaged.")
    max_age = PURPOSES.get(purpose)
    try:
        payload = _serializer(purpose, config).loads(token, max_age=max_age)
    except SignatureExpired:
        raise TokenError(
            "expired", "This link has expired. Ask for a new one and use it within its time."
        ) from None
    except BadSignature:
        raise TokenError("forged", "This link is incomplete or damaged.") from None
    if (
        not isinstance(payload, dict)
        or not _in_range(payload.get("s"), 1, MAX_ROW_ID)
        or not _in_range(payload.get("v"), 0, MAX_VERSION)
    ):
        raise TokenError("invalid", "This link is incomplete or damaged.")
    extra = {k: v for k, v in payload.items() if k not in ("s", "v")}
    # Whole numbers riding along are row ids too (a notice's): one a database cannot hold
    # would fail there (PostgreSQL raises for a key beyond its INTEGER), not here.
    if any(isinstance(v, int) and not _in_range(v, 0, MAX_ROW_ID) for v in extra.values()):
        raise TokenError("invalid", "This link is incomplete or damaged.")
    return TokenData(payload["s"], payload["v"], extra)


def _in_range(value: object, low: int, high: int) -> bool:
    """A whole number (not a bool) within [low, high]."""
    return isinstance(value, int) and not isinstance(value, bool) and low <= value <= high
