"""`/dpa/<version>/annexes/`, the annex changes on redlines and since-pages, `/registers/`."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from generator.history.changes import build_changes
from generator.load.loader import load_data
from generator.site.pages import render_pages
from tests.generator.site.test_pages import split, text

DEMO = load_data(Path(__file__).resolve().parents[3] / "data")
TODAY = dt.date(2026, 12, 7)


@pytest.fixture(scope="module")
def pages() -> dict[str, str]:
    return render_pages(DEMO, build_changes(DEMO, TODAY), TODAY)


def test_every_published_dpa_version_has_its_annexes_page(pages: dict[str, str]) -> None:
    assert {p for p in pages if p.endswith("/annexes/index.md")} == {
        f"dpa/{v}/annexes/index.md" for v in ("1.0", "2.0", "2.1", "2.2")
    }
    _, root = split(pages["dpa/2.0/index.md"])
    assert "Annexes I–III" in [a.text_content() for a in root.iter("a")]


def test_dpa_1_0_annex_iii_is_the_list_in_force_on_its_effective_date(
    pages: dict[str, str],
) -> None:
    _, root = split(pages["dpa/1.0/annexes/index.md"])
    words = text(root)
    assert "list in force on 1 February 2023 (version 2023-02-01 of the list)" in words
    assert "Quarrytrail Analytics SAS" in words  # removed in 2025, listed in 2023
    assert "Ambergate Vault" not in words  # added in 2024
    assert "source.json (hashed in history.json)" in words


def test_a_pending_version_says_its_annex_iii_may_still_grow(pages: dict[str, str]) -> None:
    _, root = split(pages["dpa/2.2/annexes/index.md"])
    words = text(root)
    assert "Not yet in effect" in words and "source.json" not in words
    assert "Verbena Language Services GmbH (LEI 391200VERBENALANG038)" in words
    assert "Autoriteit Persoonsgegevens" in words and "Maren Oostdijk" not in words
    assert "Annex I: the processing is now described field by field" in words


def test_the_redline_and_the_since_page_show_annex_changes(pages: dict[str, str]) -> None:
    _, redline = split(pages["dpa/2.2/redline/index.md"])
    assert "Annex III: adds Verbena Language Services GmbH." in text(redline)
    _, since = split(pages["dpa/since/1.0/index.md"])
    words = text(since)
    assert "Annex III: adds Ambergate Vault B.V." in words
    # Quarrytrail left the list in 2025, after 2.0 took effect: still in 2.0's Annex III.
    assert "Quarrytrail" not in words


def test_the_registers_page_explains_what_the_client_fills_in(pages: dict[str, str]) -> None:
    front, root = split(pages["registers/index.md"])
    words = text(root)
    assert front["title"] == "DORA register of information"
    assert "Commission Implementing Regulation (EU) 2024/2956" in words
    assert "You fill it in: the client's own reference of its contract with us" in words
    assert "c0010,c0020,c0030" in words
