"""What a privacy officer does on a document page, in Chromium at phone and desktop widths:
subscribe from the page they read, read the sub-processor list on a phone, filter it,
read the map through its table, and look at the timeline of changes."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from tests.support.browser_support import DESKTOP, PHONE, LiveSite, screenshot
from tests.support.service_mail import text_of

pytestmark = pytest.mark.browser

WIDTHS = {"phone": PHONE, "desktop": DESKTOP}


def checked_topics(page: Any) -> set[str]:
    boxes = page.locator(".ts-follow input[name=topics]")
    return {b.get_attribute("value") for b in boxes.all() if b.is_checked()}


def test_subscribe_box_on_a_version_permalink_works_without_javascript(
    new_context: Callable[..., Any], live: LiveSite
) -> None:
    email = "officer-box@client.example"
    page = new_context(java_script_enabled=False, viewport=PHONE).new_page()
    page.goto("/dpa/2.0/")
    box = page.locator(".ts-follow")
    assert checked_topics(page) == {"dpa"}  # the page's own topic, preselected
    atom = box.get_by_role("link", name="Atom feed")
    rss = box.get_by_role("link", name="RSS feed")
    for feed in (atom, rss):
        href = feed.get_attribute("href")
        assert href.endswith(("feeds/dpa.atom", "feeds/dpa.rss"))
        assert page.request.get(page.url + href).status == 200

    box.get_by_label("Email address").fill(email)
    with page.expect_navigation():
        box.get_by_role("button", name="Subscribe").click()
    assert page.url == live.url + "subscribe/check-email/"
    live.send()
    text = text_of(live.one_mail_to(email, "Confirm your subscription"))
    assert "Data Processing Addendum" in text and "Sub-processors" not in text


@pytest.mark.parametrize("width", list(WIDTHS))
def test_subscribe_box_on_the_sub_processor_list_answers_in_place(
    new_context: Callable[..., Any],
    live: LiveSite,
    accessible: Callable[[Any, str], None],
    width: str,
) -> None:
    page = new_context(viewport=WIDTHS[width]).new_page()
    page.goto("/subprocessors/")
    assert checked_topics(page) == {"subprocessors"}
    box = page.locator(".ts-follow")
    box.get_by_label("Email address").fill(f"officer-{width}@client.example")
    box.get_by_role("button", name="Subscribe").click()
    status = box.get_by_role("status")
    status.filter(has_text="Thank you").wait_for()
    page.wait_for_function("!document.querySelector('.ts-follow button').disabled")
    # Material's hover and focus colours of a button are the theme's; check the page at rest.
    page.mouse.move(0, 0)
    page.evaluate("document.activeElement.blur()")
    assert page.url == live.url + "subprocessors/"
    accessible(page, f"sub-processor list at {width} width")


def test_sub_processor_cards_on_a_phone_show_every_field_without_sideways_scrolling(
    new_context: Callable[..., Any], live: LiveSite
) -> None:
    page = new_context(viewport=PHONE).new_page()
    page.goto("/subprocessors/")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    regions = page.locator("[data-ts-filtered]")
    assert regions.count() == 2
    for region in regions.all():
        sizes = region.evaluate("e => [e.scrollWidth, e.clientWidth]")
        assert sizes[0] <= sizes[1], f"a card table scrolls sideways: {sizes}"
    beta = page.locator("tr", has_text="Beta Mail Inc.").first
    cells = beta.locator("td")
    assert cells.count() == 5
    for cell in cells.all():
        assert cell.is_visible()
        box = cell.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]
    label = cells.first.evaluate("e => getComputedStyle(e, '::before').content")
    assert label == '"Purpose"'  # each value under its column's name
    # Rows are stacked: the second field sits below the first, not beside it.
    first, second = (c.bounding_box() for c in cells.all()[:2])
    assert second["y"] > first["y"]
    screenshot(page, "subprocessors-cards")


def test_filter_narrows_the_list_and_without_javascript_the_list_is_whole(
    new_context: Callable[..., Any], live: LiveSite, accessible: Callable[[Any, str], None]
) -> None:
    plain = new_context(java_script_enabled=False).new_page()
    plain.goto("/subprocessors/")
    assert not plain.locator("[data-ts-filter]").is_visible()
    all_rows = plain.locator("[data-ts-filtered] tbody tr")
    assert all_rows.count() == 4 and all(r.is_visible() for r in all_rows.all())

    page = new_context(viewport=PHONE).new_page()
    page.goto("/subprocessors/")
    rows = page.locator("[data-ts-filtered] tbody tr")
    status = page.locator(".ts-filter [role=status]")
    assert status.inner_text() == "Showing all 4 sub-processors."
    page.get_by_label("Country").select_option("Germany (DE)")
    visible = [r.locator("th a").first.inner_text() for r in rows.all() if r.is_visible()]
    assert visible == ["Alpha Hosting GmbH"]
    assert status.inner_text() == "Showing 1 of 4 sub-processors."
    page.get_by_label("Country").select_option("")
    page.get_by_label("Data category").select_option("Email address")
    visible = [r.locator("th a").first.inner_text() for r in rows.all() if r.is_visible()]
    assert "Beta Mail Inc." in visible and "Alpha Hosting GmbH" not in visible
    purposes = page.get_by_label("Purpose").locator("option").all_inner_texts()
    assert purposes[0] == "All purposes" and "Delivers email" in purposes
    accessible(page, "sub-processor list, filtered, on a phone")


@pytest.mark.parametrize("width", list(WIDTHS))
def test_map_of_processing_locations_and_its_table(
    new_context: Callable[..., Any], live: LiveSite, width: str
) -> None:
    page = new_context(viewport=WIDTHS[width]).new_page()
    page.goto("/subprocessors/")
    image = page.locator(".ts-map img")
    image.scroll_into_view_if_needed()
    assert image.evaluate("e => e.complete && e.naturalWidth > 0")
    assert "Germany (DE): 1" in image.get_attribute("alt")
    box = image.bounding_box()
    assert box["width"] <= WIDTHS[width]["width"]
    table = page.locator("table", has=page.locator("caption:text-is('Processing locations')"))
    # Cell by cell: on a phone each row is a card, its cells one under another.
    rows = [
        [c.inner_text().strip() for c in r.locator("th, td").all()]
        for r in table.locator("tbody tr").all()
    ]
    assert ["United States (US)", "1", "Beta Mail Inc."] in rows
    if width == "desktop":
        page.locator("#locations").scroll_into_view_if_needed()
        screenshot(page, "subprocessors-map")


@pytest.mark.parametrize("width", list(WIDTHS))
def test_timeline_on_the_changelog_marks_upcoming_changes(
    new_context: Callable[..., Any],
    live: LiveSite,
    accessible: Callable[[Any, str], None],
    width: str,
) -> None:
    page = new_context(viewport=WIDTHS[width]).new_page()
    page.goto("/changelog/")
    svg = page.get_by_role("img", name="Timeline of every change")
    assert svg.is_visible()
    upcoming = page.locator(".ts-timeline g", has=page.locator("title", has_text="(upcoming)"))
    assert upcoming.count() == 1 and upcoming.locator("path").count() == 1
    assert page.evaluate("document.documentElement.scrollWidth") <= WIDTHS[width]["width"]
    accessible(page, f"changelog at {width} width")
    if width == "desktop":
        screenshot(page, "changelog-timeline")
