"""What a reader sees on each version's page, committed to in history.json (docs/history.md).

`source.json` proves what was published; the page is what a client reads. So that an edit
of the built HTML ("48 hours" -> "96 hours" in `/dpa/2.0/index.html`) cannot pass
`trustsite verify`, each build records, under `pages` in history.json, a hash of every
version page's document, and the signature covers it. The document is the page's
`<article>` element (the theme's navigation, header and footer are outside it), read as a
sequence of its text (character references decoded), a space at each element boundary
and the target of each link, with whitespace collapsed: identical builds give identical
hashes, while any change of a word, a number, a character or a link target changes it.

The hashes are kept beside the chain, not in it: a page also shows what changes over time
(its status, the corrections since), so they commit to this build's pages, and a new
build records new ones without rewriting a link.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable
from html.parser import HTMLParser
from typing import Any

from generator.history.manifest import HISTORY_PATH, SIGNATURE_PATH, dump_json, signed_message

PAGES_KEY = "pages"
_SPACE = re.compile(r"\s+")


class _Article(HTMLParser):
    """Collects the text and link targets inside the first <article> element."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.depth = 0  # nesting of <article> elements; > 0 while inside the document
        self.done = False
        self.parts: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if self.done:
            return
        if tag == "article":
            self.depth += 1
        if self.depth:
            # Every element boundary is a space, so text cannot move between elements
            # unnoticed ("<p>a</p><p>bc</p>" is not "<p>ab</p><p>c</p>").
            self.parts.append(" ")
        if self.depth and tag == "a":
            self.parts.append(f"\x00href={dict(attrs).get('href') or ''}\x00")

    def handle_endtag(self, tag: str) -> None:
        if self.depth and not self.done:
            self.parts.append(" ")
        if tag == "article" and self.depth and not self.done:
            self.depth -= 1
            self.done = self.depth == 0

    def handle_data(self, data: str) -> None:
        if self.depth and not self.done:
            self.parts.append(data)


def document_text(html: bytes) -> str | None:
    """The page's document as text and link targets, normalised; None without an article."""
    parser = _Article()
    parser.feed(html.decode("utf-8", errors="replace"))
    parser.close()
    if not parser.parts and not parser.done:
        return None
    # Not NFC-normalised: U+037E in place of ';' is another page (identical builds give
    # identical bytes, so nothing needs normalising for the hash to be stable).
    return _SPACE.sub(" ", "".join(parser.parts)).strip()


def page_hash(html: bytes) -> str | None:
    text = document_text(html)
    return None if text is None else hashlib.sha256(text.encode()).hexdigest()


def page_of(link: dict[str, Any]) -> str:
    """The page beside a version's source.json: `dpa/2.0/index.html`."""
    return str(link.get("source", "")).removesuffix("source.json") + "index.html"


def seal_pages(
    outputs: dict[str, bytes], read_page: Callable[[str], bytes | None], signer: Any = None
) -> dict[str, bytes]:
    """history.json with the hash of every version page's document, and its signature.

    `read_page` gives a built page's bytes by site path (None if the build wrote none).
    """
    history = json.loads(outputs[HISTORY_PATH])
    pages: dict[str, str] = {}
    for link in history["links"]:
        if link["type"] != "version":
            continue
        page = page_of(link)
        html = read_page(page)
        digest = page_hash(html) if html is not None else None
        if digest is None:
            raise ValueError(f"{page}: the build wrote no document page for {link['id']}")
        pages[page] = digest
    history[PAGES_KEY] = pages
    sealed = {HISTORY_PATH: dump_json(history)}
    if signer is not None:
        message = signed_message(history["site"], history["head"], pages)
        sealed[SIGNATURE_PATH] = signer.sign(message)
    return sealed
