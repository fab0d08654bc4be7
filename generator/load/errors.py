"""Errors a legal editor can act on: each names the file, the line, the column and the field."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True, order=True)
class Issue:
    """One problem in the data, printed as `path:line:col: message`."""

    path: str
    line: int
    col: int
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}:{self.col}: {self.message}"


class DataError(Exception):
    """The data in `data/` is invalid; `issues` holds every problem found, sorted."""

    def __init__(self, issues: list[Issue]):
        self.issues = sorted(issues)
        super().__init__("\n".join(str(i) for i in self.issues))


class BuildError(Exception):
    """The site could not be built for a reason other than invalid data."""


def display_path(path: Path, root: Path | None = None) -> str:
    """A path as the editor knows it: relative to the working directory when possible."""
    for base in (root, Path.cwd()):
        if base is None:
            continue
        try:
            return str(path.resolve().relative_to(base.resolve()))
        except ValueError:
            continue
    return str(path)
