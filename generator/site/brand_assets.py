"""The brand of `site.yaml` in the built site: the logo and favicon copied beside the
pages, and a stylesheet that makes the brand's colour Material's primary colour.

The files were checked when the data was loaded (generator.load.brand: SVG or PNG, small,
an SVG that only draws), so here they are only copied. The colour drives the header, the
buttons and the links in the light scheme; in the dark scheme only the header takes it,
because a colour dark enough for white text is too dark for links on a dark page.
"""

from __future__ import annotations

from pathlib import Path

from generator.load.brand import brand_file, built_path
from generator.load.model import Site

STYLESHEET = "stylesheets/brand.css"


def brand_paths(site: Site) -> dict[str, str]:
    """`logo` and `favicon` (when given): where they are in the built site."""
    brand = site.brand
    if brand is None:
        return {}
    paths = {"logo": built_path("logo", brand.logo)}
    if brand.favicon:
        paths["favicon"] = built_path("favicon", brand.favicon)
    return paths


def brand_files(site: Site, data_dir: Path) -> dict[str, bytes]:
    """The logo, the favicon and the stylesheet, keyed by their path in the built site."""
    brand = site.brand
    if brand is None:
        return {}
    files: dict[str, bytes] = {STYLESHEET: brand_css(brand.color).encode("utf-8")}
    sources = {"logo": brand.logo, "favicon": brand.favicon}
    for kind, target in brand_paths(site).items():
        source = brand_file(data_dir, sources[kind] or "")
        if source is not None:
            files[target] = source.read_bytes()
    return files


def brand_css(color: str) -> str:
    """Material's primary colour variables, set to `color` (two selectors beat Material's one)."""
    dark = _mix(color, "#000000", 0.2)
    light = _mix(color, "#ffffff", 0.35)
    return (
        "/* Written by the build from brand.color in data/site.yaml. */\n"
        '[data-md-color-scheme="default"][data-md-color-primary] {\n'
        f"  --md-primary-fg-color: {color};\n"
        f"  --md-primary-fg-color--light: {light};\n"
        f"  --md-primary-fg-color--dark: {dark};\n"
        f"  --md-accent-fg-color: {dark};\n"
        f"  --md-typeset-a-color: {color};\n"
        f"  --ts-brand: {color};\n"
        "}\n"
        '[data-md-color-scheme="slate"][data-md-color-primary] {\n'
        f"  --md-primary-fg-color: {color};\n"
        f"  --md-primary-fg-color--dark: {dark};\n"
        "}\n"
    )


def _mix(color: str, other: str, share: float) -> str:
    """`color` with `share` of `other` mixed in."""
    channels = []
    for i in (1, 3, 5):
        a, b = int(color[i : i + 2], 16), int(other[i : i + 2], 16)
        channels.append(round(a + (b - a) * share))
    return "#{:02x}{:02x}{:02x}".format(*channels)
