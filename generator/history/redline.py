"""Word-level redlines between two versions of a text, as HTML and as Markdown.

Texts are split into tokens (words, single punctuation marks, whitespace runs) and compared
with difflib's SequenceMatcher, so a one-word edit shows as one word struck and one
inserted. Blank lines separate paragraphs in both versions and are kept as paragraphs.
The redline shows the Markdown *source* of each version: every character is escaped, so a
`<script>` in a body appears as text and is never executed.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

from generator.history.diff import paired_sections
from generator.load.model import TextVersionDoc
from generator.load.words import tokenize, word_chunks

Kind = Literal["equal", "delete", "insert"]
Run = tuple[Kind, str]

# A whitespace run holding a blank line: where a Markdown paragraph ends.
_BREAK = re.compile(r"\s*\n\s*\n\s*")
# Markdown syntax that could turn quoted source text into formatting, links or HTML.
_MD_INLINE = re.compile(r"([\\`*_{}\[\]<>|~&])")
# Line starts that Markdown would read as a heading, list, quote or setext underline.
_MD_BLOCK_START = re.compile(r"^(?=[#>+=-]|\d+[.)])")
# A source line that starts a list item, quote, heading or table row.
_BLOCK_LINE = re.compile(r"[ \t]*(?:[-*+>#|]|\d+[.)])(?:[ \t]|$)")
# The same, seen in escaped HTML after a newline (possibly behind an <ins> or <del>).
_HTML_BLOCK_LINE = re.compile(
    r"\n(?=(?:</?(?:ins|del)>)*[ \t]*(?:[-*+#|]|&gt;|\d+[.)])(?:[ \t]|$))"
)


def redline_paragraphs(old_text: str, new_text: str) -> list[list[Run]]:
    """The redline as paragraphs, each a list of runs of equal, deleted or inserted text."""
    if old_text == new_text:
        return _unchanged_paragraphs(new_text)
    paragraphs: list[list[tuple[Kind, list[str]]]] = [[]]

    def add(kind: Kind, tokens: list[str]) -> None:
        for index, piece in enumerate(_BREAK.split("".join(tokens))):
            if index:
                paragraphs.append([])
            current = paragraphs[-1]
            if not piece:
                continue
            if current and current[-1][0] == kind:
                current[-1][1].append(piece)
            else:
                current.append((kind, [piece]))

    for old, new, equal in word_chunks(old_text, new_text):
        if equal:
            add("equal", new)
        else:
            add("delete", old)
            add("insert", new)
    joined = [[(kind, "".join(parts)) for kind, parts in p] for p in paragraphs]
    return [p for p in joined if any(text.strip() for _, text in p)]


def _unchanged_paragraphs(text: str) -> list[list[Run]]:
    """What the general path yields for a text compared with itself (one equal run per
    paragraph), without matching: most sections do not change between versions."""
    same = "".join(tokenize(text))
    return [[("equal", piece)] for piece in _BREAK.split(same) if piece.strip()]


def _html_runs(runs: list[Run]) -> str:
    parts = []
    for kind, text in runs:
        escaped = html.escape(text)
        if kind == "equal":
            parts.append(escaped)
        else:
            tag = "del" if kind == "delete" else "ins"
            parts.append(f"<{tag}>{escaped}</{tag}>")
    # Wrapped prose flows; a line that opens a list item or a quote keeps its own line.
    return _HTML_BLOCK_LINE.sub("<br>\n", "".join(parts).strip())


def redline_html(old_text: str, new_text: str) -> str:
    """Word-level redline of two Markdown bodies: `<p>` per paragraph, `<del>`/`<ins>`."""
    paragraphs = redline_paragraphs(old_text, new_text)
    return "\n".join(f"<p>{_html_runs(runs)}</p>" for runs in paragraphs)


def redline_inline_html(old_text: str, new_text: str) -> str:
    """A one-line redline (a section title) without paragraph markup."""
    runs = [run for paragraph in redline_paragraphs(old_text, new_text) for run in paragraph]
    return _html_runs(runs)


def md_escape(text: str) -> str:
    return _MD_INLINE.sub(r"\\\1", text)


def _md_wrap(text: str, mark: str) -> str:
    """`~~text~~` with surrounding whitespace kept outside (Markdown ignores `~~ x~~`)."""
    core = text.strip()
    if not core:
        return "" if mark == "~~" else text
    lead = text[: len(text) - len(text.lstrip())]
    trail = text[len(text.rstrip()) :]
    return f"{lead}{mark}{md_escape(core)}{mark}{trail}"


def _markdown_paragraph(runs: list[Run]) -> str:
    lines: list[str] = [""]
    raw_lines: list[str] = [""]  # the same lines unmarked, to see how each one starts
    previous: Kind = "equal"
    for kind, text in runs:
        mark = {"equal": "", "delete": "~~", "insert": "**"}[kind]
        if previous == "delete" and kind == "insert" and not lines[-1].endswith(" "):
            lines[-1] += " "  # "~~72~~ **48**" reads as a replacement, "~~72~~**48**" as one word
        previous = kind
        for index, piece in enumerate(text.split("\n")):
            if index:
                lines.append("")
                raw_lines.append("")
            lines[-1] += md_escape(piece) if not mark else _md_wrap(piece, mark)
            raw_lines[-1] += piece
    result = ""
    for line, raw in zip(lines, raw_lines, strict=True):
        line = _MD_BLOCK_START.sub("\\\\", line.strip())
        if not line:
            continue
        if result:
            # A backslash before the newline is a hard break: list items keep their lines,
            # wrapped prose flows on.
            result += "\\\n" if _BLOCK_LINE.match(raw) else "\n"
        result += line
    return result


def redline_markdown(old_text: str, new_text: str) -> str:
    """The same redline in Markdown: `~~deleted~~`, `**inserted**`, all source escaped."""
    paragraphs = redline_paragraphs(old_text, new_text)
    return "\n\n".join(_markdown_paragraph(runs) for runs in paragraphs)


@dataclass(frozen=True)
class SectionRedline:
    id: str
    title_html: str
    body_html: str
    change: str  # "added" | "removed" | "changed" | "same"
    layout_only: bool = False  # changed, but the words are the same (line breaks only)


def redline_sections(
    old: TextVersionDoc,
    new: TextVersionDoc,
    render_body: Callable[[str, str], str] | None = None,
) -> list[SectionRedline]:
    """Every section of both versions in reading order; added/removed ones shown whole.

    Bodies are plain-text word redlines, unless `render_body(old, new)` renders them
    (generator.site.rendered_redline: the document as it reads)."""
    result = []
    for before, after in paired_sections(old.sections, new.sections):
        old_title, old_body = (before.title, before.body) if before else ("", "")
        new_title, new_body = (after.title, after.body) if after else ("", "")
        if before is None:
            change = "added"
        elif after is None:
            change = "removed"
        elif (old_title, old_body) != (new_title, new_body):
            change = "changed"
        else:
            change = "same"
        section_id = (after or before).id  # type: ignore[union-attr]
        # An unchanged section reads the same on every later redline: render it once.
        if change == "same":
            title_html = _unchanged_inline(new_title)
        else:
            title_html = redline_inline_html(old_title, new_title)
        if render_body is not None:
            body_html = render_body(old_body, new_body)
        elif change == "same":
            body_html = _unchanged_html(new_body)
        else:
            body_html = redline_html(old_body, new_body)
        layout_only = change == "changed" and old_title == new_title
        layout_only = layout_only and old_body.split() == new_body.split()
        result.append(
            SectionRedline(
                id=section_id,
                title_html=title_html,
                body_html=body_html,
                change=change,
                layout_only=layout_only,
            )
        )
    return result


@lru_cache(maxsize=8192)
def _unchanged_html(text: str) -> str:
    return redline_html(text, text)


@lru_cache(maxsize=8192)
def _unchanged_inline(text: str) -> str:
    return redline_inline_html(text, text)
