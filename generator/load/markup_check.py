"""`trustsite check`'s markup rules: no HTML where text is expected, no unsafe links in bodies.

Run by the loader on every file that matches its model. Section bodies are Markdown: raw
HTML, images and links with schemes other than http, https, mailto and tel are refused
(generator.load.markup_rules says why each). Every other text field (titles, names, summaries,
addresses) is plain text and may not hold anything a browser would read as a tag.

Each issue points at the offending text itself, not at the field: the loader only knows
where keys are, so when there is something to report the file is composed once more and
the text is looked up inside the value's own span of the file (a block scalar's lines, a
quoted string). Where it cannot be found verbatim (a folded line, an escape in quotes),
the issue points at the start of the value.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import yaml
from pydantic import BaseModel
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from generator.load.errors import Issue
from generator.load.markup_rules import find_markup, tag_in_text
from generator.load.textsafety import text_findings
from generator.load.validate import Located
from generator.load.yamlsafe import LOADERS, KeyPath, field_name, locate

# Fields holding Markdown; every other text field is plain text.
MARKDOWN_FIELDS: frozenset[str] = frozenset({"body"})
# Fields that may span lines: Markdown, and a correction's text (it may quote a body).
MULTILINE_FIELDS: frozenset[str] = MARKDOWN_FIELDS | {"old", "new"}

PLAIN_TEXT_MARKUP = (
    "looks like HTML markup; this field is plain text and is shown exactly as written, "
    "so remove the markup (write < and > only with spaces around them, like 'a < b')"
)

# Written in YAML as escapes ("\e", "\x07") they load, but no page, feed or PDF can carry
# them (XML 1.0 forbids most), and an editor never means an invisible control character.
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ufffe\uffff]")
CONTROL_MESSAGE = (
    "holds an invisible control character ({code}), which no page or feed can show; "
    "delete it (in quotes it is written as a backslash escape such as \\e or \\x07)"
)

Span = tuple[int, int]  # offsets of a scalar value in the file's text


def check_markup(item: Located[BaseModel], source: Path) -> list[Issue]:
    """Every markup problem of one loaded file, at the line and column of the text."""
    findings = list(_findings(item.doc))
    if not findings:
        return []
    text, spans = _value_spans(source)
    searched_from: dict[KeyPath, int] = {}
    issues = []
    for key, snippet, message in findings:
        where = _find(text, spans.get(key), snippet, searched_from.get(key))
        if where is None:
            line, col = _value_start(text, spans.get(key)) or locate(item.positions, key)
        else:
            searched_from[key] = where + len(snippet)
            line, col = _line_col(text, where)
        # A text-safety finding names its character itself; quoting it would show nothing.
        shown = _quoted(snippet) + " " if snippet and not message.startswith(_NAMED) else ""
        quoted = f"{field_name(key)}: {shown}{message}"
        issues.append(Issue(item.path, line, col, quoted))
    return issues


_NAMED = ("U+", "holds a line break", "'")


def _findings(doc: BaseModel) -> Iterator[tuple[KeyPath, str, str]]:
    for key, value in _strings(doc.model_dump(mode="python"), ()):
        control = CONTROL.search(value)
        if control is not None:
            code = f"U+{ord(control.group()):04X}"
            yield key, "", CONTROL_MESSAGE.format(code=code)
            continue
        # Invisible and look-alike characters, mixed-script words, line breaks in one-line
        # fields (generator.load.textsafety): text must read as it is stored.
        single_line = not key or key[-1] not in MULTILINE_FIELDS
        for snippet, message in text_findings(value, single_line):
            yield key, snippet, message
        if key and key[-1] in MARKDOWN_FIELDS:
            for finding in find_markup(value):
                yield key, finding.snippet, finding.message
        else:
            tag = tag_in_text(value)
            if tag is not None:
                yield key, tag, PLAIN_TEXT_MARKUP


def _strings(value: object, key: KeyPath) -> Iterator[tuple[KeyPath, str]]:
    if isinstance(value, str):
        yield key, value
    elif isinstance(value, dict):
        for name, item in value.items():
            yield from _strings(item, (*key, name))
    elif isinstance(value, list | tuple):
        for index, item in enumerate(value):
            yield from _strings(item, (*key, index))


def _quoted(snippet: str) -> str:
    shown = snippet if len(snippet) <= 60 else snippet[:57] + "..."
    return "'" + shown.replace("\n", " ") + "'"


# --- where the text is in the file -----------------------------------------------------------


def _value_spans(source: Path) -> tuple[str, dict[KeyPath, Span]]:
    """The file's text and the span of every scalar value, by key path."""
    text = source.read_text(encoding="utf-8-sig")
    spans: dict[KeyPath, Span] = {}
    try:
        root = yaml.compose(text, Loader=LOADERS[0])
    except yaml.YAMLError:  # it loaded a moment ago; if not now, point at the fields
        return text, spans
    if root is not None:
        _walk(root, (), spans)
    return text, spans


def _walk(node: Node, key: KeyPath, spans: dict[KeyPath, Span]) -> None:
    if isinstance(node, ScalarNode):
        spans[key] = (node.start_mark.index, node.end_mark.index)
    elif isinstance(node, SequenceNode):
        for index, item in enumerate(node.value):
            _walk(item, (*key, index), spans)
    elif isinstance(node, MappingNode):
        for key_node, value_node in node.value:
            if isinstance(key_node, ScalarNode):
                _walk(value_node, (*key, key_node.value), spans)


def _find(text: str, span: Span | None, snippet: str, start: int | None) -> int | None:
    """The offset of `snippet` (or of its first line) inside the value's span."""
    if span is None:
        return None
    begin, end = span
    for needle in (snippet, snippet.splitlines()[0] if snippet else snippet):
        if not needle:
            continue
        found = text.find(needle, start if start is not None else begin, end)
        if found == -1 and start is not None:
            found = text.find(needle, begin, end)
        if found != -1:
            return found
    return None


def _value_start(text: str, span: Span | None) -> tuple[int, int] | None:
    if span is None:
        return None
    begin = span[0]
    # A block scalar (`|`, `>`) starts at its indicator; its text begins on the next line.
    if text[begin : begin + 1] in ("|", ">"):
        newline = text.find("\n", begin)
        if newline != -1:
            rest = text[newline + 1 :]
            begin = newline + 1 + (len(rest) - len(rest.lstrip(" ")))
    return _line_col(text, begin)


def _line_col(text: str, offset: int) -> tuple[int, int]:
    line_start = text.rfind("\n", 0, offset) + 1
    return text.count("\n", 0, offset) + 1, offset - line_start + 1
