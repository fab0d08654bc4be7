"""What a change of wording touches: the words that carry a text's meaning, and how much of
it was rewritten. Used by `generator.load.editorial` to verify an `editorial: true` claim.

The comparison is the redline's own word diff (`words.word_chunks`), so what the check
objects to is exactly what the redline shows as struck and inserted. Some words decide
what a clause obliges, so changing them is never a matter of wording:

- numbers, dates, durations, percentages and amounts: digits, number words, month names,
  units of time, `%`, currency signs and codes;
- negations, which turn a clause into its opposite: not, no, never, none, nor, neither,
  without, cannot, nothing, nobody, nowhere, and `-n't`; `unless` and `except`, which
  turn a clause off for a case, count too;
- words of modality, which say whether something is owed or merely possible: will, would,
  could, can, may, might, must, shall, should (`may` is also the month);
- defined terms: any term written in bold (`**Personal Data**`) anywhere in either
  version, wherever it is used.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from itertools import accumulate

from generator.load.words import tokenize, word_chunks


def _set(words: str) -> frozenset[str]:
    return frozenset(words.split())


NUMBER_WORDS = _set(
    "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen "
    "fifteen sixteen seventeen eighteen nineteen twenty thirty forty fifty sixty seventy "
    "eighty ninety hundred thousand million billion once twice half dozen"
)
MONTHS = _set(
    "january february march april may june july august september october november december"
)
UNITS = _set(
    "second seconds minute minutes hour hours day days week weeks month months year years "
    "business working calendar percent cent eur euro euros usd dollar dollars gbp pound "
    "pounds chf"
)
SYMBOLS = frozenset("%€$£¥")
NEGATIONS = _set(
    "not no never none nor neither without cannot nothing nobody nowhere unless except"
)
OBLIGATIONS = _set("will would could can may might must shall should")

# Categories, in the order a message names them when one change touches several.
NUMBER, NEGATION, OBLIGATION, TERM = "number", "negation", "obligation", "term"
# How a message names each kind of protected word.
DESCRIBED = {
    NUMBER: "a number, date, duration, percentage or amount",
    NEGATION: "a negation (not, no, never, without ...)",
    OBLIGATION: "a word of modality (will, would, could, can, may, might, must, shall, should)",
    TERM: "a defined term (a bold term)",
}

_BOLD = re.compile(r"\*\*([^*\n]+?)\*\*|__([^_\n]+?)__")
_QUOTE_MAX = 80


def defined_terms(*texts: str) -> frozenset[str]:
    """The bold terms of the texts: what the document defines."""
    return frozenset(
        (m.group(1) or m.group(2)).strip() for text in texts for m in _BOLD.finditer(text)
    )


def _category(tokens: list[str], index: int, in_term: bool) -> str | None:
    token = tokens[index]
    lower = token.lower()
    if in_term:
        return TERM
    if any(c.isdigit() for c in token) or lower in NUMBER_WORDS | MONTHS | UNITS:
        return NUMBER if lower != "may" else OBLIGATION
    if token in SYMBOLS:
        return NUMBER
    if lower in NEGATIONS:
        return NEGATION
    if lower == "t" and index >= 2 and tokens[index - 1] in "'’" and tokens[index - 2][-1:] in "nN":
        return NEGATION  # don't, isn't, won't: the tokenizer splits them at the apostrophe
    if lower in OBLIGATIONS:
        return OBLIGATION
    return None


@dataclass(frozen=True)
class Marked:
    """A text split into the redline's tokens, each with the category that protects it."""

    tokens: list[str]
    categories: list[str | None]


def mark(text: str, terms: frozenset[str]) -> Marked:
    tokens = tokenize(text)
    starts = [0, *accumulate(len(t) for t in tokens)]
    in_term = _term_chars(text, terms)
    categories = [
        None if token.isspace() else _category(tokens, i, in_term[starts[i]])
        for i, token in enumerate(tokens)
    ]
    return Marked(tokens, categories)


def _term_chars(text: str, terms: frozenset[str]) -> list[bool]:
    """For each character, whether it is part of a bold span or a use of a defined term.
    One pass per pattern, so a document with many terms stays linear in its length."""
    covered = [False] * (len(text) + 1)
    patterns = [_BOLD]
    if terms:
        alternatives = "|".join(re.escape(t) for t in sorted(terms, key=len, reverse=True))
        patterns.append(re.compile(r"(?<!\w)(?:" + alternatives + r")(?!\w)"))
    for pattern in patterns:
        for match in pattern.finditer(text):
            covered[match.start() : match.end()] = [True] * (match.end() - match.start())
    return covered


@dataclass(frozen=True)
class Touch:
    """One edit that changes a protected word: its category and the words before and after."""

    category: str
    before: str
    after: str


@dataclass(frozen=True)
class Comparison:
    touches: list[Touch]
    words: int  # words in the longer of the two texts
    changed: int  # words rewritten: per edit, the larger of the words struck and inserted


def compare(old_text: str, new_text: str, terms: frozenset[str]) -> Comparison:
    old, new = mark(old_text, terms), mark(new_text, terms)
    touches: list[Touch] = []
    changed = 0
    i = j = 0
    chunks = word_chunks(old_text, new_text)
    for index, (before, after, equal) in enumerate(chunks):
        if not equal:
            changed += max(_words(before), _words(after))
            touch = _touch(old, new, (i, i + len(before)), (j, j + len(after)), chunks, index)
            if touch:
                touches.append(touch)
        i += len(before)
        j += len(after)
    return Comparison(touches, max(_words(old.tokens), _words(new.tokens)), changed)


def _words(tokens: list[str]) -> int:
    return sum(1 for t in tokens if t[0].isalnum() or t[0] == "_")


def _touch(
    old: Marked,
    new: Marked,
    old_span: tuple[int, int],
    new_span: tuple[int, int],
    chunks: list,
    index: int,
) -> Touch | None:
    protected_old = _protected(old, *old_span)
    protected_new = _protected(new, *new_span)
    if [t for t, _ in protected_old] == [t for t, _ in protected_new]:
        return None
    differing = [c for _, c in protected_old + protected_new]
    category = min(differing, key=[NUMBER, NEGATION, OBLIGATION, TERM].index)
    left = len(chunks[index - 1][0]) if index > 0 else 0
    right = len(chunks[index + 1][0]) if index + 1 < len(chunks) else 0
    grow_left, grow_right = _context(old, old_span, left, right)
    return Touch(
        category,
        _quote(old.tokens[old_span[0] - grow_left : old_span[1] + grow_right]),
        _quote(new.tokens[new_span[0] - grow_left : new_span[1] + grow_right]),
    )


def _protected(marked: Marked, start: int, end: int) -> list[tuple[str, str]]:
    return [
        (marked.tokens[k].lower(), c)
        for k in range(start, end)
        if (c := marked.categories[k]) is not None
    ]


def _context(marked: Marked, span: tuple[int, int], left: int, right: int) -> tuple[int, int]:
    """How many tokens of the unchanged text around an edit to quote with it: the protected
    words it belongs to ("72" with "hours"), or else one word on each side."""
    start, end = span
    grow_left = _grow(marked, range(start - 1, start - 1 - left, -1))
    grow_right = _grow(marked, range(end, end + right))
    if grow_left == 0 and grow_right == 0:
        grow_left = _one_word(marked.tokens, range(start - 1, start - 1 - left, -1))
        grow_right = _one_word(marked.tokens, range(end, end + right))
    return grow_left, grow_right


def _grow(marked: Marked, positions: range) -> int:
    grown = 0
    for count, k in enumerate(positions, start=1):
        if marked.tokens[k].isspace():
            continue
        if marked.categories[k] is None:
            break
        grown = count
    return grown


def _one_word(tokens: list[str], positions: range) -> int:
    for count, k in enumerate(positions, start=1):
        if not tokens[k].isspace():
            return count
    return 0


def _quote(tokens: list[str]) -> str:
    text = " ".join("".join(tokens).split())
    return text if len(text) <= _QUOTE_MAX else text[: _QUOTE_MAX - 3] + "..."
