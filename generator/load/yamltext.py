"""A YAML file's text as the syntax explanations read it (generator.load.yamlsyntax): its
lines and their measures, parser positions, and the explanation they produce."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Protocol


class _Mark(Protocol):
    """A parser's position (PyYAML's `Mark` or libyaml's own class): 0-based."""

    line: int
    column: int


# `key:` at the start of a line's content (after indentation and any `- `), and the value.
_KEY = re.compile(r"(?P<key>[A-Za-z0-9_][\w.-]*|\"[^\"]*\"|'[^']*')[ \t]*:(?:[ \t]+|$)")
_WORD = re.compile(r"[A-Za-z0-9_][\w.-]*")
# The prefix of a line before its content: indentation, then list dashes.
_PREFIX = re.compile(r"[ ]*(?:-[ ]+)*")
@dataclass(frozen=True)
class Explained:
    line: int  # 1-based
    col: int  # 1-based
    message: str


EMPTY_MESSAGE = (
    "the file is empty; write the fields of a version in it (copy an example from "
    "CONTRIBUTING.md), or delete the file"
)


class _Text:
    """The file's lines, with the measures the explanations need."""

    def __init__(self, text: str):
        self.lines = text.split("\n")

    def line(self, index: int) -> str:
        return self.lines[index] if 0 <= index < len(self.lines) else ""

    def content_col(self, index: int) -> int:
        """0-based column where the line's content starts, after indentation and `- `."""
        return _PREFIX.match(self.line(index)).end()  # type: ignore[union-attr]

    def key(self, index: int) -> str | None:
        """The field name the line starts with (after indentation and `- `), if any."""
        match = _KEY.match(self.line(index), self.content_col(index))
        return match.group("key") if match else None

    def is_blank(self, index: int) -> bool:
        stripped = self.line(index).strip()
        return not stripped or stripped.startswith("#")

    def previous_lines(self, index: int) -> list[int]:
        """The non-blank lines above `index`, nearest first."""
        return [i for i in range(index - 1, -1, -1) if not self.is_blank(i)]

    def end_col(self, index: int) -> int:
        """0-based column just after the line's last character that is not a comment."""
        line = self.line(index)
        comment = re.search(r"[ \t]+#.*$", line)
        return len((line[: comment.start()] if comment else line).rstrip())
