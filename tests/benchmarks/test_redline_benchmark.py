"""Smoke-runs benchmarks/redline.py: it must run and print a figure for every case."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

SCRIPT = Path(__file__).resolve().parents[2] / "benchmarks" / "redline.py"


def test_redline_benchmark_prints_every_case() -> None:
    result = subprocess.run(
        [sys.executable, str(SCRIPT), "--smoke"], capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    rows = result.stdout.splitlines()[1:]
    assert [row[:24].strip() for row in rows] == [
        "section, 1% edited",
        "long body, 1% edited",
        "long body, term replaced",
        "long body, rewritten",
    ]
    for row in rows:
        redline_ms, floor_ms, ratio = row[24:].replace("ms", " ").split()
        assert float(redline_ms) > 0 and float(floor_ms) > 0 and float(ratio) > 0
