"""How a sub-processor field and a change of its value read, the same everywhere: on the
site, in the feeds and in `trustsite diff`.

A list field says what was added and removed ("adds IE; removes DE"), not the whole old
and new lists side by side, where a reader would have to spot the difference.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from enum import StrEnum

# The one set of labels (capitalised as a table header; lower-cased inside a sentence) is
# the contract's: the service's notices word the fields the same way.
from generator.contract import FIELD_LABELS, SCOPE_FIELDS


def field_label(field: str) -> str:
    """The label inside a sentence: `processing locations`."""
    # Acronyms stay in capitals: "LEI", "ICT".
    return " ".join(w if w.isupper() else w.lower() for w in FIELD_LABELS[field].split())


def format_value(
    value: object, field: str | None = None, names: Mapping[str, str] | None = None
) -> str:
    """A field value as a reader sees it: lists joined with ", ", enums by their value,
    products and regions by their `names` (site.yaml). None is a register field not known,
    or (`field` "products", "regions") every product, every region."""
    if value is None:
        return SCOPE_FIELDS.get(field or "", "(none)")
    if isinstance(value, tuple | list):
        return ", ".join(format_value(v, field, names) for v in value)
    if field in SCOPE_FIELDS and names:
        return names.get(str(value), str(value))
    if isinstance(value, StrEnum):
        return value.value
    return str(value)


def describe_change(old: object, new: object, shown: Callable[[object], str] = format_value) -> str:
    """A field's change in words: `adds IE; removes DE` for a list, `SCCs → DPF` otherwise.

    `shown` formats one value (one item, for a list); callers escape it for their output.
    """
    if isinstance(old, tuple | list) and isinstance(new, tuple | list):
        added = [item for item in new if item not in old]
        removed = [item for item in old if item not in new]
        parts = []
        if added:
            parts.append("adds " + ", ".join(shown(item) for item in added))
        if removed:
            parts.append("removes " + ", ".join(shown(item) for item in removed))
        if not parts:  # the same items in another order
            parts.append("reorders to " + ", ".join(shown(item) for item in new))
        return "; ".join(parts)
    return f"{shown(old)} → {shown(new)}"
