"""A reader in Chromium: the sub-processor list, a version permalink, a redline."""

from __future__ import annotations

from typing import Any

import pytest

from tests.support.browser_support import LiveSite

pytestmark = pytest.mark.browser


def table_rows(page: Any, caption: str) -> list[list[str]]:
    """The body rows of the table with this caption, as the cells' visible texts."""
    table = page.locator("table", has=page.locator(f"caption:text-is('{caption}')"))
    rows = table.locator("tbody tr")
    return [
        [cell.inner_text().strip() for cell in row.locator("th, td").all()] for row in rows.all()
    ]


def test_sub_processor_list_shows_the_entities_in_force(page: Any, live: LiveSite) -> None:
    page.goto("/")
    page.get_by_role("navigation").get_by_role("link", name="Sub-processors").first.click()
    page.wait_for_url("**/subprocessors/")

    third_parties = table_rows(page, "Third-party sub-processors")
    # The entity, then since when it is on the list and a link to its history.
    assert [row[0].splitlines()[0] for row in third_parties] == [
        "Alpha Hosting GmbH",
        "Beta Mail Inc.",
        "Delta Desk Ltd",
    ]
    beta = third_parties[1]
    assert beta[1:] == [
        "Delivers email",
        "Email address, Email content",
        "United States (US)",
        "United States (US)",
        "EU-U.S. Data Privacy Framework",
    ]
    assert [row[0].splitlines()[0] for row in table_rows(page, "Affiliates")] == [
        "Larkspur Relay Ltd"
    ]
    # The upcoming removal is announced above the list, with its objection deadline.
    upcoming = page.locator("#upcoming + .ts-upcoming")
    assert "Removes Delta Desk Ltd" in upcoming.inner_text()
    assert "Objections are accepted until the end of 30 June 2025 (UTC)." in upcoming.inner_text()


def test_sub_processor_permalink_shows_what_changed(page: Any, live: LiveSite) -> None:
    page.goto("/subprocessors/")
    page.get_by_role("link", name="What changed on that date").click()
    page.wait_for_url("**/subprocessors/2024-09-01/#what-changed")

    assert [row[0] for row in table_rows(page, "Added (1)")] == ["Delta Desk Ltd"]
    changed = page.locator("table", has=page.locator("caption:text-is('Changed (1)')"))
    assert changed.locator("del").inner_text() == "Standard Contractual Clauses"
    assert changed.locator("ins").inner_text() == "EU-U.S. Data Privacy Framework"
    assert changed.locator("ins").is_visible() and changed.locator("del").is_visible()


def test_document_permalink_and_redline(page: Any, live: LiveSite) -> None:
    page.goto("/dpa/")
    page.get_by_role("link", name="Permalink to version 2.0").click()
    page.wait_for_url("**/dpa/2.0/")
    assert page.locator(".ts-facts dd").first.inner_text().startswith("2.0")
    assert page.get_by_role("heading", name="Breach notification").is_visible()

    page.get_by_role("link", name="What changed since 1.0").first.click()
    page.wait_for_url("**/dpa/2.0/redline/")
    article = page.locator("article")
    deleted = article.locator("del").filter(has_text="72")
    inserted = article.locator("ins").filter(has_text="48")
    assert deleted.first.is_visible() and inserted.first.is_visible()
    # Colour is not the only signal: deleted text is struck through, inserted underlined.
    assert "line-through" in deleted.first.evaluate("e => getComputedStyle(e).textDecoration")
    assert "underline" in inserted.first.evaluate("e => getComputedStyle(e).textDecoration")
    breach = page.locator("#breach-notification + .ts-redline p", has=page.locator("del"))
    assert breach.inner_text() == (
        "We notify the client within 7248 hours of becoming aware of a breach."
    )
