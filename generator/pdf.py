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
import html
import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from fpdf import FPDF
from fpdf.fonts import FontFace, TextStyle

from generator.markdown_render import render_markdown
from generator.model import Site, TextVersionDoc, TrustData, slugify_version
from generator.timeline import timeline
from generator.urls import page_path, page_url

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
    pdf = _DpaPdf(site, doc, fonts)
    pdf.title_page()
    for section in doc.sections:
        pdf.section(section.title, section.body)
    return bytes(pdf.output())


def _long_date(day: dt.date) -> str:
    return f"{day.day} {day:%B %Y}"


class _DpaPdf(FPDF):
    """One DPA version as an A4 document: a title page, then one heading per section."""

    def __init__(self, site: Site, doc: TextVersionDoc, fonts: Fonts):
        super().__init__(format="A4", unit="mm")
        self._site = site
        self._doc = doc
        self._fontset = fonts
        self._norm = fonts.normalise
        self._setup()

    def _setup(self) -> None:
        for style, path in self._fontset.files:
            self.add_font(self._fontset.family, style=style, fname=str(path))
        self.set_margins(MARGIN, MARGIN, MARGIN)
        self.set_auto_page_break(auto=True, margin=MARGIN)
        self.alias_nb_pages()
        title = f"{self._site.company.name} {self._doc.title}, version {self._doc.version}"
        self.set_title(self._norm(title))
        self.set_author(self._norm(self._site.company.legal_name))
        self.set_subject(self._norm(self._doc.summary))
        self.set_keywords(f"DPA {self._doc.version}")
        self.set_creator("trustsite")
        self.set_producer("trustsite")
        self.set_lang("en")
        # The announcement date, not the clock: identical data gives identical bytes.
        announced = dt.datetime.combine(self._doc.announced, dt.time(0, 0), tzinfo=dt.UTC)
        self.set_creation_date(announced)

    def footer(self) -> None:
        if self.page_no() == 1:
            return
        self.set_y(-MARGIN + 5)
        self.set_font(self._fontset.family, size=8)
        self.set_text_color(90)
        label = f"{self._site.company.name}: {self._doc.title}, version {self._doc.version}"
        self.cell(0, 5, self._norm(label), align="L")
        self.set_x(MARGIN)
        self.cell(0, 5, f"Page {self.page_no()} of {{nb}}", align="R")
        self.set_text_color(0)

    def title_page(self) -> None:
        self.add_page()
        self.set_y(60)
        self._line(self._site.company.legal_name, size=13)
        self.ln(6)
        self._line(self._doc.title, size=24, style="B", height=11)
        self._line(f"Version {self._doc.version}", size=16, height=9)
        self.ln(10)
        self._line(f"Announced: {_long_date(self._doc.announced)}", size=12, height=7)
        self._line(f"Effective: {_long_date(self._doc.effective)}", size=12, height=7)
        self.ln(8)
        self._line(self._doc.summary, size=11, style="I", height=6)
        self.set_y(-70)
        self._line(self._site.company.address, size=10, height=5)
        self._line(f"Privacy contact: {self._site.contacts.privacy}", size=10, height=5)
        self._line(
            f"Published at {page_url(self._site, 'dpa', self._doc.version)}", size=10, height=5
        )

    def _line(self, text: str, *, size: float, style: str = "", height: float = 6) -> None:
        self.set_font(self._fontset.family, style=style, size=size)
        self.multi_cell(0, height, self._norm(text), new_x="LMARGIN", new_y="NEXT")

    def section(self, title: str, body: str) -> None:
        if self.page_no() == 1 or self.will_page_break(30):
            self.add_page()
        else:
            self.ln(4)
        # An outline entry per section lets a reader jump around the PDF like the web page.
        self.start_section(self._norm(title))
        self._line(title, size=14, style="B", height=8)
        self.ln(1)
        self.set_font(self._fontset.family, size=BODY_SIZE)
        self.write_html(
            self._norm(_with_link_targets(render_markdown(body))),
            font_family=self._fontset.family,
            ul_bullet_char="\u2022" if self._fontset.files else "-",
            li_prefix_color=(0, 0, 0),
            tag_styles=_TAG_STYLES,
            warn_on_tags_not_matching=False,
        )


_TAG_STYLES: dict[str, TextStyle | FontFace] = {
    "a": FontFace(color="#1a4d8f", emphasis="UNDERLINE"),
    "p": TextStyle(t_margin=1.5, b_margin=1.5),
    "li": TextStyle(l_margin=5, t_margin=0.5),
    "blockquote": TextStyle(l_margin=8, color="#333333"),
}

_LINK = re.compile(r'<a href="([^"]+)"[^>]*>(.*?)</a>', re.S)


def _with_link_targets(body_html: str) -> str:
    """Print the target after each link: paper has no hyperlinks."""

    def add_target(match: re.Match[str]) -> str:
        href = html.unescape(match.group(1))
        label = html.unescape(re.sub(r"<[^>]+>", "", match.group(2)))
        target = href.removeprefix("mailto:")
        if target == label or not href.startswith(("http://", "https://", "mailto:")):
            return match.group(0)
        return f"{match.group(0)} ({html.escape(target)})"

    return _LINK.sub(add_target, body_html)
