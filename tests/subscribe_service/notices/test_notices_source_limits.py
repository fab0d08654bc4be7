"""`notify` on sources that never end, never start, nest too deep or hold too much: each is
refused quickly, in a line that names the source and the limit, with memory that stays
small. The command runs as an operator runs it, in its own process, measured."""

from __future__ import annotations

import copy
import json
import os
import re
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask

from subscribe_service.notices.source import MAX_CHANGES, SourceError, load_changes, parse_changes
from tests.support.changes_data import NEW_SUBPROCESSOR, changes_doc, write_changes

ROOT = Path(__file__).resolve().parents[3]
FLASK = str(Path(sys.executable).parent / "flask")
COMMAND = (FLASK, "--app", "subscribe_service")
MB = 1024 * 1024
# Runs a command and writes its peak RSS (KiB) to a file: a fresh process, one child.
MEASURE = (
    "import resource, subprocess, sys\n"
    "code = subprocess.run(sys.argv[2:]).returncode\n"
    "open(sys.argv[1], 'w').write(str(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss))\n"
    "sys.exit(code)\n"
)


def _problem(source: str, **kwargs: float) -> str:
    with pytest.raises(SourceError) as err:
        load_changes(source, **kwargs)  # type: ignore[arg-type]
    assert len(err.value.problems) == 1, err.value.problems
    return err.value.problems[0]


def _doc_with(changes: object) -> dict[str, object]:
    return {**changes_doc(), "changes": changes}


# --- devices, FIFOs, stdin ------------------------------------------------------------


def test_a_device_that_never_ends_stops_at_the_cap() -> None:
    # Before: /dev/zero ignored the cap (its size is 0): 2.7 GB, then MemoryError.
    assert _problem("/dev/zero", max_bytes=MB) == (
        f"/dev/zero gives more than the limit of {MB} bytes; stopped reading there"
    )


@pytest.fixture
def fifo(tmp_path: Path) -> Iterator[Path]:
    path = tmp_path / "changes.fifo"
    os.mkfifo(path)
    yield path


def _write_in_background(path: Path, data: bytes, repeat: int = 1) -> threading.Thread:
    def write() -> None:
        try:
            with path.open("wb") as pipe:
                for _ in range(repeat):
                    pipe.write(data)
        except BrokenPipeError:
            pass  # the reader stopped at its cap

    thread = threading.Thread(target=write, daemon=True)
    thread.start()
    return thread


def test_a_fifo_is_read_and_bounded(fifo: Path) -> None:
    writer = _write_in_background(fifo, json.dumps(changes_doc(NEW_SUBPROCESSOR)).encode())
    assert list(load_changes(str(fifo)).records) == ["subprocessors/2025-03-01"]
    writer.join(5)

    writer = _write_in_background(fifo, b" " * 65536, repeat=10_000)  # 655 MB if read whole
    assert _problem(str(fifo), max_bytes=MB) == (
        f"{fifo} gives more than the limit of {MB} bytes; stopped reading there"
    )
    writer.join(5)

    started = time.monotonic()  # no writer at all: opening alone used to wait forever
    assert _problem(str(fifo), timeout=0.5) == (
        f"{fifo} gave 0 bytes and no end within 0.5 seconds (--timeout)"
    )
    assert time.monotonic() - started < 2


# --- JSON shape: nesting, values, entries, many problems -------------------------------


def test_deep_nesting_is_refused_before_parsing(tmp_path: Path) -> None:
    # Before: 2,000 levels were a RecursionError traceback.
    deep = tmp_path / "deep.json"
    text = json.dumps(changes_doc())
    deep.write_text(text.replace('"changes": []', '"changes": ' + "[" * 2000 + "]" * 2000))
    assert _problem(str(deep)) == "nested more than 32 levels deep, over the limit"
    # Brackets inside strings are text, not nesting.
    record = {**NEW_SUBPROCESSOR, "summary": '[{"\\' + "[" * 1900}
    write_changes(tmp_path / "brackets.json", record)
    assert load_changes(str(tmp_path / "brackets.json")).doc.changes[0].summary.endswith("[[[")


def test_too_many_values_are_refused_before_parsing(tmp_path: Path) -> None:
    many = tmp_path / "many.json"
    many.write_text(json.dumps(_doc_with([0] * 1_000_001)))
    problem = _problem(str(many))
    assert re.fullmatch(r"holds about 100000\d JSON values, over the limit of 1000000", problem)


def test_too_many_changes_are_refused_before_validating(tmp_path: Path) -> None:
    with pytest.raises(SourceError) as err:
        parse_changes(_doc_with([{}] * (MAX_CHANGES + 1)))
    assert err.value.problems == [f"{MAX_CHANGES + 1} changes, over the limit of 10000 changes"]


def test_many_broken_changes_are_one_line(tmp_path: Path) -> None:
    # Before: 200,000 `{}` printed 3 million lines.
    started = time.monotonic()
    with pytest.raises(SourceError) as err:
        parse_changes(_doc_with([{}] * MAX_CHANGES))
    assert time.monotonic() - started < 20
    (line,) = err.value.problems
    assert line.startswith("10000 times: fields id, topic, topic_title, version,")
    assert line.endswith("diff_url, diff are missing (first at change #1)")


def test_the_same_problem_in_many_entries_is_counted(tmp_path: Path) -> None:
    record = copy.deepcopy(NEW_SUBPROCESSOR)
    record["diff"]["added"] = [{"entity": f"Entity {i}"} for i in range(500)]
    with pytest.raises(SourceError) as err:
        parse_changes(changes_doc(record))
    assert err.value.problems == [
        "500 times: field diff.added[*].id: Field required "
        "(first at change #1 ('subprocessors/2025-03-01'), field diff.added[0].id)"
    ]


def test_at_most_twenty_kinds_of_problem_are_listed() -> None:
    records = []
    for day in range(2, 27):
        record = copy.deepcopy(NEW_SUBPROCESSOR)
        record["version"] = f"2025-03-{day:02d}"  # id no longer matches: a message each
        records.append(record)
    with pytest.raises(SourceError) as err:
        parse_changes(_doc_with(records))
    assert len(err.value.problems) == 21
    assert err.value.problems[-1] == "and 5 more problems of 5 other kinds"


# --- the command, as an operator runs it, measured -------------------------------------


def _env(tmp_path: Path) -> dict[str, str]:
    return {
        **os.environ,
        "TRUSTSITE_SECRET_KEY": "limits-test-secret-0123456789abcdef",
        "TRUSTSITE_DATABASE_URL": f"sqlite:///{tmp_path / 'trustsite.db'}",
    }


def _notify(tmp_path: Path, *args: str, stdin: Path | None = None) -> tuple[str, int, float]:
    """(stderr, peak RSS in MiB, seconds) of `flask notify ARGS`, which must fail with 1."""
    rss = tmp_path / "rss"
    started = time.monotonic()
    with (stdin or Path(os.devnull)).open("rb") as feed:
        result = subprocess.run(
            [sys.executable, "-c", MEASURE, str(rss), *COMMAND, "notify", *args],
            stdin=feed,
            capture_output=True,
            text=True,
            env=_env(tmp_path),
            cwd=tmp_path,
            timeout=120,
        )
    took = time.monotonic() - started
    assert result.returncode == 1, result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    return result.stderr, int(rss.read_text()) // 1024, took


def test_the_command_on_dev_zero_and_on_200000_entries_stays_small(tmp_path: Path) -> None:
    err, rss, took = _notify(tmp_path, "/dev/zero")
    assert err.splitlines() == [
        "/dev/zero: cannot use this changes.json; nothing was queued.",
        f"  /dev/zero gives more than the limit of {20 * MB} bytes; stopped reading there",
    ]
    print(f"notify /dev/zero: {rss} MiB peak RSS, {took:.1f} s")
    assert rss < 250, f"{rss} MiB"

    entries = tmp_path / "entries.json"  # 800 KB: the file of the report
    entries.write_text(json.dumps(_doc_with([{}] * 200_000)))
    err, rss, took = _notify(tmp_path, str(entries))
    assert err.splitlines()[1:] == ["  200000 changes, over the limit of 10000 changes"]
    print(f"notify 200,000 entries: {rss} MiB peak RSS, {took:.1f} s")
    assert rss < 250, f"{rss} MiB"


def test_the_command_reads_stdin_within_the_cap(tmp_path: Path) -> None:
    err, rss, _ = _notify(tmp_path, "-", stdin=Path("/dev/zero"))
    assert err.splitlines()[1] == (
        f"  stdin gives more than the limit of {20 * MB} bytes; stopped reading there"
    )
    assert rss < 250
    subprocess.run(
        [FLASK, "--app", "subscribe_service", "db", "upgrade"],
        env=_env(tmp_path),
        cwd=tmp_path,
        check=True,
        capture_output=True,
    )
    write_changes(tmp_path / "changes.json", NEW_SUBPROCESSOR)
    with (tmp_path / "changes.json").open("rb") as feed:
        result = subprocess.run(
            [FLASK, "--app", "subscribe_service", "notify", "-", "--baseline"],
            stdin=feed,
            capture_output=True,
            text=True,
            env=_env(tmp_path),
            cwd=tmp_path,
        )
    assert result.returncode == 0, result.stderr
    assert "-: 1 changes found" in result.stdout


@pytest.mark.parametrize("seconds", ["0", "-1", "nan", "inf", "3601"])
def test_a_timeout_that_is_no_deadline_is_refused(app: Flask, seconds: str) -> None:
    result = app.test_cli_runner().invoke(args=["notify", "--timeout", seconds, "/dev/zero"])
    assert result.exit_code == 2
    assert "give a number of seconds above 0 and at most 3600" in result.output
