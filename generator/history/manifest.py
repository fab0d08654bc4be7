"""What was published, committed to: `source.json` per version and `history.json` with a
hash chain (docs/history.md).

Each published version (announced on or before the build date, any topic) becomes a link
of the chain carrying the SHA-256 of its content as published (generator.load.canonical), and
each correction of it a later link carrying the hash of the content after it. Links are
ordered by date (a version's announcement, a correction's date), then versions before
corrections, then topic, version and correction number; each carries `previous`, the hash
of the link before it, and `hash`, the SHA-256 of its own canonical form without `hash`.
The newest link's hash, `head`, so commits to the whole history.

The content a version was published with is kept in `<topic>/<version>/source.json`
beside its page, so anyone can recompute every hash (generator.history.verify).
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel

from generator.contract import TOPICS, page_path
from generator.history.annex_history import (
    annex_content,
    annexes_committed,
    as_published,
    commit_date,
)
from generator.history.urls import site_root
from generator.load.annexes import ANNEXES_TOPIC, all_annexes
from generator.load.canonical import canonical_bytes, content_of, sha256_of
from generator.load.corrections import apply_one, undo
from generator.load.model import Correction, SubprocessorVersion, TrustData, version_key
from generator.load.security import SECURITY_DOCUMENTS
from generator.load.timeline import Version, dates_of, timeline

FORMAT = "trustsite-history/1"
SOURCE_FORMAT = "trustsite-source/1"
HISTORY_PATH = "history.json"
SIGNATURE_PATH = "history.json.sig"


@dataclass(frozen=True)
class CorrectionStep:
    correction: Correction
    path: tuple[str | int, ...]  # the one string of the content it changed
    content_hash: str  # of the content after it


@dataclass(frozen=True)
class Published:
    """One published version: its content as published and what corrected it since."""

    topic: str
    version: str
    announced: dt.date
    effective: dt.date
    content: dict[str, Any]  # canonical, as first published
    content_hash: str
    steps: tuple[CorrectionStep, ...]

    @property
    def id(self) -> str:
        return f"{self.topic}/{self.version}"

    @property
    def source(self) -> str:
        return source_path(self.topic, self.version)

    @property
    def current_hash(self) -> str:
        return self.steps[-1].content_hash if self.steps else self.content_hash


def source_document(version: Version) -> BaseModel:
    """What the version's file holds: a whole text, or one change of the list."""
    return version.change if isinstance(version, SubprocessorVersion) else version


_ID = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}/[0-9A-Za-z][0-9A-Za-z.-]{0,63}$")


def is_version_id(topic: str, version: str) -> bool:
    """Whether a topic and version read from a published file can name a path safely."""
    return bool(_ID.match(f"{topic}/{version}")) and ".." not in version


def source_path(topic: str, version: str) -> str:
    """Beside the version's page: `dpa/2.0/source.json`, `security/nda/1.0/source.json`."""
    if topic == ANNEXES_TOPIC:  # a DPA version's annexes, beside their page
        return page_path("dpa", version) + "annexes/source.json"
    if topic in SECURITY_DOCUMENTS:  # documents that are not topics live under security/
        return page_path(f"security/{topic}", version) + "source.json"
    return page_path(topic, version) + "source.json"


def published_version(topic: str, version: Version) -> Published:
    doc = source_document(version)
    corrections: tuple[Correction, ...] = getattr(doc, "corrections", ())
    content = undo(content_of(doc), corrections)
    steps, running = [], content
    for correction in corrections:
        running, path = apply_one(running, correction)
        steps.append(CorrectionStep(correction, path, sha256_of(running)))
    announced, effective = dates_of(version)
    return Published(
        topic, version.version, announced, effective, content, sha256_of(content), tuple(steps)
    )


def published(data: TrustData, today: dt.date) -> list[Published]:
    """Every published version of every topic, in publication order; the NDA a report
    requester accepts and the disclosure policy too, so no client-facing text escapes."""
    found = [
        published_version(topic, v)
        for topic in TOPICS
        for v in timeline(data, topic, today).published
    ]
    found += [
        published_version(name, doc)
        for name, docs in sorted(data.documents.items())
        for doc in docs
        if doc.announced <= today
    ]
    found += _annexes(data, today)
    return sorted(found, key=lambda p: (p.announced, p.topic, _label_key(p.version)))


def _annexes(data: TrustData, today: dt.date) -> list[Published]:
    """Each DPA version's SCC annexes, from the day they are committed (annex_history)."""
    found = []
    hashes: dict[int, str] = {}  # id of a source -> its published hash, computed once

    def hash_of(doc: BaseModel) -> str:
        if id(doc) not in hashes:
            hashes[id(doc)] = as_published(doc)
        return hashes[id(doc)]

    for version, annex in all_annexes(data, today).items():
        if annexes_committed(annex, today):
            content = annex_content(annex, hash_of)
            found.append(
                Published(
                    ANNEXES_TOPIC,
                    version,
                    commit_date(annex),
                    annex.effective,
                    content,
                    sha256_of(content),
                    (),
                )
            )
    return found


def _label_key(label: str) -> tuple[int, ...] | tuple[str]:
    try:
        return version_key(label)
    except ValueError:
        return (label,)


# --- the chain ---------------------------------------------------------------------------------


def chain(versions: Sequence[Published]) -> list[dict[str, Any]]:
    """The links, oldest first, each with `previous` and its own `hash`."""
    unlinked: list[tuple[tuple[Any, ...], dict[str, Any]]] = []
    for p in versions:
        order = (p.topic, _label_key(p.version))
        unlinked.append(((p.announced, 0, *order, 0), _version_link(p)))
        for number, step in enumerate(p.steps, start=1):
            unlinked.append(
                ((step.correction.date, 1, *order, number), _correction_link(p, number, step))
            )
    links: list[dict[str, Any]] = []
    previous: str | None = None
    for _, link in sorted(unlinked, key=lambda item: item[0]):
        link = {**link, "previous": previous}
        link["hash"] = previous = link_hash(link)
        links.append(link)
    return links


def link_hash(link: dict[str, Any]) -> str:
    return sha256_of({k: v for k, v in link.items() if k != "hash"})


def _version_link(p: Published) -> dict[str, Any]:
    return {
        "type": "version",
        "id": p.id,
        "topic": p.topic,
        "version": p.version,
        "date": p.announced.isoformat(),
        "announced": p.announced.isoformat(),
        "effective": p.effective.isoformat(),
        "content_hash": p.content_hash,
        "source": p.source,
    }


def _correction_link(p: Published, number: int, step: CorrectionStep) -> dict[str, Any]:
    c = step.correction
    return {
        "type": "correction",
        "id": p.id,
        "topic": p.topic,
        "version": p.version,
        "correction": number,
        "date": c.date.isoformat(),
        "by": c.by,
        "why": c.why,
        "content_hash": step.content_hash,
        "source": p.source,
    }


# --- the files ---------------------------------------------------------------------------------


def dump_json(document: object) -> bytes:
    """The one JSON style of every file of the site: sorted keys, two-space indent, a
    trailing newline."""
    return (json.dumps(document, sort_keys=True, indent=2, ensure_ascii=False) + "\n").encode()


def source_json(p: Published) -> bytes:
    return dump_json(
        {
            "format": SOURCE_FORMAT,
            "id": p.id,
            "topic": p.topic,
            "version": p.version,
            "announced": p.announced.isoformat(),
            "effective": p.effective.isoformat(),
            "content": p.content,
            "content_hash": p.content_hash,
            "corrections": [
                {
                    **s.correction.model_dump(mode="json"),
                    "path": list(s.path),
                    "content_hash": s.content_hash,
                }
                for s in p.steps
            ],
        }
    )


def signed_message(site_url: str, head: str | None, pages: object = None) -> bytes:
    """What the signature covers: the site, the chain head and, once the pages are built,
    the hash of their document hashes (docs/history.md)."""
    message: dict[str, object] = {"format": FORMAT, "head": head, "site": site_url}
    if pages is not None:
        message["pages"] = sha256_of(pages)
    return canonical_bytes(message)


def history_document(data: TrustData, versions: Sequence[Published]) -> dict[str, Any]:
    links = chain(versions)
    document = {
        "format": FORMAT,
        "site": site_root(data.site),
        "algorithm": "sha256",
        "signing_key": data.site.signing_key,
        "head": links[-1]["hash"] if links else None,
        "links": links,
    }
    if data.site.key_rotations:  # generator.history.continuity
        document["key_rotations"] = [r.model_dump(mode="json") for r in data.site.key_rotations]
    return document


def history_outputs(data: TrustData, today: dt.date, signer: Any = None) -> dict[str, bytes]:
    """`history.json`, every version's `source.json`, and `history.json.sig` when signing."""
    versions = published(data, today)
    outputs = {p.source: source_json(p) for p in versions}
    document = history_document(data, versions)
    outputs[HISTORY_PATH] = dump_json(document)
    if signer is not None:
        outputs[SIGNATURE_PATH] = signer.sign(signed_message(document["site"], document["head"]))
    return outputs
