"""Comparing versions in Chromium: "everything since version X", the compare picker, and
the history page of one sub-processor, at phone and desktop widths, with axe-core.

The live fixture site (tests/fixtures/data-small on 2025-06-01) has two versions of each
text, so every pair of them is rendered at build time; the picker's own comparison of
texts is read on the demo data (`data/`, three DPA versions), built and served statically.
"""

from __future__ import annotations

import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from subscribe_service.dev.smtpsink import free_port
from tests.support.browser_support import DESKTOP, PHONE, ROOT, LiveSite, screenshot

pytestmark = pytest.mark.browser
WIDTHS = {"desktop": DESKTOP, "phone": PHONE}


def fits(page: Any) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    viewport = page.viewport_size["width"]
    assert width <= viewport, f"{page.url} is {width}px wide in a {viewport}px window"


@pytest.mark.parametrize("width", list(WIDTHS))
def test_everything_since_the_version_i_signed(
    new_context: Callable[..., Any],
    live: LiveSite,
    accessible: Callable[[Any, str], None],
    width: str,
) -> None:
    page = new_context().new_page()
    page.set_viewport_size(WIDTHS[width])
    page.goto("/dpa/versions/")
    page.get_by_role("link", name="Compare with the current version").click()
    page.wait_for_url("**/dpa/since/1.0/")
    assert page.get_by_role(
        "heading", name="Data Processing Addendum: everything that changed since version 1.0"
    ).is_visible()
    breach = page.locator("#breach-notification + .ts-redline")
    assert breach.locator("del", has_text="72").is_visible()
    assert breach.locator("ins", has_text="48").is_visible()
    # A screen reader hears where the insertion starts (generated, visually hidden text).
    before = breach.locator("ins").first.evaluate("e => getComputedStyle(e, '::before').content")
    assert "inserted" in before
    fits(page)
    accessible(page, f"since page ({width})")
    if width == "desktop":
        screenshot(page, "since-dpa")


@pytest.mark.parametrize("width", list(WIDTHS))
def test_list_since_and_an_entry_history(
    new_context: Callable[..., Any],
    live: LiveSite,
    accessible: Callable[[Any, str], None],
    width: str,
) -> None:
    page = new_context().new_page()
    page.set_viewport_size(WIDTHS[width])
    page.goto("/subprocessors/2024-01-01/")
    page.get_by_role("link", name="Compare with the current version").click()
    page.wait_for_url("**/subprocessors/since/2024-01-01/")
    added = page.locator("table", has=page.locator("caption", has_text="Added since"))
    assert "Delta Desk Ltd" in added.inner_text()
    changed = page.locator("table", has=page.locator("caption", has_text="Changed since"))
    assert changed.locator("ins").inner_text() == "EU-U.S. Data Privacy Framework"
    fits(page)
    accessible(page, f"sub-processor since page ({width})")
    if width == "desktop":
        screenshot(page, "since-subprocessors")

    page.goto("/subprocessors/")
    row = page.locator("#sp-beta-mail")
    assert "On the list since 1 January 2024" in row.inner_text()
    row.get_by_role("link", name="History of Beta Mail Inc.").click()
    page.wait_for_url("**/subprocessors/entries/beta-mail/")
    events = page.locator(".ts-entry-history > li")
    assert events.count() == 2
    assert events.nth(0).inner_text().startswith("Added effective 1 January 2024")
    assert events.nth(1).inner_text().startswith("Changed effective 1 September 2024")
    assert events.nth(1).locator("ins").inner_text() == "EU-U.S. Data Privacy Framework"
    fits(page)
    accessible(page, f"entry history page ({width})")
    if width == "desktop":
        screenshot(page, "subprocessor-entry")


def test_picker_opens_the_rendered_page_for_a_pair_the_site_has(page: Any, live: LiveSite) -> None:
    page.goto("/subprocessors/versions/")
    picker = page.locator("[data-ts-compare]")
    assert picker.is_visible()
    page.get_by_label("From version").select_option("2024-01-01")
    page.get_by_label("To version").select_option("2024-09-01")
    picker.get_by_role("button", name="Compare").click()
    page.wait_for_url("**/subprocessors/since/2024-01-01/")


def test_picker_compares_two_lists_in_the_page(
    page: Any, live: LiveSite, accessible: Callable[[Any, str], None]
) -> None:
    page.goto("/subprocessors/versions/")
    page.get_by_label("From version").select_option("2024-01-01")
    page.get_by_label("To version").select_option("2025-07-01")
    page.get_by_role("button", name="Compare").click()
    status = page.locator(".ts-compare-status")
    status.filter(has_text="compared with").wait_for()
    assert status.inner_text() == "Version 2024-01-01 compared with version 2025-07-01: 1 change."
    result = page.locator(".ts-compare-result")
    assert "Beta Mail Inc.: Transfer mechanism" in result.inner_text()
    assert result.locator("li ins").inner_text() == "EU-U.S. Data Privacy Framework"
    assert page.url.endswith("/subprocessors/versions/")
    accessible(page, "sub-processor versions list with a comparison")


def test_without_javascript_the_picker_is_hidden_and_the_links_work(
    new_context: Callable[..., Any], live: LiveSite
) -> None:
    page = new_context(java_script_enabled=False).new_page()
    page.goto("/dpa/versions/")
    assert not page.locator("[data-ts-compare]").is_visible()
    page.get_by_role("link", name="Compare with the current version").click()
    page.wait_for_url("**/dpa/since/1.0/")


@pytest.fixture(scope="module")
def demo_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The demo data on 2026-11-20 (DPA 1.0 past, 2.0 current, 2.1 upcoming), served as
    static files: 1.0 against 2.1 is a pair the site does not render."""
    site = tmp_path_factory.mktemp("demo") / "site"
    trustsite = Path(sys.executable).parent / "trustsite"
    subprocess.run(
        [
            str(trustsite),
            "build",
            "--data",
            str(ROOT / "data"),
            "--site-dir",
            str(site),
            "--today",
            "2026-11-20",
            "--config",
            str(ROOT / "mkdocs.yml"),
        ],
        check=True,
        cwd=ROOT,
        capture_output=True,
    )
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1"],
        cwd=site,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=1).close()
                break
            except OSError:
                time.sleep(0.1)
        yield f"http://127.0.0.1:{port}"
    finally:
        server.terminate()
        server.wait(timeout=10)


@pytest.mark.parametrize("width", list(WIDTHS))
def test_picker_compares_two_texts_as_they_read(
    browser: Any, demo_site: str, accessible: Callable[[Any, str], None], width: str
) -> None:
    context = browser.new_context(viewport=WIDTHS[width])
    try:
        page = context.new_page()
        page.goto(f"{demo_site}/dpa/versions/")
        page.get_by_label("From version").select_option("1.0")
        page.get_by_label("To version").select_option("2.1")
        page.get_by_role("button", name="Compare").click()
        page.locator(".ts-compare-status").filter(has_text="changes.").wait_for()
        result = page.locator(".ts-compare-result")
        heading = result.get_by_role("heading", name="Version 1.0 compared with version 2.1")
        assert heading.evaluate("e => e === document.activeElement")
        # Rendered, not Markdown source: list items are list items, bold is bold.
        assert result.locator(".ts-redline--changed li ins").count() > 0
        assert result.locator(".ts-redline--same strong").count() > 0
        assert "**" not in result.inner_text()
        assert result.locator("del", has_text="72").count() == 1
        assert result.locator("ins", has_text="48").count() == 1
        fits(page)
        accessible(page, f"DPA versions list with a comparison ({width})")
        if width == "desktop":
            screenshot(page, "compare-picker")
    finally:
        context.close()
