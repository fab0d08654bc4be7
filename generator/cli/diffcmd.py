"""`trustsite diff`: the semantic change as Markdown, for a pull request's job summary.

Two modes. With `--from`/`--to`, compare two versions of one topic. Without them, compare
the data at a git revision (`--base`, default HEAD) with the working tree and describe
every version file added, edited or deleted: what a pull request proposes. The data at
the base revision is read straight from git's object store (`ls-tree` + `cat-file`), so
the working tree is never touched.
"""

from __future__ import annotations

import datetime as dt
import tempfile
from pathlib import Path

from generator.contract import TOPIC_TITLES, TOPICS
from generator.history.diff import diff_lists
from generator.history.gitrev import files_at_revision
from generator.history.manifest import source_document
from generator.history.markdown_diff import (
    edited_version_markdown,
    list_change_markdown,
    meta_changes_markdown,
    removed_version_markdown,
    text_change_markdown,
)
from generator.history.redline import md_escape
from generator.load.annexes import annexes_for
from generator.load.errors import DataError
from generator.load.loader import load_data
from generator.load.model import SubprocessorVersion, TextVersionDoc, TrustData
from generator.load.timeline import Version, all_versions, dates_of
from generator.outputs.annex_text import annex_changes


def diff_markdown(
    data_dir: Path,
    *,
    topic: str | None,
    from_version: str | None,
    to_version: str | None,
    base: str,
    today: dt.date,
) -> str:
    """The Markdown report; ValueError (a usage problem) or DataError (bad data) otherwise."""
    if from_version is not None or to_version is not None:
        if topic is None:
            raise ValueError(
                "--from/--to compare two versions of one topic: name the topic, "
                "e.g. trustsite diff dpa --from 1.0 --to 2.0"
            )
        return versions_markdown(load_data(data_dir), topic, from_version, to_version, today)
    data = load_data(data_dir)
    base_data, note = data_at_revision(data_dir, base)
    topics = (topic,) if topic else TOPICS
    return working_tree_markdown(base_data, data, topics, base, today, note)


# --- two versions of one topic -------------------------------------------------------------


def _find(versions: list[Version], label: str, topic: str) -> int:
    labels = [v.version for v in versions]
    if label not in labels:
        known = ", ".join(labels) or "none yet"
        raise ValueError(f"{topic} has no version {label!r}; its versions are: {known}")
    return labels.index(label)


def versions_markdown(
    data: TrustData,
    topic: str,
    from_version: str | None,
    to_version: str | None,
    today: dt.date,
) -> str:
    """`--from` defaults to the version before `--to`; `--to` to the newest, drafts included."""
    versions = all_versions(data, topic)
    if not versions:
        raise ValueError(f"{topic} has no versions yet")
    new_index = _find(versions, to_version, topic) if to_version else len(versions) - 1
    if from_version is None:
        old = versions[new_index - 1] if new_index > 0 else None
    else:
        old = versions[_find(versions, from_version, topic)]
    new = versions[new_index]
    # Every version after `old` up to `new`: a diff across several names each change.
    start = versions.index(old) + 1 if old is not None else new_index
    steps = versions[start : new_index + 1]
    lines = _pair_markdown(data, topic, old, new, today, heading="#", steps=steps)
    return "\n".join(lines) + "\n"


def _pair_markdown(
    data: TrustData,
    topic: str,
    old: Version | None,
    new: Version,
    today: dt.date,
    heading: str,
    steps: list[Version] | None = None,
) -> list[str]:
    first = old is None
    if isinstance(new, SubprocessorVersion):
        assert old is None or isinstance(old, SubprocessorVersion)
        diff = diff_lists(old.entries if old else (), new.entries)
        list_steps = [s for s in steps or () if isinstance(s, SubprocessorVersion)]
        previous = old.version if old else None
        return list_change_markdown(data, new, previous, diff, today, heading, list_steps)
    assert isinstance(new, TextVersionDoc) and (old is None or isinstance(old, TextVersionDoc))
    text_steps = [s for s in steps or () if isinstance(s, TextVersionDoc)]
    lines = text_change_markdown(
        data, topic, old, new, today, heading, first=first, steps=text_steps
    )
    if topic == "dpa" and old is not None:
        lines += _annex_markdown(data, old, new, today)
    return lines


def _annex_markdown(
    data: TrustData, old: TextVersionDoc, new: TextVersionDoc, today: dt.date
) -> list[str]:
    """What changes in the SCC annexes, each as of its version's effective date."""
    changes = annex_changes(annexes_for(data, old, today), annexes_for(data, new, today))
    if not changes:
        return []  # unchanged annexes need no line in a pull request's summary
    intro = "Annexes I-III, each as of its version's effective date:"
    return [intro, "", *(f"- {md_escape(c)}" for c in changes), ""]


# --- the working tree against a git revision -----------------------------------------------


def data_at_revision(data_dir: Path, base: str) -> tuple[TrustData | None, str | None]:
    """The data as it was at `base`, and a note for the reader when it could not be used."""
    files = files_at_revision(data_dir, base)
    if files is None:
        return None, f"`{data_dir}` does not exist at `{base}`: everything in it is new."
    with tempfile.TemporaryDirectory(prefix="trustsite-base-") as tmp:
        for name, content in files.items():
            path = Path(tmp, name)
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(content)
        try:
            return load_data(Path(tmp)), None
        except DataError as err:
            count = len(err.issues)
            return None, (
                f"The data at `{base}` does not validate ({count} problem(s)), so everything "
                "is compared with an empty data set."
            )


def _versions_by_label(data: TrustData | None, topic: str) -> dict[str, Version]:
    return {v.version: v for v in all_versions(data, topic)} if data else {}


def _topic_sections(
    base: TrustData | None, data: TrustData, topic: str, today: dt.date
) -> tuple[list[str], list[str]]:
    """(Markdown lines, one-line tallies) for one topic."""
    before = _versions_by_label(base, topic)
    ordered = all_versions(data, topic)
    lines: list[str] = []
    tallies: list[str] = []
    for index, version in enumerate(ordered):
        old = before.get(version.version)
        if old is None:
            previous = ordered[index - 1] if index > 0 else None
            tallies.append(f"new {TOPIC_TITLES[topic]} version {version.version}")
            lines += _pair_markdown(data, topic, previous, version, today, heading="##")
        elif source_document(old) != source_document(version):
            tallies.append(f"edited {TOPIC_TITLES[topic]} version {version.version}")
            lines += edited_version_markdown(topic, old, version, today)
    labels = {v.version for v in ordered}
    for label, old in before.items():
        if label not in labels:
            tallies.append(f"deleted {TOPIC_TITLES[topic]} version {label}")
            lines += removed_version_markdown(topic, label, dates_of(old)[0], today)
    return lines, tallies


def working_tree_markdown(
    base: TrustData | None,
    data: TrustData,
    topics: tuple[str, ...],
    revision: str,
    today: dt.date,
    note: str | None = None,
) -> str:
    body: list[str] = []
    tallies: list[str] = []
    if base is not None and base.site != data.site:
        tallies.append("edited site.yaml")
        body += meta_changes_markdown("site", base.site, data.site)
    for topic in topics:
        lines, counted = _topic_sections(base, data, topic, today)
        body += lines
        tallies += counted
    head = ["# Proposed changes to the trust center", ""]
    if note:
        head += [f"> {note}", ""]
    if not tallies:
        head.append(f"No document version was added, edited or deleted compared with `{revision}`.")
        return "\n".join(head) + "\n"
    head.append(f"Compared with `{revision}`, build date {today.isoformat()}:")
    head += [""] + [f"- {tally}" for tally in tallies] + [""]
    return "\n".join(head + body).rstrip("\n") + "\n"
