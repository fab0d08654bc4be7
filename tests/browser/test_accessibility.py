"""axe-core in Chromium on every kind of page of the static site; screenshots of the main ones.

The service's own pages (confirm, preferences, unsubscribe, objection, request received)
are checked where the flows reach them, in test_subscribing.py and test_requests.py.
Screenshots go to test-artifacts/screenshots/ at desktop and phone widths.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from tests.support.browser_support import PHONE, LiveSite, screenshot

pytestmark = pytest.mark.browser

# kind of page -> (path, screenshot name or None)
PAGES = {
    "home": ("", "home"),
    "document": ("dpa/", "document"),
    "version": ("dpa/1.0/", None),
    "redline": ("dpa/2.0/redline/", "redline"),
    "versions list": ("dpa/versions/", None),
    "sub-processors": ("subprocessors/", "subprocessors"),
    "sub-processor version": ("subprocessors/2024-09-01/", "subprocessors-version"),
    "sub-processor versions list": ("subprocessors/versions/", None),
    "changelog": ("changelog/", "changelog"),
    "subscribe": ("subscribe/", "subscribe"),
    "check-email": ("subscribe/check-email/", None),
    "DPA request": ("requests/dpa/", "request-dpa"),
    "data subject request": ("requests/data-subject/", None),
    "not found": ("no-such-page/", None),
}


# Material follows the reader's colour scheme: the pages with coloured marks, in dark too.
DARK = ("home", "redline", "sub-processors", "sub-processor version")


@pytest.mark.parametrize("kind", list(PAGES))
def test_page_has_no_serious_accessibility_violation(
    page: Any, live: LiveSite, accessible: Callable[[Any, str], None], kind: str
) -> None:
    path, shot = PAGES[kind]
    response = page.goto("/" + path)
    assert response is not None
    assert response.status == (404 if kind == "not found" else 200)
    accessible(page, f"{kind} page")
    if shot:
        screenshot(page, shot)
        # On a phone the page reflows; wide tables scroll inside their own region.
        page.set_viewport_size(PHONE)
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= PHONE["width"], f"{kind} page is {width}px wide on a phone"


def test_the_check_finds_a_serious_violation(
    page: Any, accessible: Callable[[Any, str], None]
) -> None:
    # Guards the guard: axe must really run and report, or every test above is hollow.
    page.set_content(
        '<!doctype html><html lang="en"><title>t</title><main><button></button></main></html>'
    )
    with pytest.raises(AssertionError, match="critical button-name"):
        accessible(page, "a page with an unnamed button")


@pytest.mark.parametrize("kind", DARK)
def test_page_in_dark_mode_has_no_serious_accessibility_violation(
    new_context: Callable[..., Any], accessible: Callable[[Any, str], None], kind: str
) -> None:
    page = new_context(color_scheme="dark").new_page()
    page.goto("/" + PAGES[kind][0])
    assert page.locator("body").get_attribute("data-md-color-scheme") == "slate"
    accessible(page, f"{kind} page in dark mode")
