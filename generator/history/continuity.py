"""Key continuity: a history signed by a key binds every later history to it.

A client that downloaded a signed history.json holds the publisher's key. Whoever
controls a mirror can recompute the chain, but cannot sign it; so `trustsite verify SITE
--against OLD` requires, when OLD declared `signing_key`, that the newer history be
signed by that key, or by a key it was rotated to. A rotation is a statement signed by
the old key naming the new one (`trustsite keygen --rotate` makes it; site.yaml keeps it
under `key_rotations`, and each build copies them into history.json):

    {"format": "trustsite-key-rotation/1", "site": <site>, "date": "YYYY-MM-DD",
     "old_key": "ed25519:...", "new_key": "ed25519:..."}

in canonical form (docs/history.md), the base64 Ed25519 signature in `signature`.
Rotations chain: K1 -> K2 -> K3, each signed by the key before.
"""

from __future__ import annotations

from typing import Any

from generator.history.signing import Signer, check_signature, fingerprint
from generator.load.canonical import canonical_bytes

ROTATION_FORMAT = "trustsite-key-rotation/1"
ROTATIONS_KEY = "key_rotations"


def rotation_message(site: str, date: str, old_key: str, new_key: str) -> bytes:
    return canonical_bytes(
        {
            "format": ROTATION_FORMAT,
            "site": site,
            "date": date,
            "old_key": old_key,
            "new_key": new_key,
        }
    )


def sign_rotation(old: Signer, site: str, date: str, new_key: str) -> dict[str, str]:
    """The record for site.yaml's `key_rotations`, signed by the old key."""
    signature = old.sign(rotation_message(site, date, old.public, new_key)).decode().strip()
    return {"date": date, "old_key": old.public, "new_key": new_key, "signature": signature}


def rotation_problem(site: str, record: Any) -> str | None:
    """Why a rotation record does not hold, or None."""
    if not isinstance(record, dict) or set(record) != {"date", "old_key", "new_key", "signature"}:
        return "is not a key rotation record (date, old_key, new_key, signature)"
    if not all(isinstance(v, str) for v in record.values()):
        return "has a field that is not text"
    message = rotation_message(site, record["date"], record["old_key"], record["new_key"])
    wrong = check_signature(record["old_key"], message, record["signature"].encode())
    return f"is not signed by its old key ({wrong})" if wrong else None


def keys_reached(site: str, start: str, rotations: Any) -> tuple[set[str], list[str]]:
    """Every key `start` was rotated to (itself included), and what is wrong on the way."""
    keys, problems = {start}, []
    if rotations is None:
        return keys, problems
    if not isinstance(rotations, list):
        return keys, [f"history.json: {ROTATIONS_KEY} is not a list"]
    for number, record in enumerate(rotations, 1):
        problem = rotation_problem(site, record)
        if problem:
            problems.append(f"history.json: key rotation {number} {problem}")
        elif record["old_key"] in keys:
            keys.add(record["new_key"])
    return keys, problems


def continuity_problems(old: dict[str, Any], new: dict[str, Any], name: str) -> list[str]:
    """What breaks the older history's key binding, or nothing (also when OLD was unsigned)."""
    old_key = old.get("signing_key")
    if not old_key:
        return []
    keys, problems = keys_reached(str(new.get("site")), str(old_key), new.get(ROTATIONS_KEY))
    new_key = new.get("signing_key")
    if not new_key:
        problems.append(
            f"{name} is signed by {shown_key(old_key)}, but this history declares no signing "
            "key: it must stay signed by that key, or carry a key rotation signed by it"
        )
    elif new_key not in keys:
        problems.append(
            f"{name} is signed by {shown_key(old_key)}, but this history declares "
            f"{shown_key(new_key)} and no key rotation signed by the old key names it"
        )
    return problems


def shown_key(key: Any) -> str:
    try:
        return fingerprint(str(key))
    except ValueError:
        return repr(str(key)[:40])
