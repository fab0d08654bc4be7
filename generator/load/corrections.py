"""Corrections of published versions: applied when a file is loaded, undone for its hash.

A published version never changes in its file. A genuine correction (a typo, a broken
link) is an entry of its `corrections:` list: in `place`, the text `old` becomes `new`.
The loader applies the entries in order, so pages, feeds and exports show the corrected
text; generator.history.manifest undoes them to recompute the hash the version was published with
and chains each correction as a link of its own (docs/history.md).

A correction may not change meaning. The rule is deliberately conservative and
self-contained (it looks only at the two texts): a correction keeps every number outside
web addresses, every word that decides an obligation (not, never, must, may, within, ...),
and every term the document defines in quotes; it changes at most three words, never a
one-word value (a date, a code, a country, an id), and never the version's dates or its
editorial flag. Anything else is a new version.
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
from collections import Counter
from collections.abc import Iterator
from typing import Any

from pydantic import BaseModel, ValidationError

from generator.load.canonical import content_of
from generator.load.model import Correction
from generator.load.spelling import typo_or_link_problem
from generator.load.wording import DESCRIBED
from generator.load.wording import compare as compare_words
from generator.load.wording import defined_terms as bold_terms
from generator.load.yamlsafe import KeyPath

Path_ = tuple[str | int, ...]  # a path into the canonical content (keys and list indexes)

MAX_WORDS_CHANGED = 3
_FIXED_FIELDS = frozenset({"version", "announced", "effective", "editorial", "id"})
_URL = re.compile(r"https?://[^\s)>\]\"']+")
_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")
_WORD = re.compile(r"[\w'’-]+")
_DEFINED = re.compile(r"[\"“]([^\"”\n]{1,60})[\"”]")
# Words that decide what an obligation is or what a number counts: a correction keeps each.
_MEANING = (
    "not no never none nor neither without except unless cannot can't won't don't doesn't isn't "
    "aren't shall must may might will should can only all any every each within before after "
    "least most later earlier than and or "
    # what a number counts: "48 hours" must not become "48 days"
    "hour hours day days week weeks month months year years business calendar working "
    "percent per cent "
)
MEANING_WORDS = frozenset(_MEANING.split())


class CorrectionError(Exception):
    """A correction that cannot be applied; `key` is where in the file to point."""

    def __init__(self, key: KeyPath, message: str):
        super().__init__(message)
        self.key = key
        self.message = message


def corrected(doc: BaseModel) -> BaseModel:
    """`doc` with its corrections applied; CorrectionError names the first bad entry."""
    corrections: tuple[Correction, ...] = getattr(doc, "corrections", ())
    if not corrections:
        return doc
    content = content_of(doc)
    announced = getattr(doc, "announced", None)
    defined = _defined_terms(content)
    for index, correction in enumerate(corrections):
        key: KeyPath = ("corrections", index)
        if isinstance(announced, dt.date) and correction.date < announced:
            raise CorrectionError(
                (*key, "date"),
                f"date: {correction.date} is before the version was announced ({announced}); "
                "write the day the correction is made",
            )
        content, _ = apply_one(content, correction, key, defined)
    data = {**content, "corrections": [c.model_dump(mode="json") for c in corrections]}
    try:
        return type(doc).model_validate(data)
    except ValidationError as err:
        reason = err.errors(include_url=False)[0]["msg"]
        raise CorrectionError(
            ("corrections", len(corrections) - 1),
            f"the corrected version is not valid ({reason}); correct the correction",
        ) from None


def apply_one(
    content: dict[str, Any],
    correction: Correction,
    key: KeyPath = ("corrections", 0),
    defined: frozenset[str] = frozenset(),
) -> tuple[dict[str, Any], Path_]:
    """The content after one correction, and the path of the one string it changed."""
    leaves = list(_leaves_in(content, correction.place))
    if not leaves:
        raise CorrectionError(
            (*key, "place"),
            f"place: '{correction.place}' names nothing in this version; name a section id, "
            "a field such as summary or title, or an entry id",
        )
    found = [(path, text) for path, text in leaves if correction.old in text]
    count = sum(text.count(correction.old) for _, text in found)
    if count == 0:
        return _apply_across_lines(content, correction, key, defined, leaves)
    if count != 1:
        where = "does not occur" if count == 0 else f"occurs {count} times"
        raise CorrectionError(
            (*key, "old"),
            f"old: this text {where} in '{correction.place}'; copy it exactly, with enough "
            "words around it to occur once",
        )
    path, text = found[0]
    reason = meaning_change(path, text, correction.old, correction.new, defined)
    if reason:
        raise CorrectionError(
            (*key, "new"),
            f"new: a correction may not change meaning, and this one {reason}; "
            "publish a new version instead (trustsite new-version)",
        )
    after = text.replace(correction.old, correction.new)
    result = set_at(content, path, after)
    occurrences = sum(t.count(correction.new) for _, t in _leaves_in(result, correction.place))
    if occurrences != 1:
        raise CorrectionError(
            (*key, "new"),
            f"new: this text would then occur more than once in '{correction.place}'; "
            "quote more words around the change in both old and new",
        )
    return result, path


def undo(content: dict[str, Any], corrections: tuple[Correction, ...]) -> dict[str, Any]:
    """The content as published, from the corrected content (each `new` occurs once)."""
    for correction in reversed(corrections):
        leaves = list(_leaves_in(content, correction.place))
        exact = next(((p, t) for p, t in leaves if correction.new in t), None)
        if exact is not None:
            path, text = exact
            content = set_at(content, path, text.replace(correction.new, correction.old))
            continue
        # Applied across a line break (_apply_across_lines): put the old words back
        # between the file's own spaces and line breaks.
        for path, text in leaves:
            match = _spaced(correction.new).search(text)
            if match:
                undone = text[: match.start()] + _respace(match.group(), correction.old)
                content = set_at(content, path, undone + text[match.end() :])
                break
    return content


# --- a correction's `old` across the file's line breaks --------------------------------------


def _single_spaced(text: str) -> bool:
    return bool(text.split()) and text == " ".join(text.split())


def _spaced(text: str) -> re.Pattern[str]:
    """`text`'s words with any run of whitespace between them: how a wrapped file has them."""
    return re.compile(r"\s+".join(re.escape(word) for word in text.split()))


def _respace(span: str, words: str) -> str:
    """`words` (as many as `span` has) between `span`'s own separators, so that the line
    breaks of the file stay where they were and the edit can be undone word for word."""
    separators = re.findall(r"\s+", span)
    new = words.split()
    return "".join(w + (separators[i] if i < len(separators) else "") for i, w in enumerate(new))


def _apply_across_lines(
    content: dict[str, Any],
    correction: Correction,
    key: KeyPath,
    defined: frozenset[str],
    leaves: list[tuple[Path_, str]],
) -> tuple[dict[str, Any], Path_]:
    """`old` written on one line matches the file's text wrapped over several: an editor
    copies the words, not the line breaks. The words are then replaced one for one."""
    old, new = correction.old, correction.new
    matches = (
        [(path, text, m) for path, text in leaves for m in _spaced(old).finditer(text)]
        if _single_spaced(old) and _single_spaced(new)
        else []
    )
    if len(matches) != 1:
        where = "does not occur" if not matches else f"occurs {len(matches)} times"
        raise CorrectionError(
            (*key, "old"),
            f"old: this text {where} in '{correction.place}'; copy it exactly, with enough "
            "words around it to occur once",
        )
    path, text, match = matches[0]
    if len(new.split()) != len(old.split()):
        raise CorrectionError(
            (*key, "new"),
            f"new: old is found across a line break in '{correction.place}', so new must have "
            "as many words as old (a typo fix); to add or remove words, quote only words on "
            "one line of the file",
        )
    reason = meaning_change(path, text, old, new, defined)
    if reason:
        raise CorrectionError(
            (*key, "new"),
            f"new: a correction may not change meaning, and this one {reason}; "
            "publish a new version instead (trustsite new-version)",
        )
    after = text[: match.start()] + _respace(match.group(), new) + text[match.end() :]
    result = set_at(content, path, after)
    occurrences = sum(
        len(_spaced(new).findall(t)) for _, t in _leaves_in(result, correction.place)
    )
    if occurrences != 1:
        raise CorrectionError(
            (*key, "new"),
            f"new: this text would then occur more than once in '{correction.place}'; "
            "quote more words around the change in both old and new",
        )
    return result, path


def meaning_change(
    path: Path_, before: str, old: str, new: str, defined: frozenset[str] = frozenset()
) -> str | None:
    """Why replacing `old` by `new` in the string at `path` changes meaning, or None."""
    if any(isinstance(p, str) and p in _FIXED_FIELDS for p in path):
        return f"changes '{path[-1]}', which only a new version can change"
    if not re.search(r"\s", before.strip()) and not _URL.fullmatch(before.strip()):
        return "changes a one-word value (a code, a date, a country or a name)"
    old_text, new_text = _URL.sub(" ", old), _URL.sub(" ", new)
    if Counter(_NUMBER.findall(old_text)) != Counter(_NUMBER.findall(new_text)):
        return "changes a number"
    old_words, new_words = _WORD.findall(old_text), _WORD.findall(new_text)
    lowered = Counter(w.lower() for w in old_words), Counter(w.lower() for w in new_words)
    for word in sorted(MEANING_WORDS):
        if lowered[0][word] != lowered[1][word]:
            return f"adds or removes '{word}'"
    changed = _changed_words(old_words, new_words)
    terms = sorted(t for t in defined if any(t in w or w in t.split() for w in changed))
    if terms:
        return f"changes the defined term '{terms[0]}'"
    if len(changed) > MAX_WORDS_CHANGED:
        return f"changes {len(changed)} words (a correction fixes a typo or a link)"
    # What an editorial version may not change, a correction may not either: number words
    # ("seventy-two"), months, currency, and the document's bold defined terms.
    touched = compare_words(old_text, new_text, bold_terms(before)).touches
    if touched:
        first = touched[0]
        return f'changes {DESCRIBED[first.category]} ("{first.before}" became "{first.after}")'
    # Only a misspelling fixed or a link moved within its domain (generator.load.spelling).
    return typo_or_link_problem(old, new)


def _changed_words(old: list[str], new: list[str]) -> list[str]:
    matcher = difflib.SequenceMatcher(a=old, b=new, autojunk=False)
    changed: list[str] = []
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag != "equal":
            changed += old[i1:i2] + new[j1:j2]
    return changed


def _defined_terms(content: dict[str, Any]) -> frozenset[str]:
    """Terms the document defines by quoting them: ("Addendum"), ("Client")."""
    terms: set[str] = set()
    for _, text in _leaves(content, ()):
        terms.update(m for m in _DEFINED.findall(text) if m[:1].isupper())
    return frozenset(terms)


# --- places: where in the content a correction applies ---------------------------------------


def _leaves(node: Any, path: Path_) -> Iterator[tuple[Path_, str]]:
    if isinstance(node, str):
        yield path, node
    elif isinstance(node, dict):
        for k in sorted(node):
            yield from _leaves(node[k], (*path, k))
    elif isinstance(node, list):
        for i, item in enumerate(node):
            yield from _leaves(item, (*path, i))


def _names(content: Any, path: Path_) -> list[str]:
    """A path as names: dict keys, and a list item's `id` where it has one (else its index)."""
    names, node = [], content
    for part in path:
        node = node[part]
        if isinstance(part, int) and isinstance(node, dict) and isinstance(node.get("id"), str):
            names.append(node["id"])
        else:
            names.append(str(part))
    return names


def _leaves_in(content: dict[str, Any], place: str) -> Iterator[tuple[Path_, str]]:
    """The strings under every node whose names end with `place` (dotted: `scope.title`)."""
    wanted = place.strip().split(".")
    for path, text in _leaves(content, ()):
        names = _names(content, path)
        for end in range(len(wanted), len(names) + 1):
            if names[end - len(wanted) : end] == wanted:
                yield path, text
                break


def set_at(content: Any, path: Path_, value: str) -> Any:
    """A copy of `content` with the string at `path` replaced (the rest shared)."""
    if not path:
        return value
    head, rest = path[0], path[1:]
    if isinstance(content, dict):
        return {**content, head: set_at(content[head], rest, value)}
    copy = list(content)
    copy[head] = set_at(content[head], rest, value)  # type: ignore[index]
    return copy


def place_names(content: dict[str, Any], place: str, path: Path_) -> bool:
    """Whether `place` names the string at `path` (as the loader resolves places)."""
    try:
        return any(found == path for found, _ in _leaves_in(content, place))
    except (KeyError, IndexError, TypeError):
        return False
