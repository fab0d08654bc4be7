"""The SCC annexes of each DPA version in the published history (docs/annexes.md).

The annexes are derived, so what `history.json` commits to is what they are made of: the
DPA version (whose content holds Annex I's `processing:` block), the security version of
Annex II and every change of the list folded into Annex III, each by its content hash as
published, and the ids of the sub-processors Annex III names. A correction of a source
keeps the hash it was published with (docs/history.md), so a typo fixed in a security
practice does not rewrite an annex; anything else that would change what an annex is made
of changes this content, which `trustsite verify --against` reports.

An annex is committed the day after its DPA version takes effect. Until then a change
could still join it: one announced later and effective by that day, even on that very day
(an editorial change can take effect the day it is announced). From the next day nothing
can, since no version takes effect before it is announced. Versions that took effect
before trustsite published annexes are committed on the day it started (`ANNEXES_SINCE`),
so the new links never date from before a history already published.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from pydantic import BaseModel

from generator.load.annexes import Annexes
from generator.load.canonical import content_of, sha256_of
from generator.load.corrections import undo

ANNEXES_SINCE = dt.date(2026, 12, 7)


def commit_date(annex: Annexes) -> dt.date:
    """The day the annexes enter history.json: the day after the version takes effect, at
    the earliest the day annexes were first published."""
    return max(annex.effective + dt.timedelta(days=1), ANNEXES_SINCE)


def annexes_committed(annex: Annexes, today: dt.date) -> bool:
    return commit_date(annex) <= today


def as_published(doc: BaseModel) -> str:
    """The content hash a version was published with (its corrections undone)."""
    return sha256_of(undo(content_of(doc), getattr(doc, "corrections", ())))


def annex_content(
    annex: Annexes, hash_of: Callable[[BaseModel], str] = as_published
) -> dict[str, Any]:
    """What the annexes are made of, in canonical form (the content of their source.json).

    `hash_of` gives a source's published hash; the history passes a memo of `as_published`,
    since every version's annexes name the same early changes of the list."""
    listed = annex.subprocessors
    security = annex.security
    return {
        "effective": annex.effective.isoformat(),
        "dpa": {"version": annex.dpa.version, "content_hash": hash_of(annex.dpa)},
        "annex_i": {
            "processing": annex.processing is not None,  # the block is in the DPA's content
            "quoted_sections": [s.id for s in annex.processing_sections],
        },
        "annex_ii": {"security": security.version, "content_hash": hash_of(security)}
        if security
        else None,
        "annex_iii": {
            "list": listed.version,
            "changes": [
                {"version": c.version, "content_hash": hash_of(c)}
                for c in annex.list_changes
            ],
            "entries": [e.id for e in listed.entries],
        }
        if listed
        else None,
    }
