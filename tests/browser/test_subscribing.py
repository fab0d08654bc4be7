"""A client's privacy officer in Chromium: subscribe, confirm, get a notice, object, leave.

The mails come from the real sender process (`flask send --once`) through a real SMTP
server; every link in them is opened in the browser, as a mail client would.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest

from tests.support.browser_support import LiveSite, screenshot
from tests.support.service_mail import link, text_of

pytestmark = pytest.mark.browser

PRIVACY_TEAM = "privacy@larkspur.example"

NEW_SUBPROCESSOR = """\
announced: 2025-06-01
effective: 2025-08-01
summary: Adds Gamma Metrics Oy to measure how the platform is used.
editorial: false
add:
  - id: gamma-metrics
    entity: Gamma Metrics Oy
    purpose: Measures product usage
    data_categories: [Usage data]
    processing_locations: [FI]
    corporate_location: FI
    transfer_mechanism: none
    website: https://gamma-metrics.example
    relationship: third-party
"""


def fill_subscribe_form(page: Any, email: str, topics: set[str]) -> None:
    form = page.locator("form[data-ts-subscribe]")
    form.get_by_label("Email address").fill(email)
    for box in form.locator("input[name=topics]").all():
        box.set_checked(box.get_attribute("value") in topics)


def test_subscribe_with_javascript_confirm_get_a_notice_object_and_unsubscribe(
    page: Any, live: LiveSite, accessible: Callable[[Any, str], None]
) -> None:
    email = "dpo-js@client.example"

    # Subscribe: the script sends the form and shows the answer in place.
    page.goto("/subscribe/")
    fill_subscribe_form(page, email, {"subprocessors", "dpa"})
    with page.expect_response("**/api/subscriptions") as answer:
        page.get_by_role("button", name="Subscribe").click()
    assert answer.value.status == 202
    result = page.locator(".ts-result")
    result.filter(has_text="We sent you an email").wait_for()
    assert page.url == live.url + "subscribe/"  # no navigation happened
    assert page.get_by_label("Email address").input_value() == ""  # the address is cleared
    # ... and the documents chosen stay chosen, not every box ticked again.
    ticked = page.locator("form[data-ts-subscribe] input[name=topics]:checked")
    assert {box.get_attribute("value") for box in ticked.all()} == {"subprocessors", "dpa"}

    # The confirmation mail, sent by the real sender process, reaches the SMTP server.
    live.send()
    confirmation = live.one_mail_to(email, "Confirm your subscription")
    confirm_url = link(confirmation, "confirm")
    assert confirm_url.startswith(live.url)

    # Opening the link changes nothing; the button confirms.
    page.goto(confirm_url)
    assert page.get_by_role("heading", name="Confirm your subscription").is_visible()
    assert email in page.locator("main").inner_text()
    accessible(page, "confirm page")
    screenshot(page, "service-confirm")
    page.reload()  # a second look (a link scanner, say) still finds it unconfirmed
    page.get_by_role("button", name="Confirm subscription").click()
    page.get_by_role("heading", name="You are subscribed").wait_for()
    assert "Sub-processors" in page.locator("main").inner_text()
    accessible(page, "subscribed page")

    # The legal team adds a sub-processor; the site is rebuilt, notify and send run.
    live.add_data_file("subprocessors/2025-08-01.yaml", NEW_SUBPROCESSOR)
    live.build()
    report = live.notify()
    assert "subprocessors/2025-08-01: 1 deliveries queued" in report, report
    live.send()
    notice = live.one_mail_to(email, "sub-processor change")
    body = text_of(notice)
    assert "Gamma Metrics Oy" in body and "Measures product usage" in body
    assert re.search(r"Object by:\s+the end of 31 July 2025 \(UTC\)", body), body
    assert (
        "In force until then: version 2024-09-01 until 30 June 2025, then version 2025-07-01 "
        "until 31 July 2025." in body
    )
    assert "Processing locations: Finland (FI)" in body

    # The rebuilt site shows the change to come.
    page.goto("/subprocessors/")
    announced = page.locator(".ts-upcoming").filter(has_text="Gamma Metrics Oy")
    assert "Change effective 1 August 2025" in announced.inner_text()

    # The personal objection link: the change, a reason, a receipt by mail.
    page.goto(link(notice, "object"))
    assert page.get_by_role("heading", name="Object to this change").is_visible()
    assert "Gamma Metrics Oy" in page.locator("main").inner_text()
    accessible(page, "objection page")
    screenshot(page, "service-objection")
    page.get_by_label("Why do you object?").fill("Our customers do not allow analytics vendors.")
    page.get_by_role("button", name="Send my objection").click()
    page.get_by_role("heading", name="Objection received").wait_for()
    # The service judges by the real clock, long past the fixture's 2025 deadline.
    assert "It arrived after the deadline, the end of 31 July 2025 (UTC)." in page.locator(
        "main"
    ).inner_text()
    accessible(page, "objection received page")
    live.send()
    live.one_mail_to(email, "Your objection to")
    alert = live.one_mail_to(PRIVACY_TEAM, f"to subprocessors/2025-08-01 from {email}")
    assert "Our customers do not allow analytics vendors." in text_of(alert)

    # Preferences, then "stop all mail" from the notice's own links.
    manage_url = link(notice, "manage")
    page.goto(manage_url)
    assert page.get_by_role("heading", name="Your subscription").is_visible()
    assert page.get_by_label("Sub-processors").is_checked()
    accessible(page, "preferences page")
    screenshot(page, "service-preferences")

    unsubscribe_all = next(
        line.split(": ", 1)[1] for line in body.splitlines() if line.startswith("Stop all mail")
    )
    page.goto(unsubscribe_all)
    assert f"Stop all emails to {email}?" in page.locator("main").inner_text()
    accessible(page, "unsubscribe page")
    page.get_by_role("button", name="Unsubscribe").click()
    page.get_by_role("heading", name="You are unsubscribed").wait_for()
    assert f"{email} will get no more emails from us." in page.locator("main").inner_text()
    accessible(page, "unsubscribed page")
    page.goto(manage_url)
    assert "Unsubscribed from everything." in page.locator("main").inner_text()


def test_subscribe_without_javascript_posts_the_form_and_lands_on_check_email(
    new_context: Callable[..., Any], live: LiveSite
) -> None:
    email = "dpo-nojs@client.example"
    page = new_context(java_script_enabled=False).new_page()
    page.goto("/")
    fill_subscribe_form(page, email, {"dpa"})

    with page.expect_navigation() as navigation:
        page.get_by_role("button", name="Subscribe").click()

    # A plain form post, answered with a 303 to the site's "check your email" page.
    landed = navigation.value
    post = landed.request.redirected_from
    assert post is not None and post.method == "POST"
    assert post.url == live.url + "api/subscriptions"
    assert post.response().status == 303
    assert landed.status == 200 and page.url == live.url + "subscribe/check-email/"
    assert page.get_by_role("heading", name="Check your email").is_visible()

    live.send()
    confirmation = live.one_mail_to(email, "Confirm your subscription")
    text = text_of(confirmation)
    assert "Data Processing Addendum" in text and "Sub-processors" not in text

    # Confirming needs no script either: the button is a plain form.
    page.goto(link(confirmation, "confirm"))
    page.get_by_role("button", name="Confirm subscription").click()
    page.get_by_role("heading", name="You are subscribed").wait_for()
