"""`brand:` in site.yaml: the colour must be readable under white text, the logo and the
favicon small SVG or PNG files under data/ that only draw; and a public site's forms may
not post to this computer (generator.load.brand)."""

from __future__ import annotations

import struct
import zlib

import pytest

from generator.load.brand import contrast_with_white, darker_passing, svg_problem
from tests.support.datafiles import SITE, DataFiles

SVG = '<svg xmlns="http://www.w3.org/2000/svg"'
LOGO = SVG + ' viewBox="0 0 10 10"><circle cx="5" cy="5" r="4"/></svg>'


def with_brand(
    data_files: DataFiles,
    color: str = "#4b2e83",
    logo: str = "brand/logo.svg",
    favicon: str | None = None,
) -> None:
    lines = f'brand:\n  logo: {logo}\n  color: "{color}"\n'
    if favicon:
        lines += f"  favicon: {favicon}\n"
    data_files.write("site.yaml", SITE + lines)


def png(width: int = 1, height: int = 1) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"\x00" + b"\x00\x00\x00" * width)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    )


def test_a_brand_with_a_dark_colour_and_an_svg_logo_loads(data_files: DataFiles) -> None:
    data_files.write("brand/logo.svg", LOGO)
    (data_files.root / "brand" / "icon.png").write_bytes(png())
    with_brand(data_files, favicon="brand/icon.png")
    brand = data_files.load().site.brand
    assert brand is not None and brand.color == "#4b2e83" and brand.favicon == "brand/icon.png"


def test_a_light_colour_is_refused_with_its_ratio_and_a_darker_shade(data_files: DataFiles) -> None:
    data_files.write("brand/logo.svg", LOGO)
    with_brand(data_files, color="#ffb300")
    (error,) = data_files.errors()
    assert error.startswith("data/site.yaml:12:3: brand.color: #ffb300 has a contrast of 1.")
    assert "under the 4.5:1 that WCAG AA asks" in error
    suggestion = error.rsplit("such as ", 1)[1].split()[0]
    assert contrast_with_white(suggestion) >= 4.5 and suggestion != "#000000"


def test_contrast_figures_match_wcag() -> None:
    assert contrast_with_white("#000000") == pytest.approx(21.0)
    assert contrast_with_white("#ffffff") == pytest.approx(1.0)
    assert contrast_with_white("#767676") == pytest.approx(4.54, abs=0.01)  # the AA grey
    # The lightest passing shade: one step lighter would fail.
    shade = darker_passing("#3399ff")
    assert contrast_with_white(shade) >= 4.5


def test_a_colour_that_is_not_hex_is_refused(data_files: DataFiles) -> None:
    data_files.write("brand/logo.svg", LOGO)
    with_brand(data_files, color="purple")
    (error,) = data_files.errors()
    assert error.startswith("data/site.yaml:12:3: brand.color:")


@pytest.mark.parametrize(
    ("logo", "content", "expected"),
    [
        ("brand/missing.svg", None, "there is no file brand/missing.svg in data/"),
        ("../outside.svg", None, "../outside.svg is outside data/"),
        ("brand/logo.gif", b"GIF89a", "is not an SVG or PNG file"),
        ("brand/logo.png", b"<svg/>", "is named .png but is not a PNG image"),
        ("brand/big.png", b"\x89PNG\r\n\x1a\n" + b"\0" * 100_001, "keep it under 100,000 bytes"),
    ],
)
def test_a_logo_file_that_cannot_go_into_every_page_is_refused(
    data_files: DataFiles, logo: str, content: bytes | None, expected: str
) -> None:
    if content is not None:
        (data_files.root / logo).parent.mkdir(parents=True, exist_ok=True)
        (data_files.root / logo).write_bytes(content)
    (data_files.root.parent / "outside.svg").write_text(LOGO)
    with_brand(data_files, logo=logo)
    (error,) = data_files.errors()
    assert error.startswith("data/site.yaml:11:3: brand.logo: ") and expected in error


HOSTILE_SVGS = {
    "script": SVG + "><script>alert(1)</script></svg>",
    "handler": SVG + ' onload="alert(1)"><rect/></svg>',
    "external image": SVG + ' xmlns:xlink="http://www.w3.org/1999/xlink">'
    '<image xlink:href="https://tracker.example/pixel.png"/></svg>',
    "external use": SVG + '><use href="https://x.example/s.svg#a"/></svg>',
    "javascript link": SVG + '><a href="javascript:alert(1)"><rect/></a></svg>',
    "style import": SVG + '><style>@import "https://x.example/a.css";</style></svg>',
    "style url": SVG + '><rect style="fill:url(https://x.example/p)"/></svg>',
    "foreign object": SVG + "><foreignObject><p>x</p></foreignObject></svg>",
    "entity bomb": '<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY a "aaaaaaaaaa">'
    '<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>' + SVG + ">&b;</svg>",
    "external entity": '<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
    + SVG
    + ">&x;</svg>",
    "not svg": '<html xmlns="http://www.w3.org/1999/xhtml"><body/></html>',
    "not xml": "<svg><rect></svg>",
}


@pytest.mark.parametrize("name", list(HOSTILE_SVGS))
def test_an_svg_that_does_more_than_draw_is_refused(data_files: DataFiles, name: str) -> None:
    data_files.write("brand/logo.svg", HOSTILE_SVGS[name])
    with_brand(data_files)
    (error,) = data_files.errors()
    assert error.startswith("data/site.yaml:11:3: brand.logo: brand/logo.svg: "), error


def test_an_svg_may_point_at_its_own_parts() -> None:
    own = SVG + '><defs><linearGradient id="g"/></defs><rect fill="url(#g)"/><use href="#g"/></svg>'
    assert svg_problem(own.encode()) is None


def test_a_public_site_whose_forms_post_to_this_computer_is_refused(data_files: DataFiles) -> None:
    data_files.replace(
        "site.yaml",
        "service_url: https://notices.larkspur.example/",
        "service_url: http://127.0.0.1:8000/",
    )
    (error,) = data_files.errors()
    assert error.startswith(
        "data/site.yaml:8:1: service_url: http://127.0.0.1:8000/ is this computer"
    )
    # A site on this computer may post to it: that is the development server.
    data_files.replace(
        "site.yaml", "site_url: https://trust.larkspur.example/", "site_url: http://localhost:8000/"
    )
    assert data_files.load().site.service_url is not None
