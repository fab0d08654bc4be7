"""The pages of the sub-processor list: the list in force with the announced changes, each
version of the list at its permalink with what changed, and the version list."""

from __future__ import annotations

from collections.abc import Sequence

from generator.history.changes import ChangeRecord
from generator.load.model import TOPIC_TITLES, Relationship, Status, Subprocessor
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
