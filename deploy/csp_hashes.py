"""The CSP hashes of the inline scripts in a built site, and a check that nginx allows them.

Material for MkDocs puts a few small inline scripts in every page (colour palette, the
page's base URL, tabs); the site's Content-Security-Policy allows exactly those by their
SHA-256 and no other inline script. They change only when mkdocs-material is upgraded,
so after an upgrade run:

    python deploy/csp_hashes.py site/                                      # print script-src
    python deploy/csp_hashes.py site/ --check deploy/nginx/static-headers.conf

`--check` exits 1 and names the missing hashes when the nginx snippet does not allow a
script the site contains (the browser would refuse to run it).
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import sys
from html.parser import HTMLParser
from pathlib import Path

# Script types a browser executes; anything else (e.g. Material's application/json
# configuration block) is data and needs no hash.
EXECUTABLE_TYPES = {"", "text/javascript", "application/javascript", "module"}


class InlineScripts(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=False)
        self.scripts: list[str] = []
        self._current: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag != "script":
            return
        values = dict(attrs)
        kind = (values.get("type") or "").strip().lower()
        if "src" not in values and kind in EXECUTABLE_TYPES:
            self._current = []

    def handle_data(self, data: str) -> None:
        if self._current is not None:
            self._current.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "script" and self._current is not None:
            self.scripts.append("".join(self._current))
            self._current = None


def script_hashes(site_dir: Path) -> list[str]:
    """Every distinct inline script of the site as a CSP source ('sha256-...'), sorted."""
    found: set[str] = set()
    for page in sorted(site_dir.rglob("*.html")):
        parser = InlineScripts()
        parser.feed(page.read_text(encoding="utf-8"))
        for script in parser.scripts:
            digest = hashlib.sha256(script.encode("utf-8")).digest()
            found.add(f"'sha256-{base64.b64encode(digest).decode()}'")
    return sorted(found)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("site_dir", type=Path, help="the built site (trustsite build)")
    parser.add_argument("--check", type=Path, metavar="FILE", help="nginx file with the CSP")
    args = parser.parse_args(argv)
    if not (args.site_dir / "index.html").is_file():
        print(f"{args.site_dir}: no index.html; build the site first", file=sys.stderr)
        return 2
    hashes = script_hashes(args.site_dir)
    if args.check is None:
        print("script-src 'self' " + " ".join(hashes) + ";")
        return 0
    policy = args.check.read_text(encoding="utf-8")
    missing = [h for h in hashes if h not in policy]
    if missing:
        print(f"{args.check}: script-src lacks {len(missing)} inline script hash(es) of the")
        print(f"site in {args.site_dir}; replace its script-src with:")
        print("script-src 'self' " + " ".join(hashes) + ";")
        return 1
    print(f"{args.check}: allows all {len(hashes)} inline scripts of {args.site_dir}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
