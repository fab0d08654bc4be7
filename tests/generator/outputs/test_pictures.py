"""The map of processing locations and the timeline of changes: right, self-contained, and
the same bytes on every build."""

from __future__ import annotations

import datetime as dt
import os
import re
import subprocess
import sys
from pathlib import Path

from lxml import etree

from generator.history.changes import build_changes
from generator.outputs.change_pictures import changelog_timeline
from generator.outputs.location_map import NONE_FILL, SHADES, location_rows, map_svg
from tests.support.factories import make_change, make_data, make_entry

ROOT = Path(__file__).resolve().parents[3]
SVG = "{http://www.w3.org/2000/svg}"
TODAY = dt.date(2025, 6, 1)


def entries():
    return (
        make_entry("a", entity="Alpha GmbH", processing_locations=["DE", "US"]),
        make_entry("b", entity="Beta Inc.", processing_locations=["US"]),
        make_entry("c", entity="Gamma Ltd", processing_locations=["US", "IE"]),
    )


def fills(svg: bytes) -> dict[str, str]:
    """Country name (from its <title>) -> fill, for the countries that have a title."""
    root = etree.fromstring(svg)
    found = {}
    for group in root.iter(f"{SVG}g"):
        title = group.findtext(f"{SVG}title")
        if title and group.get("fill"):
            found[title.split(":")[0]] = group.get("fill")
    return found


def test_countries_are_shaded_by_the_number_of_sub_processors() -> None:
    svg = map_svg(entries())
    shown = fills(svg)
    assert set(shown) == {"Germany (DE)", "United States (US)", "Ireland (IE)"}
    assert shown["United States (US)"] == SHADES[-1]  # three: the darkest
    assert shown["Germany (DE)"] == shown["Ireland (IE)"] != shown["United States (US)"]
    # Every other country is drawn, in grey.
    assert svg.count(f'fill="{NONE_FILL}"'.encode()) > 150
    rows = location_rows(entries())
    assert [(r.code, r.count) for r in rows] == [("US", 3), ("DE", 1), ("IE", 1)]
    assert rows[0].names == ("Alpha GmbH", "Beta Inc.", "Gamma Ltd")


def test_the_map_needs_nothing_the_csp_forbids_and_fetches_nothing() -> None:
    svg = map_svg(entries()).decode()
    for forbidden in ("<script", "<style", "style=", "href", "@import", "url("):
        assert forbidden not in svg
    assert re.findall(r"https?://[^\s\"']+", svg) == ["http://www.w3.org/2000/svg"]


def test_two_processes_draw_the_same_bytes() -> None:
    code = (
        "from tests.generator.outputs.test_pictures import entries;"
        "from generator.outputs.location_map import map_svg;"
        "from generator.outputs.change_pictures import changelog_timeline;"
        "from tests.support.factories import sample_data;"
        "from generator.history.changes import build_changes;"
        "import datetime as dt, hashlib; d = sample_data();"
        "t = changelog_timeline(build_changes(d, dt.date(2025, 6, 1)), dt.date(2025, 6, 1));"
        "print(hashlib.sha256(map_svg(entries()) + str(t).encode()).hexdigest())"
    )
    digests = {
        subprocess.run(
            [sys.executable, "-c", code],
            cwd=ROOT,
            env={**os.environ, "PYTHONHASHSEED": seed},
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        for seed in ("1", "2")
    }
    assert len(digests) == 1


def test_timeline_marks_upcoming_changes_and_has_a_text_alternative() -> None:
    verbena = make_entry("verbena", entity="Verbena GmbH")
    data = make_data(
        changes=(
            make_change("2024-01-01", "2024-02-01", add=(make_entry("a"),)),
            make_change("2025-05-20", "2025-07-01", add=(verbena,)),
        )
    )
    svg = str(changelog_timeline(build_changes(data, TODAY), TODAY))
    root = etree.fromstring(svg)
    assert root.get("role") == "img"
    assert "1 of them upcoming" in root.findtext(f"{SVG}desc")
    marks = [g for g in root.iter(f"{SVG}g") if g.findtext(f"{SVG}title")]
    upcoming = [g for g in marks if "(upcoming)" in g.findtext(f"{SVG}title")]
    assert len(marks) == 2 and len(upcoming) == 1
    assert upcoming[0].find(f"{SVG}path") is not None  # a diamond, not only a colour
    assert "<script" not in svg and "style=" not in svg


def test_the_build_date_label_stays_inside_the_picture_late_in_the_year() -> None:
    # 7 December is near the right edge: a centred label ran past it ("7 December 202").
    late = dt.date(2026, 12, 7)
    data = make_data(changes=(make_change("2023-01-05", "2023-02-10", add=(make_entry("a"),)),))
    root = etree.fromstring(str(changelog_timeline(build_changes(data, late), late)))
    width = float(root.get("viewBox").split()[2])
    (label,) = [t for t in root.iter(f"{SVG}text") if t.text == "7 December 2026"]
    assert label.get("text-anchor") == "end" and float(label.get("x")) <= width


def test_the_map_keeps_every_country_in_a_small_part_of_the_bytes() -> None:
    import gzip

    svg = map_svg(entries())
    assert len(gzip.compress(svg)) < 60_000  # pygal's shapes as they come: 264 KB
    root = etree.fromstring(svg)
    countries = [
        g for g in root.iter(f"{SVG}g") if g.get("fill") and g.find(f"{SVG}path") is not None
    ]
    assert len(countries) >= 150
    assert {"United States (US)", "Germany (DE)", "Ireland (IE)"} <= set(fills(svg))
