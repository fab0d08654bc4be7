"""Every page fits a phone: in Chromium at 320, 390 and 1280 px, no page of the built demo
site and no page the service serves (confirm, preferences, unsubscribe, objection and its
receipt, request forms and their answers, errors) scrolls sideways; axe-core finds nothing
serious or critical on one page of each type at each width.

Screenshots of each page type at 390 and 1280 px go to test-artifacts/fit/, with the
notice mail beside them, and test-artifacts/page-weights.txt gives each page type's
transferred bytes as gzip would send them (everything the page loads).

The demo data of `data/` is used (tests/support/demo_site.py): it has the brand, the
security page and every document, so every page type is here.
"""

from __future__ import annotations

import gzip
import re
import shlex
import subprocess
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from subscribe_service.dev.sample_reports import ensure_sample_reports
from subscribe_service.dev.smtpsink import SmtpSink
from tests.support.browser_support import ROOT, blocking_violations
from tests.support.demo_site import NEW_SUBPROCESSOR, DemoSite
from tests.support.service_mail import html_of, link, text_of

pytestmark = pytest.mark.browser

WIDTHS = (320, 390, 1280)
# The page is loaded at the desktop width and measured there first, then made narrower:
# axe then sees each width laid out, not a desktop style in the middle of a transition.
ORDER = (WIDTHS[-1], *WIDTHS[:-1])
SHOT_WIDTHS = (390, 1280)
ARTIFACTS = ROOT / "test-artifacts"
SHOTS = ARTIFACTS / "fit"
EMAIL = "dpo@client-fit.example"
HIDDEN_COLUMNS = """[...document.querySelectorAll('.ts-scroll')]
  .filter(e => !e.closest('.ts-timeline') && e.scrollWidth > e.clientWidth + 1)
  .map(e => `${e.getAttribute('aria-label')}: ${e.scrollWidth}/${e.clientWidth}`)"""


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DemoSite]:
    sink = SmtpSink().start()
    site = _ReportingDemo(work=tmp_path_factory.mktemp("fit"), sink=sink)
    site.copy_data()
    try:
        site.build()
        # The development server's sample report: what `make run` offers on request.
        assert ensure_sample_reports(site.site_dir, site.reports_dir)
        site.flask("db", "upgrade")
        site.notify("--baseline")
        site.start_server()
        site.wait_until_up()
        yield site
    finally:
        site.stop_server()
        sink.stop()


class _ReportingDemo(DemoSite):
    @property
    def reports_dir(self) -> Path:
        return self.work / "var" / "dev-reports"

    @property
    def env(self) -> dict[str, str]:
        return {**super().env, "TRUSTSITE_REPORTS_DIR": str(self.reports_dir)}


# --- the pages and their types -----------------------------------------------------------------


def page_type(path: str) -> str:
    """What kind of page a site path is, for one screenshot and one weight per kind."""
    rules = (
        (r"", "home"),
        (r"subprocessors/", "sub-processor list"),
        (r"subprocessors/entries/[^/]+/", "sub-processor history"),
        (r"subprocessors/since/[^/]+/", "since (list)"),
        (r"subprocessors/versions/", "versions"),
        (r"subprocessors/[^/]+/", "sub-processor version"),
        (r"security/", "security"),
        (r"security/(nda|disclosure)/([^/]+/)?", "security document"),
        (r"changelog/", "changelog"),
        (r"subscribe/.*", "subscribe"),
        (r"requests/.*", "request form"),
        (r"[a-z]+/since/[^/]+/", "since (text)"),
        (r"[a-z]+/versions/", "versions"),
        (r"[a-z]+/[^/]+/redline/", "redline"),
        (r"[a-z]+/[^/]+/", "version"),
        (r"[a-z]+/", "document"),
    )
    return next((kind for pattern, kind in rules if re.fullmatch(pattern, path)), "other")


def built_pages(site_dir: Path) -> list[str]:
    paths = [str(p.parent.relative_to(site_dir)) + "/" for p in site_dir.rglob("index.html")]
    return sorted("" if p == "./" else p for p in paths)


class Checker:
    """One page, loaded once per path and measured at every width (the viewport is
    resized: the layout reflows as on a phone); axe run once per page type and width."""

    def __init__(self, browser: Any, base_url: str, axe: Any) -> None:
        self.page = browser.new_context(
            base_url=base_url, viewport={"width": ORDER[0], "height": 800}
        ).new_page()
        self.axe = axe
        self.too_wide: dict[str, dict[int, int]] = {}
        self.hidden: dict[str, dict[int, list[str]]] = {}
        self.axe_problems: list[str] = []
        self.checked: set[tuple[str, int]] = set()

    def check(self, width: int, kind: str, what: str) -> None:
        """The open page at `width`: its width, and axe and screenshots once per kind."""
        page = self.page
        page.set_viewport_size({"width": width, "height": 800})
        # Two animation frames: the resize is laid out before anything is measured.
        page.evaluate("new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))")
        scrolled = page.evaluate("document.documentElement.scrollWidth")
        if scrolled > width:  # the theme's script may still be reacting to the resize
            page.wait_for_timeout(300)
            scrolled = page.evaluate("document.documentElement.scrollWidth")
        if scrolled > width:
            self.too_wide.setdefault(what, {})[width] = scrolled
        # A table that scrolls inside its region hides columns; only the timeline picture
        # (a drawing with its table below it) may scroll on a phone.
        hidden = page.evaluate(HIDDEN_COLUMNS)
        if hidden:
            self.hidden.setdefault(what, {})[width] = hidden
        if (kind, width) in self.checked:
            return
        self.checked.add((kind, width))
        problems = blocking_violations(self.axe.run(page).response)
        self.axe_problems += [f"{what} at {width}px: {p}" for p in problems]
        if width in SHOT_WIDTHS:
            shoot(page, kind, width)

    def visit(self, kind: str, path: str, status: int = 200) -> None:
        response = self.page.goto(path)
        assert response is not None and response.status == status, f"{path}: {response}"
        self.page.wait_for_load_state("load")
        self.at_every_width(kind, path)

    def at_every_width(self, kind: str, what: str) -> None:
        for width in ORDER:
            self.check(width, kind, what)
        self.page.set_viewport_size({"width": ORDER[0], "height": 800})  # back to desktop

    def close(self) -> None:
        self.page.context.close()


def shoot(page: Any, kind: str, width: int) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    name = re.sub(r"[^a-z0-9]+", "-", kind.lower()).strip("-")
    page.screenshot(path=str(SHOTS / f"{name}-{width}.png"), full_page=True)


@pytest.fixture
def checker(browser: Any, demo: DemoSite, axe: Any) -> Iterator[Checker]:
    made = Checker(browser, demo.url, axe)
    yield made
    made.close()


# --- the built site ----------------------------------------------------------------------------


@pytest.mark.timeout(1800)  # every page at three widths, on a shared two-core machine
def test_no_built_page_scrolls_sideways_at_any_width(demo: DemoSite, checker: Checker) -> None:
    paths = built_pages(demo.site_dir)
    kinds = {page_type(p) for p in paths}
    assert {"home", "sub-processor list", "security", "changelog", "redline"} <= kinds
    for path in paths:
        checker.visit(page_type(path), "/" + path)
    assert checker.too_wide == {}, f"pages wider than the screen: {checker.too_wide}"
    assert checker.hidden == {}, f"tables scrolling in their region: {checker.hidden}"
    assert checker.axe_problems == [], "\n".join(checker.axe_problems)


def test_every_page_type_reports_its_weight_and_the_map_is_light(
    browser: Any, demo: DemoSite
) -> None:
    """Bytes per page type as gzip would transfer them: every response a first visit loads
    (a fresh browser context each, so nothing comes from the cache)."""
    seen: dict[str, str] = {}
    for path in built_pages(demo.site_dir):
        seen.setdefault(page_type(path), path)
    rows = []
    outside: list[str] = []
    for kind, path in sorted(seen.items()):
        context = browser.new_context(base_url=demo.url, viewport={"width": 1280, "height": 800})
        page = context.new_page()
        bodies: list[bytes] = []

        def keep(response: Any, into: list[bytes] = bodies) -> None:
            if not response.url.startswith(demo.url):
                outside.append(response.url)
            elif response.status == 200:
                into.append(response.body())

        page.on("response", keep)
        page.goto("/" + path)
        page.wait_for_load_state("networkidle")
        context.close()
        compressed = sum(len(gzip.compress(body)) for body in bodies)
        rows.append((kind, path, len(bodies), sum(map(len, bodies)), compressed))
    assert outside == [], f"requests outside the site: {outside}"
    ARTIFACTS.mkdir(exist_ok=True)
    lines = [f"{'page type':<24} {'example':<40} {'files':>5} {'bytes':>10} {'gzip':>9}"]
    lines += [f"{k:<24} {'/' + p:<40} {n:>5} {raw:>10,} {gz:>9,}" for k, p, n, raw, gz in rows]
    (ARTIFACTS / "page-weights.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
    print("\n".join(lines))
    map_svg = (demo.site_dir / "subprocessors" / "map.svg").read_bytes()
    assert len(gzip.compress(map_svg)) < 60_000, "the map should stay under 60 KB gzipped"


# --- the service's pages -----------------------------------------------------------------------


@pytest.mark.timeout(900)
def test_no_service_page_scrolls_sideways_at_any_width(
    demo: DemoSite, checker: Checker
) -> None:
    desktop = checker.page  # at 1280 px between checks

    # Subscribe (with the script), confirm: the confirmation page and its answer.
    desktop.goto("/subscribe/")
    form = desktop.locator("form[data-ts-subscribe]")
    form.get_by_label("Email address").fill(EMAIL)
    form.get_by_role("button", name="Subscribe").click()
    form.locator(".ts-result").filter(has_text="We sent you an email").wait_for()
    demo.send()
    confirm_url = link(demo.one_mail_to(EMAIL, "Confirm your subscription"), "confirm")
    checker.visit("service: confirm", confirm_url)
    desktop.get_by_role("button", name="Confirm subscription").click()
    desktop.get_by_role("heading", name="You are subscribed").wait_for()
    _check_here(checker, "service: subscribed")

    # A change is announced: the notice, as a mail client shows it, and its links.
    demo.add_data_file("subprocessors/2027-01-15.yaml", NEW_SUBPROCESSOR)
    demo.build()
    assert "1 deliveries queued" in demo.notify()
    demo.send()
    notice = demo.one_mail_to(EMAIL, "sub-processor change")
    assert f'<img src="{demo.url}brand/logo.svg"' in html_of(notice)  # the brand, in the mail
    preview = demo.url + "mail-preview"  # on the site's origin, without a page's CSP

    def blank(route: Any) -> None:
        route.fulfill(body="<!doctype html><title>mail</title>", content_type="text/html")

    desktop.route(preview, blank)
    desktop.goto(preview)
    desktop.set_content(html_of(notice))
    assert desktop.evaluate("[...document.images].every(i => i.complete && i.naturalWidth > 0)")
    checker.at_every_width("notice mail", "the notice mail")

    checker.visit("service: objection", link(notice, "object"))
    desktop.get_by_label("Why do you object?").fill("Our customers do not allow analytics vendors.")
    desktop.get_by_role("button", name="Send my objection").click()
    desktop.get_by_role("heading", name="Objection received").wait_for()
    _check_here(checker, "service: objection received")
    checker.visit("service: preferences", link(notice, "manage"))
    checker.visit("service: unsubscribe", link(notice, "unsubscribe"))
    checker.visit("service: link not valid", "/confirm/not-a-token", status=400)

    # The security report: request, the team's approve command as printed, the download.
    desktop.goto("/security/")
    desktop.get_by_label("Your name").fill("Noor Visser")
    desktop.get_by_label("Work email").fill("noor@procurer.example")
    desktop.get_by_label("Company", exact=True).fill("Procurer Logistics B.V.")
    desktop.get_by_label("Report", exact=True).select_option("soc-2-type-2")
    desktop.get_by_label("I accept the non-disclosure agreement").check()
    with desktop.expect_navigation():
        desktop.get_by_role("button", name="Request the report").click()
    _check_here(checker, "service: request received")
    demo.send()
    team = text_of(demo.one_mail_to("security@larkspur.example", "Report request"))
    approve = next(line for line in team.splitlines() if line.startswith("Approve:"))
    command = approve.split(":", 1)[1].strip()
    # As printed, in a shell that knows the database but not the reports folder.
    env = {k: v for k, v in demo.env.items() if k != "TRUSTSITE_REPORTS_DIR"}
    done = subprocess.run(
        ["bash", "-c", command], env=env, cwd=demo.work, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, f"{shlex.quote(command)} failed:\n{done.stdout}{done.stderr}"
    demo.send()
    download = link(demo.one_mail_to("noor@procurer.example", "download link"), "reports")
    with urllib.request.urlopen(download, timeout=10) as answer:
        assert answer.headers["Content-Type"] == "application/pdf"
        assert answer.read().startswith(b"%PDF")

    assert checker.too_wide == {}, f"pages wider than the screen: {checker.too_wide}"
    assert checker.axe_problems == [], "\n".join(checker.axe_problems)


def _check_here(checker: Checker, kind: str) -> None:
    """The page a form post just led to, at every width (a form's answer cannot be
    loaded again by its address)."""
    checker.at_every_width(kind, checker.page.url)
