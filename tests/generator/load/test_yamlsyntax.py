"""Syntax errors in plain words, at the line and column where the editor must type.

Each file in `fixtures/syntax/` is one typing mistake, read as a sub-processor change
(so that the list-shaped mistakes reach the model too); its first line says where the fix
goes (`# expect: LINE:COL`). `golden/syntax_messages.txt` holds every message as `check`
prints it; after an intended change of wording, regenerate it and review the diff:

    UPDATE_GOLDEN=1 pytest tests/generator/test_yamlsyntax.py
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from generator.load import yamlsafe
from generator.load.errors import DataError, Issue
from generator.load.loader import _load_file
from generator.load.model import SubprocessorChange
from generator.load.yamlsafe import load_yaml

FIXTURES = Path(__file__).parents[1] / "fixtures" / "syntax"
GOLDEN = Path(__file__).parents[1] / "golden" / "syntax_messages.txt"
CASES = sorted(FIXTURES.glob("*.yaml"))
# Words of the parsers that mean nothing to an editor.
JARGON = re.compile(
    r"scalar|simple key|token|block (?:end|mapping|collection)|flow (?:sequence|mapping)"
    r"|stream|indicator|expected|YAML syntax error|<",
    re.IGNORECASE,
)


@pytest.fixture(params=yamlsafe.LOADERS, ids=lambda c: c.__name__)
def loader(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> type:
    """Every case runs with libyaml's parser (when built) and with the pure-Python one."""
    monkeypatch.setattr(yamlsafe, "LOADERS", [request.param])
    monkeypatch.chdir(FIXTURES)
    return request.param


def refused(path: Path) -> Issue:
    issues: list[Issue] = []
    assert _load_file(Path(path.name), SubprocessorChange, issues) is None
    assert len(issues) == 1, issues
    return issues[0]


def expected_position(path: Path) -> tuple[int, int]:
    first = path.read_text(encoding="utf-8").split("\n", 1)[0]
    match = re.fullmatch(r"# expect: (\d+):(\d+)", first)
    assert match, f"{path.name} must start with '# expect: LINE:COL'"
    return int(match[1]), int(match[2])


@pytest.mark.parametrize("path", CASES, ids=lambda p: p.stem)
def test_each_mistake_points_where_the_fix_goes(path: Path, loader: type) -> None:
    issue = refused(path)
    assert (issue.line, issue.col) == expected_position(path), str(issue)
    assert not JARGON.search(issue.message), str(issue)


def test_every_message_is_as_in_the_golden_file(loader: type) -> None:
    printed = "".join(f"{refused(path)}\n" for path in CASES)
    if os.environ.get("UPDATE_GOLDEN"):
        GOLDEN.write_text(printed, encoding="utf-8")
    assert printed == GOLDEN.read_text(encoding="utf-8")


def test_a_zero_byte_file_is_empty_too(tmp_path: Path, loader: type) -> None:
    (tmp_path / "1.0.yaml").write_bytes(b"")
    with pytest.raises(DataError) as caught:
        load_yaml(tmp_path / "1.0.yaml")
    assert [i.message for i in caught.value.issues] == [
        "the file is empty; write the fields of a version in it (copy an example from "
        "CONTRIBUTING.md), or delete the file"
    ]


def test_a_quoted_value_over_several_lines_is_not_an_unclosed_quote(
    tmp_path: Path, loader: type
) -> None:
    # A legitimate multi-line quote followed by an unrelated mistake: the mistake is named.
    path = tmp_path / "doc.yaml"
    path.write_text('summary: "one\n  two"\ntitle: x\neditorial false\n', encoding="utf-8")
    with pytest.raises(DataError) as caught:
        load_yaml(path)
    assert [(i.line, i.col, i.message) for i in caught.value.issues] == [
        (4, 10, "a colon is missing after 'editorial'; write 'editorial: false'")
    ]
