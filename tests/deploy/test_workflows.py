"""The GitHub Actions workflows pass actionlint with no finding.

actionlint knows which runtime each version of a popular action runs on: an action left on
a runtime GitHub removed (Node 20, on 23 September 2026) would stop the legal team's
pull-request check and the publication, and shows here first.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
WORKFLOWS = sorted((ROOT / ".github" / "workflows").glob("*.yml"))


def _actionlint() -> str:
    beside = Path(sys.executable).parent / "actionlint"
    found = str(beside) if beside.exists() else shutil.which("actionlint")
    if found is None:
        pytest.skip("actionlint is not installed (pip install -e '.[test]' installs it)")
    return found


def _lint(*files: Path) -> subprocess.CompletedProcess[str]:
    # -shellcheck= and -pyflakes=: the run: scripts are checked by their own tests, and a
    # linter found on one machine's PATH but not another's must not change the verdict.
    return subprocess.run(
        [_actionlint(), "-no-color", "-shellcheck=", "-pyflakes=", *map(str, files)],
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_every_workflow_passes_actionlint() -> None:
    assert WORKFLOWS, "no workflow found"
    result = _lint(*WORKFLOWS)
    assert result.returncode == 0, result.stdout + result.stderr


def test_an_action_on_a_removed_runtime_is_a_finding(tmp_path: Path) -> None:
    old = tmp_path / "old.yml"
    old.write_text(
        "on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n"
        "      - uses: actions/checkout@v4\n",
        encoding="utf-8",
    )
    result = _lint(old)
    assert result.returncode == 1
    assert 'runtime "node20" is deprecated' in result.stdout
