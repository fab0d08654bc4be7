"""Annexes I-III of the Standard Contractual Clauses for each DPA version, from the data.

The DPA incorporates the SCCs (Commission Implementing Decision (EU) 2021/914), whose
appendix a client must complete: Annex I (the parties, the description of the processing,
the competent supervisory authority), Annex II (the technical and organisational
measures) and Annex III (the sub-processors). Everything they need is in `data/`, so
each DPA version gets its annexes as of the day it takes effect (docs/annexes.md):

- Annex I: the company from `site.yaml` as data importer (the client, the exporter, fills
  in its own details when signing), and the version's `processing:` block; a version
  without one quotes its own section describing the processing;
- Annex II: the practices of the security version in force on the effective date;
- Annex III: the sub-processor list in force on the effective date. For a version not yet
  in effect that is the list announced to be in force then, pending changes included.

Only published versions count (announced on or before the build date): a draft change of
the list is not yet a promise, so it is in no annex.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from generator.load.model import (
    DpaVersionDoc,
    Processing,
    Section,
    Site,
    SubprocessorChange,
    SubprocessorVersion,
    TextVersionDoc,
    TrustData,
)
from generator.load.security import SECURITY, SecurityVersionDoc
from generator.load.timeline import Version, dates_of, timeline

# The annexes are chained in history.json as versions of this topic (docs/annexes.md).
ANNEXES_TOPIC = "dpa-annexes"

# The sections a DPA without a `processing:` block describes its processing in.
PROCESSING_SECTIONS = ("subject-matter",)


@dataclass(frozen=True)
class Annexes:
    """The annexes of one DPA version."""

    dpa: TextVersionDoc
    site: Site
    processing: Processing | None  # the version's own block (Annex I.B and I.C)
    processing_sections: tuple[Section, ...]  # quoted when there is no block
    security: SecurityVersionDoc | None  # Annex II: in force on the effective date
    subprocessors: SubprocessorVersion | None  # Annex III: in force on the effective date
    list_changes: tuple[SubprocessorChange, ...]  # the changes folded into Annex III

    @property
    def effective(self) -> dt.date:
        return self.dpa.effective

    @property
    def measures(self) -> tuple[Section, ...]:
        return self.security.practices if self.security else ()


def in_force_on(versions: tuple[Version, ...], day: dt.date) -> Version | None:
    """The version of a topic in force on `day`: the latest one effective by then."""
    found = [v for v in versions if dates_of(v)[1] <= day]
    return max(found, key=lambda v: dates_of(v)[1], default=None)


def annexes_for(data: TrustData, dpa: TextVersionDoc, today: dt.date) -> Annexes:
    """The annexes of `dpa` as of its effective date, from what is published on `today`."""
    return _annexes(
        data, dpa, _published(data, SECURITY, today), _published(data, "subprocessors", today)
    )


def all_annexes(data: TrustData, today: dt.date) -> dict[str, Annexes]:
    """The annexes of every published DPA version, by version (each timeline folded once:
    the list's fold is the costly part of a large data set)."""
    security = _published(data, SECURITY, today)
    lists = _published(data, "subprocessors", today)
    return {
        v.version: _annexes(data, v, security, lists)
        for v in _published(data, "dpa", today)
        if isinstance(v, TextVersionDoc)
    }


def _published(data: TrustData, topic: str, today: dt.date) -> tuple[Version, ...]:
    return timeline(data, topic, today).published


def _annexes(
    data: TrustData,
    dpa: TextVersionDoc,
    securities: tuple[Version, ...],
    lists: tuple[Version, ...],
) -> Annexes:
    day = dpa.effective
    security = in_force_on(securities, day)
    listed = in_force_on(lists, day)
    processing = dpa.processing if isinstance(dpa, DpaVersionDoc) else None
    quoted = () if processing else tuple(s for s in dpa.sections if s.id in PROCESSING_SECTIONS)
    return Annexes(
        dpa=dpa,
        site=data.site,
        processing=processing,
        processing_sections=quoted,
        security=security if isinstance(security, SecurityVersionDoc) else None,
        subprocessors=listed if isinstance(listed, SubprocessorVersion) else None,
        list_changes=tuple(
            v.change for v in lists if isinstance(v, SubprocessorVersion) and dates_of(v)[1] <= day
        ),
    )
