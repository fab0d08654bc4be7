"""Smoke-runs benchmarks/service.py: it must run end to end and print every figure."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[2] / "benchmarks" / "service.py"


@pytest.mark.slow
def test_service_benchmark_prints_every_figure(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, str(SCRIPT), "--smoke"],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    out = result.stdout
    row = r"\s+\d+\s+\d+\.\d+\s+\d+\.\d+\s+0\n"  # req/s, p50, p99, no errors
    assert re.search(r"POST /api/subscriptions" + row, out), out
    assert re.search(r"GET /healthz \(lower bound\)" + row, out), out
    assert re.search(r"ratio to the bare endpoint: \d+\.\d\d \(target >= 0\.5\)", out), out
    assert re.search(r"subscribe p99: \d+\.\d\d ms \(target < 50 ms\)", out), out
