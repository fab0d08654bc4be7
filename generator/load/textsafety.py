"""Text that reads as it is stored: `trustsite check` refuses what a reader cannot see.

The word rules (corrections, editorial versions) compare what the file holds; a reader
sees what the browser draws. The two must be the same text, or a change can hide in the
difference: `nоt` with a Cyrillic `о` is not the word `not` to the rules but is to every
reader, `n<ZERO WIDTH SPACE>ot` likewise, and U+037E GREEK QUESTION MARK draws as `;`.
So every text field of every file in `data/` is refused when it holds:

- an invisible or format character: Unicode's default-ignorable code points (zero-width
  spaces and joiners, bidirectional controls, the soft hyphen, variation selectors, tag
  characters, Hangul fillers), other format characters, private-use, unassigned and
  surrogate code points, and the line and paragraph separators;
- a character Unicode itself replaces by another (NFC: U+037E becomes `;`, the Kelvin
  sign `K`), or punctuation that UTS #39 lists as confusable with an ASCII one (fullwidth
  or other look-alike punctuation), except the typographic marks legal text uses
  (curly quotes, dashes, the ellipsis, guillemets, the section sign);
- a word that mixes scripts (a Cyrillic or Greek letter inside a Latin word, UTS #39
  mixed-script detection), or a word of another script written only with letters that
  look Latin (a whole-script confusable such as Cyrillic `сор`).

Script and confusable data come from maintained libraries (`regex` for Unicode
properties, `confusable_homoglyphs` for UTS #39 scripts and confusables), not a hand list.
Single-line fields (names, titles, addresses, ids, everything but Markdown bodies and a
correction's old and new text) also refuse line breaks and tabs: a company name goes into
mail headers, where a line break would stop every mail at send time.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterator
from functools import lru_cache

import regex
from confusable_homoglyphs import categories, confusables

# Invisible or not text at all: default-ignorable (zero-width, bidi controls, soft hyphen,
# variation selectors, Hangul fillers...), format, private use, unassigned, surrogates,
# and the line/paragraph separators no editor types.
_INVISIBLE = regex.compile(
    r"[\p{Default_Ignorable_Code_Point}\p{Cf}\p{Co}\p{Cn}\p{Cs}\p{Zl}\p{Zp}]"
)
# Typographic marks of ordinary legal text that UTS #39 maps to ASCII look-alikes.
TYPOGRAPHIC = frozenset("‘’‚‛“”„‟–—‐‑‒―…«»‹›·•§¶°×′″™\u00a0\u202f\u2009")
_WORD = regex.compile(r"[\p{L}\p{M}\p{N}_]+")
_LINE_BREAKS = regex.compile(r"[\n\r\t\v\f\x85]")
# Scripts that legitimately share a word with Latin (UTS #39 "highly restrictive").
_TOGETHER = (
    frozenset({"LATIN", "HAN", "HIRAGANA", "KATAKANA"}),
    frozenset({"LATIN", "HAN", "BOPOMOFO"}),
    frozenset({"LATIN", "HAN", "HANGUL"}),
)
_NEUTRAL = frozenset({"COMMON", "INHERITED"})


_CONTROL_NAMES = {
    "\n": "LINE FEED",
    "\r": "CARRIAGE RETURN",
    "\t": "TAB",
    "\v": "LINE TABULATION",
    "\f": "FORM FEED",
    "\x85": "NEXT LINE",
}


def name_of(char: str) -> str:
    """`U+043E CYRILLIC SMALL LETTER O`, for any code point (unnamed ones too)."""
    code = f"U+{ord(char):04X}"
    name = _CONTROL_NAMES.get(char) or unicodedata.name(char, "")
    return f"{code} {name}" if name else f"{code} (an unnamed code point)"


def visible(text: str) -> str:
    """`text` with every invisible character written as an escape, for a message."""
    return "".join(
        f"\\u{ord(c):04x}" if _INVISIBLE.match(c) or (not c.isprintable() and c != " ") else c
        for c in text
    )


def text_findings(text: str, single_line: bool) -> Iterator[tuple[str, str]]:
    """(the offending character, what is wrong with it) for each problem in `text`."""
    if single_line:
        brk = _LINE_BREAKS.search(text)
        if brk is not None:
            yield (
                brk.group(),
                (
                    f"holds a line break or tab ({name_of(brk.group())}); this field is one "
                    "line (it is used in mail headers and titles), so write it on one line"
                ),
            )
    seen: set[str] = set()
    for match in _INVISIBLE.finditer(text):
        char = match.group()
        if char not in seen:
            seen.add(char)
            yield (
                char,
                (
                    f"{name_of(char)} in '{visible(_word_at(text, match.start()))}' is an "
                    "invisible character: readers do not see it, but it changes the text the "
                    "rules compare; delete it"
                ),
            )
    for char in dict.fromkeys(text):
        if char in seen or char.isascii() or char in TYPOGRAPHIC:
            continue
        reason = _lookalike(char)
        if reason:
            seen.add(char)
            yield (
                char,
                (
                    f"{name_of(char)} in '{_word_at(text, text.index(char))}' {reason}; "
                    "type the ordinary character instead"
                ),
            )
    for match in _WORD.finditer(text):
        word = match.group()
        if word.isascii():
            continue
        problem = word_script_problem(word)
        if problem:
            yield word, problem


def _lookalike(char: str) -> str | None:
    normal = unicodedata.normalize("NFC", char)
    if normal != char:
        return f"is replaced by '{normal}' when Unicode text is normalised and reads as it"
    # Fullwidth and mathematical letters, superscript digits, ligatures: drawn as (or
    # near) ASCII, but not the letters or digits the word and number rules look for.
    compatible = unicodedata.normalize("NFKC", char)
    if compatible != char and compatible.isascii() and compatible.strip():
        return f"is a variant of '{compatible}' and reads as it"
    if unicodedata.category(char)[0] in "PS" and _ascii_lookalike(char):
        return f"looks like '{_ascii_lookalike(char)}' but is another character"
    return None


@lru_cache(maxsize=4096)
def _ascii_lookalike(char: str) -> str | None:
    """The ASCII character UTS #39 says `char` can be confused with, if any."""
    found = confusables.is_confusable(char, greedy=True, preferred_aliases=[]) or []
    for item in found:
        for glyph in item["homoglyphs"]:
            if len(glyph["c"]) == 1 and glyph["c"].isascii() and glyph["c"].isprintable():
                return glyph["c"]
    return None


def word_script_problem(word: str) -> str | None:
    """Why a word that is not pure ASCII does not read as it is stored, or None."""
    scripts = {categories.alias(c) for c in word} - _NEUTRAL
    if len(scripts) > 1 and not any(scripts <= allowed for allowed in _TOGETHER):
        main = "LATIN" if "LATIN" in scripts else sorted(scripts)[0]
        odd = next(c for c in word if categories.alias(c) not in _NEUTRAL | {main})
        return (
            f"{name_of(odd)} in '{word}': a letter of another script inside a "
            f"{main.title()} word reads as a look-alike letter; retype the word"
        )
    if scripts and scripts != {"LATIN"} and all(_latin_lookalike(c) for c in word):
        shown = "".join(_latin_lookalike(c) or c for c in word)
        return (
            f"'{word}' is written in {next(iter(scripts)).title()} letters that all look "
            f"Latin (it reads as '{shown}'); retype it in Latin letters"
        )
    return None


@lru_cache(maxsize=4096)
def _latin_lookalike(char: str) -> str | None:
    if categories.alias(char) in _NEUTRAL:
        return char if char.isascii() else None
    found = confusables.is_confusable(char, greedy=True, preferred_aliases=["latin"]) or []
    for item in found:
        for glyph in item["homoglyphs"]:
            if glyph["c"].isascii() and glyph["c"].isalpha():
                return glyph["c"]
    return None


def _word_at(text: str, index: int) -> str:
    """The run of non-space characters around `index`, shortened for a message."""
    start, end = index, index
    while start > 0 and not text[start - 1].isspace() and index - start < 30:
        start -= 1
    while end < len(text) and not text[end].isspace() and end - index < 30:
        end += 1
    return text[start : end or index + 1]
