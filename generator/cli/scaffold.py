"""`trustsite new-version`: write the next version file of a topic, ready to edit.

The file is meant to be edited before it is published, so it never passes `check` as
written: its summary is empty (and a list change lists no change yet). That way an
unedited scaffold cannot reach the site or notify anyone.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from generator.contract import TEXT_TOPICS, TOPIC_TITLES, TOPICS
from generator.load.errors import DataError, display_path
from generator.load.loader import load_site
from generator.load.model import version_key
from generator.load.yamlsafe import load_yaml

# Top-level fields the scaffold rewrites in a copied text version, in file order.
_RESET_FIELDS = ("version", "announced", "effective", "summary", "editorial")

_LIST_CHANGE_HELP = """\
# Uncomment what this change does and fill it in; leave out what it does not do.
# add:                                      # new sub-processors
#   - id: new-vendor                        # lowercase letters, digits and dashes
#     entity: New Vendor Inc.
#     purpose: What they do for us
#     data_categories: [Email address, Name]
#     processing_locations: [US]            # two-letter country codes
#     corporate_location: US
#     transfer_mechanism: SCCs              # none (EEA only), adequacy, SCCs, DPF or BCRs
#     website: https://vendor.example
#     relationship: third-party             # or affiliate
# remove: [old-vendor]                      # ids that leave the list
# change:                                   # per id, only the fields that change
#   existing-vendor:
#     processing_locations: [DE, IE]
"""


def new_version(
    data_dir: Path, topic: str, *, effective: dt.date, today: dt.date, editorial: bool = False
) -> Path:
    """Write the next version of `topic`, announced `today`; return its path.

    Raises `ValueError` if the file exists, if `effective` is too early (before today, or
    inside the notice period for a change that notifies) or not after the latest version.
    """
    if topic not in TOPICS:
        raise ValueError(f"unknown topic {topic!r}; choose one of {', '.join(TOPICS)}")
    folder = data_dir / topic
    existing = sorted(folder.glob("*.yaml")) if folder.is_dir() else []
    _check_effective(data_dir, effective, today, editorial=editorial or not existing)
    if topic in TEXT_TOPICS:
        path, text = _next_text_version(folder, topic, existing, effective, today, editorial)
    else:
        path = folder / f"{effective.isoformat()}.yaml"
        text = _list_change(effective, today, editorial)
    if path.exists():
        raise ValueError(f"{display_path(path)} already exists; edit it instead")
    _check_after_latest(existing, effective)
    folder.mkdir(parents=True, exist_ok=True)
    with path.open("x", encoding="utf-8") as f:
        f.write(text)
    return path


def _check_effective(
    data_dir: Path, effective: dt.date, today: dt.date, *, editorial: bool
) -> None:
    """Today is the announcement date; the notice period binds changes that notify.

    A topic's first version is not held to the notice period: the caller passes it as
    `editorial` for that reason.
    """
    if effective < today:
        raise ValueError(
            f"effective date {effective} is before today ({today}), the announcement date"
        )
    if editorial:
        return
    notice = load_site(data_dir / "site.yaml").notice_period_days
    earliest = today + dt.timedelta(days=notice)
    if effective < earliest:
        raise ValueError(
            f"effective date {effective} is inside the {notice}-day notice period; "
            f"announced today ({today}), the earliest allowed date is {earliest} "
            "(use --editorial for a wording-only change)"
        )


def _check_after_latest(existing: list[Path], effective: dt.date) -> None:
    """The new version must take effect after every existing one (validation would refuse)."""
    latest: tuple[dt.date, Path] | None = None
    for path in existing:
        try:
            data, _ = load_yaml(path)
        except DataError:
            continue  # `check` reports it; the scaffold only needs the readable dates
        found = data.get("effective") if isinstance(data, dict) else None
        if isinstance(found, dt.date) and (latest is None or found > latest[0]):
            latest = (found, path)
    if latest and effective <= latest[0]:
        raise ValueError(
            f"effective date {effective} is not after {latest[0]}, when "
            f"{display_path(latest[1])} takes effect; versions take effect in order"
        )


def _next_text_version(
    folder: Path,
    topic: str,
    existing: list[Path],
    effective: dt.date,
    today: dt.date,
    editorial: bool,
) -> tuple[Path, str]:
    numbered = [p for p in existing if _is_version(p.stem)]
    if not numbered:
        return folder / "1.0.yaml", _first_text_version(topic, effective, today)
    latest = max(numbered, key=lambda p: version_key(p.stem))
    version = _bump_minor(latest.stem)
    values = {
        "version": f'"{version}"',
        "announced": today.isoformat(),
        "effective": effective.isoformat(),
        "summary": '""  # one sentence saying what changed; check refuses it empty',
        "editorial": "true" if editorial else "false",
    }
    values["corrections"] = ""  # a new version starts without corrections ...
    text = _rewrite_top_level(latest, values).replace("corrections: \n", "")
    return folder / f"{version}.yaml", carry_corrections(latest, text)


def carry_corrections(source: Path, text: str) -> str:
    """... but with the corrected wording where the correction's text occurs once."""
    data, _ = load_yaml(source)
    for correction in data.get("corrections") or [] if isinstance(data, dict) else []:
        old, new = (str(correction.get(k, "")) for k in ("old", "new"))
        if old and text.count(old) == 1:
            text = text.replace(old, new)
    return text


def _rewrite_top_level(source: Path, values: dict[str, str]) -> str:
    """The source text with the given top-level fields replaced, everything else kept.

    Editing the text rather than re-dumping the data keeps comments, block scalars and
    the order of sections, so the pull request's diff of the new file against the old
    one shows only what the editor then changes.
    """
    lines = source.read_text(encoding="utf-8").splitlines(keepends=True)
    _, positions = load_yaml(source)
    starts = {key[0]: line - 1 for key, (line, _) in positions.items() if len(key) == 1}
    order = sorted(starts.values())
    out: list[str] = []
    skip_until = -1
    for index, line in enumerate(lines):
        if index < skip_until:
            continue
        name = next((k for k, start in starts.items() if start == index), None)
        if name in values:
            out.append(f"{name}: {values.pop(name)}\n")
            later = [s for s in order if s > index]
            skip_until = _value_end(lines, index, later[0] if later else len(lines))
            continue
        out.append(line)
    # Fields the source left out (`editorial` defaults to false) go after the summary.
    missing = [f"{name}: {value}\n" for name, value in values.items()]
    if missing:
        at = next((i + 1 for i, line in enumerate(out) if line.startswith("summary:")), 0)
        out[at:at] = missing
    return "".join(out)


def _value_end(lines: list[str], start: int, next_key: int) -> int:
    """The line after a top-level value that may continue on indented lines."""
    end = start + 1
    while end < next_key and (lines[end][:1] in (" ", "\t") or not lines[end].strip()):
        end += 1
    while end > start + 1 and not lines[end - 1].strip():
        end -= 1  # keep the blank lines that separate it from what follows
    return end


def _first_text_version(topic: str, effective: dt.date, today: dt.date) -> str:
    return (
        f'version: "1.0"\n'
        f"title: {TOPIC_TITLES[topic]}\n"
        f"announced: {today.isoformat()}\n"
        f"effective: {effective.isoformat()}\n"
        'summary: ""  # one sentence saying what this document is; check refuses it empty\n'
        "editorial: false\n"
        "sections:\n"
        "  - id: introduction  # lowercase letters, digits and dashes; never change it later\n"
        '    title: ""\n'
        '    body: ""  # Markdown; for paragraphs write "body: |" and indent below\n'
    )


def _list_change(effective: dt.date, today: dt.date, editorial: bool) -> str:
    return (
        f"announced: {today.isoformat()}\n"
        f"effective: {effective.isoformat()}\n"
        'summary: ""  # one sentence saying what changes in the list; check refuses it empty\n'
        f"editorial: {'true' if editorial else 'false'}\n" + _LIST_CHANGE_HELP
    )


def _is_version(stem: str) -> bool:
    return all(part.isdigit() for part in stem.split("."))


def _bump_minor(version: str) -> str:
    """2.1 -> 2.2, 2 -> 2.1, 2.1.3 -> 2.2: a new version is the next minor one."""
    parts = version_key(version)
    minor = parts[1] + 1 if len(parts) > 1 else 1
    return f"{parts[0]}.{minor}"
