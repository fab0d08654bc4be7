"""Running a `flask --app subscribe_service` command as an operator would: a process of
its own, with only the TRUSTSITE_* settings given (none inherited from the test run)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path


def operator_env(**settings: str) -> dict[str, str]:
    """This environment without TRUSTSITE_* and FLASK_*, plus TRUSTSITE_<name> settings."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TRUSTSITE_", "FLASK_"))}
    return env | {f"TRUSTSITE_{name}": value for name, value in settings.items()}


def run_flask(cwd: Path, env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "flask", "--app", "subscribe_service", *args],
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
    )
