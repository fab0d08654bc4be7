"""`/dpa/<version>/annexes/`: the SCC Annexes I-III of each published DPA version.

The words come from generator.outputs.annex_text (the PDF appends the same sections); this
module only places them on a page, beside the version, with what changed in the annexes
since the version before.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

from generator.contract import page_path
from generator.history.annex_history import annexes_committed
from generator.history.changes import ChangeRecord
from generator.history.manifest import source_path
from generator.history.urls import dpa_pdf_path
from generator.load.annexes import ANNEXES_TOPIC, Annexes
from generator.load.model import Site
from generator.load.timeline import TopicTimeline
from generator.outputs.annex_text import annex_changes, annex_sections
from generator.site.page_context import AddPage


def annexes_path(version: str) -> str:
    return page_path("dpa", version) + "annexes/"


def add_annex_pages(
    add: AddPage,
    line: TopicTimeline,
    by_id: Mapping[str, ChangeRecord],
    annexes: Mapping[str, Annexes],
    site: Site,
    today: dt.date,
) -> None:
    for version, annex in annexes.items():
        previous = line.previous(version)
        committed = annexes_committed(annex, today)
        add(
            f"{annexes_path(version)}index.md",
            "dpa_annexes.md.j2",
            annex=annex,
            record=by_id[f"dpa/{version}"],
            status=line.statuses[version],
            sections=annex_sections(annex),
            previous=previous.version if previous else None,
            changes=annex_changes(annexes[previous.version], annex) if previous else [],
            version_path=page_path("dpa", version),
            pdf=dpa_pdf_path(site, version),
            source=source_path(ANNEXES_TOPIC, version) if committed else None,
        )
