"""The layout of one DPA version as a PDF, page by page: fpdf2's document class.

The only module that imports fpdf2; `outputs.pdf` imports it on first use, and the fonts it
draws with come from `outputs.pdf_fonts`, so no import runs back to `outputs.pdf`.
"""

from __future__ import annotations

import datetime as dt
import html
import io
import logging
import re
from collections.abc import Sequence

from fpdf import FPDF
from fpdf.fonts import FontFace, TextStyle

from generator.history.urls import page_url
from generator.load.clock import long_date
from generator.load.model import Site, TextVersionDoc
from generator.outputs.annex_text import Signer
from generator.outputs.markdown_render import render_markdown
from generator.outputs.pdf_fonts import BODY_SIZE, MARGIN, Fonts

log = logging.getLogger(__name__)


class DpaPdf(FPDF):
    """One DPA version as an A4 document: a title page, then one heading per section."""

    def __init__(self, site: Site, doc: TextVersionDoc, fonts: Fonts, logo: bytes | None = None):
        super().__init__(format="A4", unit="mm")
        self._logo = logo  # the brand's SVG or PNG (site.yaml brand.logo), for the cover
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
        if self._logo:
            try:
                self.image(io.BytesIO(self._logo), x=MARGIN, y=MARGIN, h=18)
            except Exception as err:  # fpdf2 draws a subset of SVG: the PDF
                # still builds, without the logo, rather than failing on what check accepted
                log.warning("the brand's logo is left off the DPA PDF cover: %s", err)
        self.set_y(60)
        self._line(self._site.company.legal_name, size=13)
        self.ln(6)
        self._line(self._doc.title, size=24, style="B", height=11)
        self._line(f"Version {self._doc.version}", size=16, height=9)
        self.ln(10)
        self._line(f"Announced: {long_date(self._doc.announced)}", size=12, height=7)
        self._line(f"Effective: {long_date(self._doc.effective)}", size=12, height=7)
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

    def section(self, title: str, body: str, *, new_page: bool = False) -> None:
        if new_page or self.page_no() == 1 or self.will_page_break(30):
            self.add_page()
        else:
            self.ln(4)
        # An outline entry per section lets a reader jump around the PDF like the web page.
        self.start_section(self._norm(title))
        self._line(title, size=14, style="B", height=8)
        self.ln(1)
        self.set_font(self._fontset.family, size=BODY_SIZE)
        self.write_html(
            self._norm(_plain_cells(_with_link_targets(render_markdown(body)))),
            font_family=self._fontset.family,
            ul_bullet_char="\u2022" if self._fontset.files else "-",
            li_prefix_color=(0, 0, 0),
            tag_styles=self._tag_styles(),
            warn_on_tags_not_matching=False,
        )

    def signature_block(self, signers: Sequence[Signer]) -> None:
        """A block per party: name, role, date and signature lines, the known ones filled."""
        if self.will_page_break(30 + 42 * len(signers)):
            self.add_page()
        else:
            self.ln(6)
        self.start_section(self._norm("Signatures"))
        self._line("Signatures", size=14, style="B", height=8)
        self._line(
            f"Signed for the Standard Contractual Clauses and Annexes I-III above, version "
            f"{self._doc.version} of the {self._doc.title}.",
            size=BODY_SIZE,
            height=5,
        )
        for signer in signers:
            self.ln(5)
            self._line(signer.party, size=BODY_SIZE + 1, style="B", height=6)
            for label, value in (
                ("Name", signer.name),
                ("Role", signer.role),
                ("Date", None),
                ("Signature", None),
            ):
                self._signature_line(label, value)

    def _signature_line(self, label: str, value: str | None) -> None:
        self.set_font(self._fontset.family, size=BODY_SIZE)
        self.cell(28, 9, self._norm(f"{label}:"))
        if value:
            self.cell(0, 9, self._norm(value), new_x="LMARGIN", new_y="NEXT")
            return
        x, y = self.get_x(), self.get_y() + 7
        self.line(x, y, x + 110, y)  # a line to write on
        self.ln(9)

    def _tag_styles(self) -> dict[str, TextStyle | FontFace]:
        # fpdf2 sets code in Courier, a core font that cannot encode most of Unicode:
        # code spans and blocks use the document's font too (found by the property test).
        family = self._fontset.family
        return {
            **_TAG_STYLES,
            "code": FontFace(family=family),
            "pre": TextStyle(font_family=family, t_margin=1.5, b_margin=1.5),
        }


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
        if not href.lower().startswith(("http://", "https://", "mailto:", "tel:")):
            # A path or #anchor of the web site means nothing on paper, and fpdf2 would take
            # `#x` for a named destination of the PDF and fail: keep the words only.
            return match.group(2)
        target = re.sub(r"^(mailto|tel):", "", href, flags=re.I)
        if target == label:
            return match.group(0)
        return f"{match.group(0)} ({html.escape(target)})"

    return _LINK.sub(add_target, body_html)


_CELL = re.compile(r"<(td|th)(\s[^>]*)?>(.*?)</\1>", re.S)  # not <thead>


def _plain_cells(body_html: str) -> str:
    """Table cells as plain text: fpdf2 lays out one run of text per cell and refuses a
    cell holding `<code>`, emphasis or a link beside other text. The words (and a link's
    printed target) stay; only their styling inside tables is lost on paper."""

    def flatten(match: re.Match[str]) -> str:
        text = html.unescape(re.sub(r"<[^>]+>", "", match.group(3)))
        tag = match.group(1)
        return f"<{tag}{match.group(2) or ''}>{html.escape(text, quote=False)}</{tag}>"

    return _CELL.sub(flatten, body_html)
