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
import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from generator.model import Site, TextVersionDoc, TrustData, slugify_version
from generator.timeline import timeline
from generator.urls import page_path

# Where DejaVu lives on common systems. It covers every Latin, Greek and Cyrillic character a
# legal text may hold; without it we fall back to the PDF core fonts (Latin-1 only).
DEJAVU_DIRS: tuple[Path, ...] = (
    Path("/usr/share/fonts/truetype/dejavu"),
    Path("/usr/share/fonts/dejavu"),
    Path("/usr/share/fonts/TTF"),
    Path("/usr/local/share/fonts"),
    Path("/Library/Fonts"),
    Path.home() / "Library" / "Fonts",
    Path.home() / ".local" / "share" / "fonts",
)
DEJAVU_STYLES: dict[str, str] = {
    "": "DejaVuSerif.ttf",
    "B": "DejaVuSerif-Bold.ttf",
    "I": "DejaVuSerif-Italic.ttf",
    "BI": "DejaVuSerif-BoldItalic.ttf",
}

# Characters the core fonts cannot encode, replaced by their closest Latin-1 spelling.
_LATIN1_REPLACEMENTS: dict[str, str] = {
    "\u2018": "'",
    "\u2019": "'",
    "\u201a": "'",
    "\u201c": '"',
    "\u201d": '"',
    "\u201e": '"',
    "\u2010": "-",
    "\u2011": "-",
    "\u2013": "-",
    "\u2014": "--",
    "\u2026": "...",
    "\u2022": "*",
    "\u2212": "-",
    "\u20ac": "EUR",
    "\u2122": "(TM)",
    "\u0141": "L",
    "\u0142": "l",
    "\u0110": "D",
    "\u0111": "d",
    "\u0152": "OE",
    "\u0153": "oe",
    "\u0131": "i",
    "\u00a0": " ",
    "\u2009": " ",
    "\u202f": " ",
}

BODY_SIZE = 10.5
MARGIN = 20


@dataclass(frozen=True)
class Fonts:
    """The font family to write with, and how text must be adapted to it."""

    family: str
    files: tuple[tuple[str, Path], ...]  # (style, TTF file); empty for a core font
    normalise: Callable[[str], str]


def find_fonts(dirs: Iterable[Path] = DEJAVU_DIRS) -> Fonts:
    """DejaVu Serif if all four styles are installed, else the core Times font."""
    for directory in dirs:
        files = tuple((style, directory / name) for style, name in DEJAVU_STYLES.items())
        if all(path.is_file() for _style, path in files):
            return Fonts(family="DejaVuSerif", files=files, normalise=_keep)
    return core_fonts()


def core_fonts() -> Fonts:
    return Fonts(family="Times", files=(), normalise=to_latin1)


def _keep(text: str) -> str:
    return text


def to_latin1(text: str) -> str:
    """Text the core fonts can show: typographic marks spelt out, accents kept when Latin-1
    has them, other letters reduced to their base letter, anything else as '?'."""
    out: list[str] = []
    for char in text:
        char = _LATIN1_REPLACEMENTS.get(char, char)
        if all(ord(c) < 256 for c in char):
            out.append(char)
            continue
        base = unicodedata.normalize("NFKD", char)
        base = "".join(c for c in base if not unicodedata.combining(c))
        out.append(base if base and all(ord(c) < 256 for c in base) else "?")
    return "".join(out)


def company_slug(site: Site) -> str:
    return re.sub(r"[^a-z0-9]+", "-", site.company.name.lower()).strip("-") or "company"


def dpa_pdf_path(site: Site, version: str) -> str:
    """Site-relative path of a version's PDF: `dpa/2.1/larkspur-relay-dpa-2.1.pdf`."""
    return f"{page_path('dpa', version)}{company_slug(site)}-dpa-{slugify_version(version)}.pdf"


def dpa_pdfs(data: TrustData, today: dt.date, *, fonts: Fonts | None = None) -> dict[str, bytes]:
    """One PDF per published DPA version (drafts excluded), keyed by site-relative path."""
    if not data.texts.get("dpa"):
        return {}
    fonts = fonts or find_fonts()
    published = timeline(data, "dpa", today).published
    return {
        dpa_pdf_path(data.site, doc.version): render_dpa_pdf(data.site, doc, fonts)
        for doc in published
    }


# `mkdocs serve` rebuilds on every YAML change; a version's PDF only changes with its own
# data, so unchanged versions are not laid out again (about a second each with DejaVu).
@lru_cache(maxsize=64)
def render_dpa_pdf(site: Site, doc: TextVersionDoc, fonts: Fonts) -> bytes:
    # fpdf2 is imported here, not at the top: the page build needs only the paths above,
    # and importing fpdf2 costs a noticeable part of a small build.
    from generator.pdf_layout import DpaPdf

    pdf = DpaPdf(site, doc, fonts)
    pdf.title_page()
    for section in doc.sections:
        pdf.section(section.title, section.body)
    return bytes(pdf.output())
