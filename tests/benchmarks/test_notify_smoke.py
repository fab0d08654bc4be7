"""Smoke-runs benchmarks/notify.py: it must run end to end and print every figure."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[2] / "benchmarks" / "notify.py"


@pytest.mark.slow
def test_notify_benchmark_prints_every_figure(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, str(SCRIPT), "--smoke"],
        capture_output=True,
        text=True,
        timeout=240,
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    out = result.stdout
    accepted = r"notify -> last message accepted, (\d+) SMTP sessions: \d+\.\d+ s \(\d+ msg/s\)"
    sessions = re.search(accepted, out)
    assert sessions, out
    # Like for like: the bound opens as many connections as the sender.
    bound = r"smtplib lower bound, (\d+) connection\(s\), \d+ byte messages: \d+\.\d+ s"
    connections = re.search(bound, out)
    assert connections and connections[1] == sessions[1] == "2", out
    assert re.search(r"ratio to the lower bound: \d+\.\d+ \(target >= 0\.7\)", out)
    assert re.search(r"notify alone, 2000 subscribers, sqlite, median of 1: \d+\.\d+ s", out)
    # PostgreSQL is measured, or skipped with the reason.
    assert re.search(r"notify alone, 2000 subscribers, postgresql, .*\d+\.\d+ s", out) or (
        "notify alone on PostgreSQL: skipped (" in out
    )
