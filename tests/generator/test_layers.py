"""The generator's folders are stages: each imports only the stages before it.

load -> history -> outputs -> site -> cli, with `contract` (a package) below them all. An import
that runs the other way would make the folder tree lie about the pipeline.
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / "generator"
ORDER = ["contract", "load", "history", "outputs", "site", "cli"]


def stage_of(module: str) -> str | None:
    parts = module.split(".")
    if parts[0] != "generator" or len(parts) < 2:
        return None
    return parts[1] if parts[1] in ORDER else None


def imports_of(path: Path) -> list[tuple[int, str]]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            if node.module == "generator":  # from generator import contract
                found += [(node.lineno, f"generator.{alias.name}") for alias in node.names]
            else:
                found.append((node.lineno, node.module))
    return found


def upward_imports() -> list[str]:
    problems = []
    for path in sorted(PACKAGE.rglob("*.py")):
        here = stage_of("generator." + ".".join(path.relative_to(PACKAGE).with_suffix("").parts))
        if here is None:
            continue
        for line, module in imports_of(path):
            there = stage_of(module)
            if there is not None and ORDER.index(there) > ORDER.index(here):
                problems.append(
                    f"{path.relative_to(PACKAGE.parent)}:{line}: {here} imports {module}"
                )
    return problems


def test_no_stage_imports_a_later_one() -> None:
    assert upward_imports() == []


def test_the_check_sees_an_upward_import(tmp_path: Path, monkeypatch) -> None:
    fake = tmp_path / "generator" / "load"
    fake.mkdir(parents=True)
    (fake / "bad.py").write_text("from generator.site.pages import render_pages\n")
    monkeypatch.setattr(sys.modules[__name__], "PACKAGE", tmp_path / "generator")
    assert upward_imports() == ["generator/load/bad.py:1: load imports generator.site.pages"]
