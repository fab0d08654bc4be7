"""The service and the site share one contract (generator.contract) and nothing else: no
module of the service imports another part of the generator, and what the generator
writes is what the service reads, record for record."""

from __future__ import annotations

import ast
import datetime as dt
import json
from pathlib import Path

from generator import contract
from generator.history.changes import build_changes, changes_json, to_change
from generator.load.loader import load_data
from generator.outputs.service_info import service_info, service_json
from subscribe_service.notices.source import parse_changes
from tests.support.published_data import FIXTURE_DATA, ROOT

SERVICE = ROOT / "subscribe_service"
REPO_DATA = ROOT / "data"


def _imported_modules(path: Path) -> list[tuple[int, str]]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append((node.lineno, node.module))
            if node.module == "generator":  # `from generator import x` imports generator.x
                found += [(node.lineno, f"generator.{alias.name}") for alias in node.names]
    return found


def test_the_service_imports_only_the_contract_from_the_generator() -> None:
    modules = sorted(SERVICE.rglob("*.py"))
    assert len(modules) > 60  # the walk really covers the package, subfolders included
    offending = [
        f"{path.relative_to(ROOT)}:{line}: imports {name}"
        for path in modules
        for line, name in _imported_modules(path)
        if (name == "generator" or name.startswith("generator.")) and name != "generator.contract"
    ]
    assert offending == []


def test_the_import_check_sees_every_spelling(tmp_path: Path) -> None:
    probe = tmp_path / "probe.py"
    probe.write_text(
        "import generator.load.loader\nfrom generator import model\n"
        "from generator.contract import TOPICS\ndef f():\n    from generator.outputs.pdf import x\n"
    )
    names = [name for _, name in _imported_modules(probe)]
    assert names == [
        "generator.load.loader",
        "generator",
        "generator.model",
        "generator.contract",
        "generator.outputs.pdf",
    ]


def test_every_record_round_trips_generator_json_service() -> None:
    today = dt.date(2026, 3, 1)
    data = load_data(REPO_DATA)  # every topic, corrections, list and text diffs
    records = build_changes(data, today)
    raw = json.loads(changes_json(data, records, today))
    loaded = parse_changes(raw)
    assert {r.topic for r in records} == set(contract.TOPICS)
    assert [c.id for c in loaded.doc.changes] == [r.id for r in records]
    for record, read in zip(records, loaded.doc.changes, strict=True):
        assert read == to_change(record)  # the same typed record on both sides
        # ...and nothing the generator wrote is lost on the way (extra entry fields too).
        assert read.model_dump(mode="json") == loaded.records[read.id]


def test_service_json_round_trips_and_validates() -> None:
    today = dt.date(2025, 6, 1)
    data = load_data(FIXTURE_DATA)
    read = contract.ServiceInfo.model_validate_json(service_json(data, today))
    assert read == service_info(data, today)
    assert read.company.name == data.site.company.name
    assert [v.version for v in read.dpa] == ["1.0", "2.0"]
    assert read.dpa_version("2.0").pdf == "dpa/2.0/larkspur-relay-dpa-2.0.pdf"
