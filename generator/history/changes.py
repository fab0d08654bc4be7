"""The list of published changes, and `changes.json`, the contract with the service.

One record per published version of every topic (drafts excluded), oldest first by
(announced, topic, version). A `ChangeRecord` is what the build works with (typed diffs for
pages and feeds); `to_change` turns it into the contract's `Change`, the record the service
reads back (generator.contract), and only that is written. The service keys its notices on
the record `id` (`<topic>/<version>`), so ids and the bytes of the file must be stable:
keys sorted, two-space indent, UTF-8, a trailing newline, and no date but the data's own
and `as_of`. See docs/changes-json.md.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

from pydantic_core import to_jsonable_python

from generator import contract
from generator.contract import TOPIC_TITLES, TOPICS, Scope, Status, entry_reaches
from generator.history.diff import (
    ListDiff,
    TextDiff,
    diff_lists,
    diff_texts,
    touched_products,
    touched_regions,
)
from generator.history.manifest import CorrectionStep, dump_json, published_version
from generator.history.urls import absolute_url, list_change_path, page_url, redline_url, site_root
from generator.load.model import (
    SubprocessorVersion,
    TextVersionDoc,
    TrustData,
    entry_json,
    version_key,
)
from generator.load.timeline import TopicTimeline, timeline

FORMAT = contract.CHANGES_FORMAT


@dataclass(frozen=True)
class ChangeRecord:
    """One entry of changes.json as the build sees it: the fields of `contract.Change`, with
    the diff and the corrections as typed objects (tests/generator/test_contract.py checks
    that the two have the same fields)."""

    id: str
    topic: str
    topic_title: str
    version: str
    previous_version: str | None
    title: str
    summary: str
    announced: dt.date
    effective: dt.date
    objection_deadline: dt.date | None
    editorial: bool
    status: Status
    url: str
    diff_url: str
    diff: ListDiff | TextDiff
    content_hash: str = ""  # SHA-256 of the content as published (history.json)
    corrections: tuple[CorrectionStep, ...] = ()  # each with the content hash after it
    in_force_before: tuple[contract.InForcePeriod, ...] = ()  # from the build date on
    in_force_before_text: str | None = None  # contract.in_force_words of the above
    objection_deadline_text: str | None = None  # contract.objections_sentence
    # The products the change touches, sorted; None: every product (contract.Change).
    products: tuple[str, ...] | None = None
    # The same for regions (contract.Change.regions).
    regions: tuple[str, ...] | None = None


def _history_fields(topic: str, version: SubprocessorVersion | TextVersionDoc) -> dict[str, Any]:
    published = published_version(topic, version)
    return {"content_hash": published.content_hash, "corrections": published.steps}


def _in_force_fields(line: TopicTimeline, version: str) -> dict[str, Any]:
    periods = tuple(line.in_force_before(version))
    text = contract.in_force_words(periods, line.today) if periods and line.today else None
    return {"in_force_before": periods, "in_force_before_text": text}


def _list_record(
    data: TrustData, line: TopicTimeline, version: SubprocessorVersion
) -> ChangeRecord:
    previous = line.previous(version.version)
    assert previous is None or isinstance(previous, SubprocessorVersion)
    change = version.change
    url = page_url(data.site, "subprocessors", version.version)
    diff = diff_lists(previous.entries if previous else (), version.entries)
    return ChangeRecord(
        id=f"subprocessors/{version.version}",
        topic="subprocessors",
        topic_title=TOPIC_TITLES["subprocessors"],
        version=version.version,
        previous_version=previous.version if previous else None,
        title=f"Sub-processor list, effective {version.version}",
        summary=change.summary,
        announced=change.announced,
        effective=change.effective,
        objection_deadline=change.objection_deadline,
        objection_deadline_text=(
            contract.objections_sentence(change.objection_deadline, data.site.timezone)
            if change.objection_deadline
            else None
        ),
        **_in_force_fields(line, version.version),
        editorial=change.editorial,
        status=line.statuses[version.version],
        url=url,
        diff_url=absolute_url(data.site, list_change_path(version.version)),
        diff=diff,
        **_history_fields("subprocessors", version),
        products=touched_products(diff),
        regions=touched_regions(diff),
    )


def _text_record(data: TrustData, line: TopicTimeline, doc: TextVersionDoc) -> ChangeRecord:
    previous = line.previous(doc.version)
    assert previous is None or isinstance(previous, TextVersionDoc)
    topic = line.topic
    url = page_url(data.site, topic, doc.version)
    return ChangeRecord(
        id=f"{topic}/{doc.version}",
        topic=topic,
        topic_title=TOPIC_TITLES[topic],
        version=doc.version,
        previous_version=previous.version if previous else None,
        title=f"{doc.title} {doc.version}",
        summary=doc.summary,
        announced=doc.announced,
        effective=doc.effective,
        objection_deadline=None,
        **_in_force_fields(line, doc.version),
        editorial=doc.editorial,
        status=line.statuses[doc.version],
        url=url,
        # A first version has nothing to be compared with: its page is the whole change.
        diff_url=redline_url(data.site, topic, doc.version) if previous else url,
        diff=diff_texts(previous, doc),
        **_history_fields(topic, doc),
    )


def _order(record: ChangeRecord) -> tuple[dt.date, str, tuple[int, ...] | str]:
    version: tuple[int, ...] | str = (
        record.version if record.topic == "subprocessors" else version_key(record.version)
    )
    return (record.announced, record.topic, version)


def build_changes(data: TrustData, today: dt.date) -> list[ChangeRecord]:
    """Every published change of every topic, oldest first by (announced, topic, version)."""
    records = []
    for topic in TOPICS:
        line = timeline(data, topic, today)
        for version in line.published:
            if isinstance(version, SubprocessorVersion):
                records.append(_list_record(data, line, version))
            else:
                records.append(_text_record(data, line, version))
    return sorted(records, key=_order)


def diff_to_json(
    diff: ListDiff | TextDiff, products: Scope = None, regions: Scope = None
) -> dict[str, object]:
    """The diff as published; with `products` (`regions`), a list diff keeps only the
    entries that reach their readers (a product's or a region's own export)."""
    if isinstance(diff, TextDiff):
        sections = [{"id": s.id, "title": s.title, "change": s.change} for s in diff.sections]
        return {"kind": "text", "sections": sections}
    scoped = scope_diff(diff, products, regions)
    return {
        "kind": "list",
        "added": [entry_json(e) for e in scoped.added],
        "removed": [entry_json(e) for e in scoped.removed],
        "changed": [
            {
                "id": c.id,
                "entity": c.entity,
                **({} if c.products is None else {"products": list(c.products)}),
                **({} if c.regions is None else {"regions": list(c.regions)}),
                "fields": [
                    {
                        "field": f.field,
                        "old": to_jsonable_python(f.old),
                        "new": to_jsonable_python(f.new),
                    }
                    for f in c.fields
                ],
            }
            for c in scoped.changed
        ],
    }


def to_change(record: ChangeRecord) -> contract.Change:
    """The record as changes.json publishes it, validated by the contract's model."""
    deadline = record.objection_deadline
    return contract.Change(
        id=record.id,
        topic=record.topic,
        topic_title=record.topic_title,
        version=record.version,
        previous_version=record.previous_version,
        title=record.title,
        summary=record.summary,
        announced=record.announced,
        effective=record.effective,
        objection_deadline=deadline,
        editorial=record.editorial,
        status=record.status,
        url=record.url,
        diff_url=record.diff_url,
        diff=diff_to_json(record.diff),  # type: ignore[arg-type]  # validated into the model
        content_hash=record.content_hash,
        corrections=[
            contract.CorrectionStep(
                date=step.correction.date,
                by=step.correction.by,
                why=step.correction.why,
                content_hash=step.content_hash,
            )
            for step in record.corrections
        ],
        in_force_before=list(record.in_force_before),
        in_force_before_text=record.in_force_before_text,
        objection_deadline_text=record.objection_deadline_text,
        products=record_products(record),
        regions=record_regions(record),
    )


def scope_diff(diff: ListDiff, products: Scope = None, regions: Scope = None) -> ListDiff:
    """The entries of `diff` that reach a reader of `products` and `regions` (None: every
    one), by the contract's one rule (`contract.entry_reaches`)."""
    if products is None and regions is None:
        return diff
    return ListDiff(
        added=tuple(e for e in diff.added if entry_reaches(e, products, regions)),
        removed=tuple(e for e in diff.removed if entry_reaches(e, products, regions)),
        changed=tuple(c for c in diff.changed if entry_reaches(c, products, regions)),
    )


def scope_record(
    record: ChangeRecord, products: Scope = None, regions: Scope = None
) -> ChangeRecord:
    """`record` as the readers of `products` and `regions` see it: a list change keeps only
    the entries that reach them (the typed twin of `contract.scope_change`)."""
    if isinstance(record.diff, TextDiff):
        return record
    return replace(record, diff=scope_diff(record.diff, products, regions))


def record_touches(record: ChangeRecord, products: Scope = None, regions: Scope = None) -> bool:
    """Whether `record` concerns a reader of `products` and `regions`: a text change concerns
    everyone; a list change, the readers one of its entries reaches (contract.change_touches)."""
    if isinstance(record.diff, TextDiff) or (products is None and regions is None):
        return True
    return bool(scope_diff(record.diff, products, regions))


def record_products(record: ChangeRecord) -> list[str] | None:
    """The products a change touches (contract.Change.products): a text document concerns
    every product; a list change, the products of the entries it adds, removes or changes."""
    return None if record.products is None else list(record.products)


def record_regions(record: ChangeRecord) -> list[str] | None:
    """The regions a change touches (contract.Change.regions), as `record_products`."""
    return None if record.regions is None else list(record.regions)


def changes_json(data: TrustData, records: Sequence[ChangeRecord], today: dt.date) -> bytes:
    document = contract.ChangesDoc(
        format=contract.CHANGES_FORMAT,
        as_of=today,
        site=contract.SiteInfo(
            url=site_root(data.site),
            company=data.site.company.name,
            privacy_contact=data.site.contacts.privacy,
            timezone=data.site.timezone,
        ),
        changes=[to_change(r) for r in records],
    )
    return dump_json(document.model_dump(mode="json"))
