"""The DPA PDFs of a build: cached by content, and rendered beside the page build.

fpdf2 needs seconds for each long DPA version, far more than MkDocs needs for its page, so
two things keep PDFs off the build's critical path (I/O lives here, not in generator.outputs.pdf):

- a cache in `.cache/trustsite/pdf/` next to mkdocs.yml, keyed by a hash of everything a
  PDF depends on (the version's data, site.yaml, the code of generator.outputs.pdf and
  generator.outputs.pdf_layout, the fonts and the fpdf2 version): a version that has not changed
  is never rendered twice, which is the common case for a daily scheduled build;
- the PDFs that are missing are rendered in a separate process, started as soon as the
  data is loaded and collected after MkDocs has written the pages, so with a second core
  they cost no extra wall time.
"""

from __future__ import annotations

import concurrent.futures as cf
import datetime as dt
import hashlib
import importlib.metadata
import logging
import multiprocessing
import os
import tempfile
from pathlib import Path

from generator.history.urls import dpa_pdf_path
from generator.load.model import Site, TextVersionDoc, TrustData
from generator.outputs import pdf, pdf_fonts

log = logging.getLogger(__name__)


def _render(
    site: Site, docs: list[tuple[TextVersionDoc, pdf.Appendix]], logo: bytes | None = None
) -> list[bytes]:
    """Runs in the worker process."""
    fonts = pdf_fonts.find_fonts()
    return [pdf.render_dpa_pdf(site, doc, fonts, appendix, logo) for doc, appendix in docs]


class PdfJobs:
    """Start with the data; `result()` gives {site path: PDF bytes} of every published DPA."""

    def __init__(
        self, data: TrustData, today: dt.date, cache_dir: Path | None, logo: bytes | None = None
    ):
        self.cache_dir = cache_dir
        self.site = data.site
        self.logo = logo  # the brand's logo for the cover: part of each PDF's cache key
        # Each version with its annexes, which depend on other versions (docs/annexes.md).
        docs = list(pdf.appendices(data, today).values())
        salt = _code_and_fonts_digest() + hashlib.sha256(logo or b"").hexdigest()
        self.keys = {doc.version: _key(salt, data.site, doc, extra) for doc, extra in docs}
        self.ready: dict[str, bytes] = {}
        self.missing: list[tuple[TextVersionDoc, pdf.Appendix]] = []
        for doc, extra in docs:
            cached = self._cached(self.keys[doc.version])
            if cached is None:
                self.missing.append((doc, extra))
            else:
                self.ready[doc.version] = cached
        self._pool: cf.ProcessPoolExecutor | None = None
        self._future: cf.Future[list[bytes]] | None = None
        if self.missing:
            log.info("rendering %d DPA PDF(s) in a worker process", len(self.missing))
            self._start()

    def _start(self) -> None:
        try:
            self._pool = cf.ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn"))
            self._future = self._pool.submit(_render, self.site, self.missing, self.logo)
        except OSError as err:  # no process can be started here: render when asked
            log.info("no worker process (%s); PDFs are rendered in the build process", err)
            self._pool = self._future = None

    def result(self) -> dict[str, bytes]:
        if self.missing:
            try:
                rendered = (
                    self._future.result()
                    if self._future
                    else _render(self.site, self.missing, self.logo)
                )
            finally:
                if self._pool is not None:
                    self._pool.shutdown()
            for (doc, _), content in zip(self.missing, rendered, strict=True):
                self.ready[doc.version] = content
                self._store(self.keys[doc.version], content)
            self.missing = []
        return {dpa_pdf_path(self.site, v): content for v, content in self.ready.items()}

    def cancel(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(cancel_futures=True)

    def _cached(self, key: str) -> bytes | None:
        if self.cache_dir is None:
            return None
        path = self.cache_dir / f"{key}.pdf"
        return path.read_bytes() if path.is_file() else None

    def _store(self, key: str, content: bytes) -> None:
        if self.cache_dir is None:
            return
        try:
            self.cache_dir.mkdir(parents=True, exist_ok=True)
            # Write then rename: a crash never leaves a truncated PDF under a valid key.
            fd, tmp = tempfile.mkstemp(dir=self.cache_dir, suffix=".part")
            with os.fdopen(fd, "wb") as out:
                out.write(content)
            os.replace(tmp, self.cache_dir / f"{key}.pdf")
        except OSError as err:  # a read-only checkout still builds, just without a cache
            log.warning("could not cache a PDF in %s: %s", self.cache_dir, err)


def _code_and_fonts_digest() -> str:
    digest = hashlib.sha256()
    # The code that decides a PDF's bytes; the layout is read as a file, not imported,
    # since importing it imports fpdf2.
    here = Path(pdf.__file__).parent
    for name in ("pdf.py", "pdf_fonts.py", "pdf_layout.py", "annex_text.py"):
        digest.update((here / name).read_bytes())
    digest.update(importlib.metadata.version("fpdf2").encode())
    fonts = pdf_fonts.find_fonts()
    digest.update(fonts.family.encode())
    for style, path in sorted(dict(fonts.files).items()):
        stat = path.stat()
        digest.update(f"{style}:{path}:{stat.st_size}:{stat.st_mtime_ns}".encode())
    return digest.hexdigest()


def _key(salt: str, site: Site, doc: TextVersionDoc, appendix: pdf.Appendix) -> str:
    digest = hashlib.sha256(salt.encode())
    digest.update(site.model_dump_json().encode())
    digest.update(doc.model_dump_json().encode())
    annexes, signers = appendix
    for section in annexes:
        digest.update(section.model_dump_json().encode())
    digest.update(repr(signers).encode())
    return digest.hexdigest()[:32]
