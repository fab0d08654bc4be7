"""The security page in Chromium: badges, the report request form (axe-core clean), and the
way from the form to a downloaded report.

The shared live site is built from data without a security section, so this module builds
its own: the same fixture data plus the demo's security, NDA and disclosure folders, served
by its own service with a private reports folder.
"""

from __future__ import annotations

import shutil
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from fpdf import FPDF

from subscribe_service.dev.smtpsink import SmtpSink
from tests.support.browser_support import DESKTOP, ROOT, LiveSite
from tests.support.service_mail import link, text_of

pytestmark = pytest.mark.browser

TEAM = "privacy@larkspur.example"  # the fixture site.yaml names no security contact


@dataclass
class SecuritySite(LiveSite):
    @property
    def reports_dir(self) -> Path:
        return self.work / "private-reports"

    @property
    def env(self) -> dict[str, str]:
        return {**super().env, "TRUSTSITE_REPORTS_DIR": str(self.reports_dir)}


@pytest.fixture(scope="module")
def secure_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SecuritySite]:
    sink = SmtpSink().start()
    site = SecuritySite(work=tmp_path_factory.mktemp("security-live"), sink=sink)
    site.copy_data()
    for folder in ("security", "nda", "disclosure"):
        shutil.copytree(ROOT / "data" / folder, site.data_dir / folder)
    site.reports_dir.mkdir()
    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("helvetica", size=12)
    pdf.cell(0, 10, "SOC 2 Type II report")
    (site.reports_dir / "soc-2-type-2.pdf").write_bytes(bytes(pdf.output()))
    try:
        site.build()
        site.flask("db", "upgrade")
        site.start_server()
        site.wait_until_up()
        yield site
    finally:
        site.stop_server()
        sink.stop()


@pytest.fixture
def security_page(browser: Any, secure_site: SecuritySite) -> Iterator[Any]:
    context = browser.new_context(base_url=secure_site.url, viewport=DESKTOP)
    context.set_default_timeout(30_000)
    yield context.new_page()
    context.close()


def test_request_form_is_accessible_and_leads_to_a_download(
    security_page: Any, secure_site: SecuritySite, accessible: Callable[[Any, str], None]
) -> None:
    page = security_page
    outside: list[str] = []
    page.on(
        "request",
        lambda r: outside.append(r.url) if not r.url.startswith(secure_site.url) else None,
    )
    page.goto("/security/")
    page.wait_for_load_state("networkidle")
    assert outside == []  # badges are drawn inline; nothing is fetched from elsewhere
    badges = page.get_by_role("img", name="SOC 2 Type II: certified")
    assert badges.count() == 1 and badges.is_visible()
    accessible(page, "security page")

    form = page.locator("form.ts-request")
    assert form.get_attribute("action") == secure_site.url + "api/report-requests"
    page.get_by_label("Your name").fill("Noor Visser")
    page.get_by_label("Work email").fill("noor@procurer.example")
    page.get_by_label("Company", exact=True).fill("Procurer Logistics B.V.")
    page.get_by_label("Report", exact=True).select_option("soc-2-type-2")
    button = page.get_by_role("button", name="Request the report")
    button.click()  # the NDA is not accepted yet: the browser keeps the form
    assert page.url.endswith("/security/")
    page.get_by_label("I accept the non-disclosure agreement").check()
    with page.expect_navigation():
        button.click()
    assert page.url.endswith("/requests/received/"), page.url
    accessible(page, "request received page")

    secure_site.send()
    ack = secure_site.one_mail_to("noor@procurer.example", "Your request for the SOC 2")
    assert "version 1.0" in text_of(ack)
    team = secure_site.one_mail_to(TEAM, "Report request report-1")
    assert "Procurer Logistics B.V." in text_of(team)

    secure_site.flask("requests", "approve", "report-1")
    secure_site.send()
    mail = secure_site.one_mail_to("noor@procurer.example", "download link")
    url = link(mail, "reports")
    with urllib.request.urlopen(url, timeout=10) as answer:
        assert answer.headers["Content-Type"] == "application/pdf"
        assert answer.read().startswith(b"%PDF")
    with pytest.raises(urllib.error.HTTPError) as again:
        urllib.request.urlopen(url, timeout=10)
    assert again.value.code == 429


def test_nda_page_is_published_and_accessible(
    security_page: Any, secure_site: SecuritySite, accessible: Callable[[Any, str], None]
) -> None:
    page = security_page
    page.goto("/security/")
    page.get_by_role("link", name="non-disclosure agreement (version 1.0)").click()
    assert page.url.endswith("/security/nda/1.0/"), page.url
    heading = page.locator("article h1").inner_text()
    assert heading.startswith("Non-disclosure agreement for security reports")
    assert "Dutch law governs this agreement" in page.locator("article").inner_text()
    accessible(page, "NDA page")
