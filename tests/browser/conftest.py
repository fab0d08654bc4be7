"""Fixtures for the browser tests: one built site served by one live service, one Chromium.

- `live`: the fixture data (tests/fixtures/data-small) copied to a temporary folder, built
  with `trustsite build --today 2025-06-01`, and served with the API on one origin by
  `flask --app subscribe_service run` (the service's own development mode, SERVE_SITE),
  mailing a real aiosmtpd server. Past changes are recorded with `notify --baseline`, as an
  operator does on a first run, so only changes made by a test send notices.
- `browser`: the system Chromium through Playwright (skipped when it is not installed).
- `page`: a fresh context (no cookies) per test, with `base_url` set to the live site.
- `accessible(page, name)`: runs axe-core in the page and fails on serious or critical
  violations.

Everything is session-scoped: the suite builds one site and launches one browser.
"""

from __future__ import annotations

import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from subscribe_service.dev.smtpsink import SmtpSink
from tests.support.browser_support import (
    CHROMIUM,
    DESKTOP,
    LAUNCH_ARGS,
    LiveSite,
    blocking_violations,
)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Without Chromium every browser test is skipped, saying what to install."""
    if CHROMIUM.exists():
        return
    here = Path(__file__).parent
    skip = pytest.mark.skip(reason=f"{CHROMIUM} is not installed (Debian package `chromium`)")
    for item in items:
        if here in item.path.parents:
            item.add_marker(skip)


@pytest.fixture(scope="session")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveSite]:
    sink = SmtpSink().start()
    site = LiveSite(work=tmp_path_factory.mktemp("live"), sink=sink)
    site.copy_data()
    # The build and the migrations are independent: run them side by side.
    build = subprocess.Popen(
        site.build_command(),
        env=site.env,
        cwd=site.work,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        site.flask("db", "upgrade")
        site.start_server()
        output, _ = build.communicate(timeout=180)
        assert build.returncode == 0, f"trustsite build failed:\n{output}"
        site.notify("--baseline")
        site.wait_until_up()
        yield site
    finally:
        if build.poll() is None:
            build.kill()
        site.stop_server()
        sink.stop()


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=LAUNCH_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def new_context(browser: Any, live: LiveSite) -> Iterator[Callable[..., Any]]:
    """new_context(**options) -> a fresh browser context on the live site, closed after."""
    contexts: list[Any] = []

    def make(**options: Any) -> Any:
        context = browser.new_context(base_url=live.url, **{"viewport": DESKTOP, **options})
        context.set_default_timeout(30_000)  # a loaded 2-core machine is slow
        contexts.append(context)
        return context

    yield make
    for context in contexts:
        context.close()


@pytest.fixture
def page(new_context: Callable[..., Any]) -> Any:
    return new_context().new_page()


@pytest.fixture(scope="session")
def axe() -> Any:
    from axe_playwright_python.sync_playwright import Axe

    return Axe()


@pytest.fixture
def accessible(axe: Any) -> Callable[[Any, str], None]:
    """accessible(page, what): no serious or critical axe-core violation on the page."""

    def check(page: Any, what: str) -> None:
        results = axe.run(page).response
        assert results["testEngine"]["name"] == "axe-core"
        problems = blocking_violations(results)
        assert problems == [], f"{what} ({page.url}):\n" + "\n".join(problems)

    return check
