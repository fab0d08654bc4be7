"""`build_site`: the real MkDocs build of the fixture data, compared with the golden output.

The golden files under `tests/generator/golden/small/` are the expected build of
`tests/fixtures/data-small` on 2025-06-01: feeds and JSON byte for byte, and for each
generated page the text a reader sees in the main content (theme markup is not ours to
pin). After an intended change of the output, regenerate them and review the diff:

    UPDATE_GOLDEN=1 pytest tests/generator/test_build.py
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import re
import shutil
from pathlib import Path
from urllib.parse import unquote, urldefrag, urlsplit

import lxml.html
import pytest

from generator.history.changes import build_changes
from generator.load.clock import resolve_today
from generator.load.errors import BuildError, DataError
from generator.load.loader import load_data
from generator.site.build import build_site
from generator.site.pages import render_pages

ROOT = Path(__file__).resolve().parents[3]
CONFIG = ROOT / "mkdocs.yml"
SMALL = ROOT / "tests" / "fixtures" / "data-small"
GOLDEN = Path(__file__).parents[1] / "golden" / "small"
TODAY = dt.date(2025, 6, 1)
UPDATE = os.environ.get("UPDATE_GOLDEN") == "1"

# Outputs compared byte for byte (PDFs are checked by tests/generator/test_pdf.py).
EXACT_SUFFIXES = (".json", ".atom", ".rss", ".csv")
BLOCKS = {"p", "li", "h1", "h2", "h3", "h4", "h5", "h6", "tr", "dt", "dd", "caption",
          "summary", "div", "table", "ul", "ol", "details", "th", "td", "br", "form",
          "fieldset", "legend", "label"}  # fmt: skip


def main_text(html: str) -> str:
    """What a reader sees in the main content of a page, one block per line."""
    tree = lxml.html.fromstring(html)
    (article,) = tree.xpath("//article[contains(@class, 'md-content__inner')]")
    for link in article.xpath(".//a[@class='headerlink']"):
        link.drop_tree()
    for el in article.iter():
        if el.tag in ("th", "td"):
            el.tail = " | " + (el.tail or "")  # a table row reads as one line
        elif el.tag in BLOCKS:
            el.tail = "\n" + (el.tail or "")
    lines = (re.sub(r"\s+", " ", line).strip() for line in article.text_content().split("\n"))
    return "\n".join(line for line in lines if line) + "\n"


def snapshot(site: Path, pages: list[str]) -> dict[str, str | bytes]:
    """Golden-comparable view of a built site: exact outputs + main text of `pages`."""
    out: dict[str, str | bytes] = {}
    for path in sorted(site.rglob("*")):
        rel = path.relative_to(site).as_posix()
        if path.is_file() and rel.endswith(EXACT_SUFFIXES) and not rel.startswith("search/"):
            out[rel] = path.read_bytes()
    for page in pages:
        html_path = site / page.removesuffix("index.md") / "index.html"
        out[f"pages/{page.removesuffix('index.md')}index.txt"] = main_text(
            html_path.read_text(encoding="utf-8")
        )
    return out


def tree_digest(site: Path) -> dict[str, str]:
    return {
        p.relative_to(site).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(site.rglob("*"))
        if p.is_file()
    }


def generated_pages() -> list[str]:
    data = load_data(SMALL)
    generated = render_pages(data, build_changes(data, TODAY), TODAY)
    return [*sorted(generated), "subscribe/check-email/index.md"]


@pytest.fixture(scope="module")
def small_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    site = tmp_path_factory.mktemp("small") / "site"
    build_site(SMALL, site, TODAY, config_file=CONFIG)
    return site


def test_golden_build(small_site: Path) -> None:
    actual = snapshot(small_site, generated_pages())
    if UPDATE:
        shutil.rmtree(GOLDEN, ignore_errors=True)
        for rel, content in actual.items():
            target = GOLDEN / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            data = content.encode("utf-8") if isinstance(content, str) else content
            target.write_bytes(data)
    expected_files = sorted(
        p.relative_to(GOLDEN).as_posix() for p in GOLDEN.rglob("*") if p.is_file()
    )
    assert sorted(actual) == expected_files, "set of outputs differs from the golden build"
    for rel, content in actual.items():
        expected = (GOLDEN / rel).read_bytes()
        if isinstance(content, str):
            assert content == expected.decode("utf-8"), f"{rel} differs from the golden text"
        else:
            assert content == expected, f"{rel} differs from the golden file"


def test_every_internal_link_resolves(small_site: Path) -> None:
    """Links inside generated HTML blocks are not checked by MkDocs, so check them here."""
    broken = []
    anchors: dict[Path, set[str]] = {}
    for page in small_site.rglob("*.html"):
        tree = lxml.html.fromstring(page.read_bytes())
        for href in tree.xpath("//article//a/@href"):
            if urlsplit(href).scheme or href.startswith("//"):
                continue
            target_url, fragment = urldefrag(href)
            target = (page.parent / unquote(target_url)).resolve() if target_url else page
            if target.is_dir():
                target = target / "index.html"
            if not target.is_file():
                broken.append(f"{page.relative_to(small_site)}: {href}")
                continue
            if fragment and target.suffix == ".html":
                if target not in anchors:
                    anchors[target] = set(lxml.html.fromstring(target.read_bytes()).xpath("//@id"))
                if fragment not in anchors[target]:
                    broken.append(f"{page.relative_to(small_site)}: {href} (no such anchor)")
    assert broken == []


def test_pages_load_nothing_from_elsewhere(small_site: Path) -> None:
    """No web fonts, CDNs or trackers: every script, style and image is served by the site."""
    external = []
    for page in small_site.rglob("*.html"):
        tree = lxml.html.fromstring(page.read_bytes())
        assert tree.get("lang") == "en"
        for url in tree.xpath("//script/@src | //link[@rel!='canonical']/@href | //img/@src"):
            if urlsplit(url).scheme or url.startswith("//"):
                external.append(f"{page.relative_to(small_site)}: {url}")
    assert external == []


def test_feed_links_are_discoverable_and_send_material_to_no_missing_file(
    small_site: Path,
) -> None:
    """Material's script fetches `sitemap.xml` beside every `link[rel=alternate]` (it reads
    them as other versions of the site); a missing file would 404 on every page load."""
    for page in (small_site / "index.html", small_site / "dpa" / "1.0" / "index.html"):
        tree = lxml.html.fromstring(page.read_bytes())
        feeds = tree.xpath("//head/link[@rel='alternate']")
        assert {f.get("type") for f in feeds} == {"application/atom+xml", "application/rss+xml"}
        for link in feeds:
            feed = (page.parent / link.get("href")).resolve()
            assert feed.is_file(), link.get("href")
            assert (feed.parent / "sitemap.xml").is_file(), f"{link.get('href')}: no sitemap"


def test_search_finds_a_subprocessor_by_name_purpose_and_country(small_site: Path) -> None:
    index = (small_site / "search" / "search_index.json").read_text(encoding="utf-8")
    data = load_data(SMALL)
    entry = data.subprocessor_changes[0].add[0]
    assert entry.entity in index
    assert entry.purpose in index
    assert "Germany (DE)" in index  # a country by its name, not only its code


def test_two_builds_give_identical_feeds_and_json(small_site: Path, tmp_path: Path) -> None:
    again = tmp_path / "site"
    build_site(SMALL, again, TODAY, config_file=CONFIG)
    first = snapshot(small_site, [])
    second = snapshot(again, [])
    assert first.keys() == second.keys()
    assert first == second
    # The pictures too: the map file, and the timeline drawn inside the changelog.
    for site in (small_site, again):
        assert b"<svg" in (site / "changelog" / "index.html").read_bytes()
    for path in ("subprocessors/map.svg", "changelog/index.html"):
        assert (small_site / path).read_bytes() == (again / path).read_bytes(), path


def test_invalid_data_leaves_the_previous_site_untouched(small_site: Path, tmp_path: Path) -> None:
    site = tmp_path / "site"
    shutil.copytree(small_site, site)
    before = tree_digest(site)
    data = tmp_path / "data"
    shutil.copytree(SMALL, data)
    path = data / "dpa" / "2.0.yaml"
    path.write_text(path.read_text().replace("effective: 2025-03-10", "effective: 2025-02-30"))
    with pytest.raises(DataError) as caught:
        build_site(data, site, TODAY, config_file=CONFIG)
    assert any("2.0.yaml" in str(issue) for issue in caught.value.issues)
    assert tree_digest(site) == before
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".site")] == []


def test_failure_midway_leaves_the_previous_site_untouched(
    small_site: Path, tmp_path: Path
) -> None:
    """A broken link in a hand-written page fails the strict build after pages were written."""
    project = _project_copy(tmp_path)
    (project / "site_src" / "broken.md").write_text("# Broken\n\nSee [this](missing-page.md).\n")
    site = tmp_path / "site"
    shutil.copytree(small_site, site)
    before = tree_digest(site)
    with pytest.raises(BuildError, match="strict"):
        build_site(SMALL, site, TODAY, config_file=project / "mkdocs.yml")
    assert tree_digest(site) == before
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".site")] == []


def test_script_in_a_body_stops_the_build_and_hand_written_wins(tmp_path: Path) -> None:
    # The check refuses raw HTML (generator.load.markup_check); that the renderer escapes it
    # anyway is tested with the check bypassed, in test_hostile_site.py.
    project = _project_copy(tmp_path)
    data = tmp_path / "data"
    shutil.copytree(SMALL, data)
    dpa = data / "dpa" / "2.0.yaml"
    text = dpa.read_text()
    marker = "within 48 hours of becoming aware of a breach."
    assert marker in text
    dpa.write_text(text.replace(marker, marker + ' <script>alert("owned")</script>'))
    (project / "site_src" / "faq").mkdir()
    (project / "site_src" / "faq" / "index.md").write_text(
        "# Our own FAQ page\n\nWritten by hand.\n"
    )
    site = tmp_path / "site"
    with pytest.raises(
        DataError, match=r"dpa/2\.0\.yaml:\d+:\d+: sections\[\d\]\.body: '<script>' is HTML"
    ):
        build_site(data, site, TODAY, config_file=project / "mkdocs.yml")
    assert not site.exists()

    dpa.write_text(text)
    build_site(data, site, TODAY, config_file=project / "mkdocs.yml")
    faq = main_text((site / "faq" / "index.html").read_text(encoding="utf-8"))
    assert faq == "Our own FAQ page\nWritten by hand.\n"
    assert (site / "faq" / "1.1" / "index.html").is_file()  # the rest is still generated


def test_demo_data_builds_strictly(tmp_path: Path) -> None:
    site = tmp_path / "site"
    summary = build_site(ROOT / "data", site, resolve_today(), config_file=CONFIG)
    # Five topics' feeds, all's, the demo's three products' and two regions', each Atom
    # and RSS.
    assert re.match(r"built .+: \d+ pages, 22 feeds, \d+ other files in [\d.]+s$", summary)
    assert (site / "changes.json").is_file()
    assert (site / "subprocessors" / "index.html").is_file()
    assert (site / "subprocessors" / "products" / "sms" / "index.html").is_file()


def _project_copy(tmp_path: Path) -> Path:
    """mkdocs.yml and site_src/ in a scratch folder, to change pages without touching ours."""
    project = tmp_path / "project"
    project.mkdir()
    shutil.copy(CONFIG, project / "mkdocs.yml")
    shutil.copytree(ROOT / "site_src", project / "site_src")
    return project


def test_a_later_mkdocs_build_in_one_process_reads_the_data_again(tmp_path: Path) -> None:
    # MkDocs reuses plugin instances within a process (for `serve`): the data that
    # build_site handed to the plugin must not leak into a later plain MkDocs build.
    from mkdocs.commands.build import build
    from mkdocs.config import load_config

    project = tmp_path / "project"
    shutil.copytree(ROOT / "site_src", project / "site_src")
    shutil.copy(CONFIG, project / "mkdocs.yml")
    shutil.copytree(SMALL, project / "data")
    build_site(project / "data", tmp_path / "site", TODAY, config_file=project / "mkdocs.yml")
    dpa = project / "data" / "dpa" / "2.0.yaml"
    dpa.write_text(dpa.read_text().replace("within 48 hours", "within 36 hours"))
    build(load_config(str(project / "mkdocs.yml"), site_dir=str(tmp_path / "again")))
    page = (tmp_path / "again" / "dpa" / "2.0" / "index.html").read_text(encoding="utf-8")
    assert "within 36 hours" in page and "within 48 hours" not in page
