"""Markdown from the YAML, rendered to HTML that is safe to publish.

Section bodies are written by the legal team, but anything that reaches the site must be
inert: raw HTML is shown as text (never passed through), links may only use web, mail or
phone schemes (generator.load.markup_rules, which `trustsite check` enforces too), images are
shown as their description, and no attribute syntax is enabled (an `{onclick=...}` would
be an injection).
Headings inside a body are demoted so they nest under the section heading of the page.
"""

from __future__ import annotations

import html
import re
import xml.etree.ElementTree as ET
from functools import lru_cache

import markdown
from markdown.extensions import Extension
from markdown.treeprocessors import Treeprocessor

from generator.load.markup_rules import is_safe_link

# Body headings start two levels down: the page title is h1, the section title h2.
_HEADING_SHIFT = 2
# Characters Python-Markdown treats specially in inline text (plus `|` for tables).
_MD_SPECIALS = re.compile(r"([\\`*_{}\[\]()#+\-.!|~^])")


class _SafeLinks(Treeprocessor):
    """Unlinks links with a scheme the site does not keep and shows images as their text.

    An unsafe link becomes a plain `<span>` with its text rather than an `<a>` without
    `href`, which readers would take for a link and fpdf2 cannot lay out.
    """

    def run(self, root: ET.Element) -> None:
        for el in root.iter():
            if el.tag == "a" and not is_safe_link(el.get("href", "")):
                el.tag = "span"
                el.attrib.clear()
            elif el.tag == "img":
                alt = el.get("alt", "")
                el.tag = "span"
                el.attrib.clear()
                el.text = alt
            if el.tag in ("h1", "h2", "h3", "h4", "h5", "h6"):
                el.tag = f"h{min(6, int(el.tag[1]) + _HEADING_SHIFT)}"


class _EscapeRawHtml(Extension):
    """Turns off raw HTML: blocks and inline tags become ordinary (escaped) text."""

    def extendMarkdown(self, md: markdown.Markdown) -> None:
        md.preprocessors.deregister("html_block")
        md.inlinePatterns.deregister("html")
        md.treeprocessors.register(_SafeLinks(md), "trustsite_safe_links", 0)


def _new_renderer() -> markdown.Markdown:
    return markdown.Markdown(
        extensions=["tables", "sane_lists", _EscapeRawHtml()],
        output_format="html",
    )


_renderer = _new_renderer()


@lru_cache(maxsize=4096)
def render_markdown(text: str) -> str:
    """Markdown to HTML with raw HTML escaped, never passed through.

    Cached: most sections are identical from one version of a document to the next.
    """
    _renderer.reset()
    return _renderer.convert(text)


def escape_inline(text: str) -> str:
    """Plain text for a Markdown context (a heading, link text): shown exactly as written."""
    return _MD_SPECIALS.sub(r"\\\1", html.escape(text, quote=False))
