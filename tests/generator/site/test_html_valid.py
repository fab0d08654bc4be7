"""The built site's HTML, checked by the Nu Html Checker (vnu), as the W3C's checker would.

vnu is a Java program shipped in the npm package `vnu-jar`; `.ci/run` installs it under
`.cache/vnu/` (or point VNU_JAR at a vnu.jar). Without Java or the jar the vnu test skips
and says so; the checks below it that need no Java always run.

Errors of Material for MkDocs' own markup are not ours to fix (a theme upgrade may):
they are listed in THEME_ERRORS, matched on the message and the element, and every
other error fails the test with its page, line and message.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import subprocess
from pathlib import Path

import lxml.html
import pytest

from generator.site.build import build_site

ROOT = Path(__file__).resolve().parents[3]
SMALL = ROOT / "tests" / "fixtures" / "data-small"
VNU_JAR = Path(
    os.environ.get("VNU_JAR") or ROOT / ".cache/vnu/node_modules/vnu-jar/build/dist/vnu.jar"
)
# (start of the message, text in the element's markup): Material's drawer and search
# toggles carry autocomplete="off" on checkboxes, and its "Table of contents" label
# points at a toggle that is hidden on some layouts.
THEME_ERRORS = (
    ("Attribute “autocomplete” is only allowed", 'class="md-toggle"'),
    ("The value of the “for” attribute of the “label” element", 'class="md-nav__title"'),
)


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    target = tmp_path_factory.mktemp("valid") / "site"
    build_site(SMALL, target, dt.date(2025, 6, 1), config_file=ROOT / "mkdocs.yml")
    return target


def _is_theme_error(message: dict[str, str]) -> bool:
    text, extract = message.get("message", ""), message.get("extract", "")
    return any(text.startswith(m) and marker in extract for m, marker in THEME_ERRORS)


def test_no_error_of_our_markup_in_the_nu_html_checker(site: Path) -> None:
    java = shutil.which("java")
    if java is None or not VNU_JAR.is_file():
        pytest.skip(
            f"vnu is not available (java: {java}, jar: {VNU_JAR}); "
            "install it with: npm install --prefix .cache/vnu vnu-jar"
        )
    pages = sorted(str(p) for p in site.rglob("*.html"))
    result = subprocess.run(
        [java, "-jar", str(VNU_JAR), "--format", "json", "--skip-non-html", *pages],
        capture_output=True,
        text=True,
        timeout=300,
    )
    messages = json.loads(result.stderr)["messages"]
    assert messages is not None
    findings = [
        f"{m['url'].removeprefix('file:' + str(site))}:{m.get('lastLine')}: {m['message']}"
        for m in messages
        if (m["type"] in ("error", "non-document-error") and not _is_theme_error(m))
        or (m["type"] == "info" and m.get("subType") == "warning")
    ]
    assert findings == []
    # The allowance is not hollow: the theme's errors are still there to be recognised.
    assert any(_is_theme_error(m) for m in messages)


def test_required_selects_start_with_an_empty_choice(site: Path) -> None:
    """vnu's rule for `<select required>`, checked without Java: its first option is an
    empty placeholder, so that nobody sends the first choice without having chosen it."""
    found = 0
    for page in site.rglob("*.html"):
        for select in lxml.html.fromstring(page.read_bytes()).xpath("//select[@required]"):
            found += 1
            first = select.xpath("./option")[0]
            assert first.get("value") == "", f"{page.relative_to(site)}: {select.get('id')}"
    assert found >= 1
