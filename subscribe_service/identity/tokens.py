"""Signed links: itsdangerous over a list of secrets, one salt and lifetime per purpose.

A token carries the subscriber id and their token_version; bumping the version (or
erasing the subscriber) revokes every link sent before. Secrets rotate by putting the
new key in TRUSTSITE_SECRET_KEY and the old ones in TRUSTSITE_OLD_SECRET_KEYS: links
signed with an old key keep working, new links use the new one.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
import struct
import time
import zlib
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


def signing_key(config: Any = None) -> str:
    """The key new tokens are signed with: SECRET_KEY, the newest (`secrets`' last).
    Read on its own because the sender signs four tokens a mail, and building the whole
    key list each time was a thirtieth of its CPU."""
    return (config if config is not None else current_app.config)["SECRET_KEY"]  # type: ignore[no-any-return]


def secrets(config: Any = None) -> list[str]:
    cfg = config if config is not None else current_app.config
    old = cfg.get("OLD_SECRET_KEYS") or []
    if isinstance(old, str):
        old = [s.strip() for s in old.split(",") if s.strip()]
    # itsdangerous signs with the LAST key and accepts all of them.
    return [*old, signing_key(cfg)]


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
    if purpose not in PURPOSES:
        raise ValueError(f"unknown token purpose {purpose!r}")
    payload = {"s": subscriber_id, "v": token_version, **extra}
    return _cached_signer(purpose, signing_key(config)).dumps(payload, int(time.time()))


class _Signer:
    """What `URLSafeTimedSerializer(keys, salt).dumps` writes, byte for byte, for the key
    it signs with (the last one), with the derived key's HMAC state built once.

    A notice carries several links, so the sender signs a few tokens per mail: through
    itsdangerous each one derives the key again and builds a signer and an HMAC from
    scratch, a tenth of the sender's CPU per mail. Reading a token stays itsdangerous'
    (`read_token`); tests/subscribe_service/identity/test_tokens.py holds this to its
    output.
    """

    def __init__(self, salt: str, secret_key: str | bytes) -> None:
        secret = secret_key.encode() if isinstance(secret_key, str) else secret_key
        # itsdangerous' defaults: "django-concat" key derivation, HMAC-SHA1.
        key = hashlib.sha1(salt.encode() + b"signer" + secret).digest()
        self._mac = hmac.new(key, digestmod=hashlib.sha1)

    def dumps(self, payload: Any, timestamp: int) -> str:
        # URLSafeSerializerMixin.dump_payload: compact JSON, compressed when that is
        # shorter by more than a byte (then marked by a leading dot), base64url.
        data = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()
        compressed = zlib.compress(data)
        shorter = len(compressed) < len(data) - 1
        value = b"." + _b64(compressed) if shorter else _b64(data)
        # TimestampSigner.sign: the timestamp's big-endian bytes without leading zeros.
        value += b"." + _b64(_UINT64.pack(timestamp).lstrip(b"\x00"))
        mac = self._mac.copy()
        mac.update(value)
        return (value + b"." + _b64(mac.digest())).decode("ascii")


_UINT64 = struct.Struct(">Q")


def _b64(data: bytes) -> bytes:
    return base64.urlsafe_b64encode(data).rstrip(b"=")


@lru_cache(maxsize=64)
def _cached_signer(purpose: str, secret_key: str | bytes) -> _Signer:
    return _Signer(f"trustsite.{purpose}", secret_key)


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
