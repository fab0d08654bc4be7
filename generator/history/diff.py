"""Semantic differences between two versions, computed from the data, never written by hand.

For the sub-processor list: entries added, removed, and changed field by field (paired by
their stable `id`). For text documents: which sections were added, removed or changed
(paired by their stable section `id`); the word-level redline is in `generator.history.redline`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from generator.contract import SUBPROCESSOR_FIELDS
from generator.load.model import Section, Subprocessor, TextVersionDoc


@dataclass(frozen=True)
class FieldChange:
    field: str
    old: object
    new: object


@dataclass(frozen=True)
class EntryChange:
    id: str
    entity: str  # the entity's name after the change
    fields: tuple[FieldChange, ...]
    # Every product (region) the entry served before or serves after the change; None:
    # every one.
    products: tuple[str, ...] | None = None
    regions: tuple[str, ...] | None = None


@dataclass(frozen=True)
class ListDiff:
    added: tuple[Subprocessor, ...]  # sorted by id
    removed: tuple[Subprocessor, ...]  # sorted by id, each as it was
    changed: tuple[EntryChange, ...]  # sorted by id

    def __bool__(self) -> bool:
        return bool(self.added or self.removed or self.changed)


@dataclass(frozen=True)
class SectionChange:
    id: str
    title: str  # the new title; the old one for a removed section
    change: Literal["added", "removed", "changed"]
    # Changed, but only where lines break or spaces fall: the words are the same.
    layout_only: bool = False


@dataclass(frozen=True)
class TextDiff:
    sections: tuple[SectionChange, ...]  # in reading order, see `paired_sections`

    def __bool__(self) -> bool:
        return bool(self.sections)


def diff_lists(old: Sequence[Subprocessor], new: Sequence[Subprocessor]) -> ListDiff:
    before = {e.id: e for e in old}
    after = {e.id: e for e in new}
    added = tuple(after[i] for i in sorted(after.keys() - before.keys()))
    removed = tuple(before[i] for i in sorted(before.keys() - after.keys()))
    changed = []
    for entry_id in sorted(before.keys() & after.keys()):
        # Folded lists share the objects of untouched entries: `is` settles most at once.
        if before[entry_id] is after[entry_id] or before[entry_id] == after[entry_id]:
            continue
        fields = tuple(
            FieldChange(name, getattr(before[entry_id], name), getattr(after[entry_id], name))
            for name in SUBPROCESSOR_FIELDS
            if getattr(before[entry_id], name) != getattr(after[entry_id], name)
        )
        if fields:
            pair = (before[entry_id], after[entry_id])
            changed.append(
                EntryChange(
                    entry_id,
                    after[entry_id].entity,
                    fields,
                    served_by(*pair),
                    served_by(*pair, field="regions"),
                )
            )
    return ListDiff(added, removed, tuple(changed))


def served_by(*entries: Subprocessor, field: str = "products") -> tuple[str, ...] | None:
    """The products (`field` "regions": the regions) `entries` serve together, sorted; None
    when one serves every one."""
    found: set[str] = set()
    for entry in entries:
        scope = getattr(entry, field)
        if scope is None:
            return None
        found.update(scope)
    return tuple(sorted(found))


def touched_products(diff: ListDiff) -> tuple[str, ...] | None:
    """The products a change of the list touches; None: every product."""
    return _touched(diff, "products")


def touched_regions(diff: ListDiff) -> tuple[str, ...] | None:
    """The regions a change of the list touches; None: every region."""
    return _touched(diff, "regions")


def _touched(diff: ListDiff, field: str) -> tuple[str, ...] | None:
    scopes = [served_by(e, field=field) for e in (*diff.added, *diff.removed)]
    scopes += [getattr(c, field) for c in diff.changed]
    found: set[str] = set()
    for scope in scopes:
        if scope is None:
            return None
        found.update(scope)
    return tuple(sorted(found))


def apply_list_diff(old: Sequence[Subprocessor], diff: ListDiff) -> tuple[Subprocessor, ...]:
    """The list `diff` leads to from `old`, sorted by id (the inverse of `diff_lists`)."""
    removed = {e.id for e in diff.removed}
    entries = {e.id: e for e in old if e.id not in removed}
    for change in diff.changed:
        update = {f.field: f.new for f in change.fields}
        entries[change.id] = entries[change.id].model_copy(update=update)
    for entry in diff.added:
        entries[entry.id] = entry
    return tuple(entries[i] for i in sorted(entries))


def paired_sections(
    old: Sequence[Section], new: Sequence[Section]
) -> list[tuple[Section | None, Section | None]]:
    """Sections of two versions paired by id, in reading order.

    The new version's order wins; a removed section is placed right after the section
    that preceded it in the old version, so a reader sees it where it used to be.
    """
    new_ids = {s.id for s in new}
    old_by_id = {s.id: s for s in old}
    # Removed sections, grouped under the id of the last surviving section before them
    # (None: they came before any surviving section).
    removed_after: dict[str | None, list[Section]] = {}
    anchor: str | None = None
    for section in old:
        if section.id in new_ids:
            anchor = section.id
        else:
            removed_after.setdefault(anchor, []).append(section)

    pairs: list[tuple[Section | None, Section | None]] = [
        (s, None) for s in removed_after.get(None, [])
    ]
    for section in new:
        pairs.append((old_by_id.get(section.id), section))
        pairs.extend((s, None) for s in removed_after.get(section.id, []))
    return pairs


def diff_texts(old: TextVersionDoc | None, new: TextVersionDoc) -> TextDiff:
    """Section-level changes; against None (a first version) every section is added."""
    changes = []
    for before, after in paired_sections(old.sections if old else (), new.sections):
        if after is None:
            assert before is not None
            changes.append(SectionChange(before.id, before.title, "removed"))
        elif before is None:
            changes.append(SectionChange(after.id, after.title, "added"))
        elif (before.title, before.body) != (after.title, after.body):
            layout = before.title == after.title and words_unchanged(before.body, after.body)
            changes.append(SectionChange(after.id, after.title, "changed", layout_only=layout))
    return TextDiff(tuple(changes))


def words_unchanged(old_text: str, new_text: str) -> bool:
    """Two different texts with the same words: only line breaks or spaces moved."""
    return old_text != new_text and old_text.split() == new_text.split()
