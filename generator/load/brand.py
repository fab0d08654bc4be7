"""Rules for `site.yaml` that reach outside the file: the brand's colour and files, and
where the forms post.

The colour becomes Material's primary colour, behind white header text and under links,
so it must reach WCAG AA's 4.5:1 against white; the editor is told the ratio and a darker
shade of the same hue that passes. The logo and the favicon are copied into every page
and mail, so they must be small SVG or PNG files under `data/`, and an SVG must draw only:
no script, no event handler, no reference to anything outside itself. The SVG is parsed
with defusedxml, which refuses entity expansion and external DTDs.
"""

from __future__ import annotations

import re
from pathlib import Path, PurePosixPath
from urllib.parse import urlsplit
from xml.etree.ElementTree import Element

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring

from generator.load.errors import Issue
from generator.load.model import Brand, Site
from generator.load.validate import Located

MIN_CONTRAST = 4.5  # WCAG 2.x AA, normal text
MAX_LOGO_BYTES = 100_000
MAX_FAVICON_BYTES = 50_000
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
LOCAL_HOSTS = frozenset({"localhost", "127.0.0.1", "::1", "0.0.0.0"})
# Elements that run code, embed other documents or pull in resources by themselves.
_FORBIDDEN_ELEMENTS = frozenset(
    {"script", "foreignobject", "iframe", "embed", "object", "audio", "video"}
)
_URL_IN_STYLE = re.compile(r"url\(\s*['\"]?\s*(?!#)|@import", re.IGNORECASE)


def check_site_rules(site: Located[Site], data_dir: Path) -> list[Issue]:
    """Every problem with the brand and the service address, pointing into site.yaml."""
    issues = _check_service_url(site)
    brand = site.doc.brand
    if brand is not None:
        issues += _check_color(site, brand)
        issues += _check_file(site, data_dir, ("brand", "logo"), brand.logo, MAX_LOGO_BYTES)
        if brand.favicon is not None:
            issues += _check_file(
                site, data_dir, ("brand", "favicon"), brand.favicon, MAX_FAVICON_BYTES
            )
    return issues


# --- where the forms post ------------------------------------------------------------------


def is_local(url: str) -> bool:
    host = (urlsplit(url).hostname or "").lower()
    return host in LOCAL_HOSTS or host.endswith(".localhost") or host.startswith("127.")


def _check_service_url(site: Located[Site]) -> list[Issue]:
    """A public site whose forms post to this machine would lose every subscription."""
    doc = site.doc
    if is_local(str(doc.site_url)) or not is_local(str(doc.service_url)):
        return []
    return [
        site.issue(
            ("service_url",),
            f"{doc.service_url} is this computer, but the site is published at "
            f"{doc.site_url}: every form on it would post to the reader's own machine; "
            "write the address the subscription service is deployed at",
        )
    ]


# --- the colour ----------------------------------------------------------------------------


def _channel(value: int) -> float:
    c = value / 255
    return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4


def _rgb(color: str) -> tuple[int, int, int]:
    return int(color[1:3], 16), int(color[3:5], 16), int(color[5:7], 16)


def contrast_with_white(color: str) -> float:
    """WCAG 2 contrast ratio of `#RRGGBB` against white, from 1 to 21."""
    r, g, b = (_channel(v) for v in _rgb(color))
    luminance = 0.2126 * r + 0.7152 * g + 0.0722 * b
    return 1.05 / (luminance + 0.05)


def darker_passing(color: str) -> str:
    """The lightest shade of `color` (same hue, scaled towards black) that passes AA."""
    red, green, blue = _rgb(color)
    for step in range(100, -1, -1):
        shade = "#{:02x}{:02x}{:02x}".format(*(round(v * step / 100) for v in (red, green, blue)))
        if contrast_with_white(shade) >= MIN_CONTRAST:
            return shade
    return "#000000"


def _check_color(site: Located[Site], brand: Brand) -> list[Issue]:
    ratio = contrast_with_white(brand.color)
    if ratio >= MIN_CONTRAST:
        return []
    return [
        site.issue(
            ("brand", "color"),
            f"{brand.color} has a contrast of {ratio:.2f}:1 with white, under the "
            f"{MIN_CONTRAST}:1 that WCAG AA asks for white header text and links to be "
            f"readable; a darker shade such as {darker_passing(brand.color)} passes",
        )
    ]


# --- the files -----------------------------------------------------------------------------


def built_path(kind: str, name: str) -> str:
    """Where the built site keeps the brand's `kind` ("logo", "favicon") given as `name`."""
    return f"brand/{kind}{PurePosixPath(name).suffix.lower()}"


def brand_file(data_dir: Path, name: str) -> Path | None:
    """`data_dir/name` if it stays inside `data_dir`, else None."""
    root = data_dir.resolve()
    path = (root / name).resolve()
    return path if path.is_relative_to(root) and path != root else None


def _check_file(
    site: Located[Site], data_dir: Path, key: tuple[str, str], name: str, limit: int
) -> list[Issue]:
    path = brand_file(data_dir, name)
    if path is None:
        return [
            site.issue(
                key, f"{name} is outside data/; put the file in data/ and name it from there"
            )
        ]
    if not path.is_file():
        return [site.issue(key, f"there is no file {name} in data/; add it or correct the name")]
    size = path.stat().st_size
    if size > limit:
        return [
            site.issue(
                key,
                f"{name} is {size:,} bytes; it is sent with every page and mail, so keep it "
                f"under {limit:,} bytes (simplify the SVG or shrink the PNG)",
            )
        ]
    data = path.read_bytes()
    suffix = path.suffix.lower()
    if suffix == ".png":
        if not data.startswith(PNG_SIGNATURE):
            return [site.issue(key, f"{name} is named .png but is not a PNG image")]
        return []
    if suffix == ".svg":
        problem = svg_problem(data)
        return [site.issue(key, f"{name}: {problem}")] if problem else []
    return [site.issue(key, f"{name} is not an SVG or PNG file; give the logo as .svg or .png")]


def svg_problem(data: bytes) -> str | None:
    """Why this SVG may not be put into pages, or None when it only draws."""
    try:
        root = fromstring(data, forbid_dtd=True)
    except DefusedXmlException:
        return "an SVG with a DTD or entities is refused; remove the <!DOCTYPE> and entities"
    except Exception as err:  # ParseError and the expat errors under it
        return f"is not well-formed SVG ({err}); export it again from the drawing program"
    if _local_name(root) != "svg":
        return "is not an SVG image (its root element is not <svg>)"
    for element in root.iter():
        problem = _element_problem(element)
        if problem:
            return problem
    return None


def _local_name(element: Element) -> str:
    return str(element.tag).rsplit("}", 1)[-1].lower()


def _element_problem(element: Element) -> str | None:
    name = _local_name(element)
    if name in _FORBIDDEN_ELEMENTS:
        return f"the SVG holds a <{name}> element; a logo may only draw, remove it"
    if name == "style" and _URL_IN_STYLE.search(element.text or ""):
        return "the SVG's <style> loads something from elsewhere (url() or @import); remove it"
    for attribute, value in element.attrib.items():
        local = attribute.rsplit("}", 1)[-1].lower()
        if local.startswith("on"):
            return f"the SVG's <{name}> has an event handler ({local}); a logo may only draw"
        if local == "href" and not value.strip().startswith("#"):
            shown = value[:80]
            return f"the SVG's <{name}> refers to {shown!r}; it may point only inside itself (#id)"
        if _URL_IN_STYLE.search(value):
            return f"the SVG's <{name}> {local} loads something from elsewhere; remove it"
    return None
