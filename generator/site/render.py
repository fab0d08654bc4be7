"""`trustsite render --out DIR`: every generated page as a Markdown file on disk.

The MkDocs plugin adds these pages virtually during a build. Written out, the same pages
can be built by any MkDocs-compatible generator (Zensical, Material's announced successor,
builds them unchanged), so the site does not depend on one generator's plugin API.

Hand-written pages win as they do in the plugin: with `docs_dir`, its tree is copied first
and a generated page of the same path is not written. With `outputs`, the feeds, JSON
exports and PDFs are written into the same folder, which generators copy as static files.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from generator.history.changes import build_changes
from generator.load.loader import load_data
from generator.load.model import TrustData
from generator.site.brand_assets import brand_files
from generator.site.pages import render_pages, site_outputs
from generator.site.site_config import add_to_config

# A folder `render` made says so, so that a second run may replace it while a folder of
# the user's (say, `--out site_src` by mistake) is never emptied.
MARKER = ".trustsite-render"


@dataclass(frozen=True)
class RenderSummary:
    generated: int
    hand_written: int
    outputs: int

    def __str__(self) -> str:
        return (
            f"{self.generated} generated pages, {self.hand_written} hand-written files, "
            f"{self.outputs} other files"
        )


def render_sources(
    data_dir: Path,
    out_dir: Path,
    today: dt.date,
    *,
    docs_dir: Path | None = None,
    outputs: bool = False,
) -> RenderSummary:
    """Write the generated pages (and optionally hand-written pages and outputs) to `out_dir`."""
    data = load_data(data_dir)  # DataError propagates: nothing is written from invalid data
    records = build_changes(data, today)
    pages = render_pages(data, records, today)
    _prepare(out_dir)

    hand_written = 0
    if docs_dir is not None:
        for source in sorted(docs_dir.rglob("*")):
            if source.is_file():
                target = out_dir / source.relative_to(docs_dir)
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(source, target)
                hand_written += 1

    generated = 0
    for path, markdown in sorted(pages.items()):
        target = out_dir / path
        if target.exists():
            continue  # a hand-written page of the same path wins
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(markdown, encoding="utf-8")
        generated += 1

    extra = site_outputs(data, today, records) if outputs else {}
    if outputs:  # the brand's logo, favicon and stylesheet, as the MkDocs plugin adds them
        extra.update(brand_files(data.site, data_dir))
    for path, content in sorted(extra.items()):
        target = out_dir / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(content)
    return RenderSummary(generated, hand_written, len(extra))


def write_config(
    mkdocs_yml: Path,
    out_file: Path,
    docs_dir: Path,
    site_dir: Path,
    data: TrustData | None = None,
) -> None:
    """A copy of mkdocs.yml that builds `docs_dir` without the trustsite plugin.

    Paths are rewritten relative to the copy's folder, so it may live anywhere; everything
    else (theme, Markdown extensions, CSS) is kept as it is. With `data`, the copy also
    says what the plugin adds to the configuration during a build: the brand's logo,
    favicon and stylesheet, and the security page in the navigation.
    """
    base = mkdocs_yml.resolve().parent
    here = out_file.resolve().parent
    config: dict[str, Any] = yaml.safe_load(mkdocs_yml.read_text(encoding="utf-8")) or {}
    # Relative to the copy's folder: Zensical resolves paths that way (and stops on
    # absolute ones), MkDocs does too.
    config["docs_dir"] = os.path.relpath(docs_dir.resolve(), here)
    config["site_dir"] = os.path.relpath(site_dir.resolve(), here)
    config["plugins"] = [p for p in config.get("plugins", []) if not _is_trustsite(p)]
    theme = config.get("theme")
    if isinstance(theme, dict) and theme.get("custom_dir"):
        theme["custom_dir"] = os.path.relpath((base / theme["custom_dir"]).resolve(), here)
    if data is not None:
        add_to_config(config, data)  # what the plugin adds during a build
    out_file.parent.mkdir(parents=True, exist_ok=True)
    out_file.write_text(yaml.safe_dump(config, sort_keys=False, allow_unicode=True), "utf-8")


def _is_trustsite(plugin: object) -> bool:
    if isinstance(plugin, str):
        return plugin == "trustsite"
    return isinstance(plugin, dict) and "trustsite" in plugin


def _prepare(out_dir: Path) -> None:
    if out_dir.exists():
        if any(out_dir.iterdir()) and not (out_dir / MARKER).exists():
            raise FileExistsError(
                f"{out_dir} exists and was not made by `trustsite render`; "
                "choose an empty or new folder"
            )
        shutil.rmtree(out_dir)
    out_dir.mkdir(parents=True)
    (out_dir / MARKER).write_text("made by trustsite render; replaced on the next run\n")
