"""The build benchmark runs end to end on tiny data and prints every figure it promises."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.slow
def test_build_benchmark_smoke(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "build.py"), "--smoke", "--keep", str(tmp_path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    out = result.stdout
    for label in (
        "trustsite build (warm)",
        "plain mkdocs, same pages (bound)",
        "trustsite build, doubled (warm)",
    ):
        assert re.search(
            rf"{re.escape(label)}\s+[\d.]+ s wall\s+[\d.]+ s cpu\s+peak\s+[\d.]+ MiB", out
        )
    assert re.search(r"ratio to lower bound, warm\s+[\d.]+ wall\s+[\d.]+ cpu", out)
    assert re.search(r"doubling factor, warm\s+[\d.]+ wall\s+[\d.]+ cpu", out)
    assert re.search(r"peak memory \(trustsite\)\s+[\d.]+ MiB", out)
    # Both builds really produced a site of the same pages.
    assert (tmp_path / "build-data" / "site" / "subprocessors" / "index.html").is_file()
    # Each data set has its own PDF cache, so no warm build finds it emptied by the
    # other data set's cold build.
    for name in ("build-data", "build-data-doubled"):
        assert any((tmp_path / name / ".cache").rglob("*.pdf")), name
    assert (tmp_path / "site-plain" / "subprocessors" / "index.html").is_file()
