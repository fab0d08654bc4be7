"""The two request forms of the site, filled in Chromium; the mails they cause, received."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from tests.support.browser_support import LiveSite
from tests.support.service_mail import text_of

pytestmark = pytest.mark.browser

PRIVACY_TEAM = "privacy@larkspur.example"


def submit(page: Any, button: str) -> None:
    with page.expect_navigation():
        page.get_by_role("button", name=button).click()
    assert page.url.endswith("/requests/received/"), page.url
    assert page.get_by_role("heading", name="We received your request").is_visible()


def team_mails(live: LiveSite, subject_contains: str) -> list[Any]:
    return [m for m in live.mails_to(PRIVACY_TEAM) if subject_contains in str(m["Subject"])]


def test_request_the_current_dpa_from_the_dpa_page(page: Any, live: LiveSite) -> None:
    email = "legal@procurer.example"
    failed: list[str] = []
    page.on("response", lambda r: failed.append(f"{r.status} {r.url}") if r.status >= 400 else None)
    page.goto("/dpa/1.0/")
    page.locator("article").get_by_role("link", name="Request the current DPA").click()
    assert page.url.endswith("/dpa/#request-dpa"), page.url
    page.wait_for_load_state("networkidle")
    # Nothing the pages load is missing (Material fetches a sitemap beside each feed link).
    assert failed == []
    form = page.locator("form.ts-request")
    # Absolute, from site.yaml: the form still reaches the service on another origin.
    assert form.get_attribute("action") == live.url + "api/dpa-requests"
    page.get_by_label("Your name").fill("Noor Visser")
    page.get_by_label("Work email").fill(email)
    page.get_by_label("Company").fill("Procurer Logistics B.V.")
    page.get_by_label("Version you signed").select_option("1.0")
    submit(page, "Send me the current DPA")

    live.send()
    answer = live.one_mail_to(email, "DPA")
    assert "version 2.0" in str(answer["Subject"])
    assert live.url + "dpa/2.0/" in text_of(answer)
    pdfs = [p for p in answer.iter_attachments() if p.get_content_type() == "application/pdf"]
    assert len(pdfs) == 1 and pdfs[0].get_content().startswith(b"%PDF")
    (alert,) = team_mails(live, "DPA request from Noor Visser")
    assert "Procurer Logistics B.V." in text_of(alert) and "1.0" in text_of(alert)


def test_data_subject_request_is_acknowledged_and_referred(
    page: Any, live: LiveSite, accessible: Callable[[Any, str], None]
) -> None:
    email = "sam.jansen@person.example"
    page.goto("/privacy/")
    page.locator("article").get_by_role(
        "link", name="Make a request about your personal data"
    ).click()
    assert page.url.endswith("/requests/data-subject/"), page.url
    form = page.locator("form.ts-request")
    assert form.get_attribute("action") == live.url + "api/subject-requests"
    page.get_by_label("Your name").fill("Sam Jansen")
    page.get_by_label("Your email address").fill(email)
    page.get_by_label("What would you like?").select_option("deletion")
    page.get_by_label("The company you dealt with").fill("Bakkerij Brood & Co")
    page.get_by_label("Details that help").fill("I ordered bread through their chat in May.")
    submit(page, "Send my request")
    accessible(page, "request received page")

    live.send()
    ack = live.one_mail_to(email, "We are referring your request to Bakkerij Brood & Co")
    assert "Bakkerij Brood & Co" in text_of(ack)
    (referral,) = team_mails(live, "Refer to Bakkerij Brood & Co: deletion request from Sam Jansen")
    assert "I ordered bread through their chat in May." in text_of(referral)
    assert referral["Reply-To"] == email
