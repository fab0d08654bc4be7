"""Reading files of a published site: from a folder, or over HTTP(S), with limits."""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

MAX_BYTES = 64 * 1024 * 1024  # a history.json of a very long history is a few MB
TIMEOUT = 30


class FetchError(Exception):
    """A file of the site could not be read; the message says which and why."""


def is_url(location: str) -> bool:
    return urllib.parse.urlsplit(location).scheme in ("http", "https")


def read(location: str) -> bytes:
    """The bytes of a file given as a path or an http(s) URL."""
    if is_url(location):
        try:
            with urllib.request.urlopen(location, timeout=TIMEOUT) as response:
                body = response.read(MAX_BYTES + 1)
        except (urllib.error.URLError, TimeoutError, OSError) as err:
            reason = getattr(err, "reason", err)
            raise FetchError(f"{location}: cannot be fetched ({reason})") from None
    else:
        try:
            with Path(location).open("rb") as f:
                body = f.read(MAX_BYTES + 1)
        except OSError as err:
            raise FetchError(f"{location}: cannot be read ({err.strerror})") from None
    if len(body) > MAX_BYTES:
        raise FetchError(f"{location}: larger than {MAX_BYTES // 2**20} MB; refused")
    return body


def join(site: str, path: str) -> str:
    """`path` (site-relative, like `dpa/2.0/source.json`) under the site folder or URL."""
    if is_url(site):
        return urllib.parse.urljoin(site if site.endswith("/") else site + "/", path)
    return str(Path(site, *path.split("/")))


def strict_json(body: bytes) -> object:
    """JSON that means one thing: a duplicate key (which a parser would silently resolve,
    each its own way) is refused, and so are NaN and Infinity (ValueError)."""

    def unique(pairs: list[tuple[str, object]]) -> dict[str, object]:
        document: dict[str, object] = {}
        for key, value in pairs:
            if key in document:
                raise ValueError(f"duplicate key {key!r}")
            document[key] = value
        return document

    def constant(name: str) -> object:
        raise ValueError(f"{name} is not JSON")

    try:
        return json.loads(body, object_pairs_hook=unique, parse_constant=constant)
    except RecursionError:
        raise ValueError("nested too deeply") from None


def load_json(location: str) -> object:
    """A JSON file of the site, strictly parsed (FetchError, ValueError)."""
    return strict_json(read(location))
