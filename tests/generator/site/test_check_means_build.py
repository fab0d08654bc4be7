"""Whatever `trustsite check` accepts, `trustsite build` builds (a property test).

Hypothesis writes data sets as YAML files (text documents and sub-processor changes with
arbitrary Unicode, Markdown constructs, links of every kind, lists, tables and dates), keeps
those that pass the check (`load_data`), and builds each one: every page rendered and
converted by Python-Markdown with the site's extensions, every feed, export and DPA PDF.
One example also goes through the real MkDocs build.
"""

from __future__ import annotations

import datetime as dt
import functools
import tempfile
import unicodedata
from pathlib import Path

import markdown
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from generator.history.changes import build_changes
from generator.load.errors import DataError
from generator.load.loader import load_data
from generator.load.model import (
    Section,
    Subprocessor,
    SubprocessorChange,
    SubprocessorPatch,
    TextVersionDoc,
    TrustData,
)
from generator.load.textsafety import text_findings
from generator.site.build import build_site
from generator.site.pages import render_pages, site_outputs
from tests.support.factories import make_site, write_data

ROOT = Path(__file__).resolve().parents[3]
TODAY = dt.date(2025, 6, 1)
START = dt.date(2023, 1, 1)
MKDOCS_EXTENSIONS = ["attr_list", "admonition", "tables", "toc"]

# Text in one script at a time (Latin with its symbols, Cyrillic, Greek, Han, Arabic, or
# pictographs), mixed with ASCII digits, spaces and punctuation (<, &, quotes, brackets...).
# Not surrogates (not encodable), control, format, private-use or unassigned characters:
# the check refuses those and words that mix scripts (test_markup_check.py,
# test_textsafety.py), so here they would only waste examples.
_NOT_TEXT = ("Cs", "Cc", "Cf", "Co", "Cn", "Zl", "Zp")
_ASCII_NOT_LETTERS = "".join(chr(c) for c in range(0x20, 0x7F) if not chr(c).isalpha())
_SCRIPTS = [
    (0x20, 0x24F),  # ASCII, Latin-1 and Latin Extended
    (0x400, 0x4FF),  # Cyrillic
    (0x370, 0x3E1),  # Greek (not the Coptic letters after it)
    (0x4E00, 0x4FFF),  # Han
    (0x600, 0x6FF),  # Arabic
    (0x2600, 0x26FF),  # pictographs
]
_symbols = st.sampled_from(_ASCII_NOT_LETTERS)


def _reads_as_stored(char: str) -> bool:
    """Not a character the check refuses on its own (a look-alike of an ASCII one)."""
    return not any(text_findings(char, single_line=True))


@functools.cache
def _letters(first: int, last: int) -> tuple[str, ...]:
    """The characters of one script the check takes, worked out once: filtering each
    drawn character instead made Hypothesis spend minutes on rejected draws."""
    return tuple(
        c
        for c in map(chr, range(first, last + 1))
        if unicodedata.category(c) not in _NOT_TEXT and _reads_as_stored(c)
    )


def _text(max_size: int) -> st.SearchStrategy[str]:
    return st.sampled_from(_SCRIPTS).flatmap(
        lambda r: st.text(
            st.one_of(st.sampled_from(_letters(*r)), _symbols),
            min_size=1,
            max_size=max_size,
        )
    ).filter(lambda s: s.strip())


words = _text(30)
plain = _text(80)
targets = st.sampled_from(
    [
        "https://example.com/a?b=c&d=e#f",
        "http://example.com",
        "mailto:privacy@example.com",
        "tel:+31201234567",
        "TEL:+1 (555) 010-0000",
        "../faq/",
        "#section",
        "",
    ]
)


@st.composite
def markdown_bodies(draw: st.DrawFn) -> str:
    block = st.one_of(
        plain,
        st.builds(lambda w, t: f"[{w}]({t})", words, targets),
        st.builds(lambda w, t: f"See [{w}]({t}) and <https://example.com/{t}>.", words, targets),
        st.lists(words, min_size=1, max_size=4).map(lambda ws: "\n".join(f"- {w}" for w in ws)),
        st.lists(words, min_size=1, max_size=3).map(
            lambda ws: "\n".join(f"{i}. {w}" for i, w in enumerate(ws, 1))
        ),
        st.builds(lambda a, b: f"**{a}** and *{b}* and `{a}`", words, words),
        st.builds(lambda a: f"# {a}", words),
        st.builds(lambda a: f"> {a}", words),
        st.builds(lambda a, b: f"| {a} | {b} |\n|---|---|\n| {b} | {a} |", words, words),
        st.builds(lambda a: f"    {a}", words),
    )
    return "\n\n".join(draw(st.lists(block, min_size=1, max_size=5)))


@st.composite
def text_versions(draw: st.DrawFn) -> tuple[TextVersionDoc, ...]:
    docs = []
    announced = START + dt.timedelta(days=draw(st.integers(0, 200)))
    for number in range(1, draw(st.integers(1, 3)) + 1):
        editorial = number > 1 and draw(st.booleans())
        notice = 0 if number == 1 or editorial else draw(st.integers(30, 60))
        count = draw(st.integers(1, 3))
        sections = tuple(
            Section(id=f"s{i}", title=draw(plain), body=draw(markdown_bodies()))
            for i in range(count)
        )
        docs.append(
            TextVersionDoc(
                version=f"{number}.0",
                title=draw(plain),
                announced=announced,
                effective=announced + dt.timedelta(days=notice),
                summary=draw(plain),
                editorial=editorial,
                sections=sections,
            )
        )
        announced += dt.timedelta(days=notice + draw(st.integers(1, 90)))
    return tuple(docs)


@st.composite
def entries(draw: st.DrawFn, entry_id: str) -> Subprocessor:
    country, mechanism = draw(st.sampled_from([("DE", "none"), ("US", "SCCs"), ("NL", "none")]))
    return Subprocessor(
        id=entry_id,
        entity=draw(plain),
        purpose=draw(plain),
        data_categories=tuple(draw(st.lists(words, min_size=1, max_size=3))),
        processing_locations=(country,),
        corporate_location=country,
        transfer_mechanism=mechanism,
        website=draw(st.sampled_from(["https://example.com/", "https://a.example/x?y=1"])),
        relationship=draw(st.sampled_from(["affiliate", "third-party"])),
    )


@st.composite
def list_changes(draw: st.DrawFn) -> tuple[SubprocessorChange, ...]:
    first = START + dt.timedelta(days=draw(st.integers(0, 100)))
    added = [draw(entries(f"sp-{i}")) for i in range(draw(st.integers(1, 3)))]
    changes = [SubprocessorChange(announced=first, effective=first, summary=draw(plain), add=added)]
    if draw(st.booleans()):
        announced = first + dt.timedelta(days=draw(st.integers(1, 400)))
        patch = SubprocessorPatch(purpose=draw(plain), entity=draw(plain))
        changes.append(
            SubprocessorChange(
                announced=announced,
                effective=announced + dt.timedelta(days=draw(st.integers(30, 60))),
                summary=draw(plain),
                add=(draw(entries("sp-new")),),
                change={"sp-0": patch},
            )
        )
    return tuple(changes)


@st.composite
def data_sets(draw: st.DrawFn) -> TrustData:
    return TrustData(
        site=make_site(),
        texts={topic: draw(text_versions()) for topic in ("dpa", "privacy", "faq")},
        subprocessor_changes=draw(list_changes()),
    )


def _checked(data: TrustData, folder: Path) -> TrustData | None:
    """The data as `trustsite check` reads it back from YAML, or None if it refuses it."""
    try:
        return load_data(write_data(data, folder / "data"))
    except DataError:
        return None


def build_without_mkdocs(data: TrustData) -> None:
    records = build_changes(data, TODAY)
    for path, source in render_pages(data, records, TODAY).items():
        md = markdown.Markdown(extensions=MKDOCS_EXTENSIONS)
        assert md.convert(source.split("\n---", 1)[-1]) is not None, path
    outputs = site_outputs(data, TODAY, records, pdfs=True)
    pdfs = [path for path in outputs if path.endswith(".pdf")]
    assert pdfs and all(outputs[path].startswith(b"%PDF-") for path in pdfs)


@settings(
    max_examples=6,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
@given(data_sets())
def test_data_that_passes_the_check_builds(data: TrustData) -> None:
    with tempfile.TemporaryDirectory() as folder:
        checked = _checked(data, Path(folder))
    assume(checked is not None)  # Unsatisfiable if the check refused every example
    assert checked is not None
    build_without_mkdocs(checked)


@settings(max_examples=1, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data_sets())
def test_data_that_passes_the_check_builds_with_mkdocs(data: TrustData) -> None:
    with tempfile.TemporaryDirectory() as folder:
        base = Path(folder)
        assume(_checked(data, base) is not None)
        summary = build_site(base / "data", base / "site", TODAY, config_file=ROOT / "mkdocs.yml")
        assert summary.startswith("built ")


def test_a_tel_link_builds_in_pages_and_pdfs() -> None:
    """Issue 11 item 9: `[call](tel:...)` passed the check and fpdf2 then died."""
    from tests.support.factories import make_data, make_doc, make_section

    body = "Call [our privacy team](tel:+31201234567) or [mail us](mailto:p@example.com)."
    doc = make_doc("1.0", "2024-01-10", "2024-01-10", (make_section("contact", body),))
    data = make_data(texts={"dpa": (doc,), "privacy": (doc,), "faq": (doc,)})
    records = build_changes(data, TODAY)
    pages = render_pages(data, records, TODAY)
    assert '<a href="tel:+31201234567">our privacy team</a>' in pages["dpa/1.0/index.md"]
    outputs = site_outputs(data, TODAY, records, pdfs=True)
    assert any(path.endswith(".pdf") for path in outputs)
