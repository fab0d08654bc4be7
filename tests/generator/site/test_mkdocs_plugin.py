"""The `trustsite` MkDocs plugin, driven through MkDocs itself (`mkdocs build`, `mkdocs serve`)."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
import yaml
from mkdocs.commands.build import build
from mkdocs.config import load_config

ROOT = Path(__file__).resolve().parents[3]
SMALL = ROOT / "tests" / "fixtures" / "data-small"
ENV = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A copy of mkdocs.yml and site_src/ whose plugin reads a copy of the fixture data."""
    shutil.copytree(ROOT / "site_src", tmp_path / "site_src")
    shutil.copytree(SMALL, tmp_path / "data")
    shutil.copy(ROOT / "mkdocs.yml", tmp_path / "mkdocs.yml")
    return tmp_path


def set_plugin_option(project: Path, **options: str) -> None:
    config_file = project / "mkdocs.yml"
    config = yaml.safe_load(config_file.read_text())
    for plugin in config["plugins"]:
        if isinstance(plugin, dict) and "trustsite" in plugin:
            plugin["trustsite"].update(options)
    config_file.write_text(yaml.safe_dump(config, sort_keys=False))


def mkdocs(project: Path, *args: str, env: dict[str, str] | None = None):
    return subprocess.run(
        [sys.executable, "-m", "mkdocs", *args, "-f", str(project / "mkdocs.yml")],
        cwd=project,
        env=env or ENV,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_invalid_data_aborts_the_build_with_every_issue(project: Path) -> None:
    dpa = project / "data" / "dpa" / "2.0.yaml"
    dpa.write_text(dpa.read_text().replace("effective: 2025-03-10", "effective: 2025-13-10"))
    site = project / "data" / "site.yaml"
    site.write_text(site.read_text().replace("notice_period_days: 30", "notice_period_days: many"))
    result = mkdocs(project, "build", "--strict", "-d", str(project / "out"))
    assert result.returncode == 1
    issue_lines = [line for line in result.stderr.splitlines() if ".yaml:" in line]
    assert any("dpa/2.0.yaml:" in line and "effective" in line for line in issue_lines)
    assert any("site.yaml:" in line and "notice_period_days" in line for line in issue_lines)
    assert not (project / "out" / "index.html").exists()


def _built_status(project: Path, page: str) -> str:
    config = load_config(str(project / "mkdocs.yml"), site_dir=str(project / "out"))
    build(config)
    return (project / "out" / page).read_text(encoding="utf-8")


def test_build_date_comes_from_the_environment(project: Path, monkeypatch) -> None:
    monkeypatch.setenv("TRUSTSITE_TODAY", "2025-07-02")
    page = _built_status(project, "subprocessors/2025-07-01/index.html")
    assert "Current version" in page  # effective 2025-07-01: in force on 2025-07-02


def test_plugin_option_today_wins_over_the_environment(project: Path, monkeypatch) -> None:
    monkeypatch.setenv("TRUSTSITE_TODAY", "2025-07-02")
    set_plugin_option(project, today="2025-06-01")
    page = _built_status(project, "subprocessors/2025-07-01/index.html")
    assert "Upcoming version" in page


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _fetch(url: str) -> str:
    with urllib.request.urlopen(url, timeout=5) as response:
        return response.read().decode("utf-8")


def _wait_for(predicate, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if predicate():
                return True
        except OSError:
            pass
        time.sleep(0.3)
    return False


@pytest.mark.slow
def test_serve_rebuilds_when_a_yaml_file_changes(project: Path) -> None:
    set_plugin_option(project, today="2025-06-01")
    port = _free_port()
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "mkdocs",
            "serve",
            "-f",
            str(project / "mkdocs.yml"),
            "-a",
            f"127.0.0.1:{port}",
            "--no-strict",
        ],
        cwd=project,
        env=ENV,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}/dpa/"
    try:
        assert _wait_for(lambda: "Breach notification" in _fetch(url), 60), "serve never came up"
        dpa = project / "data" / "dpa" / "2.0.yaml"
        dpa.write_text(dpa.read_text().replace("title: Breach notification", "title: Breaches"))
        assert _wait_for(lambda: "Breaches" in _fetch(url), 60), "no rebuild after YAML change"
    finally:
        server.terminate()
        server.wait(timeout=10)


def test_dpa_pdfs_are_cached_by_content(project: Path) -> None:
    set_plugin_option(project, today="2025-06-01")
    pdf_2 = project / "out" / "dpa" / "2.0" / "larkspur-relay-dpa-2.0.pdf"
    pdf_1 = project / "out" / "dpa" / "1.0" / "larkspur-relay-dpa-1.0.pdf"
    _built_status(project, "index.html")
    assert pdf_2.read_bytes().startswith(b"%PDF-") and pdf_1.read_bytes().startswith(b"%PDF-")
    cached = sorted((project / ".cache" / "trustsite" / "pdf").glob("*.pdf"))
    assert len(cached) == 2
    for path in cached:  # mark the cache entries: a rebuild must use them as they are
        path.write_bytes(b"from the cache")

    _built_status(project, "index.html")
    assert pdf_1.read_bytes() == pdf_2.read_bytes() == b"from the cache"

    dpa = project / "data" / "dpa" / "2.0.yaml"
    dpa.write_text(dpa.read_text().replace("within 48 hours", "within 36 hours"))
    _built_status(project, "index.html")
    assert pdf_2.read_bytes().startswith(b"%PDF-")  # changed version: rendered again
    assert pdf_1.read_bytes() == b"from the cache"  # unchanged version: still cached
