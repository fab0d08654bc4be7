"""The word diff every comparison of two texts uses: the redlines (generator.history.redline)
and the check that an editorial version only rewords (generator.load.wording, for
generator.load.editorial).

Texts are split into words, spaces and punctuation; long bodies are matched sentence by
sentence first, then word by word inside the sentences that differ.
"""

from __future__ import annotations

import re
from difflib import SequenceMatcher

_TOKEN = re.compile(r"\s+|\w+|[^\w\s]")


def tokenize(text: str) -> list[str]:
    return _TOKEN.findall(text)


def _is_break(token: str) -> bool:
    """A whitespace run holding a blank line: the end of a Markdown paragraph."""
    # A token that starts with whitespace is all whitespace (see _TOKEN).
    return token[0].isspace() and token.count("\n") >= 2


Chunk = tuple[list[str], list[str], bool]  # (old tokens, new tokens, equal?)

# Word-level matching costs up to len(old) * len(new) on repetitive text. Sentences that
# differ are matched word by word; a differing block past this many token pairs (several
# long sentences rewritten at once) is shown as one deletion and one insertion, which is
# what it is, instead of stalling the build.
_WORD_DIFF_LIMIT = 400_000


def _units(tokens: list[str]) -> list[tuple[str, ...]]:
    """Tokens grouped into sentences and lines: a unit ends with the whitespace after
    `.`, `;`, `:`, `!` or `?`, or with a line break. Paragraph breaks stand alone."""
    units: list[tuple[str, ...]] = []
    current: list[str] = []
    for index, token in enumerate(tokens):
        if _is_break(token):
            if current:
                units.append(tuple(current))
            units.append((token,))
            current = []
            continue
        current.append(token)
        ends_sentence = index > 0 and tokens[index - 1] in ".;:!?"
        if token.isspace() and (ends_sentence or "\n" in token):
            units.append(tuple(current))
            current = []
    if current:
        units.append(tuple(current))
    return units


def _word_chunks(old: list[str], new: list[str]) -> list[Chunk]:
    if not old or not new or len(old) * len(new) > _WORD_DIFF_LIMIT:
        return [(old, new, False)]
    matcher = SequenceMatcher(None, old, new, autojunk=False)
    return [
        (old[i1:i2], new[j1:j2], tag == "equal") for tag, i1, i2, j1, j2 in matcher.get_opcodes()
    ]


def _raw_chunks(old: list[str], new: list[str]) -> list[Chunk]:
    """Two passes keep long bodies fast: sentences first (nearly all unique, so cheap to
    match), then words inside the sentences that differ."""
    old_units, new_units = _units(old), _units(new)
    matcher = SequenceMatcher(None, old_units, new_units, autojunk=False)
    chunks: list[Chunk] = []
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        before = [t for unit in old_units[i1:i2] for t in unit]
        after = [t for unit in new_units[j1:j2] for t in unit]
        if tag == "equal":
            chunks.append((before, after, True))
        elif i2 - i1 == j2 - j1 and len(before) * len(after) > _WORD_DIFF_LIMIT:
            # As many sentences on both sides, each edited (a term replaced throughout):
            # compare them pairwise, which stays linear in the number of sentences.
            for old_unit, new_unit in zip(old_units[i1:i2], new_units[j1:j2], strict=True):
                chunks.extend(_word_chunks(list(old_unit), list(new_unit)))
        else:
            chunks.extend(_word_chunks(before, after))
    return chunks


def _chunks(old: list[str], new: list[str]) -> list[Chunk]:
    """The redline's chunks, with whitespace-only gaps between two edits folded into the
    edits: "<del>a b</del><ins>c d</ins>" reads better than four fragments."""
    if old == new:  # most sections do not change from one version to the next
        return [(old, new, True)]
    chunks = [c for c in _raw_chunks(old, new) if c[0] or c[1]]
    merged: list[Chunk] = []
    for chunk in chunks:
        if not chunk[2] and len(merged) >= 2 and not merged[-2][2] and _is_gap(merged[-1]):
            gap = merged.pop()
            edit = merged.pop()
            chunk = (edit[0] + gap[0] + chunk[0], edit[1] + gap[1] + chunk[1], False)
        elif not chunk[2] and merged and not merged[-1][2]:
            edit = merged.pop()  # two edits in a row (from two passes): one edit
            chunk = (edit[0] + chunk[0], edit[1] + chunk[1], False)
        merged.append(chunk)
    return merged


def word_chunks(old_text: str, new_text: str) -> list[Chunk]:
    """The word diff the redline shows, as (old tokens, new tokens, equal?) in text order."""
    return _chunks(tokenize(old_text), tokenize(new_text))


def _is_gap(chunk: Chunk) -> bool:
    return chunk[2] and all(t.isspace() and not _is_break(t) for t in chunk[0])
