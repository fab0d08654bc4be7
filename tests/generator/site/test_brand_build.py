"""The brand of site.yaml in a built site: the logo in every page's header, the colour as
Material's primary colour through the stylesheet the build writes, the logo's address in
service.json for the mails; and the security page in the navigation, with previous/next
passing through it."""

from __future__ import annotations

import datetime as dt
import gzip
import json
import shutil
from pathlib import Path

import pytest
from lxml import html as lxml_html

from generator.site.build import build_site

ROOT = Path(__file__).resolve().parents[3]
SMALL = ROOT / "tests" / "fixtures" / "data-small"
CONFIG = ROOT / "mkdocs.yml"
TODAY = dt.date(2025, 6, 1)


@pytest.fixture(scope="module")
def branded_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    work = tmp_path_factory.mktemp("branded")
    data = work / "data"
    shutil.copytree(SMALL, data)
    for folder in ("security", "nda", "disclosure", "brand"):
        shutil.copytree(ROOT / "data" / folder, data / folder)
    with (data / "site.yaml").open("a", encoding="utf-8") as site_yaml:
        site_yaml.write('brand:\n  logo: brand/logo.svg\n  color: "#4b2e83"\n')
    site = work / "site"
    build_site(data, site, TODAY, config_file=CONFIG)
    return site


def page(site: Path, path: str) -> lxml_html.HtmlElement:
    return lxml_html.fromstring((site / path / "index.html").read_bytes())


def test_every_page_shows_the_logo_and_loads_the_brand_colour(branded_site: Path) -> None:
    logo = (ROOT / "data" / "brand" / "logo.svg").read_bytes()
    assert (branded_site / "brand" / "logo.svg").read_bytes() == logo
    css = (branded_site / "stylesheets" / "brand.css").read_text()
    assert "--md-primary-fg-color: #4b2e83;" in css and "--md-typeset-a-color: #4b2e83;" in css
    for path in ("", "dpa/1.0", "subprocessors", "security"):
        doc = page(branded_site, path)
        (img,) = doc.xpath("//header//img[@class='ts-logo']")
        assert (branded_site / path / img.get("src")).resolve() == (
            branded_site / "brand" / "logo.svg"
        ).resolve()
        assert any(h.endswith("stylesheets/brand.css") for h in doc.xpath("//link/@href"))


def test_service_json_names_the_logo_for_the_mails(branded_site: Path) -> None:
    info = json.loads((branded_site / "service.json").read_text())
    assert info["brand"] == {"logo": "brand/logo.svg", "color": "#4b2e83"}


def test_security_is_in_the_navigation_and_previous_next_pass_through_it(
    branded_site: Path,
) -> None:
    links = page(branded_site, "").xpath("//nav[contains(@class, 'md-nav--primary')]//a")
    titles = [" ".join(a.text_content().split()) for a in links]
    assert titles.index("GDPR and CCPA FAQ") < titles.index("Security and compliance")
    assert titles.index("Security and compliance") < titles.index("Changelog")
    footer = page(branded_site, "security").xpath("//a[contains(@class, 'md-footer__link')]")
    assert [a.get("aria-label") for a in footer] == [
        "Previous: GDPR and CCPA FAQ",
        "Next: Changelog",
    ]


def test_the_map_of_processing_locations_stays_light(branded_site: Path) -> None:
    svg = (branded_site / "subprocessors" / "map.svg").read_bytes()
    assert len(gzip.compress(svg)) < 60_000
    assert svg.count(b"<path ") >= 150  # still every country of the world
