"""A client in one region in Chromium: the list filtered by region, the region's own page,
and the follow box at the end of the list offering products and regions, folded away.

The session's live site has neither; this module adds two products, two regions and an
SMS carrier serving the EU only, rebuilds, and restores the data and the site afterwards.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import parse_qs

import pytest

from tests.support.browser_support import LiveSite
from tests.support.service_mail import text_of

pytestmark = pytest.mark.browser

SCOPES = """
products:
  - id: inbox
    name: Shared Inbox
  - id: sms
    name: SMS Messaging
regions:
  - id: eu
    name: European Union
  - id: us
    name: United States
"""

EU_CARRIER = """\
announced: 2025-04-01
effective: 2025-05-15
summary: Adds Kestrel SMS Ltd to send text messages for SMS Messaging in the EU.
editorial: false
add:
  - id: kestrel-sms
    entity: Kestrel SMS Ltd
    purpose: Sends text messages
    data_categories: [Phone number]
    processing_locations: [IE]
    corporate_location: IE
    transfer_mechanism: none
    website: https://kestrel.example
    relationship: third-party
    products: [sms]
    regions: [eu]
"""


@pytest.fixture(scope="module")
def with_regions(live: LiveSite) -> Iterator[LiveSite]:
    with live.built_with(SCOPES, {"subprocessors/2025-05-15.yaml": EU_CARRIER}) as built:
        yield built


def test_the_list_filters_by_region_and_each_region_has_its_page(
    page: Any, with_regions: LiveSite, accessible: Callable[[Any, str], None]
) -> None:
    page.goto("/subprocessors/")
    rows = page.locator("[data-ts-filtered] tbody tr")
    status = page.locator(".ts-filter [role=status]")
    region = page.get_by_label("Region")
    assert region.locator("option").all_inner_texts() == [
        "All regions",
        "European Union",
        "United States",
    ]
    region.select_option("United States")
    visible = [r.locator("th a").first.inner_text() for r in rows.all() if r.is_visible()]
    assert "Kestrel SMS Ltd" not in visible and "Alpha Hosting GmbH" in visible
    assert status.inner_text() == "Showing 4 of 5 sub-processors."
    # Region and product together: an SMS client in the US has no Kestrel either.
    page.get_by_label("Product").select_option("SMS Messaging")
    assert status.inner_text() == "Showing 4 of 5 sub-processors."
    region.select_option("European Union")
    assert status.inner_text() == "Showing all 5 sub-processors."
    accessible(page, "sub-processor list filtered by region")

    page.get_by_role("link", name="European Union").click()
    page.get_by_role("heading", name="Sub-processors for the European Union region").wait_for()
    main = page.locator("main").inner_text()
    assert "Kestrel SMS Ltd" in main and "Alpha Hosting GmbH" in main
    accessible(page, "a region's sub-processors")

    # Its "Email notices" link arrives at the subscribe form with the region ticked.
    page.get_by_role("link", name="Email notices for the European Union region").click()
    form = page.locator("main form[data-ts-subscribe]")
    form.get_by_label("European Union").wait_for()
    assert form.get_by_label("European Union").is_checked()
    assert not form.get_by_label("United States").is_checked()
    choice = form.locator("[data-ts-scope-choice]").inner_text()
    assert choice == "(every product in European Union)"


def test_a_made_up_choice_in_the_subscribe_link_ticks_nothing(
    page: Any, with_regions: LiveSite
) -> None:
    page.goto("/subscribe/?regions=nowhere&products=%22%5D,*&regions=eu%5D")
    form = page.locator("main form[data-ts-subscribe]")
    assert form.locator("[data-ts-scope-choice]").inner_text() == "(all)"
    assert form.locator("input[type=checkbox]:checked").count() == len(
        form.locator("input[name=topics]:checked").all()
    )


def _choose_sms_in_the_eu(page: Any) -> Any:
    page.goto("/subprocessors/")
    box = page.locator(".ts-follow form[data-ts-subscribe]")
    scope = box.locator("details[data-ts-scope]")
    choice = box.locator("[data-ts-scope-choice]")
    assert not box.get_by_label("European Union").is_visible()  # folded: compact
    assert choice.inner_text() == "(all)"
    box.get_by_text("Sub-processor changes only for some products or regions").click()
    assert box.get_by_label("European Union").is_visible()
    # Only the sub-processor topic is narrowed: without it the choice is off and not sent.
    topic = box.get_by_label("Sub-processors")
    topic.set_checked(False)
    assert scope.locator("fieldset[data-ts-regions]").evaluate("f => f.disabled")
    assert choice.inner_text() == ""
    topic.set_checked(True)
    box.get_by_label("SMS Messaging").check()
    box.get_by_label("European Union").check()
    assert choice.inner_text() == "(SMS Messaging in European Union)"
    return box


def test_the_follow_box_offers_products_and_regions_and_sends_both(
    page: Any, with_regions: LiveSite, accessible: Callable[[Any, str], None]
) -> None:
    box = _choose_sms_in_the_eu(page)
    accessible(page, "follow box with products and regions")
    box.get_by_label("Email address").fill("eu-sms-form@client.example")
    with page.expect_request("**/api/subscriptions") as sent:
        box.get_by_role("button", name="Subscribe").click()
    body = parse_qs(sent.value.post_data)
    assert body["products"] == ["sms"] and body["regions"] == ["eu"]
    assert body["topics"] == ["subprocessors"]


def test_a_subscription_limited_to_one_product_in_one_region(
    page: Any, with_regions: LiveSite
) -> None:
    email = "eu-sms-officer@client.example"
    box = _choose_sms_in_the_eu(page)
    box.get_by_label("Email address").fill(email)
    with page.expect_response("**/api/subscriptions") as answer:
        box.get_by_role("button", name="Subscribe").click()
    assert answer.value.status == 202
    page.locator(".ts-follow .ts-result").filter(has_text="We sent you an email").wait_for()
    with_regions.send()
    text = text_of(with_regions.one_mail_to(email, "Confirm your subscription"))
    assert "only when they concern: SMS Messaging." in text
    assert "only when they concern these regions: European Union." in text
