"""`trustsite verify SITE [--against OLD_HISTORY_JSON]`: anyone can check the history.

From the site alone (a folder or an http(s) address): every version's `source.json` hashes
to what history.json says, every correction applied to it gives the hash its link says,
every link's hash and `previous` are right, and `head` is the newest link's hash. When the
site declares a signing key (or one is given with --key), `history.json.sig` must sign
the head with it. With --against, everything the older history.json listed must still be
there, unchanged, and nothing may have been inserted before its head (docs/history.md).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from generator.history.manifest import (
    FORMAT,
    SIGNATURE_PATH,
    SOURCE_FORMAT,
    is_version_id,
    link_hash,
    signed_message,
    source_path,
)
from generator.history.signing import check_signature, fingerprint
from generator.history.sitefetch import FetchError, join, read
from generator.load.canonical import sha256_of
from generator.load.corrections import set_at

# What a link says about its version, compared with --against (not `previous`/`hash`).
_COMPARED = (
    "type",
    "id",
    "topic",
    "version",
    "announced",
    "effective",
    "date",
    "content_hash",
    "correction",
    "by",
    "why",
)


@dataclass
class Report:
    problems: list[str] = field(default_factory=list)
    summary: str = ""


def load_history(location: str) -> dict[str, Any]:
    """A history.json (FetchError / ValueError when it is not one)."""
    try:
        document = json.loads(read(location))
    except ValueError as err:
        raise ValueError(f"{location}: not JSON ({err})") from None
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise ValueError(f"{location}: not a trustsite history (format {FORMAT})")
    if not isinstance(document.get("links"), list):
        raise ValueError(f"{location}: has no list of links")
    return document


def verify(site: str, against: str | None = None, key: str | None = None) -> Report:
    report = Report()
    history = load_history(join(site, "history.json"))
    links: list[dict[str, Any]] = [link for link in history["links"] if isinstance(link, dict)]
    problems = report.problems
    problems += _check_chain(history, links)
    problems += _check_sources(site, links)
    signing_key = key or history.get("signing_key")
    signed = ""
    if signing_key:
        problems += _check_signature(site, history, str(signing_key))
        signed = f", signed by {fingerprint(str(signing_key))}" if not problems else ""
    if against is not None:
        problems += compare_histories(load_history(against), links, against)
    versions = sum(1 for link in links if link.get("type") == "version")
    report.summary = (
        f"{site}: {versions} versions and {len(links) - versions} corrections verified, "
        f"head {str(history.get('head'))[:16]}{signed}"
        + (f", nothing changed since {against}" if against else "")
    )
    return report


def _check_chain(history: dict[str, Any], links: list[dict[str, Any]]) -> list[str]:
    problems = []
    previous = None
    for number, link in enumerate(links, start=1):
        name = f"link {number} ({link.get('id')})"
        if link.get("previous") != previous:
            problems.append(f"{name}: previous is {link.get('previous')}, expected {previous}")
        try:
            expected = link_hash(link)
        except TypeError as err:
            problems.append(f"{name}: {err}")
            continue
        if link.get("hash") != expected:
            problems.append(f"{name}: its hash does not match its content (expected {expected})")
        previous = link.get("hash")
    if history.get("head") != previous:
        problems.append(f"head is {history.get('head')}, but the last link's hash is {previous}")
    return problems


def _check_sources(site: str, links: list[dict[str, Any]]) -> list[str]:
    """Recompute each version's hash, and each correction's, from its source.json."""
    problems = []
    corrections: dict[str, list[dict[str, Any]]] = {}
    for link in links:
        if link.get("type") == "correction":
            corrections.setdefault(str(link.get("id")), []).append(link)
    for link in links:
        if link.get("type") != "version":
            continue
        label = f"{link.get('topic')}/{link.get('version')}"
        if (
            not is_version_id(str(link.get("topic")), str(link.get("version")))
            or link.get("id") != label
        ):
            problems.append(f"{label}: not a valid version id")
            continue
        # The address is derived from the id, never taken from the file: no fetching elsewhere.
        location = join(site, source_path(str(link["topic"]), str(link["version"])))
        try:
            source = json.loads(read(location))
        except (FetchError, ValueError) as err:
            problems.append(f"{label}: source.json cannot be read ({err})")
            continue
        problems += [
            f"{label}: {p}" for p in _check_source(source, link, corrections.get(label, []))
        ]
    return problems


def _check_source(
    source: Any, link: dict[str, Any], correction_links: list[dict[str, Any]]
) -> list[str]:
    if not isinstance(source, dict) or source.get("format") != SOURCE_FORMAT:
        return [f"source.json is not a trustsite source ({SOURCE_FORMAT})"]
    content = source.get("content")
    if not isinstance(content, dict):
        return ["source.json has no content"]
    problems = []
    try:
        actual = sha256_of(content)
    except TypeError as err:
        return [f"source.json: {err}"]
    if actual != link.get("content_hash"):
        problems.append(
            f"the content in source.json hashes to {actual}, history.json says "
            f"{link.get('content_hash')}: the published source was changed"
        )
    for name in ("announced", "effective"):
        if name in content and content[name] != link.get(name):
            problems.append(
                f"source.json says {name} {content[name]}, history.json {link.get(name)}"
            )
    written = source.get("corrections") or []
    if len(written) != len(correction_links):
        problems.append(
            f"source.json lists {len(written)} corrections, history.json {len(correction_links)}"
        )
    for number, (entry, chained) in enumerate(zip(written, correction_links, strict=False), 1):
        try:
            content = apply_at(content, entry["path"], entry["old"], entry["new"])
        except (KeyError, IndexError, TypeError, ValueError) as err:
            problems.append(f"correction {number} cannot be applied ({err})")
            break
        if sha256_of(content) != chained.get("content_hash"):
            problems.append(f"correction {number} gives content that does not match history.json")
    return problems


def apply_at(content: Any, path: list[str | int], old: str, new: str) -> Any:
    """A correction as a third party applies it: in the string at `path`, the one
    occurrence of `old` becomes `new`."""
    node = content
    for part in path:
        node = node[part]
    if not isinstance(node, str) or node.count(old) != 1:
        raise ValueError(f"the text to correct does not occur exactly once at {path}")
    return set_at(content, tuple(path), node.replace(old, new))


def _check_signature(site: str, history: dict[str, Any], key: str) -> list[str]:
    try:
        signature = read(join(site, SIGNATURE_PATH))
    except FetchError as err:
        return [f"the history declares signing key {key} but has no signature ({err})"]
    wrong = check_signature(
        key, signed_message(str(history.get("site")), history.get("head")), signature
    )
    return [f"{SIGNATURE_PATH}: {wrong}"] if wrong else []


def compare_histories(old: dict[str, Any], links: list[dict[str, Any]], name: str) -> list[str]:
    """Everything in the older history is still published unchanged, and nothing was
    inserted before its newest date."""

    def key(link: dict[str, Any]) -> tuple[str, int]:
        return (str(link.get("id")), int(link.get("correction") or 0))

    now = {key(link): link for link in links}
    problems = []
    old_links = [link for link in old["links"] if isinstance(link, dict)]
    for link in old_links:
        label = (
            link.get("id")
            if not link.get("correction")
            else f"{link.get('id')} correction {link.get('correction')}"
        )
        current = now.get(key(link))
        if current is None:
            problems.append(f"{label}: in {name} but no longer published")
            continue
        changed = [f for f in _COMPARED if link.get(f) != current.get(f)]
        if changed:
            problems.append(f"{label}: {', '.join(changed)} differ from {name}")
    newest = max((str(link.get("date")) for link in old_links), default="")
    known = {key(link) for link in old_links}
    for link in links:
        if key(link) not in known and str(link.get("date")) < newest:
            problems.append(
                f"{link.get('id')}: new since {name} but dated {link.get('date')}, before its "
                f"newest entry ({newest}): the history was rewritten"
            )
    return problems
