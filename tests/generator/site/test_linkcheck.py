"""The link check: internal links of a built site must lead to a file (and a fragment to an id)."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
from pathlib import Path

import pytest

from generator.site.build import build_site
from generator.site.linkcheck import BrokenLink, check_site, main

ROOT = Path(__file__).resolve().parents[3]
FIXTURE = ROOT / "tests" / "fixtures" / "data-small"


def write(site: Path, pages: dict[str, str]) -> Path:
    for name, html in pages.items():
        path = site / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(html, encoding="utf-8")
    return site


@pytest.fixture
def small_site(tmp_path: Path) -> Path:
    """Two pages, an image and a stylesheet; the home page links every way a site does."""
    site = tmp_path / "site"
    write(
        site,
        {
            "index.html": """<!doctype html><html><head>
                <link rel="stylesheet" href="assets/style.css">
                <link rel="alternate" href="https://example.com/feed.atom">
                </head><body>
                <a href="dpa/">directory link</a>
                <a href="dpa/2.1/#what-changed">fragment that exists</a>
                <a href="dpa/2.1/#no-such-heading">fragment that does not</a>
                <a href="#top">own fragment</a><h1 id="top">Top</h1>
                <a href="/dpa/index.html">root-relative link</a>
                <a href="my%20file.html">percent-encoded name</a>
                <a href="dpa/2.2/">missing page</a>
                <a href="../outside.html">climbs out</a>
                <a href="mailto:privacy@larkspur.example">mail</a>
                <a href="//cdn.example/x.js">protocol-relative, external</a>
                <img src="img/logo.png" srcset="img/logo.png 1x, img/logo@2x.png 2x">
                <form action="/api/subscriptions"></form>
                </body></html>""",
            "dpa/index.html": '<a href="../">up</a> <a href="2.1/?tab=redline">query</a>',
            "dpa/2.1/index.html": '<h2 id="what-changed">Changes</h2><a href="../../">home</a>',
            "my file.html": "<p>spaces in the name</p>",
            "assets/style.css": "body {}",
            "img/logo.png": "png",
        },
    )
    return site


def test_reports_exactly_the_broken_links(small_site: Path) -> None:
    broken, pages, links = check_site(small_site)

    assert broken == [
        BrokenLink(
            "index.html",
            "../outside.html",
            "leads outside the site folder",
        ),
        BrokenLink(
            "index.html",
            "dpa/2.1/#no-such-heading",
            "no element with id 'no-such-heading' in dpa/2.1/index.html",
        ),
        BrokenLink("index.html", "dpa/2.2/", "no such file: dpa/2.2/index.html"),
        BrokenLink("index.html", "img/logo@2x.png", "no such file: img/logo@2x.png"),
    ]
    assert pages == 4
    # Internal links only: the feed, mailto and protocol-relative links are not counted,
    # and neither is the form's action (the service, not the static site).
    assert links == 15


def test_a_clean_site_passes_and_says_so(small_site: Path, capsys) -> None:
    index = small_site / "index.html"
    broken_markers = ("no-such-heading", "dpa/2.2/", "outside.html")
    lines = index.read_text().splitlines()
    kept = [line for line in lines if not any(m in line for m in broken_markers)]
    index.write_text("\n".join(kept).replace(", img/logo@2x.png 2x", ""))

    assert main([str(small_site)]) == 0
    assert capsys.readouterr().out.strip() == "4 pages, 11 internal links checked: all resolve"


def test_command_exits_1_listing_each_broken_link(small_site: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "generator.site.linkcheck", str(small_site)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    )

    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert "index.html: dpa/2.2/ -> no such file: dpa/2.2/index.html" in lines
    assert lines[-1] == "4 pages, 15 internal links checked: 4 broken"


def test_command_exits_2_when_there_is_no_site(tmp_path: Path, capsys) -> None:
    assert main([str(tmp_path / "site")]) == 2
    assert "no built site here" in capsys.readouterr().err


def test_real_build_has_no_broken_links_until_a_page_goes_missing(tmp_path: Path) -> None:
    site = tmp_path / "site"
    build_site(FIXTURE, site, dt.date(2025, 6, 1), config_file=ROOT / "mkdocs.yml")

    broken, pages, links = check_site(site)
    assert broken == []
    assert pages > 10 and links > 100

    # The upcoming sub-processor change's permalink is linked from the list page; if the
    # build ever stopped writing it, the check must say where the dead link is.
    (site / "subprocessors" / "2025-07-01" / "index.html").unlink()
    broken, _, _ = check_site(site)
    dead = {b.page for b in broken if "subprocessors/2025-07-01" in b.reason}
    assert "subprocessors/index.html" in dead
