"""`changes.json`: the typed record of every published change, and product scopes.

Part of generator.contract: import its names from `generator.contract`."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Annotated, Any, Literal

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
    """An entry of a list change, with the products it serves (None: every product)."""

    products: list[Slug] | None = None

    @model_serializer(mode="wrap")
    def _products_when_set(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        # Absent means every product: a site without products publishes no `products` keys.
        dumped: dict[str, Any] = handler(self)
        if dumped.get("products", 0) is None:
            del dumped["products"]
        return dumped


class ListEntry(_Served):
    """An entry added or removed: `id` and `entity`, and every other field as published.

    `products`: the products the entry serves; absent (None) when it serves every one."""

    model_config = ConfigDict(extra="allow", frozen=True)

    id: Text
    entity: Text


class ChangedEntry(_Served):
    """`products`: every product the entry served before or serves after the change (None:
    every product), so that a change of its products reaches the clients of both."""

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


# --- products ------------------------------------------------------------------------------------
#
# A scope is a set of product ids, or None for "every product": a subscriber (or a webhook
# endpoint) without products wants every change, and an entry without products serves
# every product. Both halves decide "does this reach them" with these functions only.

Scope = Sequence[str] | None


def scopes_meet(touched: Scope, wanted: Scope) -> bool:
    """Whether something touching `touched` concerns someone who wants `wanted`."""
    if touched is None or wanted is None:
        return True
    return not set(touched).isdisjoint(wanted)


def change_touches_products(record: Change, products: Scope) -> bool:
    """Whether `record` concerns a reader of `products` (None: every product)."""
    return scopes_meet(record.products, products)


def scope_change(record: Change, products: Scope) -> Change:
    """`record` as a reader of `products` sees it: a list change keeps only the entries
    that serve one of them. Text changes, and every change for a reader of every product,
    are returned whole."""
    if products is None or not isinstance(record.diff, ListDiff):
        return record
    diff = record.diff
    scoped = diff.model_copy(
        update={
            name: [e for e in getattr(diff, name) if scopes_meet(e.products, products)]
            for name in ("added", "removed", "changed")
        }
    )
    return record.model_copy(update={"diff": scoped})


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


