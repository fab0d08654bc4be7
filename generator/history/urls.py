"""Where each page and file of the site lives, as site-relative paths and absolute URLs.

One place decides the URL layout (docs/changes-json.md, "Site paths") so that pages,
feeds, changes.json and the notices the service sends all link to the same addresses.
The site is built with `use_directory_urls`, so every page path ends with a slash.
"""

from __future__ import annotations

import re

# page_path (`dpa/`, `dpa/2.1/`) is the contract's: the service's mails link to the same pages.
from generator.contract import TOPICS, page_path, slugify_version
from generator.history.parts import site_parts
from generator.load.model import Site


def site_root(site: Site) -> str:
    """The site's base URL, always ending with a slash so relative paths append cleanly."""
    url = str(site.site_url)
    return url if url.endswith("/") else url + "/"


def absolute_url(site: Site, path: str) -> str:
    """The absolute URL of a site-relative path such as `feeds/all.atom`."""
    return site_root(site) + path.lstrip("/")


def company_slug(site: Site) -> str:
    return re.sub(r"[^a-z0-9]+", "-", site.company.name.lower()).strip("-") or "company"


def dpa_pdf_path(site: Site, version: str) -> str:
    """Site-relative path of a DPA version's PDF: `dpa/2.1/larkspur-relay-dpa-2.1.pdf`."""
    return f"{page_path('dpa', version)}{company_slug(site)}-dpa-{slugify_version(version)}.pdf"


def page_url(site: Site, topic: str, version: str | None = None) -> str:
    return absolute_url(site, page_path(topic, version))


def redline_path(topic: str, version: str) -> str:
    return page_path(topic, version) + "redline/"


def redline_url(site: Site, topic: str, version: str) -> str:
    return absolute_url(site, redline_path(topic, version))


# The sub-processor list has no redline page: a version's page shows its change under
# this anchor (templates/pages/subprocessors_version.md.j2).
WHAT_CHANGED = "#what-changed"


def list_change_path(version: str) -> str:
    """Where one change of the sub-processor list is shown: `subprocessors/<v>/#what-changed`."""
    return page_path("subprocessors", version) + WHAT_CHANGED


def feed_path(name: str, kind: str) -> str:
    """`feeds/<name>.<kind>`, where name is a topic or `all` and kind is `atom` or `rss`."""
    return f"feeds/{name}.{kind}"


def feed_names(site: Site) -> list[str]:
    """Every feed of the site: `all`, one per topic, one per product and per region."""
    return ["all", *TOPICS, *(part.feed_name for part in site_parts(site))]


def since_path(topic: str, version: str) -> str:
    """`dpa/since/2.0/`: everything that changed from that version to the current one."""
    return f"{topic}/since/{slugify_version(version)}/"


def entry_path(entry_id: str) -> str:
    """`subprocessors/entries/<id>/`: the history of one sub-processor entry."""
    return f"subprocessors/entries/{entry_id}/"
