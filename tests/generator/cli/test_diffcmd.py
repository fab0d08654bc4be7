"""`trustsite diff`: what a pull request changes, as Markdown, from a real git repository."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from generator.cli.commands import main
from generator.cli.diffcmd import diff_markdown
from generator.load.model import TrustData
from tests.support.factories import make_doc, make_section, sample_data, write_data

TODAY = dt.date(2025, 6, 1)
GIT_ENV = {
    "GIT_AUTHOR_NAME": "Legal Team",
    "GIT_AUTHOR_EMAIL": "legal@larkspur.example",
    "GIT_COMMITTER_NAME": "Legal Team",
    "GIT_COMMITTER_EMAIL": "legal@larkspur.example",
    "GIT_CONFIG_NOSYSTEM": "1",
    "HOME": "/nonexistent",
}


def _data() -> TrustData:
    """The sample data plus the FAQ, so that every topic folder exists as load_data wants."""
    data = sample_data()
    faq = make_doc(
        "1.0",
        "2024-06-01",
        "2024-06-01",
        (make_section("what-is-gdpr", "The EU's data protection law."),),
        title="GDPR and CCPA FAQ",
    )
    return data.model_copy(update={"texts": {**data.texts, "faq": (faq,)}})


def _git(repo: Path, *args: str) -> None:
    env = {**os.environ, **GIT_ENV}
    subprocess.run(["git", *args], cwd=repo, env=env, check=True, capture_output=True)


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A git repository whose last commit holds the sample data in `data/`."""
    root = tmp_path / "repo"
    root.mkdir()
    _git(root, "init", "-q", "-b", "main")
    write_data(_data(), root / "data")
    _git(root, "add", "data")
    _git(root, "commit", "-q", "-m", "Trust center data")
    return root


def _write_yaml(path: Path, document: dict) -> None:
    path.write_text(yaml.safe_dump(document, sort_keys=False), encoding="utf-8")


def _diff(data_dir: Path, **options) -> str:
    defaults = {"topic": None, "from_version": None, "to_version": None, "base": "HEAD"}
    return diff_markdown(data_dir, **{**defaults, **options}, today=TODAY)


def test_an_unchanged_working_tree_says_so(repo: Path) -> None:
    report = _diff(repo / "data")
    assert "No document version was added, edited or deleted compared with `HEAD`." in report


def test_a_new_subprocessor_file_reads_as_exactly_that_change(repo: Path) -> None:
    _write_yaml(
        repo / "data" / "subprocessors" / "2025-08-01.yaml",
        {
            "announced": dt.date(2025, 6, 20),
            "effective": dt.date(2025, 8, 1),
            "summary": "Adds Tallowind Support for help-desk tickets.",
            "add": [
                {
                    "id": "tallowind-support",
                    "entity": "Tallowind Support Ltd | UK",
                    "purpose": "Hosts the help desk",
                    "data_categories": ["Name", "Email address"],
                    "processing_locations": ["GB"],
                    "corporate_location": "GB",
                    "transfer_mechanism": "adequacy",
                    "website": "https://tallowind.example",
                    "relationship": "third-party",
                }
            ],
            "change": {"cloudnine-hosting": {"purpose": "Hosts the platform"}},
        },
    )
    report = _diff(repo / "data")

    assert "- new Sub-processors version 2025-08-01" in report
    assert "## Sub-processor list, effective 2025-08-01 (compared with the list of 2025-05-15)" in (
        report
    )
    assert "**objections until** 2025-07-31" in report
    assert "**status on 2025-06-01:** draft" in report
    assert "42 days' notice, which meets the 30 days promised" in report
    # One table row for the new entry; a "|" in the data cannot break the table.
    assert (
        "| Tallowind Support Ltd \\| UK (`tallowind-support`) | Hosts the help desk "
        "| Name, Email address | GB | adequacy | third-party |"
    ) in report
    assert "- **Cloudnine Hosting B.V.** (`cloudnine-hosting`)" in report
    assert "  - purpose: Provides cloudnine hosting services → Hosts the platform" in report
    assert "Removed" not in report
    # Nothing else in the data changed, so nothing else is reported.
    assert report.count("\n## ") == 1


def test_an_edited_draft_shows_the_edit_as_a_word_level_redline(repo: Path) -> None:
    path = repo / "data" / "privacy" / "2.0.yaml"
    document = yaml.safe_load(path.read_text())
    document["summary"] = "Clarifies who we are."
    document["sections"][0]["body"] = "A revised draft privacy statement (for 1 < 2 > 0)."
    _write_yaml(path, document)
    report = _diff(repo / "data", topic="privacy")

    assert "- edited Privacy statement version 2.0" in report
    assert "## Edited: Privacy statement 2.0" in report
    assert "- `summary`: Version 2.0. → Clarifies who we are." in report
    assert "### Who We Are (changed)" in report
    # Angle brackets in the body arrive as escaped text inside the inserted words (raw
    # HTML itself is refused by the check, generator.load.markup_check).
    assert "A <ins>revised</ins> draft privacy statement <ins>(for 1 &lt; 2 > 0)</ins>." in report


def test_a_deleted_published_version_is_flagged(repo: Path) -> None:
    (repo / "data" / "dpa" / "2.1.yaml").unlink()
    report = _diff(repo / "data")

    assert "- deleted Data Processing Addendum version 2.1" in report
    assert "**Warning:** this version was published on 2025-05-01" in report


def test_topic_limits_the_report_and_base_can_be_any_revision(repo: Path) -> None:
    _git(repo, "tag", "before")
    (repo / "data" / "dpa" / "2.1.yaml").unlink()
    _git(repo, "rm", "-q", "data/dpa/2.1.yaml")
    _git(repo, "commit", "-q", "-m", "Drop 2.1")

    assert "No document version" in _diff(repo / "data", topic="subprocessors", base="before")
    assert "deleted Data Processing Addendum version 2.1" in _diff(repo / "data", base="before")
    assert "No document version" in _diff(repo / "data", base="HEAD")


def test_from_and_to_compare_two_versions_of_a_topic(repo: Path) -> None:
    report = _diff(repo / "data", topic="dpa", from_version="1.0", to_version="2.0")

    assert report.startswith("# Data Processing Addendum 1.0 → 2.0\n")
    assert "> Adds the 2021 SCCs and a 48-hour breach notice." in report
    assert "## Personal data breaches (changed)" in report
    assert "Title: <del>Breach</del><ins>Personal data breaches</ins>" in report
    assert (
        "We notify you of a breach <del>without undue delay</del><ins>within 48 hours</ins>."
        in report
    )
    assert "## Audits (removed)\n\n<del>You may audit us once a year.</del>" in report
    assert (
        "## Transfers (added)\n\n<ins>We rely on the 2021 Standard Contractual Clauses.</ins>"
        in report
    )


def test_to_alone_compares_with_the_version_before(repo: Path) -> None:
    report = _diff(repo / "data", topic="subprocessors", to_version="2025-05-15")
    assert "(compared with the list of 2025-03-01)" in report
    assert "  - transfer mechanism: SCCs → DPF" in report


def _cli(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["diff", *args])
    return result.exit_code, result.output


def test_cli_explains_a_missing_repository_or_revision(repo: Path, tmp_path: Path) -> None:
    loose = tmp_path / "loose"
    write_data(_data(), loose)
    code, output = _cli("--data", str(loose), "--today", "2025-06-01")
    assert code == 2 and "is not inside a git repository" in output

    code, output = _cli("--data", str(repo / "data"), "--base", "no-such-branch")
    assert code == 2 and "unknown git revision 'no-such-branch'" in output


def test_cli_explains_bad_versions_and_a_missing_topic(repo: Path) -> None:
    code, output = _cli("--data", str(repo / "data"), "--from", "1.0")
    assert code == 2 and "name the topic" in output

    code, output = _cli("dpa", "--data", str(repo / "data"), "--to", "9.9")
    assert code == 2 and "dpa has no version '9.9'; its versions are: 1.0, 2.0, 2.1" in output


def test_cli_prints_the_markdown(repo: Path) -> None:
    code, output = _cli("faq", "--data", str(repo / "data"), "--to", "1.0", "--today", "2025-06-01")
    assert code == 0, output
    assert output.startswith("# GDPR and CCPA FAQ 1.0 (first version)\n")
    assert "The whole text is new. Sections: What Is Gdpr." in output


def test_an_edited_published_change_is_flagged_and_its_effect_shown(repo: Path) -> None:
    path = repo / "data" / "subprocessors" / "2025-03-01.yaml"
    document = yaml.safe_load(path.read_text())
    document["add"][0]["purpose"] = "Sends transactional and marketing email"
    _write_yaml(path, document)
    report = _diff(repo / "data")

    assert "- edited Sub-processors version 2025-03-01" in report
    assert "**Note:** this version was published on 2025-01-20" in report
    assert (
        "- **Brightwave Mail Inc.** (`brightwave-mail`)\n"
        "  - purpose: Sends transactional email → Sends transactional and marketing email"
    ) in report
    # Later lists inherit the entry, but their own files did not change.
    assert "2025-05-15" not in report


def test_a_dpa_diff_lists_what_changes_in_its_annexes() -> None:
    demo = Path(__file__).resolve().parents[3] / "data"
    args = ["diff", "dpa", "--data", str(demo), "--from", "2.1", "--to", "2.2"]
    result = CliRunner().invoke(main, [*args, "--today", "2026-12-07"])
    assert result.exit_code == 0, result.output
    assert "Annexes I-III, each as of its version's effective date:" in result.output
    assert "- Annex III: adds Verbena Language Services GmbH." in result.output
    assert "- Annex I: the processing is now described field by field" in result.output
