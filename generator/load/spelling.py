"""A correction fixes a typo or a link, nothing else (docs/history.md, "Corrections").

The rules of generator.load.corrections keep numbers, obligation words and defined terms;
this one closes what they leave open: swapping one real word for another (`sell` ->
`rent`, `encrypted` -> `unencrypted`) or pointing a link at someone else. Each change
between `old` and `new` must be one of:

- a misspelling fixed: the old word is not an English word (the word list of
  `pyspellchecker`, maintained from large English corpora) and is within a small edit
  distance of the new one (`recieve` -> `receive`, `procesor` -> `processor`); changing
  only letter case, or joining or splitting a word (`data base` -> `database`) is one too;
- a link's target moved within the same registrable domain (the Public Suffix List as
  the `publicsuffixlist` package bundles it, read offline): `https://a.example/old` ->
  `https://www.a.example/new`, never to another company's site.

Anything else, added or removed words included, is refused: publish a new version.
"""

from __future__ import annotations

import difflib
import re
from functools import lru_cache
from urllib.parse import urlsplit

MAX_DISTANCE = 2  # edits (insert, delete, substitute, swap two neighbours) a typo may need
_URL = re.compile(r"https?://[^\s)>\]\"']+")
_TOKEN = re.compile(r"[^\W_]+(?:['’-][^\W_]+)*", re.UNICODE)
_LINK = "\x00link\x00"


def typo_or_link_problem(old: str, new: str) -> str | None:
    """Why turning `old` into `new` is more than a typo fix or a link moved, or None."""
    old_urls, new_urls = _URL.findall(old), _URL.findall(new)
    if len(old_urls) != len(new_urls):
        return "adds or removes a link (a correction fixes a typo or a link)"
    for before, after in zip(old_urls, new_urls, strict=True):
        problem = _link_problem(before, after)
        if problem:
            return problem
    old_words = _TOKEN.findall(_URL.sub(_LINK, old))
    new_words = _TOKEN.findall(_URL.sub(_LINK, new))
    matcher = difflib.SequenceMatcher(a=old_words, b=new_words, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            continue
        problem = _words_problem(old_words[i1:i2], new_words[j1:j2])
        if problem:
            return problem
    return None


def _words_problem(old: list[str], new: list[str]) -> str | None:
    before, after = " ".join(old), " ".join(new)
    if _joined(before) == _joined(after):
        return None  # letter case, or a word joined or split: "data base" -> "database"
    if not old or not new:
        what = "adds" if new else "removes"
        return (
            f"{what} '{after or before}' (a correction fixes a typo or a link: "
            "it replaces a misspelt word by the word meant, it never adds or removes words)"
        )
    if len(old) != len(new):
        return f"rewrites '{before}' as '{after}' (a correction fixes a typo or a link)"
    for word, replacement in zip(old, new, strict=True):
        if _joined(word) == _joined(replacement):
            continue
        if is_word(word):
            return (
                f"changes '{word}' to '{replacement}', and '{word}' is an English word, "
                "not a misspelling (a correction fixes a typo or a link)"
            )
        distance = edit_distance(word.lower(), replacement.lower())
        if distance > MAX_DISTANCE or distance * 2 >= len(replacement):
            return (
                f"changes '{word}' to '{replacement}', which is not a small fix of a "
                f"misspelling ({distance} edits apart)"
            )
    return None


def _joined(text: str) -> str:
    return re.sub(r"[\s\-‐]", "", text).lower()


def _link_problem(before: str, after: str) -> str | None:
    if before == after:
        return None
    old_domain, new_domain = registrable_domain(before), registrable_domain(after)
    if old_domain is None or old_domain != new_domain:
        return (
            f"points the link {before} to another site ({after}); a correction may move "
            "a link only within the same domain"
        )
    return None


def registrable_domain(url: str) -> str | None:
    """`example.co.uk` for `https://www.example.co.uk/x`: the Public Suffix List's eTLD+1."""
    try:
        host = (urlsplit(url).hostname or "").rstrip(".").lower()
    except ValueError:
        return None
    if not host:
        return None
    return _suffix_list().privatesuffix(host)


@lru_cache(maxsize=1)
def _suffix_list():  # type: ignore[no-untyped-def]
    # The snapshot the package ships: reading it never touches the network.
    from publicsuffixlist import PublicSuffixList

    return PublicSuffixList()


def is_word(word: str) -> bool:
    """Whether `word` is English: each part of it (`client's`, `sub-processor`) is known,
    or it is a number."""
    parts = [p for p in re.split(r"['’-]", word.lower()) if p]
    if word.lower().endswith(("'s", "’s")):
        parts = parts[:-1]
    dictionary = _dictionary()
    return bool(parts) and all(p.isdigit() or p in dictionary for p in parts)


@lru_cache(maxsize=1)
def _dictionary():  # type: ignore[no-untyped-def]
    from spellchecker import SpellChecker

    return SpellChecker(language="en", distance=1).word_frequency


def edit_distance(a: str, b: str) -> int:
    """Optimal string alignment distance: inserts, deletes, substitutions and swaps of two
    neighbouring letters (`recieve` -> `receive` is one edit)."""
    rows = [list(range(len(b) + 1))]
    for i in range(1, len(a) + 1):
        row = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            row[j] = min(rows[i - 1][j] + 1, row[j - 1] + 1, rows[i - 1][j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                row[j] = min(row[j], rows[i - 2][j - 2] + 1)
        rows.append(row)
    return rows[-1][-1]
