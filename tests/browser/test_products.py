"""A client of one product in Chromium: the list filtered by product, the product's own
page, and a subscription limited to that product from the subscribe box (its choice of
products folded away until opened).

The session's live site has no products; this module adds two (and an SMS-only
sub-processor) for its tests, rebuilds, and restores the data and the site afterwards.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from tests.support.browser_support import LiveSite
from tests.support.service_mail import text_of

pytestmark = pytest.mark.browser

PRODUCTS = """
products:
  - id: inbox
    name: Shared Inbox
  - id: sms
    name: SMS Messaging
"""

SMS_CARRIER = """\
announced: 2025-04-01
effective: 2025-05-15
summary: Adds Kestrel SMS Ltd to send text messages for SMS Messaging.
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
"""


@pytest.fixture(scope="module")
def with_products(live: LiveSite) -> Iterator[LiveSite]:
    with live.built_with(PRODUCTS, {"subprocessors/2025-05-15.yaml": SMS_CARRIER}) as built:
        yield built


def test_the_list_filters_by_product_and_each_product_has_its_page(
    page: Any, with_products: LiveSite, accessible: Callable[[Any, str], None]
) -> None:
    page.goto("/subprocessors/")
    rows = page.locator("[data-ts-filtered] tbody tr")
    status = page.locator(".ts-filter [role=status]")
    assert status.inner_text() == "Showing all 5 sub-processors."
    product = page.get_by_label("Product")
    assert product.locator("option").all_inner_texts() == [
        "All products",
        "Shared Inbox",
        "SMS Messaging",
    ]
    product.select_option("Shared Inbox")
    visible = [r.locator("th a").first.inner_text() for r in rows.all() if r.is_visible()]
    assert "Kestrel SMS Ltd" not in visible and "Alpha Hosting GmbH" in visible
    assert status.inner_text() == "Showing 4 of 5 sub-processors."
    product.select_option("SMS Messaging")
    assert status.inner_text() == "Showing all 5 sub-processors."
    accessible(page, "sub-processor list filtered by product")

    page.get_by_role("link", name="Shared Inbox").click()
    page.get_by_role("heading", name="Sub-processors for Shared Inbox").wait_for()
    main = page.locator("main").inner_text()
    assert "Alpha Hosting GmbH" in main and "Kestrel SMS Ltd" not in main
    accessible(page, "a product's sub-processors")


def test_a_subscription_limited_to_one_product_from_the_subscribe_box(
    page: Any, with_products: LiveSite, accessible: Callable[[Any, str], None]
) -> None:
    email = "sms-officer@client.example"
    page.goto("/subscribe/")
    form = page.locator("form[data-ts-subscribe]")
    products = form.locator("fieldset[data-ts-products]")
    topic = form.get_by_label("Sub-processors")
    # The product choice narrows sub-processor notices: offered while that topic is ticked.
    topic.set_checked(False)
    assert products.evaluate("fieldset => fieldset.disabled")
    assert form.get_by_label("SMS Messaging").is_disabled()
    topic.set_checked(True)
    assert not products.evaluate("fieldset => fieldset.disabled")
    # Folded away until wanted: the box stays compact; its summary says what is chosen.
    choice = form.locator("[data-ts-scope-choice]")
    assert not form.get_by_label("SMS Messaging").is_visible()
    assert choice.inner_text() == "(all)"
    form.get_by_text("Sub-processor changes only for some products").click()
    accessible(page, "subscribe box with products")

    form.get_by_label("Email address").fill(email)
    form.get_by_label("SMS Messaging").check()
    assert choice.inner_text() == "(SMS Messaging)"
    with page.expect_response("**/api/subscriptions") as answer:
        page.get_by_role("button", name="Subscribe").click()
    assert answer.value.status == 202
    page.locator(".ts-result").filter(has_text="We sent you an email").wait_for()

    with_products.send()
    confirmation = with_products.one_mail_to(email, "Confirm your subscription")
    assert "only when they concern: SMS Messaging." in text_of(confirmation)
