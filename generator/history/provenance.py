"""Where each version came from: the commit that added its file, for links on its page.

Only when the data is in a Git checkout with its whole history and site.yaml names the
`repository_url`. One `git log` over the data folder finds, for every file, the oldest
commit that added it (`--diff-filter=A`), so the links depend on the history only and
two builds of the same checkout give the same pages. A shallow clone would name its own
first commit for every file: no links then, and a warning.
"""

from __future__ import annotations

import logging
import subprocess
from dataclasses import dataclass
from pathlib import Path

from generator.contract import TOPICS
from generator.load.model import Site, TrustData
from generator.load.timeline import all_versions

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Origin:
    commit: str
    path: str  # relative to the repository root
    commit_url: str
    file_url: str


def _git(args: list[str], cwd: Path) -> str | None:
    try:
        done = subprocess.run(["git", *args], cwd=cwd, capture_output=True, timeout=60)
    except (FileNotFoundError, subprocess.TimeoutExpired):
        return None
    return done.stdout.decode("utf-8", "replace") if done.returncode == 0 else None


def added_by(data_dir: Path) -> tuple[Path, dict[str, str]] | None:
    """(repository root, path relative to it -> commit that first added it), or None."""
    data_dir = data_dir.resolve()
    top = _git(["rev-parse", "--show-toplevel"], data_dir)
    if top is None:
        return None
    if (_git(["rev-parse", "--is-shallow-repository"], data_dir) or "").strip() == "true":
        log.warning("shallow Git clone: versions are not linked to their commits (fetch-depth 0)")
        return None
    root = Path(top.strip()).resolve()
    out = _git(
        ["log", "--diff-filter=A", "--name-only", "--format=%x00%H", "--", str(data_dir)], root
    )
    found: dict[str, str] = {}
    for block in (out or "").split("\0"):
        lines = [line for line in block.splitlines() if line.strip()]
        if lines:
            for path in lines[1:]:
                found[path] = lines[0]  # newest first: the last one seen is the oldest
    return root, found


def origins(data: TrustData, data_dir: Path) -> dict[str, Origin]:
    """`<topic>/<version>` -> where it came from, for every version file found in Git."""
    site: Site = data.site
    if site.repository_url is None:
        return {}
    history = added_by(data_dir)
    if history is None:
        return {}
    root, found = history
    base = str(site.repository_url).rstrip("/")
    prefix = data_dir.resolve().relative_to(root).as_posix()
    # Every version file is named after its version label (the loader checks it).
    labels = {
        f"{topic}/{v.version}": f"{topic}/{v.version}.yaml"
        for topic in TOPICS
        for v in all_versions(data, topic)
    }
    result: dict[str, Origin] = {}
    for record_id, name in labels.items():
        path = name if prefix == "." else f"{prefix}/{name}"
        commit = found.get(path)
        if commit:
            result[record_id] = Origin(
                commit, path, f"{base}/commit/{commit}", f"{base}/blob/{commit}/{path}"
            )
    return result
