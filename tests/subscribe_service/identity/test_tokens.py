"""make_token's own signer against itsdangerous, the oracle: the same bytes for the same
payload, salt, key and second, and read_token (itsdangerous) accepts what it writes."""

from __future__ import annotations

import random
import string
from typing import Any

import pytest
from itsdangerous import TimestampSigner, URLSafeTimedSerializer

from subscribe_service.identity import tokens

CONFIG = {"SECRET_KEY": "current-key-0123456789abcdef", "OLD_SECRET_KEYS": "old-a, old-b"}
STAMPS = [0, 1, 255, 256, 1_700_000_000, 2**32 - 1, 2**32, 2**40 + 7]


def oracle(purpose: str, keys: list[str], payload: Any, stamp: int) -> str:
    """What itsdangerous writes at the Unix time `stamp`."""

    class AtStamp(TimestampSigner):
        def get_timestamp(self) -> int:
            return stamp

    serializer = URLSafeTimedSerializer(keys, salt=f"trustsite.{purpose}", signer=AtStamp)
    return serializer.dumps(payload)


def payloads() -> list[dict[str, Any]]:
    rng = random.Random(20261207)
    alphabet = string.printable + 'äöü€漢字\u2028\x00"\\'
    found: list[dict[str, Any]] = [
        {"s": 1, "v": 0},
        {"s": 2**31 - 1, "v": 2**63 - 1},
        {"s": 5, "v": 1, "t": ["dpa", "security"] * 40},  # compresses: leading "."
        {"s": 5, "v": 1, "n": "x" * 300},
        {"s": 5, "v": 1, "t": "subprocessors"},
        {"s": 9, "v": 3, "e": "ünïcödé@bücher.example"},
        {"s": 9, "v": 3, "f": 1.5, "b": True, "z": None, "d": {"k": [1, 2]}},
    ]
    for _ in range(200):
        extra = {
            rng.choice("abcdefgntx"): "".join(rng.choices(alphabet, k=rng.randrange(0, 120)))
            for _ in range(rng.randrange(0, 4))
        }
        found.append({"s": rng.randrange(1, 2**31), "v": rng.randrange(0, 2**40), **extra})
    return found


@pytest.mark.parametrize("purpose", sorted(tokens.PURPOSES))
def test_the_signer_writes_what_itsdangerous_writes(purpose):
    keys = tokens.secrets(CONFIG)
    signer = tokens._cached_signer(purpose, keys[-1])
    for number, payload in enumerate(payloads()):
        stamp = STAMPS[number % len(STAMPS)]
        assert signer.dumps(payload, stamp) == oracle(purpose, keys, payload, stamp), payload


def test_bytes_and_text_keys_sign_alike():
    payload = {"s": 3, "v": 1}
    by_text = tokens._Signer("trustsite.manage", "k\u00e9y").dumps(payload, 1_700_000_000)
    by_bytes = tokens._Signer("trustsite.manage", "k\u00e9y".encode()).dumps(payload, 1_700_000_000)
    assert by_text == by_bytes == oracle("manage", ["k\u00e9y"], payload, 1_700_000_000)


@pytest.mark.parametrize("purpose", sorted(tokens.PURPOSES))
def test_read_token_accepts_every_token_make_token_writes(purpose):
    for payload in payloads()[:40]:
        subscriber, version = payload.pop("s"), payload.pop("v")
        payload = {k: v for k, v in payload.items() if not isinstance(v, int)}
        token = tokens.make_token(purpose, subscriber, version, CONFIG, **payload)
        data = tokens.read_token(purpose, token, CONFIG)
        assert (data.subscriber_id, data.token_version, data.extra) == (
            subscriber,
            version,
            payload,
        )


def test_a_token_is_signed_with_the_newest_key_and_bound_to_its_purpose():
    token = tokens.make_token("manage", 7, 2, CONFIG)
    only_new = {"SECRET_KEY": CONFIG["SECRET_KEY"]}
    only_old = {"SECRET_KEY": "old-b"}
    assert tokens.read_token("manage", token, only_new).subscriber_id == 7
    with pytest.raises(tokens.TokenError) as old:
        tokens.read_token("manage", token, only_old)
    assert old.value.reason == "forged"
    with pytest.raises(tokens.TokenError) as other:
        tokens.read_token("unsubscribe", token, CONFIG)
    assert other.value.reason == "forged"


def test_an_unknown_purpose_is_refused():
    with pytest.raises(ValueError, match="unknown token purpose"):
        tokens.make_token("nonsense", 1, 1, CONFIG)
