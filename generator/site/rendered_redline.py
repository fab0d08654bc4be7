"""Word-level redlines of two Markdown bodies, rendered as the document reads.

Both versions are rendered with `render_markdown` (raw HTML escaped, links checked), each
into a run of words that remember the elements they sit in (`ul > li > strong`, a link
with its address). The runs are compared word by word, and the redline is rebuilt from
them: equal and inserted words inside the new version's elements, deleted words inside
the old version's, mapped onto the new elements they correspond to. A list stays a list,
a bold term stays bold, and a word that only became bold or a link whose address changed
shows as deleted and inserted. Whitespace inside a paragraph compares equal whatever it
is, so rewrapping a paragraph marks nothing; the page says so in words (generator.history.redline).

Text is re-escaped on output and attributes are the ones `render_markdown` produced, so
nothing in a body can become markup the renderer would not have produced itself.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from difflib import SequenceMatcher
from functools import lru_cache
from html.parser import HTMLParser

from generator.history.redline import SectionRedline, redline_sections
from generator.load.model import TextVersionDoc
from generator.outputs.markdown_render import render_markdown

_TOKEN = re.compile(r"\s+|\w+|[^\w\s]")
_VOID = frozenset({"br", "hr", "img"})
# Elements whose whitespace between children is layout, not text.
_CONTAINERS = frozenset({"", "ul", "ol", "table", "thead", "tbody", "tr", "blockquote"})
# Elements that hold text as a unit: a change of block starts a new unit of comparison.
_BLOCKS = frozenset({"p", "li", "h3", "h4", "h5", "h6", "td", "th", "pre", "blockquote"})
# As in generator.history.redline: past this many token pairs, a differing run is shown as one
# deletion and one insertion rather than matched word by word.
_WORD_DIFF_LIMIT = 400_000

Element = tuple[str, tuple[tuple[str, str], ...]]  # tag, attributes


@dataclass(frozen=True)
class _Token:
    text: str  # "" for a void element
    key: tuple[object, ...]  # what compares: the normalised text and the element path
    path: tuple[int, ...]  # ids of the enclosing elements, outermost first
    block: int  # id of the innermost block element (the unit of comparison)


class _Tokenizer(HTMLParser):
    """render_markdown's HTML -> tokens; elements by id in `self.elements`."""

    def __init__(self, elements: list[Element]) -> None:
        super().__init__(convert_charrefs=True)
        self.elements = elements
        self.stack: list[int] = []
        self.tokens: list[_Token] = []

    def _open(self, tag: str, attrs: list[tuple[str, str | None]]) -> int:
        self.elements.append((tag, tuple((k, v or "") for k, v in attrs)))
        return len(self.elements) - 1

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        uid = self._open(tag, attrs)
        if tag in _VOID:
            self._add("", uid)
        else:
            self.stack.append(uid)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._add("", self._open(tag, attrs))

    def handle_endtag(self, tag: str) -> None:
        if self.stack and self.elements[self.stack[-1]][0] == tag:
            self.stack.pop()

    def handle_data(self, data: str) -> None:
        parent = self.elements[self.stack[-1]][0] if self.stack else ""
        in_pre = any(self.elements[i][0] == "pre" for i in self.stack)
        for piece in _TOKEN.findall(data):
            if piece.isspace() and parent in _CONTAINERS:
                continue  # the line breaks between list items, table rows, paragraphs
            self._add(piece, None, normalise=not in_pre)

    def _add(self, text: str, void: int | None, normalise: bool = True) -> None:
        path = tuple(self.stack) + ((void,) if void is not None else ())
        shape = tuple(self.elements[i] for i in path)
        compared = " " if normalise and text.isspace() else text
        block = next((i for i in reversed(self.stack) if self.elements[i][0] in _BLOCKS), -1)
        self.tokens.append(_Token(text, (compared, shape), path, block))


def _tokens(source_html: str, elements: list[Element]) -> list[_Token]:
    parser = _Tokenizer(elements)
    parser.feed(source_html)
    parser.close()
    return parser.tokens


def _units(tokens: list[_Token]) -> list[tuple[int, int]]:
    """(start, end) of each unit: a sentence or a block, so long bodies match fast."""
    units: list[tuple[int, int]] = []
    start = 0
    for index in range(1, len(tokens) + 1):
        if index == len(tokens):
            units.append((start, index))
            break
        previous, token = tokens[index - 1], tokens[index]
        sentence_end = token.text.isspace() and previous.text in (".", ";", ":", "!", "?")
        if token.block != previous.block or sentence_end:
            units.append((start, index))
            start = index
    return [u for u in units if u[0] < u[1]]


Opcode = tuple[str, int, int, int, int]


def _opcodes(old: list[_Token], new: list[_Token]) -> list[Opcode]:
    """difflib opcodes over the tokens: units first, then words inside differing units."""
    old_units, new_units = _units(old), _units(new)
    old_keys = [tuple(t.key for t in old[a:b]) for a, b in old_units]
    new_keys = [tuple(t.key for t in new[a:b]) for a, b in new_units]
    # Units are contiguous: unit i starts at starts[i], and the last one ends the tokens.
    old_starts = [a for a, _ in old_units] + [len(old)]
    new_starts = [b for b, _ in new_units] + [len(new)]
    result: list[Opcode] = []
    matcher = SequenceMatcher(None, old_keys, new_keys, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        a1, a2, b1, b2 = old_starts[i1], old_starts[i2], new_starts[j1], new_starts[j2]
        if tag == "equal" or a1 == a2 or b1 == b2:
            result.append(("equal" if tag == "equal" else "replace", a1, a2, b1, b2))
        elif (a2 - a1) * (b2 - b1) > _WORD_DIFF_LIMIT:
            result.append(("replace", a1, a2, b1, b2))
        else:
            words = SequenceMatcher(
                None, [t.key for t in old[a1:a2]], [t.key for t in new[b1:b2]], autojunk=False
            )
            for wtag, w1, w2, v1, v2 in words.get_opcodes():
                result.append((wtag, a1 + w1, a1 + w2, b1 + v1, b1 + v2))
    return _fold_gaps(result, new)


def _fold_gaps(opcodes: list[Opcode], new: list[_Token]) -> list[Opcode]:
    """A lone space between two edits joins them: "<del>a b</del><ins>c d</ins>"."""
    folded: list[Opcode] = []
    for op in opcodes:
        if (
            op[0] != "equal"
            and len(folded) >= 2
            and folded[-2][0] != "equal"
            and folded[-1][0] == "equal"
            and all(t.text.isspace() for t in new[folded[-1][3] : folded[-1][4]])
        ):
            folded.pop()
            edit = folded.pop()
            op = ("replace", edit[1], op[2], edit[3], op[4])
        folded.append(op)
    return folded


class _Writer:
    """Emits tokens as HTML, opening and closing elements as the path of each one needs."""

    def __init__(self, elements: list[Element]) -> None:
        self.elements = elements
        self.open: list[int] = []
        self.mark: str | None = None  # "ins" or "del" while one is open
        self.parts: list[str] = []

    def emit(self, token: _Token, path: tuple[int, ...], mark: str | None) -> None:
        keep = 0
        while keep < len(self.open) and keep < len(path) and self.open[keep] == path[keep]:
            keep += 1
        if keep < len(self.open) or keep < len(path) or mark != self.mark:
            self._close_mark()
        while len(self.open) > keep:
            self._close(self.open.pop())
        void = token.text == "" and path and self.elements[path[-1]][0] in _VOID
        for uid in path[keep : len(path) - 1 if void else len(path)]:
            self.parts.append(self._start(uid))
            self.open.append(uid)
        if mark != self.mark:
            self.parts.append(f"<{mark}>" if mark else "")
            self.mark = mark
        self.parts.append(self._start(path[-1]) if void else html.escape(token.text, quote=False))

    def finish(self) -> str:
        self._close_mark()
        while self.open:
            self._close(self.open.pop())
        return "".join(self.parts).strip()

    def _close_mark(self) -> None:
        if self.mark:
            self.parts.append(f"</{self.mark}>")
        self.mark = None

    def _start(self, uid: int) -> str:
        tag, attrs = self.elements[uid]
        rendered = "".join(f' {k}="{html.escape(v, quote=True)}"' for k, v in attrs)
        return f"<{tag}{rendered}>"

    def _close(self, uid: int) -> None:
        tag = self.elements[uid][0]
        self.parts.append(f"</{tag}>" + ("\n" if tag in _BLOCKS or tag in _CONTAINERS else ""))


@lru_cache(maxsize=4096)
def rendered_redline_html(old_text: str, new_text: str) -> str:
    """The redline of two Markdown bodies as rendered HTML with `<ins>`/`<del>` inside."""
    if old_text == new_text:
        return render_markdown(new_text)
    elements: list[Element] = []
    old = _tokens(render_markdown(old_text), elements)
    new = _tokens(render_markdown(new_text), elements)
    opcodes = _opcodes(old, new)
    # An old element corresponds to the new one its equal words sit in, depth by depth:
    # deleted words of a paragraph that stays are written into that paragraph.
    mapped: dict[int, int] = {}
    for tag, i1, i2, j1, _ in opcodes:
        if tag == "equal":
            for k in range(i2 - i1):
                for a, b in zip(old[i1 + k].path, new[j1 + k].path, strict=True):
                    mapped.setdefault(a, b)
    # An element whose words were all rewritten (a heading, a table cell) stays one
    # element: the k-th old block of a replacement is the k-th new one, if alike.
    for tag, i1, i2, j1, j2 in opcodes:
        if tag != "equal":
            _pair_rewritten(old[i1:i2], new[j1:j2], elements, mapped)
    writer = _Writer(elements)
    for tag, i1, i2, j1, j2 in opcodes:
        if tag == "equal":
            for token in new[j1:j2]:
                writer.emit(token, token.path, None)
            continue
        for token in old[i1:i2]:
            writer.emit(token, tuple(mapped.get(uid, uid) for uid in token.path), "del")
        for token in new[j1:j2]:
            writer.emit(token, token.path, "ins")
    return writer.finish()


def _pair_rewritten(
    old: list[_Token], new: list[_Token], elements: list[Element], mapped: dict[int, int]
) -> None:
    depth = 0
    while True:
        old_ids = list(dict.fromkeys(t.path[depth] for t in old if len(t.path) > depth))
        new_ids = list(dict.fromkeys(t.path[depth] for t in new if len(t.path) > depth))
        if not old_ids or not new_ids:
            return
        for a, b in zip(old_ids, new_ids, strict=False):
            if a not in mapped and elements[a] == elements[b]:
                mapped[a] = b
        depth += 1


def rendered_sections(old: TextVersionDoc, new: TextVersionDoc) -> list[SectionRedline]:
    """generator.history.redline's sections, with each body rendered as it reads."""
    return redline_sections(old, new, render_body=_rendered_body)


def _rendered_body(before: str, after: str) -> str:
    body = rendered_redline_html(before, after)
    marked = "<ins>" in body or "<del>" in body
    # A change of Markdown marks that render alike (`*` for `_`) is still said; one of
    # line breaks only is said by the page itself (SectionRedline.layout_only).
    if before and after and not marked and before.split() != after.split():
        body = _SOURCE_ONLY + body
    return body


_SOURCE_ONLY = (
    '<p class="ts-layout-note">Only the Markdown source of this section changed; '
    "it reads the same.</p>\n"
)
