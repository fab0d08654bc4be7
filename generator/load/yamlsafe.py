"""Safe YAML loading that remembers where every field was written.

The data is edited by people who are not programmers, in a web editor, and reviewed in
pull requests, so the loader is deliberately narrower than YAML:

- no tags (`!!python/object`, `!!binary`, `!foo`): nothing is ever constructed but plain
  text, numbers, dates, true/false, lists and mappings;
- no anchors or aliases: a reader of the pull request must see every value where it is
  used, and an anchor bomb ("billion laughs") is refused at its first anchor instead of
  being expanded;
- no duplicate keys (YAML would silently keep the last one) and no keys that are not text;
- only `true`/`false` are booleans (YAML 1.2): in YAML 1.1 `NO` (Norway) and `on` are
  booleans, which would silently turn a country code into `false`;
- files over 1 MB and nesting deeper than 40 levels are refused before they cost anything.

It is built on PyYAML's composer: the node graph carries a start mark for every key and
item, which becomes the (line, col) an error points to.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml
from yaml.composer import Composer
from yaml.constructor import ConstructorError, SafeConstructor
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode
from yaml.parser import Parser
from yaml.reader import Reader
from yaml.scanner import Scanner

from generator.load.errors import DataError, Issue, display_path
from generator.load.yamlhints import lone_surrogate
from generator.load.yamlsyntax import explain
from generator.load.yamltext import EMPTY_MESSAGE

MAX_BYTES = 1024 * 1024
MAX_DEPTH = 40

KeyPath = tuple[str | int, ...]
Positions = dict[KeyPath, tuple[int, int]]

_BOOL_TAG = "tag:yaml.org,2002:bool"
_YAML_PREFIX = "tag:yaml.org,2002:"


class _Refused(Exception):
    """An unsafe construct, raised from inside the composer to stop it at once."""

    def __init__(self, mark: yaml.Mark, message: str):
        super().__init__(message)
        self.mark = mark
        self.message = message


class _Guard:
    """Composer hook refusing tags, anchors, aliases and deep nesting, before composing."""

    _depth = 0

    def compose_node(self, parent: Node | None, index: object) -> Node:
        event = self.peek_event()  # type: ignore[attr-defined]
        if isinstance(event, yaml.AliasEvent):
            raise _Refused(
                event.start_mark,
                f"'*{event.anchor}' repeats a value from elsewhere (a YAML alias); "
                "write the value out in full",
            )
        if event.anchor is not None:
            raise _Refused(
                event.start_mark,
                f"'&{event.anchor}' marks a value for reuse (a YAML anchor); "
                "anchors are not allowed, write each value where it is used",
            )
        tag = getattr(event, "tag", None)
        if tag is not None:
            shown = "!!" + tag.removeprefix(_YAML_PREFIX) if tag.startswith(_YAML_PREFIX) else tag
            raise _Refused(
                event.start_mark,
                f"'{shown}' is a YAML tag; tags are not allowed, write plain values",
            )
        self._depth += 1
        try:
            if self._depth > MAX_DEPTH:
                raise _Refused(
                    event.start_mark, f"nested more than {MAX_DEPTH} levels deep; flatten it"
                )
            return super().compose_node(parent, index)  # type: ignore[misc]
        finally:
            self._depth -= 1


class _Resolver(yaml.resolver.Resolver):
    """SafeLoader's implicit types, except that only true/false are booleans (YAML 1.2)."""


_Resolver.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != _BOOL_TAG]
    for first, resolvers in yaml.resolver.Resolver.yaml_implicit_resolvers.items()
}
_Resolver.add_implicit_resolver(
    _BOOL_TAG, re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)


class PyLoader(_Guard, Reader, Scanner, Parser, Composer, _Resolver):
    """Pure-Python events; used when PyYAML was built without libyaml."""

    def __init__(self, stream: str):
        Reader.__init__(self, stream)
        Scanner.__init__(self)
        Parser.__init__(self)
        Composer.__init__(self)
        _Resolver.__init__(self)


LOADERS: list[type] = [PyLoader]
if yaml.__with_libyaml__:
    from yaml._yaml import CParser

    class CLoader(_Guard, Composer, CParser, _Resolver):
        """libyaml's scanner and parser (in C, several times faster), PyYAML's composer on top.

        Composer comes before CParser so that its `get_single_node` (and so the guard)
        is used, not libyaml's own composition.
        """

        def __init__(self, stream: str):
            CParser.__init__(self, stream)
            Composer.__init__(self)
            _Resolver.__init__(self)

    LOADERS.insert(0, CLoader)


class _Builder:
    """Turns a node graph into plain Python values, collecting positions and key problems."""

    def __init__(self, shown_path: str):
        self.shown_path = shown_path
        self.positions: Positions = {(): (1, 1)}
        self.issues: list[Issue] = []
        self._scalars = SafeConstructor()

    def build(self, node: Node, path: KeyPath) -> Any:
        if isinstance(node, MappingNode):
            return self._mapping(node, path)
        if isinstance(node, SequenceNode):
            items = []
            for index, item in enumerate(node.value):
                self.positions[(*path, index)] = _position(item)
                items.append(self.build(item, (*path, index)))
            return items
        return self._scalar(node)

    def _mapping(self, node: MappingNode, path: KeyPath) -> dict[str, Any]:
        result: dict[str, Any] = {}
        first_line: dict[str, int] = {}
        for key_node, value_node in node.value:
            key = self._scalar(key_node) if isinstance(key_node, ScalarNode) else None
            line, col = _position(key_node)
            if not isinstance(key, str):
                shown = key_node.value if isinstance(key_node, ScalarNode) else "a list or mapping"
                self.issues.append(
                    Issue(
                        self.shown_path,
                        line,
                        col,
                        f"{field_name(path) + ': ' if path else ''}{shown!r} is not text, so it "
                        "cannot be a field name (put an id in quotes)",
                    )
                )
                continue
            if key in first_line:
                self.issues.append(
                    Issue(
                        self.shown_path,
                        line,
                        col,
                        f"{field_name((*path, key))}: written twice (first at line "
                        f"{first_line[key]}); keep only one"
                        + (
                            # In a list item, a repeated field usually starts the next item.
                            ", or type '- ' before it if a new item of the list starts here"
                            if path and isinstance(path[-1], int)
                            else ""
                        ),
                    )
                )
                continue
            first_line[key] = line
            self.positions[(*path, key)] = (line, col)
            result[key] = self.build(value_node, (*path, key))
        return result

    def _scalar(self, node: ScalarNode) -> Any:
        if node.tag in (f"{_YAML_PREFIX}str", f"{_YAML_PREFIX}merge", f"{_YAML_PREFIX}value"):
            return node.value
        if node.tag == _BOOL_TAG:
            return node.value.lower() == "true"
        try:
            return self._scalars.construct_object(node, deep=True)
        except (ValueError, ConstructorError):
            # An impossible date such as 2025-02-30: keep the text so that validation can
            # say which field holds it and how to write it.
            return node.value


def load_yaml(path: Path) -> tuple[object, Positions]:
    """Load one data file safely; return its plain value and each key path's (line, col).

    Key paths are tuples of mapping keys and list indexes, `("sections", 2, "id")`; lines
    and columns are 1-based and point at the key (or at the list item). Raises `DataError`
    with every problem of the file (as many as can be found) when it is refused.
    """
    shown = display_path(path)
    text = _read_text(path, shown)
    try:
        root = yaml.compose(text, Loader=LOADERS[0])
    except _Refused as refused:
        raise DataError([Issue(shown, *_mark_position(refused.mark), refused.message)]) from None
    except yaml.YAMLError as err:
        # Syntax errors and control characters, in plain words at the place to type.
        found = explain(err, text)
        raise DataError([Issue(shown, found.line, found.col, found.message)]) from None
    if root is None:
        raise DataError([Issue(shown, 1, 1, EMPTY_MESSAGE)])
    builder = _Builder(shown)
    data = builder.build(root, ())
    if builder.issues:
        raise DataError(builder.issues)
    # The pure-Python parser accepts "\ud800"; libyaml refuses it (yamlsyntax): the same
    # message either way, before the lone half of a pair reaches a hash or a page.
    surrogate = lone_surrogate(text) if _has_surrogate(data) else None
    if surrogate is not None:
        raise DataError([Issue(shown, *surrogate)])
    return data, builder.positions


def _has_surrogate(value: object) -> bool:
    if isinstance(value, str):
        return any("\ud800" <= c <= "\udfff" for c in value)
    if isinstance(value, dict):
        return any(_has_surrogate(k) or _has_surrogate(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_has_surrogate(v) for v in value)
    return False


def locate(positions: Mapping[KeyPath, tuple[int, int]], path: KeyPath) -> tuple[int, int]:
    """The position of `path`, or of its nearest written parent (a missing field's mapping)."""
    for end in range(len(path), -1, -1):
        found = positions.get(tuple(path[:end]))
        if found is not None:
            return found
    return (1, 1)


def field_name(path: KeyPath) -> str:
    """A key path as an editor reads it: `("sections", 2, "id")` -> `sections[2].id`."""
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out


def _read_text(path: Path, shown: str) -> str:
    try:
        with path.open("rb") as f:
            raw = f.read(MAX_BYTES + 1)
    except OSError as err:
        raise DataError([Issue(shown, 1, 1, f"cannot be read: {err.strerror}")]) from None
    if len(raw) > MAX_BYTES:
        raise DataError([Issue(shown, 1, 1, "file is larger than 1 MB; split it or shorten it")])
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        line = raw[: err.start].count(b"\n") + 1
        raise DataError(
            [Issue(shown, line, 1, "is not UTF-8 text; save the file as UTF-8")]
        ) from None


def _position(node: Node) -> tuple[int, int]:
    return _mark_position(node.start_mark)


def _mark_position(mark: yaml.Mark) -> tuple[int, int]:
    return mark.line + 1, mark.column + 1
