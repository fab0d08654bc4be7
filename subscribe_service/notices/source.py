"""Read and validate the site's `changes.json` (docs/changes-json.md) from a path or a URL.

`notify` decides whom to mail from this file alone, so it is checked strictly before any
row is written: a malformed file must fail with a message naming the change and the field,
never half-notify. The records are validated with the model the generator writes them
with (generator.contract.Change); this module adds the limits and the problem report.
Keys this reader does not know are kept (in the raw records) and ignored, so an older
service keeps working with a newer generator.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

from generator.contract import CHANGES_FORMAT, Change, ChangesDoc, ChangesHead
from subscribe_service.notices.fetch import FetchError, fetch
from subscribe_service.notices.jsonshape import limit_problem
from subscribe_service.notices.local import LocalReadError, read_local
from subscribe_service.notices.source_problems import Problems

FORMAT = CHANGES_FORMAT
DEFAULT_TIMEOUT = 10.0  # seconds for the whole read: lookups, redirects, body
DEFAULT_MAX_BYTES = 20 * 1024 * 1024  # far above years of changes; stops a runaway download
MAX_CHANGES = 10_000  # a change a week for 190 years


class SourceError(Exception):
    """changes.json could not be read or is invalid; `problems` says what to fix, one per line."""

    def __init__(self, source: str, problems: list[str]):
        self.source = source
        self.problems = problems
        super().__init__(f"{source}: " + "; ".join(problems))


class _Head(ChangesHead):
    """The document with its changes unchecked: they are validated one by one, below."""

    changes: list[Any]


@dataclass(frozen=True)
class LoadedChanges:
    """The validated document plus each change's record exactly as published."""

    doc: ChangesDoc
    records: dict[str, dict[str, Any]]  # change id -> raw JSON record
    raw_site: dict[str, Any]


def load_changes(
    source: str,
    *,
    timeout: float = DEFAULT_TIMEOUT,
    max_bytes: int = DEFAULT_MAX_BYTES,
    allow_hosts: Sequence[str] = (),
) -> LoadedChanges:
    """Read `source` (a file, a site folder, "-" for stdin, or an URL) and validate it.

    Every limit holds whatever the source is: `max_bytes` and the `timeout` deadline while
    reading, MAX_DEPTH and MAX_VALUES before decoding the JSON, MAX_CHANGES after.
    """
    try:
        if "://" in source:
            data = fetch(source, timeout=timeout, max_bytes=max_bytes, allow_hosts=allow_hosts)
        else:
            data = read_local(source, timeout=timeout, max_bytes=max_bytes)
    except (FetchError, LocalReadError) as err:
        raise SourceError(source, [str(err)]) from None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as err:
        raise SourceError(source, [f"not UTF-8 text ({err.reason} at byte {err.start})"]) from None
    too_big = limit_problem(data)
    if too_big:
        raise SourceError(source, [too_big])
    try:
        raw = json.loads(text)
    except json.JSONDecodeError as err:
        raise SourceError(
            source, [f"not valid JSON: {err.msg} at line {err.lineno} column {err.colno}"]
        ) from None
    return parse_changes(raw, source=source)


def parse_changes(raw: Any, *, source: str = "changes.json") -> LoadedChanges:
    """Validate an already-decoded changes.json document.

    Each change is validated on its own and the problems are gathered by kind, so that
    ten thousand broken changes cost ten thousand small checks and print a few lines.
    """
    if not isinstance(raw, dict):
        raise SourceError(source, ["the top level must be a JSON object"])
    if raw.get("format") != FORMAT:
        raise SourceError(
            source, [f"format is {_short(raw.get('format'))}; this service reads {FORMAT!r}"]
        )
    records = raw.get("changes")
    if isinstance(records, list) and len(records) > MAX_CHANGES:
        raise SourceError(
            source, [f"{len(records)} changes, over the limit of {MAX_CHANGES} changes"]
        )
    problems = Problems()
    head: _Head | None = None
    try:
        head = _Head.model_validate(raw)
    except ValidationError as err:
        for item in err.errors():
            problems.add_pydantic(item, where=None)
    if not isinstance(records, list):
        records = []
    changes = [_validate_change(record, i, problems) for i, record in enumerate(records)]
    first_index: dict[str, int] = {}
    for index, change in enumerate(changes):
        if change is not None and first_index.setdefault(change.id, index) != index:
            problems.add(
                _change_label(records[index], index),
                "",
                f"change id {_short(change.id)} appears twice",
            )
    if problems or head is None:
        raise SourceError(source, problems.lines())
    doc = ChangesDoc.model_construct(
        format=FORMAT, as_of=head.as_of, site=head.site, changes=changes
    )
    return LoadedChanges(
        doc=doc, records={record["id"]: record for record in records}, raw_site=raw["site"]
    )


def _validate_change(record: Any, index: int, problems: Problems) -> Change | None:
    try:
        return Change.model_validate(record)
    except ValidationError as err:
        where = _change_label(record, index)
        errors = err.errors()
        missing = [
            str(e["loc"][0]) for e in errors if e["type"] == "missing" and len(e["loc"]) == 1
        ]
        if len(missing) > 1:
            # A record missing many fields (`{}`) is one problem, not one per field.
            problems.add(where, "", f"fields {', '.join(missing)} are missing")
            errors = [e for e in errors if not (e["type"] == "missing" and len(e["loc"]) == 1)]
        for item in errors:
            problems.add_pydantic(item, where=where)
        return None


def _change_label(record: Any, index: int) -> str:
    change_id = record.get("id") if isinstance(record, dict) else None
    if isinstance(change_id, str):
        return f"change #{index + 1} ({_short(change_id)})"
    return f"change #{index + 1}"


def _short(value: Any) -> str:
    """A value from the file, for a message: quoted, and cut short."""
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."
