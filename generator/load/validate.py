"""Rules that span fields or files, run by `load_data` once each file matches the model.

Each rule returns issues instead of raising, so that the editor sees every problem at once.
The rules know where each value was written (`Located.positions`), so every issue points
at the exact field, and they word the problem for a legal editor: what is wrong, with the
values involved, and what to write instead.
"""

from __future__ import annotations

import datetime as dt
import difflib
import itertools
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

from generator.contract import SCOPE_FIELDS
from generator.load.countries import location_problems
from generator.load.editorial import list_editorial_problems, text_editorial_problems
from generator.load.errors import Issue
from generator.load.model import (
    Subprocessor,
    SubprocessorChange,
    TextVersionDoc,
)
from generator.load.transfers import transfer_problems
from generator.load.yamlsafe import KeyPath, Positions, field_name, locate

M = TypeVar("M")


@dataclass(frozen=True)
class Located(Generic[M]):
    """A validated document with the file it came from and where each field was written."""

    path: str  # as shown to the editor
    stem: str  # file name without `.yaml`
    doc: M
    positions: Positions

    def issue(self, key: KeyPath, message: str) -> Issue:
        line, col = locate(self.positions, key)
        return Issue(self.path, line, col, f"{field_name(key)}: {message}" if key else message)

    def line(self, key: KeyPath) -> int:
        return locate(self.positions, key)[0]


# ---------------------------------------------------------------------------------------
# Dates shared by both kinds of topic


def check_dates(
    item: Located[TextVersionDoc] | Located[SubprocessorChange],
    *,
    notice_days: int | None,
    first: bool,
) -> list[Issue]:
    """`effective` not before `announced`, and at least the notice period after it.

    The notice period applies to changes that notify (not editorial) and that change
    something already published (not a topic's first version).
    """
    doc = item.doc
    if doc.effective < doc.announced:
        return [
            item.issue(
                ("effective",),
                f"{doc.effective} is before announced ({doc.announced}); "
                "a change cannot take effect before it is announced",
            )
        ]
    if notice_days is None or first or doc.editorial:
        return []
    earliest = doc.announced + dt.timedelta(days=notice_days)
    if doc.effective >= earliest:
        return []
    gap = (doc.effective - doc.announced).days
    when = "the day it is" if gap == 0 else f"only {gap} day{'s' * (gap != 1)} after it is"
    return [
        item.issue(
            ("effective",),
            f"{doc.effective} is {when} announced ({doc.announced}); "
            f"a change needs {notice_days} days' notice (notice_period_days in site.yaml), "
            f"so the earliest allowed date is {earliest} "
            "(or set editorial: true if it changes wording only)",
        )
    ]


def _check_same_day(
    items: Sequence[Located[TextVersionDoc]] | Sequence[Located[SubprocessorChange]],
    label: Callable[[Located], str],
) -> list[Issue]:
    """No two changes of one topic on one day: which is current that day would be unclear."""
    issues = []
    first_on: dict[dt.date, Located] = {}
    for item in items:
        seen = first_on.setdefault(item.doc.effective, item)
        if seen is not item:
            issues.append(
                item.issue(
                    ("effective",),
                    f"{item.doc.effective} is also the effective date of {label(seen)} "
                    f"({seen.path}); two changes cannot take effect on the same day",
                )
            )
    return issues


# ---------------------------------------------------------------------------------------
# Text documents: privacy, faq, dpa


def check_text_topic(
    items: Sequence[Located[TextVersionDoc]], *, notice_days: int | None
) -> list[Issue]:
    """File names, section ids, version order and dates of one text topic's versions."""
    issues: list[Issue] = []
    ordered = sorted(items, key=lambda i: (i.doc.sort_key, i.stem))
    for item in ordered:
        issues += _check_text_file_name(item)
        issues += _check_section_ids(item)
        issues += check_dates(item, notice_days=notice_days, first=item is ordered[0])
    issues += _check_version_order(ordered)
    for previous, item in itertools.pairwise(ordered):
        found = text_editorial_problems(previous.doc, item.doc, notice_days)
        issues += [item.issue(k, m) for k, m in found]
    return issues


def _check_text_file_name(item: Located[TextVersionDoc]) -> list[Issue]:
    if item.stem == item.doc.version:
        return []
    return [
        item.issue(
            ("version",),
            f"'{item.doc.version}' does not match the file name {item.stem}.yaml; "
            f"name the file {item.doc.version}.yaml or correct the version",
        )
    ]


def _check_section_ids(item: Located[TextVersionDoc]) -> list[Issue]:
    issues = []
    first_index: dict[str, int] = {}
    for index, section in enumerate(item.doc.sections):
        seen = first_index.setdefault(section.id, index)
        if seen != index:
            first_line = item.line(("sections", seen, "id"))
            issues.append(
                item.issue(
                    ("sections", index, "id"),
                    f"duplicate section id '{section.id}' (first at line {first_line}); "
                    "each section needs its own id",
                )
            )
    return issues


def _check_version_order(ordered: Sequence[Located[TextVersionDoc]]) -> list[Issue]:
    """A higher version number must take effect strictly after every lower one."""
    issues = []
    for lower, higher in itertools.pairwise(ordered):
        if lower.doc.sort_key == higher.doc.sort_key:
            issues.append(
                higher.issue(
                    ("version",),
                    f"'{higher.doc.version}' is the same version as '{lower.doc.version}' "
                    f"in {lower.path}; give each version its own number",
                )
            )
        elif higher.doc.effective < lower.doc.effective:
            issues.append(
                higher.issue(
                    ("effective",),
                    f"version {higher.doc.version} takes effect on {higher.doc.effective}, "
                    f"before version {lower.doc.version} ({lower.doc.effective}, "
                    f"{lower.path}); a higher version must take effect later",
                )
            )
    issues += _check_same_day(ordered, lambda i: f"version {i.doc.version}")
    issues += _check_announce_order(ordered)
    return issues


def _check_announce_order(
    ordered: Sequence[Located[TextVersionDoc]] | Sequence[Located[SubprocessorChange]],
) -> list[Issue]:
    """Changes are announced in the order they take effect.

    Otherwise a published change could come after one still in draft, and its page
    (the whole list as of that change, or its redline) would reveal the draft early.
    """
    issues = []
    for earlier, later in itertools.pairwise(ordered):
        if later.doc.announced < earlier.doc.announced:
            issues.append(
                later.issue(
                    ("announced",),
                    f"{later.doc.announced} is before {earlier.doc.announced}, when the "
                    f"change taking effect earlier ({earlier.path}) is announced; announce "
                    "changes in the order they take effect",
                )
            )
    return issues


# ---------------------------------------------------------------------------------------
# The sub-processor list


def check_subprocessor_changes(
    items: Sequence[Located[SubprocessorChange]],
    *,
    notice_days: int | None,
    fold_until: str | None = None,
) -> list[Issue]:
    """Every rule for the change files of the list, including the fold of the changes.

    `fold_until` is the name of the first file that could not be read: the list after it
    is unknown, so the fold stops before it rather than report removals of entries that
    file may well add.
    """
    issues: list[Issue] = []
    ordered = sorted(items, key=lambda i: (i.doc.effective, i.stem))
    for item in ordered:
        issues += _check_change_file_name(item)
        issues += check_dates(item, notice_days=notice_days, first=item is ordered[0])
        issues += _check_change_not_empty(item)
        issues += _check_added_ids(item)
        issues += [item.issue(k, m) for k, m in location_problems(item.doc)]
        issues += [item.issue(k, m) for k, m in list_editorial_problems(item.doc, notice_days)]
        for index, entry in enumerate(item.doc.add):
            issues += _check_transfer(item, entry, ("add", index, "transfer_mechanism"))
    issues += _check_same_day(ordered, lambda i: "the change")
    issues += _check_announce_order(ordered)
    foldable = [i for i in ordered if fold_until is None or i.stem < fold_until]
    issues += _check_fold(foldable)
    return issues


def _check_change_file_name(item: Located[SubprocessorChange]) -> list[Issue]:
    if item.stem == item.doc.effective.isoformat():
        return []
    return [
        item.issue(
            ("effective",),
            f"{item.doc.effective} does not match the file name {item.stem}.yaml; "
            f"a change is named after its effective date: {item.doc.effective}.yaml",
        )
    ]


def _check_change_not_empty(item: Located[SubprocessorChange]) -> list[Issue]:
    doc = item.doc
    if doc.add or doc.remove or doc.change:
        return []
    return [
        item.issue(
            (),
            "this change adds, removes and changes nothing; "
            "list the sub-processors under add:, remove: or change:",
        )
    ]


def _check_added_ids(item: Located[SubprocessorChange]) -> list[Issue]:
    issues = []
    first_index: dict[str, int] = {}
    for index, entry in enumerate(item.doc.add):
        seen = first_index.setdefault(entry.id, index)
        if seen != index:
            issues.append(
                item.issue(
                    ("add", index, "id"),
                    f"duplicate sub-processor id '{entry.id}' "
                    f"(first at line {item.line(('add', seen, 'id'))})",
                )
            )
    for entry_id in sorted(set(item.doc.remove) & set(item.doc.change)):
        issues.append(
            item.issue(
                ("change", entry_id),
                f"'{entry_id}' is also under remove: in this change; "
                "an entry is either removed or changed",
            )
        )
    return issues


def _check_transfer(
    item: Located[SubprocessorChange], entry: Subprocessor, key: KeyPath
) -> list[Issue]:
    return [item.issue(key, p) for p in transfer_problems(entry, item.doc.effective)]


@dataclass
class _Listed:
    entry: Subprocessor
    since: str  # path of the file that added it


def _check_fold(ordered: Sequence[Located[SubprocessorChange]]) -> list[Issue]:
    """Apply the changes oldest first, checking each against the list as it then stood.

    Within one file, `remove` and `change` refer to the list before the file and `add`
    brings ids that are not on it, so the order inside a file does not matter.
    """
    issues: list[Issue] = []
    listed: dict[str, _Listed] = {}
    removed_in: dict[str, str] = {}
    for item in ordered:
        when = f"on {item.doc.effective}"
        for index, entry_id in enumerate(item.doc.remove):
            if entry_id not in listed:
                key = ("remove", index)
                issues.append(item.issue(key, _not_listed(entry_id, when, listed, removed_in)))
        for entry_id, patch in item.doc.change.items():
            key: KeyPath = ("change", entry_id)
            if entry_id not in listed:
                issues.append(item.issue(key, _not_listed(entry_id, when, listed, removed_in)))
                continue
            old = listed[entry_id].entry
            fields = patch.fields()
            if not fields:
                issues.append(item.issue(key, "names no field to change; add the new values"))
                continue
            for name, value in fields.items():
                if getattr(old, name) == value:
                    issues.append(
                        item.issue(
                            (*key, name),
                            f"is already {_show(value, name)} on the list; "
                            "this changes nothing, leave the field out",
                        )
                    )
            new = old.model_copy(update=fields)
            blame = "transfer_mechanism" if "transfer_mechanism" in fields else next(iter(fields))
            issues += _check_transfer(item, new, (*key, blame))
            listed[entry_id].entry = new
        for index, entry in enumerate(item.doc.add):
            if entry.id in listed:
                issues.append(
                    item.issue(
                        ("add", index, "id"),
                        f"'{entry.id}' is already on the list (added in "
                        f"{listed[entry.id].since}); to update it, use change:",
                    )
                )
        for entry_id in item.doc.remove:
            if entry_id in listed:
                del listed[entry_id]
                removed_in[entry_id] = item.path
        for entry in item.doc.add:
            listed.setdefault(entry.id, _Listed(entry, item.path))
    return issues


def _not_listed(
    entry_id: str, when: str, listed: dict[str, _Listed], removed_in: dict[str, str]
) -> str:
    if entry_id in removed_in:
        return f"'{entry_id}' is not on the list {when}: it was removed in {removed_in[entry_id]}"
    message = f"'{entry_id}' is not on the list {when}"
    close = difflib.get_close_matches(entry_id, list(listed), n=1)
    return message + (f" (did you mean '{close[0]}'?)" if close else "; check the id")


def _show(value: object, name: str) -> str:
    if value is None:  # only `products` and `regions` are ever None: every one
        return f"all ({SCOPE_FIELDS[name]})"
    if isinstance(value, tuple):
        return "[" + ", ".join(str(v) for v in value) + "]"
    return f"'{value}'"
