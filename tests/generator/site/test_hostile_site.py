"""Markup in every text field of the data never reaches a page, a feed or a PDF as code.

`trustsite check` refuses such data (generator.load.markup_check); these tests switch that check
off and run the real build anyway, because escaping must hold even if the check is
bypassed or misses something. Pages are parsed as HTML (lxml, which parses like a
browser), feeds as XML; `deploy/csp_hashes.py` must find only the theme's own scripts.
"""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import lxml.html
import pytest

from generator.load import loader
from generator.load.errors import DataError
from generator.load.loader import load_data
from generator.load.model import TrustData
from generator.site.build import build_site
from tests.support.factories import (
    make_change,
    make_data,
    make_doc,
    make_entry,
    make_section,
    make_site,
    write_data,
)

ROOT = Path(__file__).resolve().parents[3]
CSP_TOOL = ROOT / "deploy" / "csp_hashes.py"
NGINX = ROOT / "deploy" / "nginx" / "static-headers.conf"
TODAY = dt.date(2025, 6, 1)

IMG = "<img src=x onerror=alert(1)>"
SCRIPT = '"><script>alert(1)</script>'
BOTH = f"{IMG} {SCRIPT}"
ATOM = "{http://www.w3.org/2005/Atom}"


def hostile_data() -> TrustData:
    """Every text field holds markup; ids, dates and codes are what the model allows."""
    body = (
        f"{IMG}\n\n{SCRIPT}\n\n# {SCRIPT}\n\n- {IMG}\n- [{IMG}](javascript:alert(1))\n\n"
        f"[x](java&#115;cript:alert(1)) [call]({SCRIPT}) ![{IMG}](https://evil.example/x.png)\n\n"
        f"| {IMG} | {SCRIPT} |\n|---|---|\n| {SCRIPT} | {IMG} |\n\n"
        f"<div onclick=alert(1)>{IMG}</div>"
    )

    def doc(version: str, announced: str, effective: str):
        sections = (
            make_section("one", body, title=BOTH),
            make_section("two", f"{body}\n\nVersion {version}.", title=SCRIPT + version),
        )
        return make_doc(version, announced, effective, sections, title=BOTH, summary=SCRIPT + IMG)

    texts = {
        topic: (doc("1.0", "2024-01-10", "2024-01-10"), doc("2.0", "2024-06-01", "2024-07-15"))
        for topic in ("dpa", "privacy", "faq")
    }
    entry = make_entry(
        "alpha",
        entity=BOTH,
        purpose=SCRIPT,
        data_categories=[IMG, SCRIPT],
        website='https://evil.example/"><script>alert(1)</script>',
    )
    changes = (
        make_change("2024-01-10", "2024-01-10", add=(entry,), summary=BOTH),
        make_change(
            "2024-06-01",
            "2024-07-15",
            change={"alpha": {"purpose": IMG, "entity": SCRIPT, "data_categories": [BOTH]}},
            summary=SCRIPT,
        ),
        make_change("2025-05-20", "2025-06-25", remove=("alpha",), summary=IMG),
    )
    site = make_site(
        company={"name": BOTH, "legal_name": SCRIPT, "address": IMG, "description": BOTH},
        contacts={"privacy": "a" + SCRIPT + "@evil.example"},
    )
    return make_data(texts=texts, changes=changes, site=site)


@pytest.fixture(scope="module")
def hostile_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    base = tmp_path_factory.mktemp("hostile")
    data_dir = write_data(hostile_data(), base / "data")
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(loader, "check_markup", lambda *args: [])  # bypass the check
        build_site(data_dir, base / "site", TODAY, config_file=ROOT / "mkdocs.yml")
    return base / "site"


def test_the_check_refuses_the_hostile_data(tmp_path: Path) -> None:
    data_dir = write_data(hostile_data(), tmp_path / "data")
    with pytest.raises(DataError) as caught:
        load_data(data_dir)
    refused = {(Path(i.path).name, i.message.split(":")[0]) for i in caught.value.issues}
    for field in ("company.name", "company.legal_name", "company.address", "contacts.privacy"):
        assert ("site.yaml", field) in refused
    for field in ("title", "summary", "sections[0].title", "sections[0].body"):
        assert ("2.0.yaml", field) in refused
    for field in ("summary", "add[0].entity", "add[0].purpose", "add[0].data_categories[1]"):
        assert ("2024-01-10.yaml", field) in refused


def test_no_page_holds_an_injected_element(hostile_site: Path) -> None:
    pages = sorted(hostile_site.rglob("*.html"))
    assert len(pages) > 20
    for page in pages:
        tree = lxml.html.fromstring(page.read_bytes())
        for el in tree.iter():
            if not isinstance(el.tag, str):
                continue
            handlers = [name for name in el.attrib if name.lower().startswith("on")]
            assert not handlers, f"{page}: <{el.tag} {handlers}>"
            assert not (el.tag == "img" and el.get("src") == "x"), page
            if el.tag == "script":
                assert "alert(1)" not in (el.text or ""), page
            for name in ("href", "src", "action"):
                value = (el.get(name) or "").strip().lower()
                assert not value.startswith(("javascript:", "data:text")), (page, el.tag, value)


def test_titles_and_headers_show_the_text_as_written(hostile_site: Path) -> None:
    page = lxml.html.fromstring((hostile_site / "faq" / "2.0" / "index.html").read_bytes())
    assert page.findtext(".//title").startswith(f"{BOTH} 2.0")
    assert f"{BOTH} 2.0" in page.find_class("md-header__topic")[1].text_content()
    assert page.find(".//h1").text_content().strip().startswith(f"{BOTH} 2.0")
    home = lxml.html.fromstring((hostile_site / "requests" / "dpa" / "index.html").read_bytes())
    description = home.find(".//meta[@name='description']").get("content")
    assert description == f"Ask {BOTH} for the current version of its Data Processing Addendum."


def test_feeds_carry_the_text_as_text(hostile_site: Path) -> None:
    atom = ET.parse(hostile_site / "feeds" / "all.atom").getroot()
    assert atom.findtext(f"{ATOM}title") == f"{BOTH}: All changes"
    titles = [entry.findtext(f"{ATOM}title") for entry in atom.iter(f"{ATOM}entry")]
    # Titles say what changed: "<Title> <version>: <summary>" (generator.outputs.feed_headlines).
    assert any(title.startswith(f"{BOTH} 2.0: ") for title in titles)
    for entry in atom.iter(f"{ATOM}entry"):
        content = lxml.html.fragment_fromstring(entry.findtext(f"{ATOM}content"), "div")
        assert not [el for el in content.iter() if el.tag in ("img", "script")]
    rss = ET.parse(hostile_site / "feeds" / "all.rss").getroot()
    assert rss.findtext("channel/title") == f"{BOTH}: All changes"
    rss_titles = [item.findtext("title") or "" for item in rss.iter("item")]
    assert any(title.startswith(f"{BOTH} 2.0: ") for title in rss_titles)


def test_the_dpa_pdfs_are_built(hostile_site: Path) -> None:
    pdfs = sorted(hostile_site.glob("dpa/*/*.pdf"))
    assert len(pdfs) == 2 and all(p.read_bytes().startswith(b"%PDF-") for p in pdfs)


def _csp(site: Path) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, str(CSP_TOOL), str(site), "--check", str(NGINX)]
    return subprocess.run(command, capture_output=True, text=True, timeout=60)


def test_the_csp_tool_finds_only_the_theme_scripts(hostile_site: Path) -> None:
    checked = _csp(hostile_site)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "allows all" in checked.stdout


def test_the_csp_tool_refuses_a_script_no_template_has(hostile_site: Path, tmp_path: Path) -> None:
    site = tmp_path / "site"
    shutil.copytree(hostile_site, site)
    page = site / "faq" / "index.html"
    page.write_text(page.read_text().replace("</body>", "<script>alert(2)</script></body>"))
    for command in (
        _csp(site),
        subprocess.run(
            [sys.executable, str(CSP_TOOL), str(site)], capture_output=True, text=True, timeout=60
        ),
    ):
        assert command.returncode == 1
        assert "sha256" not in command.stdout + command.stderr  # nothing to paste
        assert "1 inline script(s) that no template" in command.stderr
        assert "<script>alert(2)</script> in faq/index.html" in command.stderr
