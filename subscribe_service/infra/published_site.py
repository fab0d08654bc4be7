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

The file is read like any untrusted input: a regular file only, opened without blocking
(a FIFO or a link to /dev/zero never hangs a request or the sender), at most MAX_BYTES,
nested at most MAX_DEPTH levels (Python's parser would recurse past its stack). A broken
file is read and logged once, not on every request.
"""

from __future__ import annotations

import json
import logging
import os
import re
import stat as stat_module
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
MAX_DEPTH = 16  # the generator writes three levels
# A string (brackets inside do not nest; one left open runs to the end) or a bracket, in one
# left-to-right pass: linear in the file's size, whatever its quotes and escapes.
_TOKENS = re.compile(rb'"(?:[^"\\]|\\.)*"?|[\[\]{}]', re.DOTALL)


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
        self._bad_key: tuple[int, int, int] | None = None  # the last file that failed
        self._bad_problem: str | None = None

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
        """Read the file again if it changed since; None, or what is wrong with it.

        A file that failed is remembered with its problem, so a broken build is read
        (and logged) once, not on every request.
        """
        try:
            stat = self.path.stat()
        except OSError as err:
            return f"{self.path} cannot be read ({err.strerror}); build the site first"
        key = (stat.st_ino, stat.st_mtime_ns, stat.st_size)
        if key == self._key:
            return None
        if key == self._bad_key:
            return self._bad_problem
        try:
            info = _parse(_read_regular_file(self.path))
        except OSError as err:
            return f"{self.path} cannot be read ({err.strerror}); build the site first"
        except ValueError as err:
            self._bad_key, self._bad_problem = key, f"{self.path} {err}"
            return self._bad_problem
        self._key, self._info = key, info
        if not quiet:
            log.info("read %s (built for %s)", self.path, info.as_of.isoformat())
        if self._on_change is not None:
            self._on_change(info)
        return None


def _read_regular_file(path: Path) -> bytes:
    """The file's bytes, at most MAX_BYTES, or ValueError when it is not a regular file or
    too large. Opened without blocking: a FIFO (or a link to one) would wait for a writer
    forever; the type is checked on the opened descriptor, so a link swapped in between a
    check and the open (to /dev/zero, say) is caught too; and no more than the cap is ever
    read, whatever the size `stat` said."""
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    try:
        opened = os.fstat(fd)
        if not stat_module.S_ISREG(opened.st_mode):
            raise ValueError("is not a regular file (a FIFO, a device or a folder); rebuild")
        if opened.st_size > MAX_BYTES:
            raise ValueError(f"is {opened.st_size} bytes, over the limit of {MAX_BYTES}")
        os.set_blocking(fd, True)
        with os.fdopen(fd, "rb", closefd=False) as handle:
            content = handle.read(MAX_BYTES + 1)
    finally:
        os.close(fd)
    if len(content) > MAX_BYTES:
        raise ValueError(f"is more than {MAX_BYTES} bytes, over the limit of {MAX_BYTES}")
    return content


def _parse(content: bytes) -> ServiceInfo:
    try:
        _check_depth(content)
        raw = json.loads(content)
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as err:
        raise ValueError(f"is not a {SERVICE_FORMAT} file: not JSON ({err})") from None
    if not isinstance(raw, dict) or raw.get("format") != SERVICE_FORMAT:
        found = raw.get("format") if isinstance(raw, dict) else None
        raise ValueError(
            f"is not a {SERVICE_FORMAT} file: format is {found!r}; "
            f"this service reads {SERVICE_FORMAT!r}"
        )
    try:
        return ServiceInfo.model_validate(raw)
    except ValidationError as err:
        first = err.errors()[0]
        where = ".".join(str(part) for part in first["loc"])
        more = err.error_count() - 1
        also = f" (and {more} more problems)" if more else ""
        raise ValueError(f"is not a {SERVICE_FORMAT} file: {where}: {first['msg']}{also}") from None


def _check_depth(content: bytes) -> None:
    """ValueError when brackets nest deeper than MAX_DEPTH (outside strings): Python's
    parser would recurse once per level and run out of stack."""
    depth = 0
    for token in _TOKENS.finditer(content):
        bracket = token[0]
        if bracket in (b"[", b"{"):
            depth += 1
        elif bracket in (b"]", b"}"):
            depth -= 1
        if depth > MAX_DEPTH:
            raise ValueError(
                f"is not a {SERVICE_FORMAT} file: nested more than {MAX_DEPTH} levels deep"
            )


def init_published_site(
    app: Flask, on_change: Callable[[ServiceInfo], None] | None = None
) -> PublishedSite:
    """Attach the reader of `<SITE_DIR>/service.json`; `on_change` runs on each new file."""
    published = PublishedSite(Path(app.config["SITE_DIR"]).resolve(), on_change=on_change)
    app.extensions[EXTENSION] = published
    return published


def published_site(app: Flask | None = None) -> PublishedSite:
    return (app or current_app).extensions[EXTENSION]
