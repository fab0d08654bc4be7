"""The SCC annexes in the published history: chained from the day their DPA version takes
effect, verified like every source, a tampered annex caught (docs/annexes.md)."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from generator.history.annex_history import ANNEXES_SINCE
from generator.history.immutability import check_published
from generator.history.manifest import history_outputs
from generator.history.pagehash import page_of, seal_pages
from generator.history.verify import verify
from generator.load.annexes import ANNEXES_TOPIC, annexes_for
from generator.load.loader import load_data
from generator.load.model import TrustData

DATA_DIR = Path(__file__).resolve().parents[3] / "data"
DEMO: TrustData = load_data(DATA_DIR)


# What each version page shows; verify holds history.json's page hashes to it.
PAGE = b"<html><body><article><h1>A version</h1><p>as built</p></article></body></html>"


def write_history(site: Path, today: dt.date) -> dict:
    outputs = history_outputs(DEMO, today)
    outputs.update(seal_pages(outputs, lambda page: PAGE))
    for link in json.loads(outputs["history.json"])["links"]:
        outputs.setdefault(page_of(link), PAGE)
    for path, content in outputs.items():
        target = site / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(content)
    return json.loads((site / "history.json").read_text())


def annex_links(history: dict) -> dict[str, dict]:
    return {link["version"]: link for link in history["links"] if link["topic"] == ANNEXES_TOPIC}


def test_annexes_enter_the_history_the_day_after_their_version_takes_effect(
    tmp_path: Path,
) -> None:
    # 2.1 takes effect on 2026-12-15: until that day ends, Annex III may still grow.
    before = annex_links(write_history(tmp_path / "a", dt.date(2026, 12, 15)))
    on = annex_links(write_history(tmp_path / "b", dt.date(2026, 12, 16)))
    assert sorted(before) == ["1.0", "2.0"]
    assert sorted(on) == ["1.0", "2.0", "2.1"]
    assert on["2.1"]["date"] == "2026-12-16" and on["2.1"]["effective"] == "2026-12-15"
    # Versions in effect before annexes were published are committed on that day.
    assert on["1.0"]["date"] == ANNEXES_SINCE.isoformat() and on["1.0"]["effective"] == "2023-02-01"
    assert on["1.0"]["source"] == "dpa/1.0/annexes/source.json"


def test_no_annex_is_chained_before_annexes_were_published(tmp_path: Path) -> None:
    assert annex_links(write_history(tmp_path, ANNEXES_SINCE - dt.timedelta(days=1))) == {}


def test_a_build_with_annexes_verifies_against_the_history_before_them(tmp_path: Path) -> None:
    write_history(tmp_path / "old", ANNEXES_SINCE - dt.timedelta(days=1))
    write_history(tmp_path / "new", dt.date(2026, 12, 22))
    report = verify(str(tmp_path / "new"), against=str(tmp_path / "old" / "history.json"))
    assert report.problems == []


def test_the_annex_source_names_what_annex_iii_held_that_day(tmp_path: Path) -> None:
    write_history(tmp_path, dt.date(2026, 12, 22))
    source = json.loads((tmp_path / "dpa/1.0/annexes/source.json").read_text())
    annex_iii = source["content"]["annex_iii"]
    assert annex_iii["list"] == "2023-02-01"
    assert [c["version"] for c in annex_iii["changes"]] == ["2023-02-01"]
    assert "quarrytrail-analytics" in annex_iii["entries"]  # removed from the list in 2025
    assert "ambergate-vault" not in annex_iii["entries"]  # added in 2024


@pytest.mark.parametrize(
    "tamper",
    [
        lambda c: c["annex_iii"]["entries"].remove("nimbusfield-cloud"),
        lambda c: c["annex_ii"].update(security="1.0"),
        lambda c: c["dpa"].update(content_hash="0" * 64),
    ],
)
def test_a_tampered_annex_is_caught(tmp_path: Path, tamper) -> None:
    write_history(tmp_path, dt.date(2026, 12, 22))
    path = tmp_path / "dpa/2.1/annexes/source.json"
    source = json.loads(path.read_text())
    tamper(source["content"])
    path.write_text(json.dumps(source))
    problems = verify(str(tmp_path)).problems
    assert len(problems) == 1 and problems[0].startswith("dpa-annexes/2.1: the content")


def test_check_published_reads_annex_links_as_derived_not_as_files(tmp_path: Path) -> None:
    write_history(tmp_path, dt.date(2026, 12, 22))
    assert check_published(DATA_DIR, dt.date(2026, 12, 22), site=str(tmp_path)) == []


def test_a_pending_version_takes_the_list_announced_for_its_effective_date() -> None:
    dpa_2_2 = next(d for d in DEMO.texts["dpa"] if d.version == "2.2")
    annex = annexes_for(DEMO, dpa_2_2, dt.date(2026, 12, 7))
    assert annex.subprocessors is not None and annex.subprocessors.version == "2026-12-22"
    by_id = {e.id: e for e in annex.subprocessors.entries}
    assert "verbena-language" in by_id  # announced, effective 2026-12-21: pending
    assert by_id["nimbusfield-cloud"].lei == "5493004NIMBUSFIELD58"
    # A change announced only later is not yet part of any annex.
    earlier = annexes_for(DEMO, dpa_2_2, dt.date(2026, 11, 30))
    assert earlier.subprocessors is not None and earlier.subprocessors.version == "2026-12-21"
