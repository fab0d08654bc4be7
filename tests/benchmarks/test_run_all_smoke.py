"""`python benchmarks/run_all.py` runs every benchmark and writes the report.

The other benchmarks are smoke-run by their own tests; this one runs the orchestration
with the sender benchmark (one and two senders on PostgreSQL) and the quick redline one.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

BENCHMARKS = Path(__file__).resolve().parents[2] / "benchmarks"
SCRIPT = BENCHMARKS / "run_all.py"


def test_every_benchmark_script_is_run_by_run_all() -> None:
    sys.path.insert(0, str(BENCHMARKS))
    try:
        import run_all
    finally:
        sys.path.remove(str(BENCHMARKS))
    scripts = {p.stem for p in BENCHMARKS.glob("*.py")} - {"run_all"}
    assert {b.name for b in run_all.BENCHMARKS} == scripts


def test_unknown_benchmark_name_is_refused(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, str(SCRIPT), "--only", "buidl", "--output", str(tmp_path / "r.md")],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert "unknown benchmark(s): buidl" in result.stderr
    assert not (tmp_path / "r.md").exists()


@pytest.mark.slow
def test_smoke_run_writes_a_report_with_every_figure(tmp_path: Path) -> None:
    output = tmp_path / "report.md"
    result = subprocess.run(
        [
            *(sys.executable, str(SCRIPT), "--smoke", "--only", "senders,redline"),
            *("--output", str(output)),
        ],
        capture_output=True,
        text=True,
        timeout=400,
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    report = output.read_text(encoding="utf-8")
    assert report.startswith("# trustsite benchmarks\n")
    assert "**Smoke run**" in report and re.search(r"\d+ cores, load average", report)
    assert re.search(r"\| \[senders\]\(#senders\) \| .* \| ran \(smoke\) \| \d+ s \|", report)
    assert re.search(r"\| \[redline\]\(#redline\) \| .* \| ran \(smoke\) \| \d+ s \|", report)
    senders = report.split("## senders", 1)[1].split("## redline", 1)[0]
    if "skipped (" not in senders:  # PostgreSQL reachable: both figures, each with its bound
        for count in ("1 sender", "2 senders"):
            assert re.search(
                rf"{count} \((\d) SMTP sessions in all\): notify -> last message accepted: "
                rf"\d+\.\d+ s \(\d+ msg/s\); smtplib lower bound, \1 connections: "
                rf"\d+\.\d+ s \(\d+ msg/s\); ratio \d+\.\d+",
                senders,
            ), senders
    assert "lower bound" in report.split("## redline", 1)[1]
