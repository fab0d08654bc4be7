"""One import path for the contract: a name generator.contract defines is imported from
there, never through a module that happens to import it too (load.model, load.fields,
history.urls used to re-export them)."""

from __future__ import annotations

import ast
from pathlib import Path

import generator.contract as contract

ROOT = Path(__file__).resolve().parents[2]
CONTRACT_NAMES = set(contract.__all__)


def _defined_in(module: str) -> set[str]:
    path = ROOT / Path(*module.split(".")).with_suffix(".py")
    if not path.exists():
        return set()
    names = set()
    for node in ast.parse(path.read_text(encoding="utf-8")).body:
        if isinstance(node, ast.ClassDef | ast.FunctionDef):
            names.add(node.name)
        elif isinstance(node, ast.Assign | ast.AnnAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            names |= {t.id for t in targets if isinstance(t, ast.Name)}
    return names


def _second_hand_imports(source: str) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.ImportFrom) or not node.module:
            continue
        if not node.module.startswith("generator.") or node.module == "generator.contract":
            continue
        own = _defined_in(node.module)
        found += [
            f"{node.module}.{a.name}"
            for a in node.names
            if a.name in CONTRACT_NAMES and a.name not in own
        ]
    return found


def test_contract_names_are_imported_from_the_contract() -> None:
    offenders = {
        str(path.relative_to(ROOT)): names
        for folder in ("generator", "subscribe_service", "tests", "benchmarks")
        for path in sorted((ROOT / folder).rglob("*.py"))
        if (names := _second_hand_imports(path.read_text(encoding="utf-8")))
    }
    assert offenders == {}


def test_a_second_hand_import_is_found() -> None:
    assert _second_hand_imports("from generator.load.model import TOPICS, TrustData\n") == [
        "generator.load.model.TOPICS"
    ]
