"""What changed, in a few lines for people: the entries a Slack message or a Teams card
lists under the summary (the standard event carries the record itself).

Values are in the site's words (generator.contract.value_words), products and regions by
their names (ServiceInfo.scope_names), as in the mailed notice. A text document's change
lists its sections.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from generator.contract import FIELD_LABELS, value_words

MAX_LINES = 30  # a Slack section or a card's text block is for a glance, not the diff


def change_lines(record: Mapping[str, Any], names: Mapping[str, str]) -> list[str]:
    """One line per entry (or section) of the record's diff, at most MAX_LINES."""
    diff = record.get("diff") or {}
    if diff.get("kind") == "text":
        lines = [
            f"{str(s.get('change', '')).capitalize()}: {s.get('title', '')}"
            for s in diff.get("sections", [])
        ]
    else:
        lines = [
            *(f"Added: {_entry(e, names)}" for e in diff.get("added", [])),
            *(f"Removed: {_entry(e, names)}" for e in diff.get("removed", [])),
            *(f"Changed: {_changed(e, names)}" for e in diff.get("changed", [])),
        ]
    if len(lines) > MAX_LINES:
        lines = [*lines[: MAX_LINES - 1], f"and {len(lines) - MAX_LINES + 1} more"]
    return lines


def _entry(entry: Mapping[str, Any], names: Mapping[str, str]) -> str:
    """`Entity (for Shared Inbox; in European Union)` when it serves only some."""
    scope = [
        f"{word} {value_words(field, entry[field], names)}"
        for field, word in (("products", "for"), ("regions", "in"))
        if entry.get(field) is not None
    ]
    entity = str(entry.get("entity", ""))
    return f"{entity} ({'; '.join(scope)})" if scope else entity


def _changed(entry: Mapping[str, Any], names: Mapping[str, str]) -> str:
    fields = "; ".join(
        f"{FIELD_LABELS.get(f.get('field', ''), f.get('field', ''))}: "
        f"{value_words(f.get('field', ''), f.get('old'), names)} → "
        f"{value_words(f.get('field', ''), f.get('new'), names)}"
        for f in entry.get("fields", [])
    )
    return f"{entry.get('entity', '')}: {fields}"
