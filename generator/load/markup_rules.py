"""What a Markdown body and a plain-text field may contain: shared by the renderer and the check.

The renderer (generator.outputs.markdown_render) makes anything unsafe inert, and `trustsite check`
(generator.load.markup_check) refuses it, so that an editor learns that something would have been
dropped instead of finding it shown as text, or silently unlinked, on the public page. Both
use the rules here, so what the check lets through is exactly what the renderer keeps.
"""

from __future__ import annotations

import html
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass

import markdown
from markdown.extensions import Extension
from markdown.treeprocessors import Treeprocessor

SAFE_SCHEMES: tuple[str, ...] = ("http", "https", "mailto", "tel")
_SCHEME = re.compile(r"^([a-zA-Z][a-zA-Z0-9+.-]*):")
# Browsers drop ASCII tabs and newlines anywhere in a URL and leading control characters
# and spaces, so `java\tscript:` is `javascript:`; compare what the browser would see.
_URL_IGNORED = re.compile(r"[\x00-\x20\x7f]")
# Something a browser would read as the start of an element, a comment or a declaration.
_TAG_NAME = re.compile(r"</?([A-Za-z][A-Za-z0-9-]*)")
TAG_LIKE = re.compile(r"<(?:[A-Za-z][A-Za-z0-9-]*(?=[\s/>]|$)|/[A-Za-z]|!|\?)")


def link_scheme(href: str) -> str | None:
    """The scheme of a link as the browser will read it (entities decoded), or None."""
    match = _SCHEME.match(_URL_IGNORED.sub("", html.unescape(href)))
    return match.group(1).lower() if match else None


def is_safe_link(href: str) -> bool:
    """A relative link (a path, `#anchor`) or one of the schemes in SAFE_SCHEMES."""
    scheme = link_scheme(href)
    return scheme is None or scheme in SAFE_SCHEMES


def tag_in_text(text: str) -> str | None:
    """The first piece of `text` a browser would read as HTML markup, or None."""
    match = TAG_LIKE.search(text)
    if match is None:
        return None
    end = text.find(">", match.start())
    return text[match.start() : end + 1 if end != -1 else match.start() + 40]


@dataclass(frozen=True)
class Finding:
    """One thing in a Markdown body the site would not publish as written."""

    snippet: str  # the offending text, as it appears in the body
    message: str  # what is wrong and what to do; the snippet is quoted by the caller


class _Record(Treeprocessor):
    """Remembers every link and image of the parsed body (runs before any rewriting)."""

    def __init__(self, md: markdown.Markdown, seen: list[tuple[str, str]]):
        super().__init__(md)
        self.seen = seen

    def run(self, root: ET.Element) -> None:
        for el in root.iter():
            if el.tag == "a" and el.get("href") is not None:
                self.seen.append(("a", el.get("href", "")))
                if not any(ch.isalnum() for ch in "".join(el.itertext())):
                    self.seen.append(("empty", el.get("href", "")))
            elif el.tag == "img":
                self.seen.append(("img", el.get("src", "")))


class _RecordLinks(Extension):
    def __init__(self, seen: list[tuple[str, str]]):
        super().__init__()
        self.seen = seen

    def extendMarkdown(self, md: markdown.Markdown) -> None:
        # After "inline" (20), which turns [text](target) into elements.
        md.treeprocessors.register(_Record(md, self.seen), "trustsite_record_links", 1)


def find_markup(body: str) -> list[Finding]:
    """Raw HTML, images and links with a scheme the site does not keep, in document order.

    The body is parsed by Python-Markdown exactly as the site parses it, but with raw HTML
    left on: whatever Markdown would have taken as HTML (the site shows it as text) and
    every link it found are then reported; code spans and code blocks are never HTML.
    """
    seen: list[tuple[str, str]] = []
    md = markdown.Markdown(extensions=["tables", "sane_lists", _RecordLinks(seen)])
    md.convert(body)
    findings = []
    opened: set[str] = set()
    for raw in md.htmlStash.rawHtmlBlocks:
        text = str(raw).strip()
        if not text.startswith("<"):  # the stash also holds entities such as &copy;
            continue
        name = _TAG_NAME.match(text)
        if name and text.startswith("</") and name.group(1).lower() in opened:
            continue  # the opening tag is reported; its closing tag would only repeat it
        if name:
            opened.add(name.group(1).lower())
        findings.append(Finding(text.splitlines()[0], _RAW_HTML))
    for kind, target in seen:
        if kind == "img":
            findings.append(Finding(target, _IMAGE))
        elif kind == "empty":
            findings.append(Finding(target, _EMPTY_LINK))
        elif not is_safe_link(target):
            scheme = link_scheme(target)
            findings.append(Finding(target, _BAD_SCHEME.format(scheme=scheme)))
    return findings


_RAW_HTML = (
    "is HTML, which the site shows as plain text, not as markup; write it in Markdown "
    "(**bold**, *italic*, [text](https://...), lists with - ) or, to show the characters, "
    "put them in backticks: `<b>`"
)
_IMAGE = (
    "is an image; the site shows no images in documents (nothing is loaded from "
    "elsewhere); link to it instead: [description](https://...)"
)
_EMPTY_LINK = (
    "is the target of a link with no visible text ([](...)): readers cannot see or "
    "follow it, and its words escape every check; write the words to click: [text](...)"
)
_BAD_SCHEME = (
    "is a {scheme}: link, which the site does not publish; links may only start with "
    "https://, http://, mailto: or tel: (or be a path on this site)"
)
