"""Where each page and file of the site lives, as site-relative paths and absolute URLs.

One place decides the URL layout (docs/changes-json.md, "Site paths") so that pages,
feeds, changes.json and the notices the service sends all link to the same addresses.
The site is built with `use_directory_urls`, so every page path ends with a slash.
"""

from __future__ import annotations

# page_path (`dpa/`, `dpa/2.1/`) is the contract's: the service's mails link to the same pages.
from generator.contract import page_path
from generator.model import Site


def site_root(site: Site) -> str:
    """The site's base URL, always ending with a slash so relative paths append cleanly."""
    url = str(site.site_url)
    return url if url.endswith("/") else url + "/"


def absolute_url(site: Site, path: str) -> str:
    """The absolute URL of a site-relative path such as `feeds/all.atom`."""
    return site_root(site) + path.lstrip("/")


def page_url(site: Site, topic: str, version: str | None = None) -> str:
    return absolute_url(site, page_path(topic, version))


def redline_path(topic: str, version: str) -> str:
    return page_path(topic, version) + "redline/"


def redline_url(site: Site, topic: str, version: str) -> str:
    return absolute_url(site, redline_path(topic, version))


def feed_path(name: str, kind: str) -> str:
    """`feeds/<name>.<kind>`, where name is a topic or `all` and kind is `atom` or `rss`."""
    return f"feeds/{name}.{kind}"
