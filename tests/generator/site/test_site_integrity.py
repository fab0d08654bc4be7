"""The built demo site as a whole: links resolve, pages are well formed, feeds and JSON valid.

The demo data (`data/`) is built once for the module with the real build, for the date
the site would be published today (SOURCE_DATE_EPOCH when set), because that is the site
the legal team ships; every check here must hold on any date.
"""

from __future__ import annotations

import json
from email.utils import parsedate_to_datetime
from html.parser import HTMLParser
from pathlib import Path

import feedparser
import jsonschema
import pytest
from lxml import etree

from generator.load.clock import resolve_today
from generator.site.build import build_site
from generator.site.linkcheck import check_site, report
from subscribe_service.notices.source import load_changes

ROOT = Path(__file__).resolve().parents[3]
ATOM_SCHEMA = Path(__file__).parents[1] / "fixtures" / "atom.rng"
TOPICS = ("subprocessors", "dpa", "privacy", "faq", "all")

# Elements that never have content or an end tag (HTML Living Standard, "void elements").
VOID = frozenset(
    "area base br col embed hr img input link meta source track wbr".split()  # noqa: SIM905
)


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    site_dir = tmp_path_factory.mktemp("demo") / "site"
    build_site(ROOT / "data", site_dir, resolve_today(None), config_file=ROOT / "mkdocs.yml")
    return site_dir


def html_pages(site: Path) -> list[Path]:
    return sorted(site.rglob("*.html"))


# --- links ----------------------------------------------------------------------------------


def test_every_internal_link_of_the_demo_site_resolves(site: Path) -> None:
    broken, pages, links = check_site(site)
    assert broken == [], report(broken, pages, links)
    # The check really read the site: every page, and the links of the navigation at least.
    assert pages == len(html_pages(site)) > 20
    assert links > pages * 10


# --- well-formed HTML -----------------------------------------------------------------------


class _Balance(HTMLParser):
    """Every element closed, in order; every id once. Errors as `line:col: message`."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.errors: list[str] = []
        self.open: list[tuple[str, tuple[int, int]]] = []
        self.ids: dict[str, tuple[int, int]] = {}
        self.doctype = False

    def handle_decl(self, decl: str) -> None:
        self.doctype = self.doctype or decl.lower() == "doctype html"

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._note_ids(attrs)
        if tag not in VOID:
            self.open.append((tag, self.getpos()))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._note_ids(attrs)
        # Inside SVG and MathML (foreign content) `<path/>` closes itself; in HTML it does not.
        foreign = any(name in ("svg", "math") for name, _ in self.open)
        if tag not in VOID and not foreign:
            self._error(f"<{tag}/> is not a void element; write <{tag}></{tag}>")

    def handle_endtag(self, tag: str) -> None:
        if tag in VOID:
            self._error(f"</{tag}>: a void element has no end tag")
        elif not self.open:
            self._error(f"</{tag}> closes nothing")
        elif self.open[-1][0] != tag:
            name, (line, col) = self.open[-1]
            self._error(f"</{tag}> closes <{name}> opened at {line}:{col}")
            # Resynchronise on the element it names, so one slip is one error.
            if any(name == tag for name, _ in self.open):
                while self.open.pop()[0] != tag:
                    pass
        else:
            self.open.pop()

    def _note_ids(self, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if name != "id" or value is None:
                continue
            if value in self.ids:
                line, col = self.ids[value]
                self._error(f'id "{value}" used again (first at {line}:{col})')
            else:
                self.ids[value] = self.getpos()

    def _error(self, message: str) -> None:
        line, col = self.getpos()
        self.errors.append(f"{line}:{col}: {message}")


def html_errors(html: str) -> list[str]:
    """Why `html` is not a well-formed document; empty when it is."""
    checker = _Balance()
    checker.feed(html)
    checker.close()
    errors = list(checker.errors)
    if not checker.doctype:
        errors.append("1:0: no <!doctype html>")
    errors.extend(f"{line}:{col}: <{name}> is never closed" for name, (line, col) in checker.open)
    return errors


def test_the_balance_check_finds_what_it_should() -> None:
    # Guards the guard: a checker that accepts anything would make the test below hollow.
    good = (
        '<!doctype html><html><body><p id="a">x<br>y<img src="i"></p>'
        '<svg><path d="M0"/></svg></body></html>'
    )
    assert html_errors(good) == []
    bad = '<!doctype html><html><body><div><p id="a">x</div><span id="a"></span><br></br><b/>'
    assert html_errors(bad) == [
        "1:43: </div> closes <p> opened at 1:32",
        '1:49: id "a" used again (first at 1:32)',
        "1:73: </br>: a void element has no end tag",
        "1:78: <b/> is not a void element; write <b></b>",
        "1:15: <html> is never closed",
        "1:21: <body> is never closed",
    ]


def test_every_page_is_well_formed_html(site: Path) -> None:
    problems = []
    for page in html_pages(site):
        rel = page.relative_to(site).as_posix()
        errors = html_errors(page.read_text(encoding="utf-8"))
        problems.extend(f"{rel}:{error}" for error in errors)
    assert problems == [], "\n".join(problems[:40])


# --- feeds ----------------------------------------------------------------------------------


@pytest.mark.parametrize("topic", TOPICS)
def test_atom_feed_is_valid_atom_1_0(site: Path, topic: str) -> None:
    body = (site / "feeds" / f"{topic}.atom").read_bytes()
    parsed = feedparser.parse(body)
    assert parsed.bozo == 0, parsed.get("bozo_exception")
    assert parsed.version == "atom10"
    schema = etree.RelaxNG(etree.parse(str(ATOM_SCHEMA)))
    assert schema.validate(etree.fromstring(body)), schema.error_log
    if topic == "all":
        assert parsed.entries, "the demo site's feed of all changes is empty"


@pytest.mark.parametrize("topic", TOPICS)
def test_rss_feed_is_valid_rss_2_0(site: Path, topic: str) -> None:
    body = (site / "feeds" / f"{topic}.rss").read_bytes()
    parsed = feedparser.parse(body)
    assert parsed.bozo == 0, parsed.get("bozo_exception")
    assert parsed.version == "rss20"
    channel = etree.fromstring(body).find("channel")
    assert channel is not None
    # RSS 2.0: a channel has title, link and description; an item has a title or a
    # description; dates are RFC 822.
    for required in ("title", "link", "description"):
        assert (channel.findtext(required) or "").strip(), f"channel has no <{required}>"
    for item in channel.findall("item"):
        assert item.findtext("title") or item.findtext("description")
        for date in (item.findtext("pubDate"), channel.findtext("lastBuildDate")):
            if date is not None:
                assert parsedate_to_datetime(date).tzinfo is not None, date
    assert [e.id for e in parsed.entries] == [
        e.id for e in feedparser.parse((site / "feeds" / f"{topic}.atom").read_bytes()).entries
    ], "the Atom and RSS feeds list different changes"


# --- JSON exports ---------------------------------------------------------------------------


def test_subprocessors_json_validates_against_the_published_schema(site: Path) -> None:
    schema = json.loads((site / "schema" / "subprocessors.schema.json").read_text("utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    validator = jsonschema.Draft202012Validator(
        schema, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
    )
    document = json.loads((site / "subprocessors.json").read_text("utf-8"))
    errors = [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(document)]
    assert errors == []
    assert document["subprocessors"], "the demo list is empty"


def test_changes_json_is_what_the_service_accepts(site: Path) -> None:
    # The service's own reader is the schema of changes.json: it refuses anything invalid.
    loaded = load_changes(str(site / "changes.json"))
    raw = json.loads((site / "changes.json").read_text("utf-8"))
    assert len(loaded.doc.changes) == len(raw["changes"]) > 0
    assert raw["format"] == "trustsite-changes/1"
