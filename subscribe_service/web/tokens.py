"""Signed links: itsdangerous over a list of secrets, one salt and lifetime per purpose.

A token carries the subscriber id and their token_version; bumping the version (or
erasing the subscriber) revokes every link sent before. Secrets rotate by putting the
new key in TRUSTSITE_SECRET_KEY and the old ones in TRUSTSITE_OLD_SECRET_KEYS: links
signed with an old key keep working, new links use the new one.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

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

MAX_TOKEN_LENGTH = 1000


class TokenError(Exception):
    """A link that is malformed, forged, expired or revoked; `reason` says which."""

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(detail)
        self.reason = reason  # "invalid" | "expired" | "revoked"
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
    if not token or len(token) > MAX_TOKEN_LENGTH:
        raise TokenError("invalid", "This link is incomplete or damaged.")
    max_age = PURPOSES.get(purpose)
    try:
        payload = _serializer(purpose, config).loads(token, max_age=max_age)
    except SignatureExpired:
        raise TokenError(
            "expired", "This link has expired. Ask for a new one and use it within its time."
        ) from None
    except BadSignature:
        raise TokenError("invalid", "This link is incomplete or damaged.") from None
    if (
        not isinstance(payload, dict)
        or not isinstance(payload.get("s"), int)
        or not isinstance(payload.get("v"), int)
    ):
        raise TokenError("invalid", "This link is incomplete or damaged.")
    extra = {k: v for k, v in payload.items() if k not in ("s", "v")}
    return TokenData(payload["s"], payload["v"], extra)
