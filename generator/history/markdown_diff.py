"""Changes written as GitHub-flavoured Markdown, for `trustsite diff` (see generator.cli.diffcmd).

A section's redline keeps the document's own Markdown, so its lists, bold terms and tables
render in a job summary as they read on the site; deleted words are `<del>` and inserted
words `<ins>` (generator.history.markdown_redline). HTML in the data is always shown as characters.
Field values and titles are escaped entirely.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence

from pydantic import BaseModel

from generator.contract import TOPIC_TITLES, Status
from generator.history.correction_words import correction_words
from generator.history.diff import (
    ListDiff,
    diff_lists,
    diff_texts,
    touched_products,
    touched_regions,
    words_unchanged,
)
from generator.history.markdown_redline import redline_github, redline_github_inline
from generator.history.redline import md_escape
from generator.load.fields import describe_change, field_label, format_value
from generator.load.model import (
    Correction,
    Subprocessor,
    SubprocessorChange,
    SubprocessorVersion,
    TextVersionDoc,
    TrustData,
)
from generator.load.scopes import longest_notice
from generator.load.timeline import timeline

_TABLE_HEAD = [
    "| Entity | Purpose | Data categories | Processing locations "
    "| Transfer mechanism | Relationship |",
    "|---|---|---|---|---|---|",
]
# Fields shown apart from the version's text: the sections and list edits get their own diff.
_CONTENT_FIELDS = {"sections", "add", "remove", "change"}


def _cell(
    value: object, field: str | None = None, names: Mapping[str, str] | None = None
) -> str:
    return md_escape(format_value(value, field, names)).replace("\n", " ")


def _status(data: TrustData, topic: str, version: str, today: dt.date) -> Status:
    return timeline(data, topic, today).statuses.get(version, Status.draft)


def _dates_line(
    data: TrustData,
    topic: str,
    version: str,
    dates: tuple[dt.date, dt.date],
    deadline: dt.date | None,
    today: dt.date,
) -> str:
    announced, effective = dates
    parts = [f"**Announced** {announced}", f"**takes effect** {effective}"]
    if deadline is not None:
        parts.append(f"**objections until** {deadline}")
    parts.append(f"**status on {today}:** {_status(data, topic, version, today).value}")
    return " · ".join(parts)


def _notice_line(
    data: TrustData,
    dates: tuple[dt.date, dt.date],
    editorial: bool,
    first: bool,
    diff: ListDiff | None = None,
) -> str:
    if editorial:
        return "Editorial change: the wording only. Subscribers are **not** notified."
    if first:
        return "First publication of this document: not held to the notice period."
    days = (dates[1] - dates[0]).days
    # A list change gives the longest notice of the products and regions it touches.
    touched = [(touched_products(diff), touched_regions(diff))] if diff else []
    promised, part = longest_notice(data.site, touched)
    verdict = "meets" if days >= promised else "**does not meet**"
    for_whom = f" for {part.name}" if part else ""
    return (
        f"Subscribers are notified. {days} days' notice, "
        f"which {verdict} the {promised} days promised{for_whom}."
    )


def _entry_row(entry: Subprocessor) -> str:
    cells = [
        f"{_cell(entry.entity)} (`{entry.id}`)",
        _cell(entry.purpose),
        _cell(entry.data_categories),
        _cell(entry.processing_locations),
        _cell(entry.transfer_mechanism),
        _cell(entry.relationship),
    ]
    return "| " + " | ".join(cells) + " |"


def list_diff_markdown(
    diff: ListDiff, heading: str, names: Mapping[str, str] | None = None
) -> list[str]:
    """The entries added, removed and changed; products and regions by their `names`."""
    if not diff:
        return ["The list itself does not change.", ""]
    lines: list[str] = []
    for label, entries in (("Added", diff.added), ("Removed", diff.removed)):
        if entries:
            lines += [f"{heading}# {label} ({len(entries)})", "", *_TABLE_HEAD]
            lines += [_entry_row(e) for e in entries] + [""]
    if diff.changed:
        lines += [f"{heading}# Changed ({len(diff.changed)})", ""]
        for change in diff.changed:
            lines.append(f"- **{md_escape(change.entity)}** (`{change.id}`)")
            for field in change.fields:
                described = describe_change(
                    field.old, field.new, lambda v, name=field.field: _cell(v, name, names)
                )
                lines.append(f"  - {field_label(field.field)}: {described}")
        lines.append("")
    return lines


def list_change_markdown(
    data: TrustData,
    new: SubprocessorVersion,
    previous: str | None,
    diff: ListDiff,
    today: dt.date,
    heading: str,
    steps: Sequence[SubprocessorVersion] = (),
) -> list[str]:
    change = new.change
    dates = (change.announced, change.effective)
    deadline = change.objection_deadline
    since = f" (compared with the list of {previous})" if previous else " (the first list)"
    lines = [f"{heading} Sub-processor list, effective {new.version}{since}", ""]
    if len(steps) > 1:
        lines += range_markdown(data, "subprocessors", steps, today, heading)
    else:
        lines += [
            f"> {md_escape(change.summary)}",
            "",
            _dates_line(data, "subprocessors", new.version, dates, deadline, today),
            "",
            _notice_line(data, dates, change.editorial, previous is None, diff),
            "",
        ]
    return lines + list_diff_markdown(diff, heading, data.site.part_names())


def range_markdown(
    data: TrustData,
    topic: str,
    steps: Sequence[SubprocessorVersion | TextVersionDoc],
    today: dt.date,
    heading: str,
) -> list[str]:
    """Every change between two versions far apart, oldest first, each with its summary,
    its dates and its status: a combined redline alone would hide who announced what when."""
    lines = [f"{heading}# Changes in this range ({len(steps)})", ""]
    for step in steps:
        source = step.change if isinstance(step, SubprocessorVersion) else step
        status = _status(data, topic, step.version, today).value
        kind = " Wording only (editorial): no notice." if source.editorial else ""
        lines.append(
            f"- **{step.version}**: {md_escape(source.summary)} Announced {source.announced}, "
            f"takes effect {source.effective} ({status}).{kind}"
        )
    return [*lines, ""]


def section_changes_markdown(
    old: TextVersionDoc | None, new: TextVersionDoc, heading: str
) -> list[str]:
    diff = diff_texts(old, new)
    if not diff:
        return ["No section text changes.", ""]
    if old is None:
        titles = ", ".join(md_escape(s.title) for s in diff.sections)
        return [f"The whole text is new. Sections: {titles}.", ""]
    old_sections = {s.id: s for s in old.sections}
    new_sections = {s.id: s for s in new.sections}
    lines = []
    for change in diff.sections:
        before, after = old_sections.get(change.id), new_sections.get(change.id)
        old_body = before.body if before else ""
        new_body = after.body if after else ""
        label = "line breaks only" if words_unchanged(old_body, new_body) else change.change
        lines += [f"{heading}# {md_escape(change.title)} ({label})", ""]
        if before and after and before.title != after.title:
            lines += [f"Title: {redline_github_inline(before.title, after.title)}", ""]
        if old_body != new_body:
            lines += [redline_github(old_body, new_body), ""]
    return lines


def text_change_markdown(
    data: TrustData,
    topic: str,
    old: TextVersionDoc | None,
    new: TextVersionDoc,
    today: dt.date,
    heading: str,
    *,
    first: bool,
    steps: Sequence[TextVersionDoc] = (),
) -> list[str]:
    span = f"{old.version} → {new.version}" if old else f"{new.version} (first version)"
    dates = (new.announced, new.effective)
    lines = [f"{heading} {md_escape(new.title)} {span}", ""]
    if len(steps) > 1:
        lines += range_markdown(data, topic, steps, today, heading)
    else:
        lines += [
            f"> {md_escape(new.summary)}",
            "",
            _dates_line(data, topic, new.version, dates, None, today),
            "",
            _notice_line(data, dates, new.editorial, first),
            "",
        ]
    if old is not None and old.title != new.title:
        lines += [f"Document title: {redline_github_inline(old.title, new.title)}", ""]
    return lines + section_changes_markdown(old, new, heading)


def meta_changes_markdown(topic: str, old: object, new: object) -> list[str]:
    """An edited file: its top-level fields that changed, old → new (content apart)."""
    assert isinstance(old, BaseModel) and isinstance(new, BaseModel)
    name = "site.yaml" if topic == "site" else TOPIC_TITLES[topic]
    label = getattr(new, "version", "")
    lines = [f"## Edited: {name} {label}".rstrip(), ""]
    before, after = _flatten(old.model_dump(mode="json")), _flatten(new.model_dump(mode="json"))
    for field in sorted(before.keys() | after.keys()):
        if field.split(".")[0] in _CONTENT_FIELDS or before.get(field) == after.get(field):
            continue
        if field == "corrections":
            lines += _correction_lines(old, new)
            continue
        old_value = _cell(before[field]) if field in before else "(absent)"
        new_value = _cell(after[field]) if field in after else "(absent)"
        lines.append(f"- `{field}`: {old_value} → {new_value}")
    return [*lines, ""] if len(lines) > 2 else lines


def _correction_lines(old: BaseModel, new: BaseModel) -> list[str]:
    """Each correction added, in words: `Correction: section “Audits”: 'x' → 'y' (why, by,
    date)`; a published correction edited or removed is `trustsite check --base`'s to refuse."""
    before: tuple[Correction, ...] = getattr(old, "corrections", ())
    after: tuple[Correction, ...] = getattr(new, "corrections", ())
    doc = new if isinstance(new, TextVersionDoc | SubprocessorChange) else None
    lines = [
        f"- Correction: {md_escape(correction_words(doc, c))}" for c in after if c not in before
    ]
    lines += [
        f"- Correction removed: {md_escape(correction_words(doc, c))}"
        for c in before
        if c not in after
    ]
    return lines


def edited_version_markdown(
    topic: str,
    old: SubprocessorVersion | TextVersionDoc,
    new: SubprocessorVersion | TextVersionDoc,
    today: dt.date,
) -> list[str]:
    """A version file edited in place: its changed fields, then what the edit does to the
    content. A published version is flagged: its subscribers saw the earlier wording."""
    old_source = old.change if isinstance(old, SubprocessorVersion) else old
    new_source = new.change if isinstance(new, SubprocessorVersion) else new
    lines = meta_changes_markdown(topic, old_source, new_source)
    if old_source.announced <= today:
        lines += [
            f"> **Note:** this version was published on {old_source.announced}; readers and "
            "subscribers have seen the earlier text. Editing it in place sends no new notice.",
            "",
        ]
    if isinstance(old, SubprocessorVersion) and isinstance(new, SubprocessorVersion):
        return lines + list_diff_markdown(diff_lists(old.entries, new.entries), "##")
    assert isinstance(old, TextVersionDoc) and isinstance(new, TextVersionDoc)
    return lines + section_changes_markdown(old, new, "##")


def _flatten(document: dict[str, object], prefix: str = "") -> dict[str, object]:
    """Nested mappings as dotted keys (`contacts.privacy`), leaving out unset values."""
    flat: dict[str, object] = {}
    for key, value in document.items():
        if isinstance(value, dict) and key not in _CONTENT_FIELDS:
            flat.update(_flatten(value, f"{prefix}{key}."))
        elif value is not None:
            flat[f"{prefix}{key}"] = value
    return flat


def removed_version_markdown(
    topic: str, version: str, announced: dt.date, today: dt.date
) -> list[str]:
    lines = [f"## Deleted: {TOPIC_TITLES[topic]} {version}", ""]
    if announced <= today:
        lines += [
            f"> **Warning:** this version was published on {announced}. Deleting it removes its "
            "permalink, its entry in the feeds and in changes.json; subscribers were already told.",
            "",
        ]
    else:
        lines += ["A draft that was never published.", ""]
    return lines
