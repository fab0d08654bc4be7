"""Markdown from the YAML, rendered to HTML that is safe to publish.

Section bodies are written by the legal team, but anything that reaches the site must be
inert: raw HTML is shown as text (never passed through), links may only use web or mail
schemes, and no attribute syntax is enabled (an `{onclick=...}` would be an injection).
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

# Body headings start two levels down: the page title is h1, the section title h2.
_HEADING_SHIFT = 2
_SAFE_SCHEMES = ("http", "https", "mailto")
_SCHEME = re.compile(r"^\s*([a-zA-Z][a-zA-Z0-9+.-]*):")
# Characters Python-Markdown treats specially in inline text (plus `|` for tables).
_MD_SPECIALS = re.compile(r"([\\`*_{}\[\]()#+\-.!|~^])")


class _SafeLinks(Treeprocessor):
    """Drops `href`/`src` values with a scheme other than http(s) or mailto."""

    def run(self, root: ET.Element) -> None:
        for el in root.iter():
            for attr in ("href", "src"):
                value = el.get(attr)
                if value is None:
                    continue
                match = _SCHEME.match(value)
                if match and match.group(1).lower() not in _SAFE_SCHEMES:
                    del el.attrib[attr]
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
