"""`changes.json`: the typed record of every published change, and product and region scopes.

Part of generator.contract: import its names from `generator.contract`."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Annotated, Any, Literal, Protocol

from pydantic import (
    ConfigDict,
    Field,
    SerializerFunctionWrapHandler,
    model_serializer,
    model_validator,
)

from generator.contract.base import (
    SUBPROCESSOR_FIELDS,
    TEXT_TOPICS,
    TOPICS,
    Email,
    Hash,
    Slug,
    Status,
    Text,
    Url,
    _Record,
)
from generator.contract.dates import (
    InForcePeriod,
    TimeZoneName,
)

# --- changes.json -------------------------------------------------------------------------------

CHANGES_FORMAT = "trustsite-changes/1"


class SiteInfo(_Record):
    url: Url
    company: Text
    privacy_contact: Email
    # The company's time zone (site.yaml): a deadline ends at midnight there.
    timezone: TimeZoneName = "UTC"


class FieldChange(_Record):
    field: Literal[SUBPROCESSOR_FIELDS]  # type: ignore[valid-type]
    old: Any
    new: Any


class _Served(_Record):
    """An entry of a list change, with the products and the regions it serves (None: every
    product, every region)."""

    products: list[Slug] | None = None
    regions: list[Slug] | None = None

    @model_serializer(mode="wrap")
    def _scopes_when_set(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        # Absent means every one: a site without products (regions) publishes no such keys.
        dumped: dict[str, Any] = handler(self)
        for key in ("products", "regions"):
            if dumped.get(key, 0) is None:
                del dumped[key]
        return dumped


class ListEntry(_Served):
    """An entry added or removed: `id` and `entity`, and every other field as published.

    `products`, `regions`: what the entry serves; absent (None) when it serves every one."""

    model_config = ConfigDict(extra="allow", frozen=True)

    id: Text
    entity: Text


class ChangedEntry(_Served):
    """`products` (`regions`): every product (region) the entry served before or serves
    after the change (None: every one), so that a change of its scope reaches the clients
    of both."""

    id: Text
    entity: Text
    fields: list[FieldChange] = Field(min_length=1)


class ListDiff(_Record):
    kind: Literal["list"]
    added: list[ListEntry] = []
    removed: list[ListEntry] = []
    changed: list[ChangedEntry] = []


class SectionChange(_Record):
    id: Text
    title: Text
    change: Literal["added", "removed", "changed"]


class TextDiff(_Record):
    kind: Literal["text"]
    sections: list[SectionChange] = []


class CorrectionStep(_Record):
    """A correction made to a published version since (docs/history.md)."""

    date: dt.date
    by: Text
    why: Text
    content_hash: Hash


class Change(_Record):
    """One record of changes.json: one published version of one topic."""

    id: Text
    topic: Literal[TOPICS]  # type: ignore[valid-type]
    topic_title: Text
    version: Text
    previous_version: Text | None
    title: Text
    summary: Text
    announced: dt.date
    effective: dt.date
    objection_deadline: dt.date | None
    editorial: bool
    status: Status
    url: Url
    diff_url: Url
    diff: Annotated[ListDiff | TextDiff, Field(discriminator="kind")]
    content_hash: Hash = ""  # SHA-256 of the content as published (history.json)
    corrections: list[CorrectionStep] = []
    # What is in force from `as_of` until this version takes effect (`in_force_between`),
    # and the deadline in the one sentence the site and the mails state it with.
    in_force_before: list[InForcePeriod] = []
    in_force_before_text: Text | None = None  # in_force_words, counted from `as_of`
    objection_deadline_text: Text | None = None
    # The products the change touches, sorted; None: every product (a text document, or a
    # list change with an entry that serves every product). See `change_touches_products`.
    products: list[Slug] | None = None
    # The same for regions (site.yaml `regions`).
    regions: list[Slug] | None = None

    @model_validator(mode="after")
    def _consistent(self) -> Change:
        if self.id != f"{self.topic}/{self.version}":
            raise ValueError(f"id must be '{self.topic}/{self.version}' (topic/version)")
        expected_kind = "text" if self.topic in TEXT_TOPICS else "list"
        if self.diff.kind != expected_kind:
            raise ValueError(f"diff.kind must be '{expected_kind}' for topic '{self.topic}'")
        if self.effective < self.announced:
            raise ValueError("effective must not be before announced")
        return self


# --- products and regions ----------------------------------------------------------------------
#
# A scope is a set of product (or region) ids, or None for "every one": a subscriber (or a
# webhook endpoint) without products wants every change, and an entry without products
# serves every product; regions the same way. A reader is reached by an entry when both
# its products and its regions meet the entry's. Both halves of the project decide "does
# this reach them" with these functions only.

Scope = Sequence[str] | None


def scopes_meet(touched: Scope, wanted: Scope) -> bool:
    """Whether something touching `touched` concerns someone who wants `wanted`."""
    if touched is None or wanted is None:
        return True
    return not set(touched).isdisjoint(wanted)


class Served(Protocol):
    """Anything that serves some products and regions (None: every one): an entry of a
    published change here, or the generator's own entries and entry changes."""

    @property
    def products(self) -> Sequence[str] | None: ...

    @property
    def regions(self) -> Sequence[str] | None: ...


def entry_reaches(entry: Served, products: Scope = None, regions: Scope = None) -> bool:
    """Whether a reader of `products` and `regions` is concerned by `entry`."""
    return scopes_meet(entry.products, products) and scopes_meet(entry.regions, regions)


def change_reach(record: Change) -> list[tuple[Scope, Scope]]:
    """The distinct (products, regions) pairs the entries of a change serve, in first-seen
    order: who it reaches, exactly (a change of an entry for product A in region X and of
    one for B in Y does not reach a reader of A in Y). A text change, or a list change with
    no entry, reaches as the record says (`products`, `regions`)."""
    entries = _entries(record)
    if not entries:
        return [(record.products, record.regions)]
    pairs: dict[tuple[tuple[str, ...] | None, tuple[str, ...] | None], None] = {}
    for e in entries:
        key = (
            None if e.products is None else tuple(sorted(e.products)),
            None if e.regions is None else tuple(sorted(e.regions)),
        )
        pairs[key] = None
    return [
        (None if p is None else list(p), None if r is None else list(r)) for p, r in pairs
    ]


def change_touches(record: Change, products: Scope = None, regions: Scope = None) -> bool:
    """Whether `record` concerns a reader of `products` and `regions` (None: every one)."""
    return any(
        scopes_meet(p, products) and scopes_meet(r, regions) for p, r in change_reach(record)
    )


def change_touches_products(record: Change, products: Scope) -> bool:
    """Whether `record` concerns a reader of `products` in every region."""
    return change_touches(record, products, None)


def scope_change(record: Change, products: Scope = None, regions: Scope = None) -> Change:
    """`record` as a reader of `products` and `regions` sees it: a list change keeps only
    the entries that reach them. Text changes, and every change for a reader of everything,
    are returned whole."""
    if (products is None and regions is None) or not isinstance(record.diff, ListDiff):
        return record
    diff = record.diff
    scoped = diff.model_copy(
        update={
            name: [e for e in getattr(diff, name) if entry_reaches(e, products, regions)]
            for name in ("added", "removed", "changed")
        }
    )
    kept = [*scoped.added, *scoped.removed, *scoped.changed]
    # The record's own scope says what the reader's part touches, not the whole change.
    return record.model_copy(
        update={
            "diff": scoped,
            "products": _union([e.products for e in kept]),
            "regions": _union([e.regions for e in kept]),
        }
    )


def _union(scopes: list[list[str] | None]) -> list[str] | None:
    """The ids of `scopes` together, sorted; None when one of them is every one."""
    if any(scope is None for scope in scopes):
        return None
    return sorted({i for scope in scopes for i in scope or ()})


def _entries(record: Change) -> list[_Served]:
    if not isinstance(record.diff, ListDiff):
        return []
    return [*record.diff.added, *record.diff.removed, *record.diff.changed]


class ChangesHead(_Record):
    """The document without its changes (a reader validates those one by one)."""

    format: Literal["trustsite-changes/1"]
    as_of: dt.date
    site: SiteInfo


class ChangesDoc(ChangesHead):
    changes: list[Change]

    @model_validator(mode="after")
    def _unique_ids(self) -> ChangesDoc:
        seen: set[str] = set()
        for change in self.changes:
            if change.id in seen:
                raise ValueError(f"change id '{change.id}' appears twice")
            seen.add(change.id)
        return self


