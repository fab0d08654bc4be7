"""`trustsite verify SITE [--against OLD_HISTORY_JSON]`: anyone can check the history.

From the site alone (a folder or an http(s) address): history.json and every source.json
are strict JSON with exactly the fields a build writes; every version's `source.json`
hashes to what history.json says and agrees with it in every field
(generator.history.sourcecheck); every correction applied to it gives the hash its link
says; every link's hash and `previous` are right, and `head` is the newest link's hash;
every version page shows the document history.json recorded for it
(generator.history.pagehash). When the site declares a signing key (or one is given with
--key), `history.json.sig` must sign the head and the pages with it. With --against,
everything the older history.json listed must still be there, unchanged and in the same
order, nothing may have been inserted before its head, and a key it declared binds this
one (generator.history.continuity). docs/history.md says it all for a re-implementation.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from generator.history.continuity import ROTATIONS_KEY, continuity_problems, keys_reached
from generator.history.manifest import (
    FORMAT,
    SIGNATURE_PATH,
    is_version_id,
    link_hash,
    signed_message,
    source_path,
)
from generator.history.pagehash import PAGES_KEY, page_hash, page_of
from generator.history.signing import check_signature, fingerprint
from generator.history.sitefetch import FetchError, join, load_json, read
from generator.history.sourcecheck import check_source

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
HISTORY_KEYS = frozenset(
    {"format", "site", "algorithm", "signing_key", "head", "links", PAGES_KEY, ROTATIONS_KEY}
)
VERSION_LINK_KEYS = frozenset(
    {"type", "id", "topic", "version", "date", "announced", "effective", "content_hash"}
    | {"source", "previous", "hash"}
)
CORRECTION_LINK_KEYS = frozenset(
    {"type", "id", "topic", "version", "correction", "date", "by", "why", "content_hash"}
    | {"source", "previous", "hash"}
)


@dataclass
class Report:
    problems: list[str] = field(default_factory=list)
    summary: str = ""


def load_history(location: str) -> dict[str, Any]:
    """A history.json (FetchError / ValueError when it is not one)."""
    try:
        document = load_json(location)
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
    problems = report.problems
    problems += _check_shape(history)
    links: list[dict[str, Any]] = [link for link in history["links"] if isinstance(link, dict)]
    problems += _check_chain(history, links)
    problems += _check_sources(site, links)
    problems += _check_pages(site, history, links)
    keys = [str(k) for k in (key, history.get("signing_key")) if k]
    old = load_history(against) if against is not None else None
    if old is not None and old.get("signing_key"):
        # The older history's key (or one it was rotated to) must sign this one.
        problems += continuity_problems(old, history, str(against))
        reached, _ = keys_reached(
            str(history.get("site")), str(old["signing_key"]), history.get(ROTATIONS_KEY)
        )
        keys += [str(k) for k in reached if k == history.get("signing_key")]
    for signing_key in dict.fromkeys(keys):
        problems += _check_signature(site, history, signing_key)
    if history.get(ROTATIONS_KEY) is not None and history.get("signing_key"):
        problems += keys_reached(str(history.get("site")), "", history.get(ROTATIONS_KEY))[1]
    signed = ""
    if keys and not problems:
        signed = f", signed by {fingerprint(keys[0])}"
    added = ""
    if old is not None:
        problems += compare_histories(old, links, str(against))
        added = ", " + _added_since(old, links, str(against))
    versions = sum(1 for link in links if link.get("type") == "version")
    report.summary = (
        f"{site}: {versions} versions and {len(links) - versions} corrections verified, "
        f"head {str(history.get('head'))[:16]}{signed}{added}"
    )
    return report


def _check_shape(history: dict[str, Any]) -> list[str]:
    """Only the fields a build writes, and only objects as links."""
    problems = []
    unknown = sorted(set(history) - HISTORY_KEYS)
    if unknown:
        problems.append(f"history.json has unknown fields: {', '.join(unknown)}")
    for number, link in enumerate(history["links"], start=1):
        if not isinstance(link, dict):
            problems.append(f"link {number} is {str(link)[:40]!r}, not an object")
            continue
        allowed = CORRECTION_LINK_KEYS if link.get("type") == "correction" else VERSION_LINK_KEYS
        if link.get("type") not in ("version", "correction"):
            problems.append(
                f"link {number} ({link.get('id')}): type is neither version nor correction"
            )
        extra = sorted(set(link) - allowed)
        missing = sorted(allowed - set(link))
        if extra:
            problems.append(f"link {number} ({link.get('id')}): unknown fields {', '.join(extra)}")
        if missing:
            problems.append(f"link {number} ({link.get('id')}): lacks {', '.join(missing)}")
    return problems


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


def _version_links(links: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], list[str]]:
    """The version links whose id can name a path safely, and the others as problems."""
    good, problems = [], []
    for link in links:
        if link.get("type") != "version":
            continue
        label = f"{link.get('topic')}/{link.get('version')}"
        if (
            not is_version_id(str(link.get("topic")), str(link.get("version")))
            or link.get("id") != label
            or link.get("source") != source_path(str(link["topic"]), str(link["version"]))
        ):
            problems.append(f"{label}: not a valid version id")
            continue
        good.append(link)
    return good, problems


def _check_sources(site: str, links: list[dict[str, Any]]) -> list[str]:
    """Recompute each version's hash, and each correction's, from its source.json."""
    corrections: dict[str, list[dict[str, Any]]] = {}
    for link in links:
        if link.get("type") == "correction":
            corrections.setdefault(str(link.get("id")), []).append(link)
    versions, problems = _version_links(links)
    for link in versions:
        label = str(link["id"])
        # The address is derived from the id, never taken from the file: no fetching elsewhere.
        location = join(site, source_path(str(link["topic"]), str(link["version"])))
        try:
            source = load_json(location)
        except (FetchError, ValueError) as err:
            problems.append(f"{label}: source.json cannot be read ({err})")
            continue
        problems += [
            f"{label}: {p}" for p in check_source(source, link, corrections.get(label, []))
        ]
    return problems


def _check_pages(site: str, history: dict[str, Any], links: list[dict[str, Any]]) -> list[str]:
    """Every version page shows the document whose hash history.json records."""
    pages = history.get(PAGES_KEY)
    versions, _ = _version_links(links)
    if not versions:
        return []
    if not isinstance(pages, dict):
        return ["history.json records no hash of the version pages (pages)"]
    problems = []
    expected_pages = {page_of(link) for link in versions}
    for extra in sorted(set(pages) - expected_pages):
        problems.append(f"history.json: pages lists {extra!r}, which is no version's page")
    for link in versions:
        page = page_of(link)
        try:
            actual = page_hash(read(join(site, page)))
        except FetchError as err:
            problems.append(f"{link['id']}: its page cannot be read ({err})")
            continue
        if actual != pages.get(page):
            problems.append(
                f"{link['id']}: /{page} does not show the document history.json records "
                "for it: the page was changed after the build"
            )
    return problems


def _check_signature(site: str, history: dict[str, Any], key: str) -> list[str]:
    try:
        signature = read(join(site, SIGNATURE_PATH))
    except FetchError as err:
        return [f"the history must be signed by {key} but has no signature ({err})"]
    pages = history.get(PAGES_KEY)
    try:
        message = signed_message(str(history.get("site")), history.get("head"), pages)
        wrong = check_signature(key, message, signature)
    except TypeError as err:
        wrong = str(err)
    return [f"{SIGNATURE_PATH}: {wrong}"] if wrong else []


def _key(link: dict[str, Any]) -> tuple[str, int]:
    number = link.get("correction")
    return (str(link.get("id")), number if isinstance(number, int) else 0)


def compare_histories(old: dict[str, Any], links: list[dict[str, Any]], name: str) -> list[str]:
    """Everything in the older history is still published unchanged and in the same order,
    and nothing was inserted before its newest date."""
    position = {_key(link): index for index, link in enumerate(links)}
    problems = []
    old_links = [link for link in old["links"] if isinstance(link, dict)]
    last = -1
    for link in old_links:
        label = _label(link)
        index = position.get(_key(link))
        if index is None:
            problems.append(f"{label}: in {name} but no longer published")
            continue
        current = links[index]
        changed = [f for f in _COMPARED if link.get(f) != current.get(f)]
        if changed:
            problems.append(f"{label}: {', '.join(changed)} differ from {name}")
        if index < last:
            problems.append(f"{label}: comes before an entry it followed in {name}: reordered")
        last = max(last, index)
    newest = max((str(link.get("date")) for link in old_links), default="")
    known = {_key(link) for link in old_links}
    for link in links:
        if _key(link) not in known and str(link.get("date")) < newest:
            problems.append(
                f"{link.get('id')}: new since {name} but dated {link.get('date')}, before its "
                f"newest entry ({newest}): the history was rewritten"
            )
    return problems


def _added_since(old: dict[str, Any], links: list[dict[str, Any]], name: str) -> str:
    known = {_key(link) for link in old["links"] if isinstance(link, dict)}
    added = [_label(link, short=True) for link in links if _key(link) not in known]
    if not added:
        return f"nothing added since {name}"
    shown = ", ".join(added[:10]) + (f" and {len(added) - 10} more" if len(added) > 10 else "")
    return f"{len(added)} {'link' if len(added) == 1 else 'links'} added since {name}: {shown}"


def _label(link: dict[str, Any], short: bool = False) -> str:
    name = f"{link.get('topic')} {link.get('version')}" if short else str(link.get("id"))
    return f"{name} correction {link.get('correction')}" if link.get("correction") else name
