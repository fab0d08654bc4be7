"""The fonts of the DPA PDFs: DejaVu Serif where installed, else the PDF core fonts.

Shared by the layout (`generator.outputs.pdf_layout`, which draws with them) and the assembly
(`generator.outputs.pdf`, which finds them once per build); kept apart so neither imports the other.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

# Where DejaVu lives on common systems. It covers every Latin, Greek and Cyrillic character a
# legal text may hold; without it we fall back to the PDF core fonts (Latin-1 only).
DEJAVU_DIRS: tuple[Path, ...] = (
    Path("/usr/share/fonts/truetype/dejavu"),
    Path("/usr/share/fonts/dejavu"),
    Path("/usr/share/fonts/TTF"),
    Path("/usr/local/share/fonts"),
    Path("/Library/Fonts"),
    Path.home() / "Library" / "Fonts",
    Path.home() / ".local" / "share" / "fonts",
)
DEJAVU_STYLES: dict[str, str] = {
    "": "DejaVuSerif.ttf",
    "B": "DejaVuSerif-Bold.ttf",
    "I": "DejaVuSerif-Italic.ttf",
    "BI": "DejaVuSerif-BoldItalic.ttf",
}

# Characters the core fonts cannot encode, replaced by their closest Latin-1 spelling.
_LATIN1_REPLACEMENTS: dict[str, str] = {
    "\u2018": "'",
    "\u2019": "'",
    "\u201a": "'",
    "\u201c": '"',
    "\u201d": '"',
    "\u201e": '"',
    "\u2010": "-",
    "\u2011": "-",
    "\u2013": "-",
    "\u2014": "--",
    "\u2026": "...",
    "\u2022": "*",
    "\u2212": "-",
    "\u20ac": "EUR",
    "\u2122": "(TM)",
    "\u0141": "L",
    "\u0142": "l",
    "\u0110": "D",
    "\u0111": "d",
    "\u0152": "OE",
    "\u0153": "oe",
    "\u0131": "i",
    "\u00a0": " ",
    "\u2009": " ",
    "\u202f": " ",
}

BODY_SIZE = 10.5
MARGIN = 20


@dataclass(frozen=True)
class Fonts:
    """The font family to write with, and how text must be adapted to it."""

    family: str
    files: tuple[tuple[str, Path], ...]  # (style, TTF file); empty for a core font
    normalise: Callable[[str], str]


def find_fonts(dirs: Iterable[Path] = DEJAVU_DIRS) -> Fonts:
    """DejaVu Serif if all four styles are installed, else the core Times font."""
    for directory in dirs:
        files = tuple((style, directory / name) for style, name in DEJAVU_STYLES.items())
        if all(path.is_file() for _style, path in files):
            return Fonts(family="DejaVuSerif", files=files, normalise=_keep)
    return core_fonts()


def core_fonts() -> Fonts:
    return Fonts(family="Times", files=(), normalise=to_latin1)


def _keep(text: str) -> str:
    return text


def to_latin1(text: str) -> str:
    """Text the core fonts can show: typographic marks spelt out, accents kept when Latin-1
    has them, other letters reduced to their base letter, anything else as '?'."""
    out: list[str] = []
    for char in text:
        char = _LATIN1_REPLACEMENTS.get(char, char)
        if all(ord(c) < 256 for c in char):
            out.append(char)
            continue
        base = unicodedata.normalize("NFKD", char)
        base = "".join(c for c in base if not unicodedata.combining(c))
        out.append(base if base and all(ord(c) < 256 for c in base) else "?")
    return "".join(out)
