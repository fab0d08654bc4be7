"""A word-level redline that GitHub renders as the document reads, for `trustsite diff`.

The section bodies are Markdown. A redline that escapes every mark (`\\- … \\*\\*controller\\*\\*`)
is exact but unreadable in a job summary, so here the document's own Markdown is kept:
its lists, bold terms and tables render as on the site, and the changes are marked with
`<del>` and `<ins>`, which GitHub renders (struck through and underlined) and which cannot
be confused with the document's own `~~` or `**`. A list marker at the start of a wholly
added or removed line stays outside the mark, so the item still renders as a list item.

Only `<` and `&` are escaped: raw HTML from the data is shown as characters, never as
markup, while every Markdown mark keeps its meaning.
"""

from __future__ import annotations

import re

from generator.history.diff import words_unchanged
from generator.history.redline import Run, redline_paragraphs

LAYOUT_ONLY = "Line breaks only; the words are unchanged."

# The start of a Markdown block line: indentation, then a list marker, quote or heading.
_BLOCK_PREFIX = re.compile(r"[ \t]*(?:[-*+]|\d+[.)]|>|#{1,6})(?:[ \t]+|$)")
_TAGS = {"delete": "del", "insert": "ins"}


def escape_html(text: str) -> str:
    """Keep Markdown, neutralise HTML: `<` and `&` become entities."""
    return text.replace("&", "&amp;").replace("<", "&lt;")


def _mark(kind: str, text: str) -> str:
    """`<del>text</del>`, with surrounding whitespace outside the tag."""
    core = text.strip()
    if kind == "equal" or not core:
        return escape_html(text) if kind == "equal" or kind == "insert" else ""
    lead = text[: len(text) - len(text.lstrip())]
    trail = text[len(text.rstrip()) :]
    tag = _TAGS[kind]
    return f"{lead}<{tag}>{escape_html(core)}</{tag}>{trail}"


def _lines(runs: list[Run]) -> list[list[Run]]:
    """A paragraph's runs cut at line breaks: one list of runs per source line."""
    lines: list[list[Run]] = [[]]
    for kind, text in runs:
        for index, piece in enumerate(text.split("\n")):
            if index:
                lines.append([])
            if piece:
                lines[-1].append((kind, piece))
    return lines


def _line_markdown(runs: list[Run]) -> str:
    out = ""
    for position, (kind, text) in enumerate(runs):
        if position == 0 and kind != "equal":
            prefix = _BLOCK_PREFIX.match(text)
            if prefix and prefix.end() < len(text):
                out += escape_html(prefix.group())  # the item stays an item
                text = text[prefix.end() :]
        out += _mark(kind, text)
    return out


def redline_github(old_text: str, new_text: str) -> str:
    """The redline of two Markdown texts as GitHub-flavoured Markdown (see module doc)."""
    if words_unchanged(old_text, new_text):
        return f"_{LAYOUT_ONLY}_\n\n{escape_html(new_text.strip())}"
    paragraphs = []
    for runs in redline_paragraphs(old_text, new_text):
        lines = [_line_markdown(line) for line in _lines(runs)]
        paragraphs.append("\n".join(line.rstrip() for line in lines if line.strip()))
    return "\n\n".join(p for p in paragraphs if p)


def redline_github_inline(old_text: str, new_text: str) -> str:
    """A one-line redline (a title)."""
    runs = [run for paragraph in redline_paragraphs(old_text, new_text) for run in paragraph]
    return "".join(_mark(kind, text.replace("\n", " ")) for kind, text in runs).strip()
