"""What the data adds to mkdocs.yml's configuration: the brand's logo, favicon and
stylesheet, and the security page in the navigation (so that previous/next pass through
it). The MkDocs plugin applies it during a build; `trustsite render --write-config` writes
it into the copy it makes, since no plugin runs when that copy is built.

Works on MkDocs' own config object and on the plain mapping read from mkdocs.yml alike.
"""

from __future__ import annotations

from collections.abc import MutableMapping
from typing import Any

from generator.load.model import TrustData
from generator.site.brand_assets import STYLESHEET, brand_paths

SECURITY_TITLE = "Security and compliance"
SECURITY_PAGE = "security/index.md"


def add_to_config(config: MutableMapping[str, Any], data: TrustData) -> None:
    _apply_brand(config, data)
    if data.texts.get("security"):
        _add_to_nav(config, SECURITY_TITLE, SECURITY_PAGE, before="changelog/")


def _apply_brand(config: MutableMapping[str, Any], data: TrustData) -> None:
    """The brand's logo and favicon as Material's, its colour through the build's stylesheet."""
    paths = brand_paths(data.site)
    theme = config.get("theme")
    if not paths or theme is None or isinstance(theme, str):
        return
    theme["logo"] = paths["logo"]
    if "favicon" in paths:
        theme["favicon"] = paths["favicon"]
    extra_css = config.setdefault("extra_css", [])
    if STYLESHEET not in extra_css:
        extra_css.append(STYLESHEET)


def _add_to_nav(config: MutableMapping[str, Any], title: str, page: str, *, before: str) -> None:
    """Put a page that exists only with some data into the navigation, before the first
    entry under `before`."""
    nav = config.get("nav")
    if not isinstance(nav, list):
        return
    if any(isinstance(entry, dict) and page in entry.values() for entry in nav):
        return
    at = next(
        (
            i
            for i, entry in enumerate(nav)
            if isinstance(entry, dict) and str(*entry.values()).startswith(before)
        ),
        len(nav),
    )
    nav.insert(at, {title: page})
