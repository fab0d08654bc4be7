"""Printable PDFs of every published DPA version (fpdf2: pure Python, no system libraries).

A client's legal team files the DPA they signed as a PDF, so each published version gets
one, at a stable path next to its permalink page. The bytes depend only on the data and on
the fonts found: the creation date is the version's announcement date, never the clock, so
two builds of the same data give identical files and the feed/JSON reproducibility promise
holds for the PDFs too.

Bodies are Markdown; they go through the site's own renderer (raw HTML escaped) and then
fpdf2's HTML layer, which knows paragraphs, lists, emphasis and links.
"""

from __future__ import annotations

import datetime as dt
from functools import lru_cache

from generator.history.urls import dpa_pdf_path
from generator.load.model import Site, TextVersionDoc, TrustData
from generator.load.timeline import timeline
from generator.outputs.pdf_fonts import Fonts, find_fonts


def dpa_pdfs(
    data: TrustData, today: dt.date, *, fonts: Fonts | None = None, logo: bytes | None = None
) -> dict[str, bytes]:
    """One PDF per published DPA version (drafts excluded), keyed by site-relative path."""
    if not data.texts.get("dpa"):
        return {}
    fonts = fonts or find_fonts()
    published = timeline(data, "dpa", today).published
    return {
        dpa_pdf_path(data.site, doc.version): render_dpa_pdf(data.site, doc, fonts, logo)
        for doc in published
    }


# `mkdocs serve` rebuilds on every YAML change; a version's PDF only changes with its own
# data, so unchanged versions are not laid out again (about a second each with DejaVu).
@lru_cache(maxsize=64)
def render_dpa_pdf(
    site: Site, doc: TextVersionDoc, fonts: Fonts, logo: bytes | None = None
) -> bytes:
    # fpdf2 is imported on first use: a build whose PDFs all come from the cache
    # (generator.outputs.pdf_jobs) never pays for importing it.
    from generator.outputs.pdf_layout import DpaPdf

    pdf = DpaPdf(site, doc, fonts, logo)
    pdf.title_page()
    for section in doc.sections:
        pdf.section(section.title, section.body)
    return bytes(pdf.output())
