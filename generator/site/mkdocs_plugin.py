"""The MkDocs plugin `trustsite`: the one place the generator meets MkDocs.

A thin adapter over pure functions: it loads `data/` when MkDocs reads its configuration,
adds the pages of `generator.site.pages.render_pages` as virtual files (a hand-written page of
the same path in `docs_dir` wins), writes feeds, `changes.json`, exports and PDFs after
the build, and makes `mkdocs serve` rebuild when a YAML file changes.
"""

from __future__ import annotations

import datetime as dt
import html
import logging
import os
from pathlib import Path
from typing import Any

from mkdocs.config import config_options as c
from mkdocs.config.base import Config
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import PluginError
from mkdocs.livereload import LiveReloadServer
from mkdocs.plugins import BasePlugin
from mkdocs.structure.files import File, Files
from mkdocs.structure.pages import Page

from generator.history.changes import build_changes
from generator.history.pagehash import seal_pages
from generator.history.provenance import origins
from generator.history.signing import Signer, signer_from_environment
from generator.load.clock import resolve_today
from generator.load.errors import DataError
from generator.load.loader import load_data
from generator.load.model import TrustData
from generator.load.security import require_current_certifications
from generator.outputs.pdf_jobs import PdfJobs
from generator.site.brand_assets import brand_files, brand_paths
from generator.site.pages import render_pages, site_outputs
from generator.site.site_config import add_to_config

log = logging.getLogger("mkdocs.plugins.trustsite")

# Front matter keys that Material's templates print as they are (Jinja without autoescape).
ESCAPED_META: tuple[str, ...] = ("title", "description", "author")


class TrustsiteConfig(Config):
    data_dir = c.Type(str, default="data")
    today = c.Optional(c.Type(str))  # YYYY-MM-DD; else TRUSTSITE_TODAY, else resolve_today()


class TrustsitePlugin(BasePlugin[TrustsiteConfig]):
    def __init__(self) -> None:
        self.preloaded: TrustData | None = None  # set by generator.site.build, which validated
        self.pages: dict[str, str] = {}
        self.outputs: dict[str, bytes] = {}
        self.pdf_jobs: PdfJobs | None = None  # while PDFs are rendering
        self.skipped: list[str] = []
        self.page_count = 0  # generated and hand-written pages of the last build
        self.serving = False
        self.signer: Signer | None = None  # signs history.json once the pages are built

    def data_path(self, config: MkDocsConfig) -> Path:
        """`data_dir` relative to the folder of mkdocs.yml, like `docs_dir`."""
        base = Path(config.config_file_path or ".").parent
        return (base / self.config.data_dir).resolve()

    def today(self) -> dt.date:
        try:
            return resolve_today(self.config.today or os.environ.get("TRUSTSITE_TODAY") or None)
        except ValueError as err:
            raise PluginError(f"trustsite: today must be YYYY-MM-DD: {err}") from None

    def on_startup(self, *, command: str, dirty: bool) -> None:
        self.serving = command == "serve"

    def on_config(self, config: MkDocsConfig) -> MkDocsConfig:
        today = self.today()
        # MkDocs keeps plugin instances across builds in one process (for `serve`), so the
        # data handed over by generator.site.build is used for this build only, never again.
        data, self.preloaded = self.preloaded, None
        if data is None:
            try:
                data = load_data(self.data_path(config))
                require_current_certifications(self.data_path(config), data, today)
            except DataError as err:
                issues = "\n".join(str(issue) for issue in err.issues)
                raise PluginError(
                    f"trustsite: {len(err.issues)} problem(s) in the data; nothing was built.\n"
                    f"{issues}"
                ) from err
        if not self.serving:  # `mkdocs serve` points site_url at itself; leave that alone
            # site.yaml is the one source of the site's address (canonical links, sitemap).
            config.site_url = str(data.site.site_url)
        records = build_changes(data, today)
        self.pages = render_pages(data, records, today, origins(data, self.data_path(config)))
        self.outputs = site_outputs(data, today, records, pdfs=False)
        self.signer = signer_from_environment(data.site.signing_key)
        self.outputs.update(brand_files(data.site, self.data_path(config)))
        add_to_config(config, data)
        cache = Path(config.config_file_path or ".").parent / ".cache" / "trustsite" / "pdf"
        logo = brand_paths(data.site).get("logo")
        self.pdf_jobs = PdfJobs(data, today, cache, logo=self.outputs.get(logo or ""))
        log.info(
            "trustsite: %d pages and %d files for %s", len(self.pages), len(self.outputs), today
        )
        return config

    def on_files(self, files: Files, *, config: MkDocsConfig) -> Files:
        self.skipped = []
        for path, markdown in self.pages.items():
            if files.get_file_from_path(path) is not None:
                # A hand-written page of the same path in docs_dir wins.
                self.skipped.append(path)
                log.info("trustsite: %s is hand-written; the generated page is not used", path)
                continue
            files.append(File.generated(config, path, content=markdown))
        self.page_count = len(files.documentation_pages())
        return files

    def on_page_markdown(
        self, markdown: str, *, page: Page, config: MkDocsConfig, files: Files
    ) -> str:
        # Material prints page.meta's title (in <title>, the header, the navigation and the
        # footer) and description (in an attribute) without escaping, and page.title is the
        # meta title; generated pages take both from data/, so they are escaped here, once.
        for key in ESCAPED_META:
            value = page.meta.get(key)
            if isinstance(value, str):
                page.meta[key] = html.escape(value, quote=True)
        return markdown

    def on_post_build(self, *, config: MkDocsConfig) -> None:
        if self.pdf_jobs is not None:
            self.outputs.update(self.pdf_jobs.result())
            self.pdf_jobs = None
        site_dir = Path(config.site_dir)
        # Every version page is built now: history.json commits to what each one shows.
        try:
            self.outputs.update(seal_pages(self.outputs, _page_reader(site_dir), self.signer))
        except ValueError as err:
            raise PluginError(f"trustsite: {err}") from None
        for path, content in sorted(self.outputs.items()):
            target = site_dir / path
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(content)

    def on_build_error(self, *, error: Exception) -> None:
        if self.pdf_jobs is not None:
            self.pdf_jobs.cancel()
            self.pdf_jobs = None

    def on_serve(
        self, server: LiveReloadServer, *, config: MkDocsConfig, builder: Any
    ) -> LiveReloadServer:
        server.watch(str(self.data_path(config)))
        return server


def _page_reader(site_dir: Path):  # type: ignore[no-untyped-def]
    def read(path: str) -> bytes | None:
        target = site_dir / path
        return target.read_bytes() if target.is_file() else None

    return read
