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
from generator.load.annexes import all_annexes
from generator.load.model import Section, Site, TextVersionDoc, TrustData
from generator.outputs.annex_text import Signer, annex_sections, signers
from generator.outputs.pdf_fonts import Fonts, find_fonts

# What a version's PDF appends after its sections: the SCC annexes and who signs them.
Appendix = tuple[tuple[Section, ...], tuple[Signer, ...]]


def appendices(data: TrustData, today: dt.date) -> dict[str, tuple[TextVersionDoc, Appendix]]:
    """Each published DPA version with its annexes (docs/annexes.md), by version."""
    return {
        version: (annex.dpa, (annex_sections(annex), signers(annex)))
        for version, annex in all_annexes(data, today).items()
    }


def dpa_pdfs(
    data: TrustData, today: dt.date, *, fonts: Fonts | None = None, logo: bytes | None = None
) -> dict[str, bytes]:
    """One PDF per published DPA version (drafts excluded), keyed by site-relative path."""
    if not data.texts.get("dpa"):
        return {}
    fonts = fonts or find_fonts()
    return {
        dpa_pdf_path(data.site, version): render_dpa_pdf(data.site, doc, fonts, appendix, logo)
        for version, (doc, appendix) in appendices(data, today).items()
    }


# `mkdocs serve` rebuilds on every YAML change; a version's PDF only changes with its own
# data, so unchanged versions are not laid out again (about a second each with DejaVu).
@lru_cache(maxsize=64)
def render_dpa_pdf(
    site: Site,
    doc: TextVersionDoc,
    fonts: Fonts,
    appendix: Appendix = ((), ()),
    logo: bytes | None = None,
) -> bytes:
    # fpdf2 is imported on first use: a build whose PDFs all come from the cache
    # (generator.outputs.pdf_jobs) never pays for importing it.
    from generator.outputs.pdf_layout import DpaPdf

    pdf = DpaPdf(site, doc, fonts, logo)
    pdf.title_page()
    for section in doc.sections:
        pdf.section(section.title, section.body)
    annexes, signing = appendix
    for number, section in enumerate(annexes):
        pdf.section(section.title, section.body, new_page=number == 0)
    if signing:
        pdf.signature_block(signing)
    return bytes(pdf.output())
