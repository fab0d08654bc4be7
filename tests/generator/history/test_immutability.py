"""`trustsite check --base REF` and `--published SITE`: a real git repository, a real site.

The fixture data (conftest) is committed on `main`; each test then edits the working tree
the way a pull request would, and the check must refuse what rewrites published history
with `path:line:col` and what to do instead.
"""

from __future__ import annotations

import datetime as dt
import functools
import http.server
import os
import shutil
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from click.testing import CliRunner

from generator.cli.commands import main
from generator.history.immutability import ADVICE
from generator.history.manifest import history_outputs
from generator.load.loader import load_data

if TYPE_CHECKING:
    from tests.support.datafiles import DataFiles

TODAY = "2025-01-15"
GIT_ENV = {
    "GIT_AUTHOR_NAME": "Legal",
    "GIT_AUTHOR_EMAIL": "legal@larkspur.example",
    "GIT_COMMITTER_NAME": "Legal",
    "GIT_COMMITTER_EMAIL": "legal@larkspur.example",
}
CORRECTION = """\
corrections:
  - date: 2025-01-10
    by: Jane Doe, Legal
    why: A word was missing.
    place: audits
    old: audit us once
    new: audit us at most once
"""
TYPO_FIX = CORRECTION.replace("audit us at most once", "We receive auditors").replace(
    "audit us once", "We recieve auditors"
)


def git(root: Path, *args: str) -> str:
    done = subprocess.run(
        ["git", *args], cwd=root, env={**os.environ, **GIT_ENV}, check=True, capture_output=True
    )
    return done.stdout.decode()


@pytest.fixture
def repo(data_files: DataFiles) -> DataFiles:
    root = data_files.root.parent
    git(root, "init", "-q", "-b", "main")
    git(root, "add", "data")
    git(root, "commit", "-q", "-m", "Trust center data")
    return data_files


@pytest.fixture
def published_site(data_files: DataFiles, tmp_path: Path) -> Path:
    """What a build on TODAY publishes about the history, before any edit."""
    site = tmp_path / "published"
    for path, content in history_outputs(load_data(data_files.root), dt.date(2025, 1, 15)).items():
        (site / path).parent.mkdir(parents=True, exist_ok=True)
        (site / path).write_bytes(content)
    return site


def check(*args: str):
    return CliRunner().invoke(main, ["check", "--today", TODAY, *args], catch_exceptions=False)


def refused(result, *lines: str) -> None:
    assert result.exit_code == 1, result.output
    for line in lines:
        assert line in result.stderr.splitlines(), result.stderr


REWRITE = (
    "data/dpa/2.0.yaml:13:5: dpa 2.0 was published on 2024-06-01 ({where}) and cannot change: "
    "sections[1].body differs; put it back as published; to change it, publish a new version "
    "(trustsite new-version), or for a typo or a broken link add a `corrections:` entry "
    "(docs/history.md)"
)
DELETED = (
    "data/subprocessors/2024-09-01.yaml:1:1: subprocessors 2024-09-01, published on 2024-07-20 "
    "({where}), was deleted; restore the file (published versions stay published); to undo what "
    "it said, publish a new version that does"
)


def test_an_untouched_history_passes(repo: DataFiles, published_site: Path) -> None:
    result = check("--base", "main", "--published", str(published_site))
    assert result.exit_code == 0, result.output


def test_rewriting_a_published_dpa_section_is_refused(
    repo: DataFiles, published_site: Path
) -> None:
    repo.replace("dpa/2.0.yaml", "within 48 hours", "within 96 hours")
    refused(check("--base", "main"), REWRITE.format(where="at main"))
    refused(check("--published", str(published_site)), REWRITE.format(where=f"in {published_site}"))


def test_deleting_a_published_change_file_is_refused(repo: DataFiles, published_site: Path) -> None:
    (repo.root / "subprocessors/2024-09-01.yaml").unlink()
    refused(check("--base", "main"), DELETED.format(where="at main"))
    refused(check("--published", str(published_site)), DELETED.format(where=f"in {published_site}"))


def test_renaming_a_published_change_file_is_refused(repo: DataFiles, published_site: Path) -> None:
    old, new = repo.root / "subprocessors/2024-09-01.yaml", "subprocessors/2024-09-02.yaml"
    old.rename(repo.root / new)
    expected = (
        "data/subprocessors/2024-09-02.yaml:1:1: subprocessors 2024-09-01 was published on "
        "2024-07-20 ({where}) as data/subprocessors/2024-09-01.yaml; rename the file back to "
        "that name"
    )
    refused(check("--base", "main"), expected.format(where="at main"))
    refused(
        check("--published", str(published_site)), expected.format(where=f"in {published_site}")
    )


def test_renaming_and_changing_is_named_as_such(repo: DataFiles) -> None:
    old = repo.root / "subprocessors/2024-09-01.yaml"
    text = old.read_text()
    old.unlink()
    repo.write("subprocessors/2024-09-05.yaml", text.replace("2024-09-01", "2024-09-05"))
    result = check("--base", "main")
    assert result.exit_code == 1
    assert (
        "data/subprocessors/2024-09-05.yaml:1:1: this file looks like subprocessors 2024-09-01, "
        "published on 2024-07-20 (at main) as data/subprocessors/2024-09-01.yaml, renamed and "
        "changed;"
    ) in result.stderr


def test_drafts_stay_editable(repo: DataFiles) -> None:
    draft = repo.write(
        "dpa/3.0.yaml",
        repo.root.joinpath("dpa/2.0.yaml")
        .read_text()
        .replace('version: "2.0"', 'version: "3.0"')
        .replace("announced: 2024-06-01", "announced: 2025-02-01")
        .replace("effective: 2024-07-15", "effective: 2025-03-15"),
    )
    git(repo.root.parent, "add", "data")
    git(repo.root.parent, "commit", "-q", "-m", "Draft DPA 3.0")
    draft.write_text(draft.read_text().replace("within 48 hours", "within 24 hours"))
    assert check("--base", "main").exit_code == 0
    draft.unlink()
    assert check("--base", "main").exit_code == 0


def test_a_correction_is_accepted_and_a_published_one_stays(repo: DataFiles) -> None:
    path = repo.root / "dpa/2.0.yaml"
    path.write_text(path.read_text() + TYPO_FIX)
    result = check("--base", "main")
    assert result.exit_code == 0, result.output
    git(repo.root.parent, "commit", "-qam", "Correct DPA 2.0")
    path.write_text(path.read_text().replace("why: A word was missing.", "why: Cleanup."))
    refused(
        check("--base", "main"),
        "data/dpa/2.0.yaml:18:5: dpa 2.0 was published on 2024-06-01 (at main); its correction 1 "
        "was published and cannot change; put it back as it was and add a new entry at the end",
    )


def test_a_correction_that_changes_meaning_is_refused(repo: DataFiles) -> None:
    path = repo.root / "dpa/2.0.yaml"
    path.write_text(path.read_text() + CORRECTION)
    refused(
        check("--base", "main"),
        "data/dpa/2.0.yaml:23:5: new: a correction may not change meaning, and this one adds or "
        "removes 'most'; publish a new version instead (trustsite new-version)",
    )


def test_a_new_version_dated_before_the_published_history_is_refused(repo: DataFiles) -> None:
    repo.write(
        "faq/1.1.yaml",
        repo.root.joinpath("faq/1.0.yaml")
        .read_text()
        .replace('version: "1.0"', 'version: "1.1"')
        .replace("announced: 2024-01-10", "announced: 2024-07-01")
        .replace("effective: 2024-01-10", "effective: 2024-08-01")
        .replace("First published version.", "Clearer answers."),
    )
    refused(
        check("--base", "main"),
        "data/faq/1.1.yaml:3:1: announced: 2024-07-01 is before 2024-07-20, the newest date "
        "already published; a new version is announced on the day it is published: write "
        "2024-07-20 or later",
    )


def test_an_unknown_base_is_a_clear_error(repo: DataFiles) -> None:
    result = check("--base", "no-such-branch")
    assert result.exit_code == 1
    assert "unknown git revision 'no-such-branch'" in result.stderr


@pytest.fixture
def served(published_site: Path) -> Iterator[str]:
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(published_site))
    handler.log_message = lambda *a: None  # type: ignore[attr-defined]
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()
    server.server_close()


def test_published_reads_a_site_over_http(repo: DataFiles, served: str) -> None:
    repo.replace("dpa/2.0.yaml", "within 48 hours", "within 96 hours")
    refused(check("--published", served), REWRITE.format(where=f"in {served}"))


def test_published_site_that_cannot_be_read_is_a_clear_error(
    repo: DataFiles, tmp_path: Path
) -> None:
    result = check("--published", str(tmp_path / "nowhere"))
    assert result.exit_code == 1
    assert "history.json: cannot be read" in result.stderr


@pytest.mark.parametrize(
    ("name", "old", "new", "expected"),
    [
        (  # the NDA a report requester accepted (recorded by its version) is history too
            "nda/1.0.yaml",
            "summary: ",
            "summary: Changed later. ",
            "data/nda/1.0.yaml:5:1: nda 1.0 was published on 2025-05-05 ({where}) and cannot "
            f"change: summary differs; {ADVICE}",
        ),
        (  # a certification as it was published: its auditor cannot be swapped afterwards
            "security/1.0.yaml",
            "issuer: Nordmark Certification B.V.",
            "issuer: Another Auditor B.V.",
            "data/security/1.0.yaml:11:5: security 1.0 was published on 2025-05-05 ({where}) "
            f"and cannot change: certifications[0].issuer differs; {ADVICE}",
        ),
    ],
)
def test_rewriting_a_published_security_document_is_refused(
    tmp_path: Path, monkeypatch, name: str, old: str, new: str, expected: str
) -> None:
    shutil.copytree(Path(__file__).resolve().parents[3] / "data", tmp_path / "data")
    monkeypatch.chdir(tmp_path)
    git(tmp_path, "init", "-q", "-b", "main")
    git(tmp_path, "add", "data")
    git(tmp_path, "commit", "-q", "-m", "Trust center data")
    site = tmp_path / "published"
    data = load_data(tmp_path / "data")
    for path, content in history_outputs(data, dt.date(2026, 11, 29)).items():
        (site / path).parent.mkdir(parents=True, exist_ok=True)
        (site / path).write_bytes(content)
    untouched = CliRunner().invoke(
        main, ["check", "--today", "2026-11-29", "--base", "main", "--published", str(site)]
    )
    assert untouched.exit_code == 0, untouched.output

    document = tmp_path / "data" / name
    text = document.read_text(encoding="utf-8")
    assert text.count(old) >= 1
    document.write_text(text.replace(old, new, 1), encoding="utf-8")
    for args, where in (
        (["--base", "main"], "at main"),
        (["--published", str(site)], f"in {site}"),
    ):
        result = CliRunner().invoke(
            main, ["check", "--today", "2026-11-29", *args], catch_exceptions=False
        )
        refused(result, expected.format(where=where))
