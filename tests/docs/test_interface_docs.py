"""The interface docs of docs/architecture/ name only what exists, as the code has it.

Every `def` in a Python block of those docs is looked up in the module the block's last
`# <path>.py` comment names (methods in the class above them) and its parameters are
compared with the code's: names, order, keyword-only or not, and which have a default
(annotations are prose there, and left out). Every `class` named in a block exists in
its module. Every Alembic revision the docs name exists with the `down_revision` they
give, and the service doc names every revision there is. The token purposes' table is
the code's `PURPOSES`, lifetimes included. A doc that drifts from the code fails here.
"""

from __future__ import annotations

import ast
import importlib
import inspect
import re
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs" / "architecture"
SERVICE_DOC = DOCS / "service-interfaces.md"
GENERATOR_DOC = DOCS / "generator-interfaces.md"
MIGRATIONS = ROOT / "subscribe_service" / "infra" / "migrations" / "versions"

MODULE_COMMENT = re.compile(r"^\s*#\s*((?:generator|subscribe_service)/[\w/]+\.py)\b")
DEF = re.compile(r"\bdef\s+(\w+)\s*\(")
CLASS = re.compile(r"^(\s*)(?:@dataclass(?:\([^)]*\))?\s+)?class\s+(\w+)")
CLASS_SHORT = re.compile(r";\s*class\s+(\w+)")
HEADING_MODULE = re.compile(r"\(((?:generator|subscribe_service)/[\w/]+\.py)\)")
PROSE_CALL = re.compile(r"`(\w+)\(([^()`]*)\)(?: -> [^`]+)?`")
REVISION = re.compile(r"`(\d{4}_\w+)`(?:, down_revision `(\d{4}_\w+)`)?")

# generator-interfaces.md is being brought up to date on another branch (issue 21's
# generator half); these of its lines do not match the code yet. Remove an entry when its
# line is fixed (the mark is strict: a fixed line fails until its entry goes).
GENERATOR_DRIFT: dict[str, str] = {}  # a line of generator-interfaces.md known to be stale


@dataclass(frozen=True)
class Named:
    doc: Path
    line: int
    path: str  # the module's file, e.g. subscribe_service/mail/outbox.py
    owner: str | None  # the class a method is documented under
    name: str
    params: str | None  # the text between the parentheses; None for a class

    @property
    def key(self) -> str:
        return f"{self.path}:{self.owner + '.' if self.owner else ''}{self.name}"

    def __str__(self) -> str:
        where = self.doc.relative_to(ROOT) if self.doc.is_relative_to(ROOT) else self.doc
        return f"{where}:{self.line}: {self.key}"


def _balanced(text: str, start: int) -> str | None:
    """The text inside the parentheses opening at `start`, or None if they never close."""
    depth = 0
    for index in range(start, len(text)):
        if text[index] in "([{":
            depth += 1
        elif text[index] in ")]}":
            depth -= 1
            if depth == 0:
                return text[start + 1 : index]
    return None


def python_blocks(doc: Path) -> list[tuple[int, list[str]]]:
    blocks, current, start = [], None, 0
    for number, line in enumerate(doc.read_text(encoding="utf-8").splitlines(), 1):
        if current is None and line.strip() == "```python":
            current, start = [], number + 1
        elif current is not None and line.strip() == "```":
            blocks.append((start, current))
            current = None
        elif current is not None:
            current.append(line)
    return blocks


def named_in(doc: Path) -> list[Named]:
    found: list[Named] = []
    for start, lines in python_blocks(doc):
        path, owner, owner_indent = None, None, -1
        text = "\n".join(lines)
        offsets = [0]
        for line in lines:
            offsets.append(offsets[-1] + len(line) + 1)
        for index, line in enumerate(lines):
            number = start + index
            module = MODULE_COMMENT.match(line)
            if module:
                path, owner = module.group(1), None
                continue
            if path is None or line.lstrip().startswith("#"):
                continue
            indent = len(line) - len(line.lstrip())
            if owner is not None and indent <= owner_indent and line.strip():
                owner = None
            cls = CLASS.match(line)
            if cls:
                found.append(Named(doc, number, path, None, cls.group(2), None))
                owner, owner_indent = cls.group(2), len(cls.group(1))
                found += [
                    Named(doc, number, path, None, extra, None)
                    for extra in CLASS_SHORT.findall(line)
                ]
                continue
            code = line.split("  #")[0]
            for match in DEF.finditer(code):
                params = _balanced(text, offsets[index] + match.end() - 1)
                method_of = owner if indent > owner_indent and owner else None
                found.append(Named(doc, number, path, method_of, match.group(1), params))
    return found


def named_in_prose(doc: Path) -> list[Named]:
    """`name(params)` in the prose of a section whose heading names its module."""
    found: list[Named] = []
    path = None
    for number, line in enumerate(doc.read_text(encoding="utf-8").splitlines(), 1):
        if line.startswith("## "):
            heading = HEADING_MODULE.search(line)
            path = heading.group(1) if heading else None
        elif line.startswith("```"):
            path = None if line.strip() != "```" else path
        elif path is not None:
            for name, params in PROSE_CALL.findall(line):
                found.append(Named(doc, number, path, None, name, params))
    return found


def _module(path: str):
    return importlib.import_module(path.removesuffix(".py").replace("/", "."))


def _documented(params: str) -> inspect.Signature:
    # `...` and quoted literals stand in for types the docs abbreviate.
    tree = ast.parse(f"def f({params}): pass")
    function = tree.body[0]
    assert isinstance(function, ast.FunctionDef)
    arguments = function.args
    kinds: list[inspect.Parameter] = []
    plain = arguments.posonlyargs + arguments.args
    first_default = len(plain) - len(arguments.defaults)
    for position, arg in enumerate(plain):
        default = None if position >= first_default else inspect.Parameter.empty
        kinds.append(
            inspect.Parameter(
                arg.arg, inspect.Parameter.POSITIONAL_OR_KEYWORD, default=default
            )
        )
    if arguments.vararg:
        kinds.append(inspect.Parameter(arguments.vararg.arg, inspect.Parameter.VAR_POSITIONAL))
    for arg, default_node in zip(arguments.kwonlyargs, arguments.kw_defaults, strict=True):
        default = inspect.Parameter.empty if default_node is None else None
        kinds.append(inspect.Parameter(arg.arg, inspect.Parameter.KEYWORD_ONLY, default=default))
    if arguments.kwarg:
        kinds.append(inspect.Parameter(arguments.kwarg.arg, inspect.Parameter.VAR_KEYWORD))
    return inspect.Signature(kinds)


def _shape(signature: inspect.Signature, *, drop_self: bool) -> list[tuple[str, str, bool]]:
    params = list(signature.parameters.values())
    if drop_self and params and params[0].name in ("self", "cls"):
        params = params[1:]
    kind_names = {
        inspect.Parameter.POSITIONAL_ONLY: "positional",
        inspect.Parameter.POSITIONAL_OR_KEYWORD: "positional",
        inspect.Parameter.KEYWORD_ONLY: "keyword-only",
        inspect.Parameter.VAR_POSITIONAL: "*args",
        inspect.Parameter.VAR_KEYWORD: "**kwargs",
    }
    return [(p.name, kind_names[p.kind], p.default is not p.empty) for p in params]


def mismatch(named: Named) -> str | None:
    """Why the code does not match what the doc names there, or None when it does."""
    try:
        module = _module(named.path)
    except ModuleNotFoundError:
        return f"{named}: no module {named.path}"
    holder = getattr(module, named.owner, None) if named.owner else module
    if holder is None:
        return f"{named}: {named.path} has no class {named.owner}"
    thing = getattr(holder, named.name, None)
    if thing is None:
        return f"{named}: not defined there"
    if named.params is None:
        return None if inspect.isclass(thing) else f"{named}: not a class"
    if not callable(thing):
        return f"{named}: not a function"
    try:
        documented = _documented(named.params)
    except SyntaxError:
        return f"{named}: the doc's parameters ({named.params!r}) are not Python"
    # A method documented under its class is read from the class: `self` is the code's.
    is_method = named.owner is not None and not isinstance(
        inspect.getattr_static(holder, named.name), staticmethod
    )
    real = _shape(inspect.signature(thing), drop_self=is_method)
    doc = _shape(documented, drop_self=True)
    if doc != real:
        return f"{named}: the doc gives ({named.params}), the code has {inspect.signature(thing)}"
    return None


def _cases(doc: Path) -> list:
    cases = []
    for named in named_in(doc) + named_in_prose(doc):
        marks = ()
        if doc == GENERATOR_DOC and named.key in GENERATOR_DRIFT:
            reason = f"generator-interfaces.md drifted: {GENERATOR_DRIFT[named.key]}"
            marks = (pytest.mark.xfail(reason=reason, strict=True),)
        cases.append(pytest.param(named, id=f"{doc.stem}:{named.key}", marks=marks))
    return cases


@pytest.mark.parametrize("named", _cases(SERVICE_DOC) + _cases(GENERATOR_DOC))
def test_every_name_in_the_docs_exists_as_documented(named: Named) -> None:
    assert mismatch(named) is None, mismatch(named)


def test_the_docs_name_enough_to_check() -> None:
    """A parser that found nothing would pass everything."""
    service = named_in(SERVICE_DOC)
    assert {"enqueue", "enqueue_now", "build_message_bytes"} <= {n.name for n in service}
    prose = {n.name for n in named_in_prose(SERVICE_DOC)}
    assert {"normalise_email", "address_key", "export_data", "erase"} <= prose
    assert len(named_in(GENERATOR_DOC)) > 40


def revisions() -> dict[str, str | None]:
    """revision id -> down_revision, from the migration files themselves."""
    found = {}
    for path in MIGRATIONS.glob("*.py"):
        values = {}
        for node in ast.parse(path.read_text(encoding="utf-8")).body:
            target = node.target if isinstance(node, ast.AnnAssign) else (
                node.targets[0] if isinstance(node, ast.Assign) else None
            )
            if isinstance(target, ast.Name) and target.id in ("revision", "down_revision"):
                values[target.id] = ast.literal_eval(node.value)
        found[values["revision"]] = values.get("down_revision")
    return found


def documented_revisions(doc: Path) -> dict[str, str | None]:
    text = doc.read_text(encoding="utf-8")
    schema = text.split("## Schema", 1)[1].split("\n## ", 1)[0]
    return {match.group(1): match.group(2) for match in REVISION.finditer(schema)}


def test_the_service_doc_names_every_migration_with_its_parent() -> None:
    real = revisions()
    documented = documented_revisions(SERVICE_DOC)
    assert sorted(documented) == sorted(real)
    assert {rev: parent for rev, parent in documented.items() if parent} == {
        rev: parent for rev, parent in real.items() if parent
    }


def documented_purposes(doc: Path) -> dict[str, int | None]:
    """The `| purpose | lifetime |` table of the doc's Tokens section, in seconds."""
    text = doc.read_text(encoding="utf-8")
    section = text.split("## Tokens", 1)[1].split("\n## ", 1)[0]
    units = {"hours": 3600, "hour": 3600, "days": 86400, "day": 86400}
    purposes: dict[str, int | None] = {}
    for purpose, lifetime in re.findall(r"^\| `([\w-]+)` \| ([^|]+?) \|", section, re.M):
        amount = re.fullmatch(r"(\d+) (\w+)", lifetime)
        purposes[purpose] = int(amount.group(1)) * units[amount.group(2)] if amount else None
    return purposes


def test_the_token_purposes_are_the_codes() -> None:
    from subscribe_service.identity.tokens import PURPOSES

    assert documented_purposes(SERVICE_DOC) == PURPOSES


def test_the_checks_see_drift(tmp_path: Path) -> None:
    doc = tmp_path / "doc.md"
    doc.write_text(
        "## Schema\n- `0001_subscriptions`: x\n\n## Tokens\n| `confirm` | 71 hours |\n\n"
        "```python\n# subscribe_service/mail/outbox.py\n"
        "def enqueue_now(*, kind: str, recipient: str, payload: dict) -> None\n"
        "def vanished(x) -> None\n"
        "# subscribe_service/mail/interfaces.py\nclass Store(Protocol):\n"
        "    def claim(self, extra)\n```\n"
    )
    enqueue_now, vanished, store, claim = (mismatch(named) for named in named_in(doc))
    assert enqueue_now is not None and "ticket" in enqueue_now
    assert vanished is not None and "not defined there" in vanished
    assert store is None
    assert claim is not None and "Store.claim" in claim
    assert documented_revisions(doc) != revisions()
    prose = tmp_path / "prose.md"
    prose.write_text("## Addresses (subscribe_service/identity/addresses.py)\n"
                     "`normalise_email(value, strict)` and `address_key(address) -> str`\n")
    strict, key = (mismatch(named) for named in named_in_prose(prose))
    assert strict is not None and "normalise_email" in strict
    assert key is None
    assert documented_purposes(doc) == {"confirm": 71 * 3600}
