"""`trustsite check` and `trustsite new-version` as an editor runs them: output and exit codes."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from click.testing import CliRunner

from generator.cli.commands import main

if TYPE_CHECKING:
    from tests.support.datafiles import DataFiles


def run(*args: str):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def test_valid_data_exits_0_with_a_one_line_summary(data_files: DataFiles) -> None:
    result = run("check")
    assert result.exit_code == 0
    assert result.stdout == "data: valid (4 document versions, 2 sub-processor list changes)\n"
    assert result.stderr == ""


def test_invalid_data_prints_every_issue_on_stderr_and_exits_1(data_files: DataFiles) -> None:
    data_files.replace("dpa/2.0.yaml", "id: audits", "id: breach")
    data_files.replace("faq/1.0.yaml", "summary: First published version.", "summary:")
    result = run("check")
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr.splitlines() == [
        "data/dpa/2.0.yaml:14:5: sections[2].id: duplicate section id 'breach' (first at "
        "line 11); each section needs its own id",
        "data/faq/1.0.yaml:5:1: summary: write one sentence saying what changed",
        "2 errors; the data is not valid.",
    ]


def test_data_option_and_paths_relative_to_the_working_directory(
    data_files: DataFiles, monkeypatch
) -> None:
    monkeypatch.chdir(data_files.root)
    data_files.replace("site.yaml", "notice_period_days: 30", "notice_period_days: 30\nnotice: 30")
    result = run("check", "--data", ".")
    assert result.exit_code == 1
    assert result.stderr.splitlines()[0] == (
        "site.yaml:10:1: notice: unknown field 'notice' (did you mean 'notice_period_days'?)"
    )


def test_missing_data_folder_is_reported_not_a_traceback(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    result = run("check", "--data", "nowhere")
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        "nowhere/dpa:1:1: folder dpa/ is missing; create it with a file such as 1.0.yaml",
        "nowhere/faq:1:1: folder faq/ is missing; create it with a file such as 1.0.yaml",
        "nowhere/privacy:1:1: folder privacy/ is missing; create it with a file such as 1.0.yaml",
        "nowhere/site.yaml:1:1: file site.yaml is missing; create it",
        "nowhere/subprocessors:1:1: folder subprocessors/ is missing; create it with a file "
        "such as 2025-03-01.yaml",
        "5 errors; the data is not valid.",
    ]


def test_new_version_writes_the_file_and_check_then_refuses_it(data_files: DataFiles) -> None:
    result = run("new-version", "dpa", "--effective", "2025-04-15", "--today", "2025-03-01")
    assert result.exit_code == 0
    assert result.stdout == "created data/dpa/2.1.yaml; edit it, then run: trustsite check\n"
    check = run("check")
    assert check.exit_code == 1
    assert check.stderr.splitlines()[0] == (
        "data/dpa/2.1.yaml:5:1: summary: write one sentence saying what changed"
    )


def test_new_version_refusal_is_a_clear_error(data_files: DataFiles) -> None:
    result = run(
        "new-version", "subprocessors", "--effective", "2025-03-10", "--today", "2025-03-01"
    )
    assert result.exit_code == 1
    assert result.stderr == (
        "Error: effective date 2025-03-10 is inside the 30-day notice period; announced today "
        "(2025-03-01), the earliest allowed date is 2025-03-31 (use --editorial for a "
        "wording-only change)\n"
    )
    assert not (data_files.root / "subprocessors/2025-03-10.yaml").exists()
    editorial = run(
        "new-version",
        "subprocessors",
        "--effective",
        "2025-03-10",
        "--today",
        "2025-03-01",
        "--editorial",
    )
    assert editorial.exit_code == 0
    assert "editorial: true\n" in (data_files.root / "subprocessors/2025-03-10.yaml").read_text()


def test_real_trustsite_process(data_files: DataFiles) -> None:
    command = [str(Path(sys.executable).with_name("trustsite")), "check"]
    env = {**os.environ, "PYTHONWARNINGS": "ignore"}
    valid = subprocess.run(command, capture_output=True, text=True, env=env, timeout=60)
    assert (valid.returncode, valid.stderr) == (0, "")
    assert valid.stdout.startswith("data: valid (")

    data_files.replace("dpa/2.0.yaml", "effective: 2024-07-15", "effective: 2024-02-30")
    invalid = subprocess.run(command, capture_output=True, text=True, env=env, timeout=60)
    assert invalid.returncode == 1
    assert invalid.stdout == ""
    assert invalid.stderr == (
        "data/dpa/2.0.yaml:4:1: effective: '2024-02-30' is not a real date; write YYYY-MM-DD\n"
        "1 error; the data is not valid.\n"
    )
