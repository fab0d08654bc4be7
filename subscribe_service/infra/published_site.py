"""The built site's `service.json`: the service's one source for the company and its data.

The build publishes the company's identity and contacts, the request retention, the DPA
and NDA versions and the reports on request in `<TRUSTSITE_SITE_DIR>/service.json`
(generator.outputs.service_info); the service never reads `data/`. The file is checked on every
use (one `stat`) and read again when it changed, so the daily build's new file is used
from the next request on, without a restart.

A site that was never built (or a file that does not validate) is not fatal: the service
starts, subscriptions work, and what needs the file raises `SiteNotPublished` with the
reason (the request endpoints answer 503). A file that was read once stays in use while a
build swaps the site folder, or if a later file is broken; the problem is logged.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable
from pathlib import Path

from flask import Flask, current_app
from pydantic import ValidationError

from generator.contract import SERVICE_FORMAT, ServiceInfo

log = logging.getLogger("subscribe_service")

EXTENSION = "trustsite.published_site"
FILE_NAME = "service.json"
MAX_BYTES = 1024 * 1024  # the generator writes a few KB


class SiteNotPublished(RuntimeError):
    """service.json is missing or invalid and was never read: the reason, for a log line."""


class PublishedSite:
    def __init__(self, site_dir: Path, on_change: Callable[[ServiceInfo], None] | None = None):
        self.path = site_dir / FILE_NAME
        self._on_change = on_change
        self._lock = threading.Lock()
        self._key: tuple[int, int, int] | None = None
        self._info: ServiceInfo | None = None
        self._problem: str | None = None

    def info(self) -> ServiceInfo:
        """The published file as it is now (or as it was last readable); a new problem is
        logged once."""
        with self._lock:
            problem = self._refresh(quiet=False)
            if problem != self._problem:
                self._problem = problem
                if problem:
                    log.warning("%s", problem)
            if self._info is None:
                raise SiteNotPublished(problem or f"{self.path} was not read")
            return self._info

    def peek(self) -> ServiceInfo | None:
        """Like `info`, but quietly (nothing logged) None when there is no file: for
        start-up, before the log is set up, and for callers that have a fallback."""
        with self._lock:
            self._refresh(quiet=True)
            return self._info

    def _refresh(self, *, quiet: bool) -> str | None:
        """Read the file again if it changed since; None, or what is wrong with it."""
        try:
            stat = self.path.stat()
        except OSError as err:
            return f"{self.path} cannot be read ({err.strerror}); build the site first"
        key = (stat.st_ino, stat.st_mtime_ns, stat.st_size)
        if key == self._key:
            return None
        if stat.st_size > MAX_BYTES:
            return f"{self.path} is {stat.st_size} bytes, over the limit of {MAX_BYTES}"
        try:
            info = _parse(self.path.read_bytes())
        except OSError as err:
            return f"{self.path} cannot be read ({err.strerror}); build the site first"
        except ValueError as err:
            return f"{self.path} is not a {SERVICE_FORMAT} file: {err}"
        self._key, self._info = key, info
        if not quiet:
            log.info("read %s (built for %s)", self.path, info.as_of.isoformat())
        if self._on_change is not None:
            self._on_change(info)
        return None


def _parse(content: bytes) -> ServiceInfo:
    try:
        raw = json.loads(content)
    except (UnicodeDecodeError, json.JSONDecodeError) as err:
        raise ValueError(f"not JSON ({err})") from None
    if not isinstance(raw, dict) or raw.get("format") != SERVICE_FORMAT:
        found = raw.get("format") if isinstance(raw, dict) else None
        raise ValueError(f"format is {found!r}; this service reads {SERVICE_FORMAT!r}")
    try:
        return ServiceInfo.model_validate(raw)
    except ValidationError as err:
        first = err.errors()[0]
        where = ".".join(str(part) for part in first["loc"])
        more = err.error_count() - 1
        also = f" (and {more} more problems)" if more else ""
        raise ValueError(f"{where}: {first['msg']}{also}") from None


def init_published_site(
    app: Flask, on_change: Callable[[ServiceInfo], None] | None = None
) -> PublishedSite:
    """Attach the reader of `<SITE_DIR>/service.json`; `on_change` runs on each new file."""
    published = PublishedSite(Path(app.config["SITE_DIR"]).resolve(), on_change=on_change)
    app.extensions[EXTENSION] = published
    return published


def published_site(app: Flask | None = None) -> PublishedSite:
    return (app or current_app).extensions[EXTENSION]
