"""What the browser tests share: the live site (built site + service + SMTP server), the
browser launch settings, axe-core and screenshots.

`LiveSite` runs the real programs the way an operator does: `trustsite build`, then
`flask --app subscribe_service db upgrade`, `run`, `notify` and `send --once`, each as its
own process with `TRUSTSITE_*` variables, talking to a real aiosmtpd server in this process.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from subscribe_service.dev.smtpsink import SmtpSink, free_port

ROOT = Path(__file__).resolve().parents[2]
FIXTURE_DATA = ROOT / "tests" / "fixtures" / "data-small"
FIXTURE_SITE_URL = "https://trust.example.test/"
TODAY = "2025-06-01"
SCREENSHOTS = ROOT / "test-artifacts" / "screenshots"

CHROMIUM = Path("/usr/bin/chromium")
LAUNCH_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}
# What axe-core calls serious or critical blocks a reader; minor and moderate are reported
# by axe too, but they are judgement calls, not failures.
BLOCKING_IMPACTS = ("serious", "critical")


def _bin(name: str) -> str:
    """A console script of this virtualenv (next to the running Python), else from PATH."""
    local = Path(sys.executable).parent / name
    found = str(local) if local.exists() else shutil.which(name)
    assert found, f"the `{name}` command is not installed; run: pip install -e '.[test]'"
    return found


@dataclass
class LiveSite:
    """The fixture data built into a site that a running service serves on one origin."""

    work: Path
    sink: SmtpSink
    port: int = field(default_factory=free_port)
    server: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/"

    @property
    def data_dir(self) -> Path:
        return self.work / "data"

    @property
    def site_dir(self) -> Path:
        return self.work / "site"

    @property
    def logs(self) -> Path:
        return self.work / "logs"

    @property
    def env(self) -> dict[str, str]:
        return {
            **os.environ,
            "TRUSTSITE_SECRET_KEY": "browser-test-secret-0123456789abcdef",
            "TRUSTSITE_DATABASE_URL": f"sqlite:///{self.work / 'trustsite.db'}",
            "TRUSTSITE_MAIL_SERVER": self.sink.host,
            "TRUSTSITE_MAIL_PORT": str(self.sink.port),
            "TRUSTSITE_SITE_URL": self.url,
            "TRUSTSITE_SITE_DIR": str(self.site_dir),
            "TRUSTSITE_SERVE_SITE": "true",
            # Every test subscribes from the same address; the limits are tested elsewhere.
            "TRUSTSITE_LIMIT_PER_IP": "10000 per minute",
            "TRUSTSITE_LIMIT_PER_ADDRESS": "10000 per minute",
            "TRUSTSITE_SEND_RATE": "0",
            "TRUSTSITE_SEND_BACKOFF_SECONDS": "0",
            "TRUSTSITE_SMTP_TIMEOUT": "10",
            "FLASK_APP": "subscribe_service",
        }

    # --- the data and the build ---------------------------------------------------------

    def copy_data(self) -> None:
        """The fixture data, with the site and the service on this test's origin."""
        shutil.copytree(FIXTURE_DATA, self.data_dir)
        site_yaml = self.data_dir / "site.yaml"
        text = site_yaml.read_text(encoding="utf-8")
        assert text.count(FIXTURE_SITE_URL) == 2, "site.yaml should name the site URL twice"
        site_yaml.write_text(text.replace(FIXTURE_SITE_URL, self.url), encoding="utf-8")
        self.logs.mkdir(exist_ok=True)

    def add_data_file(self, name: str, text: str) -> Path:
        path = self.data_dir / name
        path.write_text(text, encoding="utf-8")
        return path

    @contextmanager
    def built_with(self, site_yaml: str, files: dict[str, str]) -> Iterator[LiveSite]:
        """The site rebuilt with `site_yaml` appended to site.yaml and `files` added to
        the data; afterwards the data and the site as they were."""
        settings = self.data_dir / "site.yaml"
        original = settings.read_text("utf-8")
        settings.write_text(original + site_yaml, "utf-8")
        added = [self.add_data_file(name, text) for name, text in files.items()]
        try:
            self.build()
            yield self
        finally:
            settings.write_text(original, "utf-8")
            for path in added:
                path.unlink()
            self.build()

    def build_command(self) -> list[str]:
        return [
            _bin("trustsite"),
            "build",
            "--data",
            str(self.data_dir),
            "--site-dir",
            str(self.site_dir),
            "--today",
            TODAY,
            "--config",
            str(ROOT / "mkdocs.yml"),
        ]

    def build(self) -> str:
        return self._run(self.build_command(), "build")

    # --- the service ----------------------------------------------------------------------

    def flask_command(self, *args: str) -> list[str]:
        return [_bin("flask"), "--app", "subscribe_service", *args]

    def flask(self, *args: str) -> str:
        """Run `flask --app subscribe_service ARGS`; its output, or fail with it."""
        return self._run(self.flask_command(*args), args[0])

    def send(self) -> str:
        """Drain the outbox with the real sender process."""
        return self.flask("send", "--once")

    def notify(self, *extra: str) -> str:
        return self.flask("notify", *extra, str(self.site_dir / "changes.json"))

    def start_server(self) -> None:
        log = (self.logs / "service.log").open("wb")
        self.server = subprocess.Popen(
            self.flask_command(
                "run", "--host", "127.0.0.1", "--port", str(self.port), "--no-reload"
            ),
            env=self.env,
            cwd=self.work,
            stdout=log,
            stderr=subprocess.STDOUT,
        )

    def wait_until_up(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            assert self.server is not None
            if self.server.poll() is not None:
                raise AssertionError(f"the service exited:\n{self.log_tail()}")
            try:
                with urllib.request.urlopen(self.url + "healthz", timeout=2) as answer:
                    if answer.status == 200:
                        return
            except OSError:
                time.sleep(0.2)
        raise AssertionError(f"the service did not answer within {timeout}s:\n{self.log_tail()}")

    def stop_server(self) -> None:
        if self.server is not None and self.server.poll() is None:
            self.server.terminate()
            try:
                self.server.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.server.kill()
                self.server.wait()

    def log_tail(self, chars: int = 4000) -> str:
        path = self.logs / "service.log"
        return path.read_text(encoding="utf-8", errors="replace")[-chars:] if path.exists() else ""

    # --- mail -----------------------------------------------------------------------------

    def mails_to(self, address: str) -> list[EmailMessage]:
        return self.sink.messages_to(address)

    def one_mail_to(self, address: str, subject_contains: str = "") -> EmailMessage:
        found = [m for m in self.mails_to(address) if subject_contains in str(m["Subject"])]
        subjects = [str(m["Subject"]) for m in self.mails_to(address)]
        assert len(found) == 1, f"{address}: want one mail about {subject_contains!r}: {subjects}"
        return found[0]

    def _run(self, command: list[str], what: str) -> str:
        result = subprocess.run(
            command, env=self.env, cwd=self.work, capture_output=True, text=True, timeout=180
        )
        output = result.stdout + result.stderr
        assert result.returncode == 0, f"`{what}` failed ({result.returncode}):\n{output}"
        return output


# --- axe-core -----------------------------------------------------------------------------


def blocking_violations(results: dict[str, Any]) -> list[str]:
    """One readable line per serious or critical axe violation, naming the elements."""
    lines = []
    for violation in results["violations"]:
        if violation.get("impact") not in BLOCKING_IMPACTS:
            continue
        targets = [" ".join(map(str, node["target"])) for node in violation["nodes"]]
        lines.append(
            f"{violation['impact']} {violation['id']}: {violation['help']} "
            f"({len(targets)}×: {', '.join(targets[:5])})"
        )
    return lines


def screenshot(page: Any, name: str) -> None:
    """Whole-page screenshots of the page as it is, at desktop and phone widths."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    original = page.viewport_size
    for label, size in (("desktop", DESKTOP), ("phone", PHONE)):
        page.set_viewport_size(size)
        page.screenshot(path=str(SCREENSHOTS / f"{name}-{label}.png"), full_page=True)
    if original:
        page.set_viewport_size(original)
