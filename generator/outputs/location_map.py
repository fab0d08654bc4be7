"""The map of processing locations on the sub-processor page, drawn at build time.

The country shapes come from pygal_maps_world (pygal's world map: one `<g class="de
country">` of paths per ISO 3166 code, in its shipped `worldmap.svg`). pygal's own chart
would add a random id, a stylesheet and, unless told otherwise, scripts from elsewhere;
this module draws the shapes itself instead: presentation attributes only (no `<style>`,
no `style=""`, no script, nothing fetched), a fixed order, and no date or random number,
so two builds give the same bytes and the site's Content-Security-Policy has nothing to
allow. The shapes are simplified first (map_shapes), to a small part of their size. The
page shows the file as an image with a text alternative and a table of the same figures
(templates/pages/_reader.html.j2).
"""

from __future__ import annotations

import math
import re
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources
from xml.sax.saxutils import escape, quoteattr

from generator.load import countries
from generator.load.model import Subprocessor
from generator.outputs.map_shapes import light_path

MAP_PATH = "subprocessors/map.svg"
# Grey for a country without sub-processors, then light to dark indigo (the site's colour);
# the darkest still lets the white borders between countries show.
NONE_FILL = "#dde1e8"
SHADES = ("#c5cae9", "#7986cb", "#3f51b5", "#1a237e")
BACKGROUND = "#f7f8fb"
TEXT = "#1f2430"
LEGEND_HEIGHT = 90
_GROUP = re.compile(r'<g class="([a-z]{2}) country map-element">(.*?)</g>', re.S)
_PATH_D = re.compile(r'<path d="([^"]+)"')
_VIEWBOX = re.compile(r'viewBox="0 0 ([\d.]+) ([\d.]+)"')


@dataclass(frozen=True)
class WorldShapes:
    width: int
    height: int
    paths: tuple[tuple[str, tuple[str, ...]], ...]  # (lower-case ISO code, path data), file order


@cache
def world_shapes() -> WorldShapes:
    svg = resources.files("pygal_maps_world").joinpath("worldmap.svg").read_text("utf-8")
    box = _VIEWBOX.search(svg)
    if box is None:  # a release of the package with another layout: say which
        raise RuntimeError("pygal_maps_world's worldmap.svg has no viewBox; check its version")
    shapes = []
    for match in _GROUP.finditer(svg):
        paths = tuple(p for p in map(light_path, _PATH_D.findall(match[2])) if p)
        if paths:  # a country made only of specks disappears, as it would on screen
            shapes.append((match[1], paths))
    return WorldShapes(round(float(box[1])), round(float(box[2])), tuple(shapes))


@dataclass(frozen=True)
class LocationRow:
    code: str
    country: str  # `Germany (DE)`
    count: int
    names: tuple[str, ...]  # entities processing there, by name


def location_rows(entries: Sequence[Subprocessor]) -> list[LocationRow]:
    """One row per processing country, most sub-processors first, then by country name."""
    names: dict[str, set[str]] = defaultdict(set)
    for entry in entries:
        for code in entry.processing_locations:
            names[str(code)].add(entry.entity)
    rows = [
        LocationRow(code, countries.shown(code), len(who), tuple(sorted(who, key=str.casefold)))
        for code, who in names.items()
    ]
    return sorted(rows, key=lambda r: (-r.count, r.country.casefold()))


def shade(count: int, most: int) -> str:
    """The fill of a country with `count` sub-processors when the busiest has `most`."""
    if count <= 0 or most <= 0:
        return NONE_FILL
    levels = min(most, len(SHADES))
    return _level_shade(math.ceil(count * levels / most), levels)


def _level_shade(level: int, levels: int) -> str:
    """Level 1..levels spread over the shades, the top level always the darkest: with few
    levels the contrast between them (and with the grey) stays large."""
    return SHADES[math.ceil(level * len(SHADES) / levels) - 1]


def alt_text(rows: Sequence[LocationRow]) -> str:
    listed = "; ".join(f"{r.country}: {r.count}" for r in rows)
    return f"World map of processing locations. Sub-processors per country: {listed}."


def map_svg(entries: Sequence[Subprocessor]) -> bytes:
    """The whole SVG document: countries shaded by the number of sub-processors there."""
    world = world_shapes()
    rows = location_rows(entries)
    counts = {r.code.lower(): r for r in rows}
    most = max((r.count for r in rows), default=0)
    height = world.height + LEGEND_HEIGHT
    out = [
        '<?xml version="1.0" encoding="UTF-8"?>\n',
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {world.width} {height}" '
        f'width="{world.width}" height="{height}" role="img" aria-labelledby="title">\n',
        f'<title id="title">{escape(alt_text(rows))}</title>\n',
        f'<rect width="{world.width}" height="{height}" fill="{BACKGROUND}"/>\n',
        '<g stroke="#ffffff" stroke-width="0.8" stroke-linejoin="round">\n',
    ]
    for code, paths in world.paths:
        row = counts.get(code)
        fill = shade(row.count if row else 0, most)
        title = f"<title>{escape(row.country)}: {row.count}</title>" if row else ""
        ds = f"<path d={quoteattr(''.join(paths))}/>"  # one path per country: fewer bytes
        out.append(f'<g fill="{fill}">{title}{ds}</g>\n')
    out.append("</g>\n")
    out.append(_legend(most, world.height))
    out.append("</svg>\n")
    return "".join(out).encode("utf-8")


def _legend(most: int, top: int) -> str:
    """Swatches and their ranges, under the map, in text large enough at phone width."""
    levels = min(most, len(SHADES))
    items = [(NONE_FILL, "none")]
    for level in range(1, levels + 1):
        low = math.floor((level - 1) * most / levels) + 1
        high = math.floor(level * most / levels)
        items.append((_level_shade(level, levels), str(low) if low == high else f"{low}–{high}"))
    y = top + 20
    parts = [
        f'<g font-family="sans-serif" font-size="40" fill="{TEXT}">',
        f'<text x="40" y="{y + 42}">Sub-processors per country:</text>',
    ]
    x = 600
    for fill, label in items:
        parts.append(
            f'<rect x="{x}" y="{y + 8}" width="44" height="44" fill="{fill}" '
            f'stroke="{TEXT}" stroke-width="1"/><text x="{x + 56}" y="{y + 42}">{label}</text>'
        )
        x += 100 + 24 * len(label)
    parts.append("</g>\n")
    return "".join(parts)


def map_context(entries: Sequence[Subprocessor]) -> dict[str, object]:
    """What the list page's template needs to show the map and its table."""
    world = world_shapes()
    rows = location_rows(entries)
    return {
        "image": MAP_PATH,
        "width": world.width,
        "height": world.height + LEGEND_HEIGHT,
        "alt": alt_text(rows),
        "rows": rows,
    }
