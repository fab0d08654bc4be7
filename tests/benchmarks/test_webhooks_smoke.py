"""Smoke-runs benchmarks/webhooks.py: it must run end to end and print every figure."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[2] / "benchmarks" / "webhooks.py"


@pytest.mark.slow
def test_webhooks_benchmark_prints_every_figure(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, str(SCRIPT), "--smoke"],
        capture_output=True,
        text=True,
        timeout=240,
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    out = result.stdout
    assert "webhook delivery, 50 endpoints, SQLite, median of 1:" in out, out
    assert re.search(r"notify -> last delivery accepted: \d+\.\d+ s \(\d+ req/s\)", out), out
    assert re.search(r"http\.client lower bound, \d+ byte bodies, .*: \d+\.\d+ s", out), out
    assert re.search(r"ratio to the lower bound: \d+\.\d+ \(target >= 0\.7;", out), out
