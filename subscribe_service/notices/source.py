"""Read and validate the site's `changes.json` (docs/changes-json.md) from a path or a URL.

`notify` decides whom to mail from this file alone, so it is checked strictly before any
row is written: a malformed file must fail with a message naming the change and the field,
never half-notify. Keys this reader does not know are kept (in the raw records) and ignored,
so an older service keeps working with a newer generator.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import json
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
    model_validator,
)

from generator.model import SUBPROCESSOR_FIELDS, TEXT_TOPICS, TOPICS

FORMAT = "trustsite-changes/1"
DEFAULT_TIMEOUT = 10.0  # seconds, for an URL source
DEFAULT_MAX_BYTES = 20 * 1024 * 1024  # far above years of changes; stops a runaway download

Text = Annotated[str, StringConstraints(min_length=1, max_length=2000)]
Email = Annotated[str, StringConstraints(pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$", max_length=254)]
Url = Annotated[str, StringConstraints(pattern=r"^https?://[^\s]+$", max_length=2000)]


class SourceError(Exception):
    """changes.json could not be read or is invalid; `problems` says what to fix, one per line."""

    def __init__(self, source: str, problems: list[str]):
        self.source = source
        self.problems = problems
        super().__init__(f"{source}: " + "; ".join(problems))


class _Model(BaseModel):
    # Unknown keys are allowed: the format may grow, and the raw record is stored whole.
    model_config = ConfigDict(extra="ignore", frozen=True)


class SiteInfo(_Model):
    url: Url
    company: Text
    privacy_contact: Email


class FieldChange(_Model):
    field: Literal[SUBPROCESSOR_FIELDS]  # type: ignore[valid-type]
    old: Any
    new: Any


class ListEntry(_Model):
    id: Text
    entity: Text


class ChangedEntry(_Model):
    id: Text
    entity: Text
    fields: list[FieldChange] = Field(min_length=1)


class ListDiff(_Model):
    kind: Literal["list"]
    added: list[ListEntry] = []
    removed: list[ListEntry] = []
    changed: list[ChangedEntry] = []


class SectionChange(_Model):
    id: Text
    title: Text
    change: Literal["added", "removed", "changed"]


class TextDiff(_Model):
    kind: Literal["text"]
    sections: list[SectionChange] = []


class Change(_Model):
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
    status: Text
    url: Url
    diff_url: Url
    diff: Annotated[ListDiff | TextDiff, Field(discriminator="kind")]

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


class ChangesDoc(_Model):
    format: Literal["trustsite-changes/1"]
    as_of: dt.date
    site: SiteInfo
    changes: list[Change]

    @model_validator(mode="after")
    def _unique_ids(self) -> ChangesDoc:
        seen: set[str] = set()
        for change in self.changes:
            if change.id in seen:
                raise ValueError(f"change id '{change.id}' appears twice")
            seen.add(change.id)
        return self


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
) -> LoadedChanges:
    """Read `source` (a file, a built site's folder, or an URL) and validate it."""
    data = _read_bytes(source, timeout=timeout, max_bytes=max_bytes)
    try:
        raw = json.loads(data.decode("utf-8"))
    except UnicodeDecodeError as err:
        raise SourceError(source, [f"not UTF-8 text ({err.reason} at byte {err.start})"]) from None
    except json.JSONDecodeError as err:
        raise SourceError(
            source, [f"not valid JSON: {err.msg} at line {err.lineno} column {err.colno}"]
        ) from None
    return parse_changes(raw, source=source)


def parse_changes(raw: Any, *, source: str = "changes.json") -> LoadedChanges:
    """Validate an already-decoded changes.json document."""
    if not isinstance(raw, dict):
        raise SourceError(source, ["the top level must be a JSON object"])
    if raw.get("format") != FORMAT:
        raise SourceError(
            source, [f"format is {raw.get('format')!r}; this service reads {FORMAT!r}"]
        )
    try:
        doc = ChangesDoc.model_validate(raw)
    except ValidationError as err:
        raise SourceError(source, _describe(err, raw)) from None
    records = {record["id"]: record for record in raw["changes"]}
    return LoadedChanges(doc=doc, records=records, raw_site=raw["site"])


def _describe(err: ValidationError, raw: dict[str, Any]) -> list[str]:
    """Each pydantic error as "change 'subprocessors/2025-03-01', field diff.added[0].id: ..."."""
    problems = []
    for item in err.errors():
        loc = list(item["loc"])
        where = "top level"
        if len(loc) >= 2 and loc[0] == "changes" and isinstance(loc[1], int):
            where = _change_label(raw, loc[1])
            loc = loc[2:]
        elif loc:
            where = f"'{loc[0]}'"
            loc = loc[1:]
        # Drop the discriminator tag pydantic adds for the `diff` union ("list"/"text").
        if loc[:1] == ["diff"] and loc[1:2] in (["list"], ["text"]):
            del loc[1]
        field = _dotted(loc)
        message = item["msg"].removeprefix("Value error, ")
        problems.append(f"{where}, field {field}: {message}" if field else f"{where}: {message}")
    return problems


def _change_label(raw: dict[str, Any], index: int) -> str:
    try:
        change_id = raw["changes"][index]["id"]
    except (KeyError, IndexError, TypeError):
        change_id = None
    if isinstance(change_id, str):
        return f"change #{index + 1} ('{change_id}')"
    return f"change #{index + 1}"


def _dotted(loc: list[Any]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def _read_bytes(source: str, *, timeout: float, max_bytes: int) -> bytes:
    if "://" in source:
        return _fetch(source, timeout=timeout, max_bytes=max_bytes)
    path = Path(source)
    if path.is_dir():
        path = path / "changes.json"
    try:
        size = path.stat().st_size
        if size > max_bytes:
            raise SourceError(source, [f"file is {size} bytes, over the limit of {max_bytes}"])
        return path.read_bytes()
    except OSError as err:
        raise SourceError(source, [f"cannot read {path}: {err.strerror}"]) from None


def _fetch(url: str, *, timeout: float, max_bytes: int) -> bytes:
    """GET an https URL (plain http only for this machine, e.g. `make run`)."""
    parts = urllib.parse.urlsplit(url)
    if parts.scheme != "https" and not (parts.scheme == "http" and _is_loopback(parts.hostname)):
        raise SourceError(url, ["use an https:// URL (http:// is accepted for localhost only)"])
    request = urllib.request.Request(url, headers={"Accept": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            body = response.read(max_bytes + 1)
    except urllib.error.HTTPError as err:
        raise SourceError(url, [f"the server answered {err.code} {err.reason}"]) from None
    except urllib.error.URLError as err:
        raise SourceError(url, [f"cannot fetch: {err.reason}"]) from None
    except TimeoutError:
        raise SourceError(url, [f"no answer within {timeout:g} seconds"]) from None
    except OSError as err:
        raise SourceError(url, [f"cannot fetch: {err}"]) from None
    if len(body) > max_bytes:
        raise SourceError(url, [f"response is over the limit of {max_bytes} bytes"])
    return body


def _is_loopback(host: str | None) -> bool:
    if host in {"localhost"}:
        return True
    try:
        return ipaddress.ip_address(host or "").is_loopback
    except ValueError:
        return False
