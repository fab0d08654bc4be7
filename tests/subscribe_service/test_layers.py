"""The service's folders are layers: each imports only the layers below it.

    infra -> identity -> registry -> mail -> web -> subscribers -> notices | requests
          -> webhooks -> create_app (subscribe_service/__init__.py) -> dev

`infra` is settings, storage, the schema and logs; `identity` an address's identity,
signed tokens and the personal links; `registry` what create_app hands the parts; `mail`
the outbox and the sender; `web` the HTTP edge every part's views use; then the parts
(notices and requests are peers and do not import each other; webhooks sits above
notices, whose checked outbound fetch it reuses, and plugs into `notify` through the
registry's notice hook, so notices never import it); `create_app` wires them;
`dev` runs the whole. An import that runs the other way would make the folder tree lie
about who depends on whom. Imports under `if TYPE_CHECKING:` never run and are left out:
the registry names the mail it hands around only in annotations.
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "subscribe_service"
# Lowest first; the names of one tuple are peers of one layer.
LAYERS: list[tuple[str, ...]] = [
    ("infra",),
    ("identity",),
    ("registry",),
    ("mail",),
    ("web",),
    ("subscribers",),
    ("notices", "requests"),
    ("webhooks",),
    ("create_app",),
    ("dev",),
]
RANK = {name: rank for rank, names in enumerate(LAYERS) for name in names}


def layer_of(module: str) -> str | None:
    """The layer of a dotted module name; `subscribe_service` itself is create_app's."""
    parts = module.split(".")
    if parts[0] != "subscribe_service":
        return None
    if len(parts) == 1 or parts[1] not in RANK:
        return "create_app"
    return parts[1]


def _type_checking_only(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def imports_of(path: Path) -> list[tuple[int, str]]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    skipped = {
        id(inner)
        for node in ast.walk(tree)
        if isinstance(node, ast.If) and _type_checking_only(node)
        for stmt in node.body
        for inner in ast.walk(stmt)
    }
    found = []
    for node in ast.walk(tree):
        if id(node) in skipped:
            continue
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            if node.module == "subscribe_service":  # from subscribe_service import create_app
                found += [(node.lineno, f"subscribe_service.{alias.name}") for alias in node.names]
            else:
                found.append((node.lineno, node.module))
    return found


def module_of(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def wrong_imports() -> list[str]:
    """Every import of a later layer, or of a peer of the same layer."""
    problems = []
    for path in sorted(PACKAGE.rglob("*.py")):
        here = layer_of(module_of(path))
        if here is None:
            continue
        for line, module in imports_of(path):
            there = layer_of(module)
            if there is None or there == here:
                continue
            if RANK[there] >= RANK[here]:
                where = path.relative_to(PACKAGE.parent)
                problems.append(f"{where}:{line}: {here} imports {module}")
    return problems


def test_no_layer_imports_a_later_one_or_a_peer() -> None:
    assert wrong_imports() == []


def test_every_folder_has_a_layer() -> None:
    folders = {p.name for p in PACKAGE.iterdir() if p.is_dir() and (p / "__init__.py").exists()}
    modules = {p.stem for p in PACKAGE.glob("*.py") if p.stem != "__init__"}
    assert folders | modules <= set(RANK)


@pytest.mark.parametrize(
    ("where", "source", "expected"),
    [
        ("mail/bad.py", "from subscribe_service.web.problems import problem\n", "mail imports"),
        ("notices/bad.py", "from subscribe_service.requests import records\n", "notices imports"),
        ("infra/bad.py", "def f():\n    from subscribe_service import create_app\n", "infra"),
    ],
)
def test_the_check_sees_a_wrong_import(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, where: str, source: str, expected: str
) -> None:
    fake = tmp_path / "subscribe_service" / where
    fake.parent.mkdir(parents=True)
    fake.write_text(source)
    monkeypatch.setattr(sys.modules[__name__], "PACKAGE", tmp_path / "subscribe_service")
    (problem,) = wrong_imports()
    assert problem.startswith(f"subscribe_service/{where}:") and expected in problem


def test_the_check_leaves_out_type_only_imports(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake = tmp_path / "subscribe_service" / "registry.py"
    fake.parent.mkdir(parents=True)
    fake.write_text(
        "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n"
        "    from subscribe_service.mail.message import RenderedMail\n"
        "from subscribe_service.web import api\n"
    )
    monkeypatch.setattr(sys.modules[__name__], "PACKAGE", tmp_path / "subscribe_service")
    assert wrong_imports() == [
        "subscribe_service/registry.py:4: registry imports subscribe_service.web"
    ]
