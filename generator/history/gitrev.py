"""The data folder as it was at a git revision, read from git's object store (never the
working tree): what `trustsite diff` compares with and `check --base` holds to.
"""

from __future__ import annotations

import subprocess
from pathlib import Path


def _git(args: list[str], cwd: Path, stdin: bytes | None = None) -> subprocess.CompletedProcess:
    try:
        return subprocess.run(["git", *args], cwd=cwd, input=stdin, capture_output=True)
    except FileNotFoundError:
        raise ValueError("git is not installed; compare two versions with --from/--to") from None


def files_at_revision(data_dir: Path, base: str) -> dict[str, bytes] | None:
    """Every file under `data_dir` at revision `base` (relative path -> bytes), or None
    when the folder did not exist there yet."""
    cwd = data_dir if data_dir.is_dir() else Path.cwd()
    top = _git(["rev-parse", "--show-toplevel"], cwd)
    if top.returncode != 0:
        raise ValueError(
            f"{data_dir} is not inside a git repository, so there is nothing to compare "
            "with; compare two versions instead: trustsite diff TOPIC --from V --to V"
        )
    if _git(["rev-parse", "--verify", "--quiet", f"{base}^{{commit}}"], cwd).returncode != 0:
        raise ValueError(
            f"unknown git revision {base!r}: give a commit, branch or tag that exists here "
            "with --base (in a shallow CI checkout, fetch the base branch first)"
        )
    root = Path(top.stdout.decode().strip()).resolve()
    prefix = data_dir.resolve().relative_to(root).as_posix()
    listing = _git(["ls-tree", "-r", "-z", base, "--", prefix], root)
    entries = [line for line in listing.stdout.decode().split("\0") if line]
    if not entries:
        return None
    files: dict[str, bytes] = {}
    for entry in entries:
        meta, path = entry.split("\t", 1)
        _mode, kind, sha = meta.split()
        if kind == "blob":
            blob = _git(["cat-file", "blob", sha], root)
            name = path if prefix == "." else Path(path).relative_to(prefix).as_posix()
            files[name] = blob.stdout
    return files
