"""A correction in words for people: where it is (by title, not by id) and what it did.

Used by a version's page ("Corrected since publication") and by `trustsite diff`, so the
note a reader sees and the line a reviewer sees say the same thing.
"""

from __future__ import annotations

from generator.contract import FIELD_LABELS
from generator.load.model import (
    Correction,
    SubprocessorChange,
    SubprocessorVersion,
    TextVersionDoc,
)

Document = TextVersionDoc | SubprocessorVersion | SubprocessorChange
_FIELDS = {"summary": "the summary", "title": "the title"}


def place_name(doc: Document | None, place: str) -> str:
    """`section “Audits”` for a section id, `the summary`, `Quillpost B.V., purpose` for an
    entry's field; the place as written when it names nothing known."""
    first, _, rest = place.strip().partition(".")
    if first in _FIELDS and not rest:
        return _FIELDS[first]
    if isinstance(doc, TextVersionDoc):
        section = next((s for s in doc.sections if s.id == first), None)
        if section is not None:
            return f"section “{section.title}”" + (f", {rest}" if rest and rest != "body" else "")
    entity = _entity(doc, first)
    if entity is not None:
        field = FIELD_LABELS.get(rest, rest).lower() if rest else ""
        return entity + (f", {field}" if field else "")
    return f"“{place}”"


def _entity(doc: Document | None, entry_id: str) -> str | None:
    if isinstance(doc, SubprocessorVersion):
        entries = list(doc.entries) + list(doc.change.add)
    elif isinstance(doc, SubprocessorChange):
        entries = list(doc.add)
    else:
        return None
    return next((e.entity for e in entries if e.id == entry_id), None)


def correction_words(doc: Document | None, correction: Correction) -> str:
    """`section “Audits”: 'audit us once' → 'audit us just once' (A word was missing,
    Jane Doe, Legal, 2025-01-10)`: one line of `trustsite diff`."""
    why = correction.why.rstrip(". ")
    return (
        f"{place_name(doc, correction.place)}: '{correction.old}' → '{correction.new}' "
        f"({why}, {correction.by}, {correction.date.isoformat()})"
    )
