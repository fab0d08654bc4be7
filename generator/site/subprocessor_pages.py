"""The pages of the sub-processor list: the list in force with the announced changes, each
version of the list at its permalink with what changed, and the version list."""

from __future__ import annotations

from collections.abc import Sequence

from generator.contract import TOPIC_TITLES, Status, entry_reaches
from generator.history.changes import ChangeRecord, record_touches, scope_record
from generator.history.parts import site_parts
from generator.history.urls import feed_path
from generator.load.model import Relationship, Site, Subprocessor
from generator.load.timeline import TopicTimeline
from generator.outputs.location_map import map_context
from generator.site.page_context import AddPage, version_context


def add_subprocessors(add: AddPage, line: TopicTimeline, by_id: dict[str, ChangeRecord]) -> None:
    versions = [version_context(line, by_id, v, None) for v in line.published]  # type: ignore[arg-type]
    current = next((v for v in versions if v["status"] is Status.current), None)
    upcoming = [v for v in versions if v["status"] is Status.upcoming]
    add(
        "subprocessors/index.md",
        "subprocessors.md.j2",
        v=current,
        groups=_groups(current["doc"].entries) if current else [],  # type: ignore[index,union-attr]
        upcoming=upcoming,
        locations=map_context(current["doc"].entries if current else ()),  # type: ignore[index,union-attr]
    )
    for v in versions:
        entries: tuple[Subprocessor, ...] = v["doc"].entries  # type: ignore[attr-defined,union-attr]
        add(
            f"{v['path']}index.md",
            "subprocessors_version.md.j2",
            v=v,
            groups=_groups(entries),
        )
    add(
        "subprocessors/versions/index.md",
        "versions.md.j2",
        topic="subprocessors",
        title=TOPIC_TITLES["subprocessors"],
        versions=list(reversed(versions)),
    )


def add_part_pages(
    add: AddPage, site: Site, line: TopicTimeline, by_id: dict[str, ChangeRecord]
) -> None:
    """`subprocessors/products/<id>/` and `subprocessors/regions/<id>/`: the entries serving
    one product (region), the announced changes touching it (showing only its entries),
    its feeds and its exports."""
    current = line.current
    upcoming = [
        by_id[f"subprocessors/{v.version}"]
        for v in line.published
        if line.statuses[v.version] is Status.upcoming
    ]
    listed: tuple[Subprocessor, ...] = current.entries if current else ()  # type: ignore[union-attr]
    for part in site_parts(site):
        scope = (part.products, part.regions)
        entries = [e for e in listed if entry_reaches(e, *scope)]
        add(
            f"{part.page_path}index.md",
            "subprocessors_part.md.j2",
            part=part,
            notice_days=site.notice_days_of(part.item),
            count=len(entries),
            groups=_groups(entries),
            upcoming=[scope_record(r, *scope) for r in upcoming if record_touches(r, *scope)],
            feeds=(feed_path(part.feed_name, "atom"), feed_path(part.feed_name, "rss")),
            exports=part.export_paths,
        )


def _groups(entries: Sequence[Subprocessor]) -> list[tuple[str, str, list[Subprocessor]]]:
    """Affiliates apart from third parties: (anchor, heading, entries), by entity name."""
    ordered = sorted(entries, key=lambda e: (e.entity.casefold(), e.id))
    return [
        (
            "third-parties",
            "Third-party sub-processors",
            [e for e in ordered if e.relationship is Relationship.third_party],
        ),
        (
            "affiliates",
            "Affiliates",
            [e for e in ordered if e.relationship is Relationship.affiliate],
        ),
    ]
