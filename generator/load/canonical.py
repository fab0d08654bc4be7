"""The canonical form of a published version's content, and its SHA-256.

A version's content is what its YAML file says, read through the typed model, so that it
does not depend on how the YAML was written (indentation, quoting, block or flow style,
comments, key order, a default written out or left away). docs/history.md specifies the
form so that anyone can recompute a hash from a version's `source.json`:

- the model's JSON form: dates as `YYYY-MM-DD`, web addresses as the model normalises
  them, fields left at their default omitted, `corrections` omitted (they are chained
  separately, see generator.history.manifest);
- every string (keys included) in Unicode NFC;
- serialised as JSON with keys sorted by code point, no whitespace between tokens,
  non-ASCII characters written as themselves, encoded as UTF-8; no floating-point numbers.
"""

from __future__ import annotations

import hashlib
import json
import unicodedata
from typing import Any

from pydantic import BaseModel

# Fields of a version file that are not its content: chained as links of their own.
NOT_CONTENT: frozenset[str] = frozenset({"corrections"})


def normalise(value: Any) -> Any:
    """Strings in NFC, tuples as lists; anything but JSON's plain types is refused."""
    if isinstance(value, str):
        return unicodedata.normalize("NFC", value)
    if isinstance(value, dict):
        return {normalise(str(k)): normalise(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [normalise(v) for v in value]
    if value is None or isinstance(value, bool | int):
        return value
    raise TypeError(f"{type(value).__name__} has no canonical form (only text, whole numbers, ...)")


def content_of(doc: BaseModel) -> dict[str, Any]:
    """The canonical content of one version file's document (corrections not applied)."""
    fields = set(type(doc).model_fields) & NOT_CONTENT
    return normalise(doc.model_dump(mode="json", exclude=fields, exclude_defaults=True))


def canonical_bytes(value: Any) -> bytes:
    text = json.dumps(
        normalise(value), sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    )
    return text.encode("utf-8")


def sha256_of(value: Any) -> str:
    """Lowercase hex SHA-256 of the canonical bytes of `value`."""
    return hashlib.sha256(canonical_bytes(value)).hexdigest()
