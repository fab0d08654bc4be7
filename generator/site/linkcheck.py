"""Check that every internal link of a built site leads somewhere.

    python -m generator.site.linkcheck site/

Reads every `*.html` file under the site folder and follows each `href`, `src` and
`srcset` that points inside the site: the target file must exist and, when the link names a
fragment (`page/#section`), the target page must have an element with that id. Links with
a scheme or a host (`https:`, `mailto:`, `//cdn...`) are outside the site and are not
followed: this check must give the same answer offline, in CI, every time.

Exit status: 0 when every link resolves, 1 with one line per broken link, 2 when the folder
is not a built site.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path, PurePosixPath
from urllib.parse import unquote, urlsplit

# Attributes that make the browser fetch or navigate to a URL. `action` is left out on
# purpose: forms post to the subscribe service, which is not part of the static site.
_URL_ATTRS = frozenset({"href", "src"})


@dataclass(frozen=True, order=True)
class BrokenLink:
    page: str  # the page holding the link, relative to the site folder
    url: str  # the link exactly as written
    reason: str

    def __str__(self) -> str:
        return f"{self.page}: {self.url} -> {self.reason}"


@dataclass
class _Page:
    """What one HTML file links to and which fragment targets it offers."""

    links: list[str] = field(default_factory=list)
    ids: set[str] = field(default_factory=set)


class _LinkParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.page = _Page()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if value is None:
                continue
            if name in _URL_ATTRS:
                self.page.links.append(value.strip())
            elif name == "srcset":
                self.page.links.extend(_srcset_urls(value))
            elif name == "id" or (name == "name" and tag == "a"):
                self.page.ids.add(value)

    handle_startendtag = handle_starttag


def _srcset_urls(srcset: str) -> list[str]:
    """`a.png 1x, b.png 2x` -> [a.png, b.png]."""
    return [c.split()[0] for c in srcset.split(",") if c.strip()]


def parse_page(html: str) -> _Page:
    parser = _LinkParser()
    parser.feed(html)
    parser.close()
    return parser.page


def is_internal(url: str) -> bool:
    """True for a link into the site itself: no scheme, no host, not empty."""
    parts = urlsplit(url)
    return bool(url) and not parts.scheme and not parts.netloc


def check_site(site_dir: Path) -> tuple[list[BrokenLink], int, int]:
    """Every broken internal link under `site_dir`, with the number of pages and links read."""
    site_dir = site_dir.resolve()
    pages = sorted(site_dir.rglob("*.html"))
    parsed: dict[Path, _Page] = {}

    def page_at(path: Path) -> _Page:
        if path not in parsed:
            parsed[path] = parse_page(path.read_text(encoding="utf-8", errors="replace"))
        return parsed[path]

    broken: list[BrokenLink] = []
    checked = 0
    for page in pages:
        shown = page.relative_to(site_dir).as_posix()
        for url in page_at(page).links:
            if not is_internal(url):
                continue
            checked += 1
            reason = _why_broken(site_dir, page, url, page_at)
            if reason:
                broken.append(BrokenLink(shown, url, reason))
    return sorted(set(broken)), len(pages), checked


def _why_broken(
    site_dir: Path, page: Path, url: str, page_at: Callable[[Path], _Page]
) -> str | None:
    """None if `url`, written on `page`, resolves inside the site; else what is wrong."""
    parts = urlsplit(url)
    path = unquote(parts.path)
    if not path:
        target = page  # "#section" or "?query": the page itself
    else:
        target = _resolve(site_dir, page, path)
        if target is None:
            return "leads outside the site folder"
        if path.endswith("/") or target.is_dir():
            target = target / "index.html"
        if not target.is_file():
            return f"no such file: {target.relative_to(site_dir).as_posix()}"
    fragment = unquote(parts.fragment)
    if fragment and target.suffix == ".html" and fragment not in page_at(target).ids:
        return f"no element with id '{fragment}' in {target.relative_to(site_dir).as_posix()}"
    return None


def _resolve(site_dir: Path, page: Path, path: str) -> Path | None:
    """The file a link path names: from the site root if it starts with `/`, else from
    the page's folder. None if `..` climbs out of the site."""
    base = PurePosixPath("/") if path.startswith("/") else _url_dir(site_dir, page)
    parts: list[str] = []
    for part in (base / path.lstrip("/")).parts[1:]:
        if part == "..":
            if not parts:
                return None
            parts.pop()
        elif part != ".":
            parts.append(part)
    return site_dir.joinpath(*parts)


def _url_dir(site_dir: Path, page: Path) -> PurePosixPath:
    """The URL folder a page is served from (`dpa/2.1/index.html` -> `/dpa/2.1`)."""
    return PurePosixPath("/", *page.parent.relative_to(site_dir).parts)


def report(broken: Iterable[BrokenLink], pages: int, links: int) -> str:
    lines = [str(b) for b in broken]
    verdict = f"{len(lines)} broken" if lines else "all resolve"
    lines.append(f"{pages} pages, {links} internal links checked: {verdict}")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m generator.site.linkcheck",
        description="Check that every internal link of a built site resolves to a file.",
    )
    parser.add_argument("site_dir", type=Path, help="the built site, e.g. site/")
    args = parser.parse_args(argv)
    site_dir: Path = args.site_dir
    if not site_dir.is_dir() or not any(site_dir.rglob("*.html")):
        print(
            f"{site_dir}: no built site here (no .html files); run trustsite build first",
            file=sys.stderr,
        )
        return 2
    broken, pages, links = check_site(site_dir)
    print(report(broken, pages, links), file=sys.stderr if broken else sys.stdout)
    return 1 if broken else 0


if __name__ == "__main__":
    sys.exit(main())
