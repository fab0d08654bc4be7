"""The CSP hashes of the inline scripts in a built site, and a check that nginx allows them.

Material for MkDocs puts a few small inline scripts in every page (colour palette, the
page's base URL, tabs); the site's Content-Security-Policy allows exactly those by their
SHA-256 and no other inline script. They change only when mkdocs-material is upgraded,
so after an upgrade run:

    python deploy/csp_hashes.py site/                                      # print script-src
    python deploy/csp_hashes.py site/ --check deploy/nginx/static-headers.conf

`--check` exits 1 and names the missing hashes when the nginx snippet does not allow a
script the site contains (the browser would refuse to run it).

Only scripts the templates put there are ever hashed. Each inline script of the theme
(Material's templates) and of our overrides (site_src/overrides) is turned into a pattern,
its `{{ ... }}` values standing for a plain value (no quote, bracket or backslash). An
inline script in the site that matches none of them did not come from a template: it came
from the data, which must never happen (the generator escapes everything it prints). Then
both modes exit 1, name the pages and show the start of each such script, and print no
hash at all, so that no operator can paste an injected script into the policy.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import importlib.util
import re
import sys
from collections.abc import Iterable
from html.parser import HTMLParser
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OVERRIDES = ROOT / "site_src" / "overrides"

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


def site_scripts(site_dir: Path) -> dict[str, list[Path]]:
    """Every distinct inline script of the site, with the pages it is on."""
    found: dict[str, list[Path]] = {}
    for page in sorted(site_dir.rglob("*.html")):
        parser = InlineScripts()
        parser.feed(page.read_text(encoding="utf-8"))
        for script in parser.scripts:
            found.setdefault(script, []).append(page)
    return found


def csp_hash(script: str) -> str:
    digest = hashlib.sha256(script.encode("utf-8")).digest()
    return f"'sha256-{base64.b64encode(digest).decode()}'"


# --- the scripts the templates put in the pages ------------------------------------------------

_TEMPLATE_SCRIPT = re.compile(r"<script(\s[^>]*)?>(.*?)</script>", re.S)
_JINJA = re.compile(r"\{\{.*?\}\}|\{%.*?%\}", re.S)
# What a `{{ value }}` inside a template's script may become: a path, a URL, a word.
_VALUE = r"[^\"'<>\\\n]*"


def theme_templates() -> list[Path]:
    """Material's templates folder and our overrides: where every expected script is."""
    folders = [OVERRIDES]
    spec = importlib.util.find_spec("material")
    if spec is not None and spec.origin is not None:
        folders.insert(0, Path(spec.origin).parent / "templates")
    return [folder for folder in folders if folder.is_dir()]


def expected_scripts(folders: Iterable[Path]) -> list[re.Pattern[str]]:
    """One pattern per inline script written in a template of `folders`."""
    patterns = []
    for folder in folders:
        for template in sorted(folder.rglob("*.html")):
            for attrs, body in _TEMPLATE_SCRIPT.findall(template.read_text(encoding="utf-8")):
                if "src=" in attrs or not body.strip():
                    continue
                pieces = _JINJA.split(body)
                patterns.append(re.compile(_VALUE.join(re.escape(p) for p in pieces)))
    return patterns


def unexpected_scripts(
    scripts: dict[str, list[Path]], patterns: list[re.Pattern[str]]
) -> dict[str, list[Path]]:
    return {
        script: pages
        for script, pages in scripts.items()
        if not any(p.fullmatch(script) for p in patterns)
    }


def _report_unexpected(unexpected: dict[str, list[Path]], site_dir: Path) -> None:
    print(
        f"{site_dir}: {len(unexpected)} inline script(s) that no template of the theme or of "
        "site_src/overrides contains. They came from the data and would run in every "
        "reader's browser: do not allow them in the policy. Find the value in data/ and "
        "report this as a bug (the generator must escape it).",
        file=sys.stderr,
    )
    for script, pages in sorted(unexpected.items()):
        shown = script.strip().replace("\n", " ")
        shown = shown if len(shown) <= 80 else shown[:77] + "..."
        where = ", ".join(str(p.relative_to(site_dir)) for p in pages[:3])
        more = f" and {len(pages) - 3} more" if len(pages) > 3 else ""
        print(f"  <script>{shown}</script> in {where}{more}", file=sys.stderr)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("site_dir", type=Path, help="the built site (trustsite build)")
    parser.add_argument("--check", type=Path, metavar="FILE", help="nginx file with the CSP")
    parser.add_argument(
        "--templates",
        type=Path,
        action="append",
        metavar="DIR",
        help="a folder of theme templates whose inline scripts are expected "
        "(default: Material's templates and site_src/overrides)",
    )
    args = parser.parse_args(argv)
    if not (args.site_dir / "index.html").is_file():
        print(f"{args.site_dir}: no index.html; build the site first", file=sys.stderr)
        return 2
    folders = args.templates or theme_templates()
    patterns = expected_scripts(folders)
    if not patterns:
        print(
            "no theme templates with inline scripts found; is mkdocs-material installed?",
            file=sys.stderr,
        )
        return 2
    scripts = site_scripts(args.site_dir)
    unexpected = unexpected_scripts(scripts, patterns)
    if unexpected:
        _report_unexpected(unexpected, args.site_dir)
        return 1
    hashes = sorted({csp_hash(script) for script in scripts})
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
