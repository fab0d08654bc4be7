"""`trustsite check --base REF` and `--published SITE`: what was published stays published.

A version or change file published at REF (announced on or before the build date) or
listed in a published site's history.json may not change its content, be deleted or be
renamed; its corrections may only grow, at the end. Drafts and upcoming versions not yet
announced stay editable. A version newly published may not be dated before what is
already published, or the hash chain would be rewritten (docs/history.md).

Files are read one by one against the typed model only, not through every rule of
`trustsite check`: a rule added later must not make the past unreadable.
"""

from __future__ import annotations

import datetime as dt
import difflib
import json
import tempfile
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from generator.contract import TEXT_TOPICS
from generator.history.gitrev import files_at_revision
from generator.history.manifest import SOURCE_FORMAT, is_version_id, source_path
from generator.history.sitefetch import FetchError, join, read
from generator.load.annexes import ANNEXES_TOPIC
from generator.load.canonical import content_of, sha256_of
from generator.load.errors import DataError, Issue, display_path
from generator.load.model import DpaVersionDoc, SubprocessorChange, TextVersionDoc
from generator.load.security import SECURITY_DOCUMENTS, SecurityVersionDoc
from generator.load.yamlsafe import KeyPath, Positions, field_name, load_yaml, locate

# Which model reads a file of each folder; a new topic adds its entry here. The NDA a
# report requester accepts and the disclosure policy are versioned documents too: what was
# accepted under version 1.0 must stay what 1.0 said.
FILE_MODELS: dict[str, type[BaseModel]] = {
    **dict.fromkeys(TEXT_TOPICS, TextVersionDoc),
    "dpa": DpaVersionDoc,  # a text version that may describe its processing (annexes)
    **dict.fromkeys(SECURITY_DOCUMENTS, TextVersionDoc),
    "security": SecurityVersionDoc,  # a text version with its certifications
    "subprocessors": SubprocessorChange,
}
ADVICE = (
    "put it back as published; to change it, publish a new version (trustsite new-version), "
    "or for a typo or a broken link add a `corrections:` entry (docs/history.md)"
)


@dataclass
class Entry:
    """One version as published (`before`) or as in the working tree."""

    topic: str
    version: str
    announced: dt.date
    path: str  # as shown to the editor
    content: dict[str, Any] | None  # None when only the hash is known
    content_hash: str
    corrections: list[dict[str, Any]] = field(default_factory=list)
    positions: Positions = field(default_factory=dict)
    # Read from the working tree only: what notice a new version gives (history/notice.py).
    effective: dt.date | None = None
    editorial: bool = False

    @property
    def key(self) -> tuple[str, str]:
        return (self.topic, self.version)

    @property
    def latest_date(self) -> dt.date:
        dates = [dt.date.fromisoformat(c["date"]) for c in self.corrections if "date" in c]
        return max([self.announced, *dates])


def read_tree(data_dir: Path, shown_root: Path | None = None) -> dict[tuple[str, str], Entry]:
    """Every readable version file under `data_dir`, by (topic, version)."""
    entries: dict[tuple[str, str], Entry] = {}
    for topic, model in FILE_MODELS.items():
        for path in sorted((data_dir / topic).glob("*.yaml")):
            shown = display_path(path, shown_root)
            try:
                raw, positions = load_yaml(path)
                doc = model.model_validate(raw)
            except (DataError, ValidationError):
                continue  # `trustsite check` reports it
            corrections = [c.model_dump(mode="json") for c in getattr(doc, "corrections", ())]
            content = content_of(doc)
            entry = Entry(
                topic,
                doc.version,  # type: ignore[attr-defined]
                doc.announced,  # type: ignore[attr-defined]
                shown,
                content,
                sha256_of(content),
                corrections,
                positions,
                doc.effective,  # type: ignore[attr-defined]
                bool(getattr(doc, "editorial", False)),
            )
            entries.setdefault(entry.key, entry)
    return entries


def read_revision(data_dir: Path, revision: str) -> dict[tuple[str, str], Entry]:
    """The version files of `data_dir` at a git revision (ValueError if there is none)."""

    files = files_at_revision(data_dir, revision) or {}
    with tempfile.TemporaryDirectory(prefix="trustsite-published-") as tmp:
        for name, content in files.items():
            target = Path(tmp, name)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(content)
        entries = read_tree(Path(tmp), Path(tmp))
    for entry in entries.values():
        entry.path = display_path(data_dir / entry.path)
        entry.positions = {}
    return entries


def read_published(site: str, data_dir: Path) -> dict[tuple[str, str], Entry]:
    """The versions listed in a published site's history.json (FetchError, ValueError)."""
    try:
        history = json.loads(read(join(site, "history.json")))
        links = history["links"]
    except (ValueError, KeyError, TypeError) as err:
        raise ValueError(
            f"{join(site, 'history.json')} is not a trustsite history ({err})"
        ) from None
    try:
        return _published_entries(site, data_dir, links)
    except (KeyError, TypeError, AttributeError, ValueError) as err:
        raise ValueError(f"{join(site, 'history.json')} has a malformed link ({err!r})") from None


def _published_entries(site: str, data_dir: Path, links: list[Any]) -> dict[tuple[str, str], Entry]:
    entries: dict[tuple[str, str], Entry] = {}
    for link in links:
        topic, version = str(link.get("topic")), str(link.get("version"))
        if not is_version_id(topic, version):
            raise ValueError(f"{topic}/{version} is not a version id")
        if topic == ANNEXES_TOPIC:
            continue  # derived from the files compared here, not a file (annex_history)
        if link.get("type") == "version":
            source = _source(site, topic, version)
            entries[(topic, version)] = Entry(
                topic,
                version,
                dt.date.fromisoformat(link["announced"]),
                display_path(data_dir / topic / f"{version}.yaml"),
                source.get("content") if source else None,
                link["content_hash"],
                [_correction_fields(c) for c in source.get("corrections", [])] if source else [],
            )
        elif link.get("type") == "correction" and (topic, version) in entries:
            entry = entries[(topic, version)]
            if len(entry.corrections) < int(link.get("correction", 0)):
                entry.corrections.append({k: link[k] for k in ("date", "by", "why") if k in link})
    return entries


def _source(site: str, topic: str, version: str) -> dict[str, Any] | None:
    try:
        source = json.loads(read(join(site, source_path(topic, version))))
    except (FetchError, ValueError):
        return None
    return source if isinstance(source, dict) and source.get("format") == SOURCE_FORMAT else None


def _correction_fields(correction: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in correction.items() if k not in ("path", "content_hash")}


# --- the comparison ------------------------------------------------------------------------


def compare(
    before: Mapping[tuple[str, str], Entry],
    after: Mapping[tuple[str, str], Entry],
    today: dt.date,
    where: str,
) -> list[Issue]:
    """Every change to what `before` published (`where` says where that was seen)."""
    published = {k: e for k, e in before.items() if e.announced <= today}
    issues: list[Issue] = []
    for key, old in sorted(published.items()):
        new = after.get(key)
        if new is None:
            issues.append(_gone(old, after, before, where))
            continue
        said = f"{old.topic} {old.version} was published on {old.announced} ({where})"
        if new.path != old.path:
            issues.append(
                Issue(new.path, 1, 1, f"{said} as {old.path}; rename the file back to that name")
            )
        if new.content_hash != old.content_hash:
            at = _difference_in_file(old.content, new) if old.content is not None else ()
            what = f"{field_name(at)} differs" if at else "its content differs"
            issues.append(issue_at(new, at, f"{said} and cannot change: {what}; {ADVICE}"))
        issues += _corrections(old, new, said)
    latest = max((e.latest_date for e in published.values()), default=None)
    if latest is not None:
        issues += _backdated(published, after, today, latest)
    return issues


def _gone(
    old: Entry,
    after: Mapping[tuple[str, str], Entry],
    before: Mapping[tuple[str, str], Entry],
    where: str,
) -> Issue:
    said = f"{old.topic} {old.version}, published on {old.announced} ({where})"
    new_files = [e for k, e in after.items() if k not in before and e.topic == old.topic]
    similar = max(new_files, key=lambda e: _similarity(old, e), default=None)
    if similar is not None and _similarity(old, similar) >= 0.8:
        return Issue(
            similar.path,
            1,
            1,
            f"this file looks like {said} as {old.path}, renamed and changed; published "
            f"versions keep their file and content: restore {old.path} and {ADVICE}",
        )
    return Issue(
        old.path,
        1,
        1,
        f"{said}, was deleted; restore the file (published versions stay published); "
        "to undo what it said, publish a new version that does",
    )


def _corrections(old: Entry, new: Entry, said: str) -> list[Issue]:
    issues = []
    for index, published in enumerate(old.corrections):
        if index >= len(new.corrections):
            return [
                issue_at(
                    new,
                    ("corrections",),
                    f"{said}; its correction {index + 1} was removed; "
                    "a published correction stays: put it back",
                )
            ]
        written = new.corrections[index]
        if any(written.get(k) != v for k, v in published.items()):
            issues.append(
                issue_at(
                    new,
                    ("corrections", index),
                    f"{said}; its correction {index + 1} was published and cannot change; put "
                    "it back as it was and add a new entry at the end",
                )
            )
    return issues


def _backdated(
    published: Mapping[tuple[str, str], Entry],
    after: Mapping[tuple[str, str], Entry],
    today: dt.date,
    latest: dt.date,
) -> list[Issue]:
    """New links must come after the chain's head, or the history would be rewritten."""
    issues = []
    for key, new in sorted(after.items()):
        if key not in published and latest > new.announced:
            issues.append(
                issue_at(
                    new,
                    ("announced",),
                    f"announced: {new.announced} is before {latest}, the newest date already "
                    "published; a new version is announced on the day it is published: "
                    f"write {latest} or later",
                )
            )
        old = published.get(key)
        first_new = len(old.corrections) if old else 0
        for index, c in enumerate(new.corrections[first_new:], start=first_new):
            day = dt.date.fromisoformat(c["date"])
            if new.announced <= today and not latest <= day <= today:
                issues.append(
                    issue_at(
                        new,
                        ("corrections", index, "date"),
                        f"date: {day} is not between {latest}, the newest date already "
                        f"published, and today ({today}); date a correction the day it is made",
                    )
                )
    return issues


def issue_at(entry: Entry, key: KeyPath, message: str) -> Issue:
    line, col = locate(entry.positions, key)
    return Issue(entry.path, line, col, message)


def _difference_in_file(old: dict[str, Any], new: Entry) -> KeyPath:
    """Where the content differs, preferring a place the editor can see in the file (a
    model may add content of its own, such as the security page's certifications section)."""
    paths = list(_differences(old, new.content))
    return next((p for p in paths if p in new.positions), paths[0] if paths else ())


def _differences(old: Any, new: Any, at: KeyPath = ()) -> Iterator[KeyPath]:
    """Every key path where two contents differ, in the order they are written."""
    if isinstance(old, dict) and isinstance(new, dict):
        for k in [*old, *(k for k in new if k not in old)]:
            if old.get(k) != new.get(k):
                yield from _differences(old.get(k), new.get(k), (*at, k))
    elif isinstance(old, list) and isinstance(new, list):
        for i, (a, b) in enumerate(zip(old, new, strict=False)):
            if a != b:
                yield from _differences(a, b, (*at, i))
        if len(old) != len(new):
            yield (*at, min(len(old), len(new)))
    else:
        yield at


def _similarity(old: Entry, new: Entry) -> float:
    """How alike two contents are, line by line of their JSON (1.0: the same)."""
    if old.content is None or new.content is None:
        return 0.0
    a, b = (json.dumps(e.content, indent=0, sort_keys=True).splitlines() for e in (old, new))
    return difflib.SequenceMatcher(a=a, b=b, autojunk=False).ratio()


def check_published(
    data_dir: Path,
    today: dt.date,
    *,
    base: str | None = None,
    site: str | None = None,
    warnings: list[Issue] | None = None,
) -> list[Issue]:
    """The issues of `--base` and `--published` (ValueError, FetchError: cannot compare);
    warnings (an `announced` date in the past) are appended to `warnings` if given."""
    # Imported here: notice.py builds on this module's Entry.
    from generator.history.notice import notice_days, notice_findings

    after = read_tree(data_dir)
    days = notice_days(data_dir)
    issues: list[Issue] = []
    found: list[Issue] = []
    for before, where in (
        (read_revision(data_dir, base) if base is not None else None, f"at {base}"),
        (read_published(site, data_dir) if site is not None else None, f"in {site}"),
    ):
        if before is None:
            continue
        issues += compare(before, after, today, where)
        published = {k: e for k, e in before.items() if e.announced <= today}
        errors, said = notice_findings(published, after, today, days, where)
        issues += errors
        found += said
    if warnings is not None:
        warnings += sorted(set(found))
    return sorted(set(issues))
