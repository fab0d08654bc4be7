"""The printable DPA: what a client's legal team files must say what the web page says."""

from __future__ import annotations

import datetime as dt
import io
import time

import pypdf
import pytest

from generator.history.urls import dpa_pdf_path
from generator.load.model import Company, Contacts, Section, Site, TextVersionDoc, TrustData
from generator.outputs.annex_text import ANNEX_TITLES
from generator.outputs.pdf import dpa_pdfs, render_dpa_pdf
from generator.outputs.pdf_fonts import core_fonts, find_fonts, to_latin1

TODAY = dt.date(2025, 3, 1)

SITE = Site(
    company=Company(
        name="Larkspur Relay",
        legal_name="Larkspur Relay B.V.",
        address="Keizersgracht 1, 1015 CN Amsterdam, the Netherlands",
    ),
    contacts=Contacts(privacy="privacy@larkspur.example"),
    site_url="https://trust.larkspur.example/",
    service_url="https://trust.larkspur.example/",
    notice_period_days=30,
)


def _dpa(version: str, announced: dt.date, effective: dt.date, *sections: Section):
    return TextVersionDoc(
        version=version,
        title="Data Processing Addendum",
        announced=announced,
        effective=effective,
        summary=f"Version {version} of the addendum.",
        sections=sections,
    )


V1 = _dpa(
    "1.0",
    dt.date(2024, 1, 2),
    dt.date(2024, 1, 2),
    Section(id="scope", title="Scope", body="We process personal data for our clients."),
)
V2 = _dpa(
    "2.1",
    dt.date(2025, 1, 10),
    dt.date(2025, 2, 15),
    Section(
        id="definitions",
        title="Definitions",
        body=(
            "**Controller** means the client; see "
            "[Article 28](https://gdpr.example/art-28).\n\n"
            "- first duty\n- second duty for Zoë in Łódź\n\n"
            "1. notify\n2. assist\n\n"
            "<script>alert(1)</script>"
        ),
    ),
    Section(id="breaches", title="Personal data breaches", body="We tell you within 48 hours."),
)
DRAFT = _dpa(
    "3.0",
    dt.date(2025, 6, 1),
    dt.date(2025, 7, 1),
    Section(id="scope", title="Scope", body="Not yet announced."),
)
DATA = TrustData(site=SITE, texts={"dpa": (V1, V2, DRAFT)}, subprocessor_changes=())


def _reader(pdf: bytes) -> pypdf.PdfReader:
    return pypdf.PdfReader(io.BytesIO(pdf))


def _text(pdf: bytes) -> str:
    return "\n".join(page.extract_text() for page in _reader(pdf).pages)


def test_one_pdf_per_published_version_at_its_permalink():
    pdfs = dpa_pdfs(DATA, TODAY)
    assert sorted(pdfs) == [
        "dpa/1.0/larkspur-relay-dpa-1.0.pdf",
        "dpa/2.1/larkspur-relay-dpa-2.1.pdf",
    ]
    assert dpa_pdf_path(SITE, "2.1") == "dpa/2.1/larkspur-relay-dpa-2.1.pdf"
    for pdf in pdfs.values():
        assert pdf.startswith(b"%PDF-")


def test_no_dpa_means_no_pdf():
    data = TrustData(site=SITE, texts={"faq": (V1,)}, subprocessor_changes=())
    assert dpa_pdfs(data, TODAY) == {}


def test_title_page_names_company_version_and_dates():
    pdf = dpa_pdfs(DATA, TODAY)["dpa/2.1/larkspur-relay-dpa-2.1.pdf"]
    title_page = _reader(pdf).pages[0].extract_text()
    for expected in (
        "Larkspur Relay B.V.",
        "Data Processing Addendum",
        "Version 2.1",
        "Announced: 10 January 2025",
        "Effective: 15 February 2025",
        "Version 2.1 of the addendum.",
        "https://trust.larkspur.example/dpa/2.1/",
    ):
        assert expected in title_page


def test_sections_render_headings_lists_and_escaped_html():
    pdf = dpa_pdfs(DATA, TODAY)["dpa/2.1/larkspur-relay-dpa-2.1.pdf"]
    text = " ".join(_text(pdf).split())
    assert "Definitions Controller means the client" in text
    assert "(https://gdpr.example/art-28)" in text  # link target printed for paper
    assert "• first duty" in text
    assert "Zoë in Łódź" in text
    assert "1. notify" in text and "2. assist" in text
    assert "<script>alert(1)</script>" in text  # shown as text, as on the site
    assert "Personal data breaches We tell you within 48 hours." in text
    assert "Page 2 of" in text
    outline = [entry["/Title"] for entry in _reader(pdf).outline]
    assert outline == [
        "Definitions",
        "Personal data breaches",
        *ANNEX_TITLES.values(),  # the SCC annexes follow the sections (docs/annexes.md)
        "Signatures",
    ]


def test_metadata_comes_from_the_data():
    pdf = dpa_pdfs(DATA, TODAY)["dpa/2.1/larkspur-relay-dpa-2.1.pdf"]
    meta = _reader(pdf).metadata
    assert meta.title == "Larkspur Relay Data Processing Addendum, version 2.1"
    assert meta.author == "Larkspur Relay B.V."
    assert meta.creation_date == dt.datetime(2025, 1, 10, tzinfo=dt.UTC)


def test_two_builds_are_byte_identical():
    render_dpa_pdf.cache_clear()
    first = dpa_pdfs(DATA, TODAY)
    time.sleep(1.1)  # a build timestamp would differ by now
    render_dpa_pdf.cache_clear()  # lay the documents out again, not from the cache
    assert dpa_pdfs(DATA, TODAY) == first
    # A later build date changes statuses, never the document itself.
    render_dpa_pdf.cache_clear()
    assert dpa_pdfs(DATA, dt.date(2025, 5, 1)) == first


def test_dejavu_is_used_when_installed():
    if not find_fonts().files:
        pytest.skip("DejaVu Serif is not installed on this machine")
    pdf = dpa_pdfs(DATA, TODAY)["dpa/1.0/larkspur-relay-dpa-1.0.pdf"]
    assert b"DejaVuSerif" in pdf


def test_core_font_fallback_keeps_the_text_readable(tmp_path):
    assert not find_fonts([tmp_path]).files
    pdf = dpa_pdfs(DATA, TODAY, fonts=core_fonts())["dpa/2.1/larkspur-relay-dpa-2.1.pdf"]
    text = " ".join(_text(pdf).split())
    assert "Zoë in Lódz" in text
    assert "- first duty" in text
    assert b"DejaVu" not in pdf


def test_latin1_normalisation():
    assert (
        to_latin1("“Quoted” – 48‑hour… €5 Œuvre naïve") == '"Quoted" - 48-hour... EUR5 OEuvre naïve'
    )
    assert to_latin1("日本") == "??"


def _cover_drawing(content: bytes) -> bytes:
    """The cover page's content stream (fpdf2 draws an SVG as paths into it)."""
    return pypdf.PdfReader(io.BytesIO(content)).pages[0].get_contents().get_data()


def test_the_brand_logo_is_on_the_cover_and_a_logo_fpdf_cannot_draw_is_left_off() -> None:
    from pathlib import Path

    logo = (Path(__file__).resolve().parents[3] / "data" / "brand" / "logo.svg").read_bytes()
    fonts = core_fonts()
    plain = _cover_drawing(render_dpa_pdf(SITE, V1, fonts))
    branded = _cover_drawing(render_dpa_pdf(SITE, V1, fonts, logo=logo))
    # The logo's violet square (#4b2e83) is filled on the cover, and the text is the same.
    assert b"0.2941 0.1804 0.5137 rg" in branded and b"0.2941 0.1804" not in plain
    assert b"(Larkspur Relay B.V.) Tj" in branded and b"(Version 1.0) Tj" in branded
    # check accepts any SVG that only draws; the PDF still builds without what fpdf2 lacks.
    broken = b'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 0 x"><rect/></svg>'
    assert render_dpa_pdf(SITE, V1, fonts, logo=broken).startswith(b"%PDF")


def test_a_table_cell_with_code_emphasis_or_a_link_prints_as_its_words() -> None:
    # fpdf2 refuses a cell holding more than one run of text; found by the property test
    # of tests/generator/site/test_check_means_build.py (`code` in a header cell).
    body = (
        "| `Field` and **more** | [Site](https://example.com/a) x |\n|---|---|\n"
        "| *a* `b` | plain |"
    )
    doc = V1.model_copy(update={"sections": (V1.sections[0].model_copy(update={"body": body}),)})
    pdf = render_dpa_pdf(SITE, doc, find_fonts())
    text = " ".join(_text(pdf).split())
    for words in ("Field and more", "Site (https://example.com/a) x", "a b", "plain"):
        assert words in text, words
