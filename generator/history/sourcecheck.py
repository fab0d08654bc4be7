"""One version's `source.json`, read as a third party must read it (docs/history.md).

Every field is covered: the file has exactly the fields a build writes (no unknown and,
as read by generator.history.sitefetch.load_json, no duplicate keys); its id, topic,
version, dates and hash are the ones its link in history.json says; the top-level dates
are the content's own; each correction has exactly its fields, its `date`, `by` and `why`
are its link's, its `place` names the string its `path` points to, and applying it gives
the hash its link says. A malformed file is a message, never a traceback.
"""

from __future__ import annotations

import unicodedata
from typing import Any

from generator.history.manifest import SOURCE_FORMAT
from generator.load.canonical import sha256_of
from generator.load.corrections import place_names, set_at

SOURCE_KEYS = frozenset(
    {
        "format",
        "id",
        "topic",
        "version",
        "announced",
        "effective",
        "content",
        "content_hash",
        "corrections",
    }
)
CORRECTION_KEYS = frozenset({"date", "by", "why", "place", "old", "new", "path", "content_hash"})
_FROM_LINK = ("id", "topic", "version", "announced", "effective", "content_hash")


def check_source(
    source: Any, link: dict[str, Any], correction_links: list[dict[str, Any]]
) -> list[str]:
    """What is wrong with one source.json, given its version link and correction links."""
    if not isinstance(source, dict) or source.get("format") != SOURCE_FORMAT:
        return [f"source.json is not a trustsite source ({SOURCE_FORMAT})"]
    problems = _keys("source.json", source, SOURCE_KEYS)
    content = source.get("content")
    if not isinstance(content, dict):
        return [*problems, "source.json has no content"]
    try:
        actual = sha256_of(content)
    except TypeError as err:
        return [*problems, f"source.json: {err}"]
    odd = _not_normalised(content)
    if odd:
        # The hash normalises to NFC, so U+037E would hash as ';': the file must already be
        # in canonical form, as the build writes it.
        problems.append(f"source.json holds {odd}, which is not in canonical form (NFC)")
    if actual != link.get("content_hash"):
        problems.append(
            f"the content in source.json hashes to {actual}, history.json says "
            f"{link.get('content_hash')}: the published source was changed"
        )
    for name in _FROM_LINK:
        if source.get(name) != link.get(name):
            problems.append(
                f"source.json says {name} {_shown(source.get(name))}, history.json "
                f"{_shown(link.get(name))}"
            )
    for name in ("announced", "effective"):
        if name in content and content[name] != source.get(name):
            problems.append(
                f"source.json says {name} {_shown(source.get(name))}, its content "
                f"{_shown(content[name])}"
            )
    return problems + _check_corrections(content, source.get("corrections"), correction_links)


def _check_corrections(
    content: dict[str, Any], written: Any, chained: list[dict[str, Any]]
) -> list[str]:
    if not isinstance(written, list):
        return [f"source.json: corrections is {_shown(written)}, not a list"]
    problems = []
    if len(written) != len(chained):
        problems.append(
            f"source.json lists {len(written)} corrections, history.json {len(chained)}"
        )
    for number, (entry, link) in enumerate(zip(written, chained, strict=False), 1):
        name = f"correction {number}"
        if not isinstance(entry, dict):
            problems.append(f"{name} in source.json is {_shown(entry)}, not an object")
            break
        problems += _keys(f"{name} in source.json", entry, CORRECTION_KEYS)
        for field in ("date", "by", "why", "content_hash"):
            if entry.get(field) != link.get(field):
                problems.append(
                    f"{name}: source.json says {field} {_shown(entry.get(field))}, "
                    f"history.json {_shown(link.get(field))}"
                )
        path, old, new, place = (entry.get(k) for k in ("path", "old", "new", "place"))
        if not (
            isinstance(path, list)
            and all(isinstance(p, str | int) and not isinstance(p, bool) for p in path)
            and isinstance(old, str)
            and isinstance(new, str)
            and isinstance(place, str)
        ):
            problems.append(f"{name} in source.json: path, old, new or place is malformed")
            break
        if not place_names(content, place, tuple(path)):
            problems.append(f"{name}: place {place!r} does not name the text at {path}")
        try:
            content = apply_at(content, path, old, new)
        except (KeyError, IndexError, TypeError, ValueError) as err:
            problems.append(f"{name} cannot be applied ({err})")
            break
        if sha256_of(content) != link.get("content_hash"):
            problems.append(f"{name} gives content that does not match history.json")
    return problems


def apply_at(content: Any, path: list[str | int], old: str, new: str) -> Any:
    """A correction as a third party applies it: in the string at `path`, the one
    occurrence of `old` becomes `new`."""
    node = content
    for part in path:
        node = node[part]
    if not isinstance(node, str) or not old or node.count(old) != 1:
        raise ValueError(f"the text to correct does not occur exactly once at {path}")
    return set_at(content, tuple(path), node.replace(old, new))


def _not_normalised(node: Any) -> str | None:
    """The first character of `node`'s strings that NFC would change, named."""
    if isinstance(node, str):
        if unicodedata.is_normalized("NFC", node):
            return None
        for char in node:
            if unicodedata.normalize("NFC", char) != char:
                return f"U+{ord(char):04X} {unicodedata.name(char, '')}".strip()
        return "a character sequence"
    items = (
        node.items()
        if isinstance(node, dict)
        else enumerate(node)
        if isinstance(node, list)
        else ()
    )
    for key, value in items:
        found = _not_normalised(key) if isinstance(key, str) else None
        found = found or _not_normalised(value)
        if found:
            return found
    return None


def _keys(where: str, document: dict[str, Any], allowed: frozenset[str]) -> list[str]:
    unknown = sorted(set(document) - allowed)
    missing = sorted(allowed - set(document))
    problems = [f"{where} has unknown fields: {', '.join(unknown)}"] if unknown else []
    if missing:
        problems.append(f"{where} lacks fields: {', '.join(missing)}")
    return problems


def _shown(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."
