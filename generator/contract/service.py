"""`service.json`: who publishes the site and what the service's forms need.

Part of generator.contract: import its names from `generator.contract`."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Annotated, Literal

from pydantic import (
    Field,
    StringConstraints,
)

from generator.contract.base import (
    Email,
    SitePath,
    Slug,
    Text,
    Url,
    _Record,
)
from generator.contract.dates import (
    in_force_on,
)

# --- service.json -------------------------------------------------------------------------------

SERVICE_FORMAT = "trustsite-service/1"


class Company(_Record):
    name: Text
    legal_name: Text
    address: Text


class Contacts(_Record):
    privacy: Email
    security: Email | None = None
    dpo: Email | None = None


class DocumentVersion(_Record):
    """A published version of a document; `pdf` is its PDF in the built site, if it has one."""

    version: Text
    announced: dt.date
    effective: dt.date
    pdf: SitePath | None = None


def current_on(versions: Sequence[DocumentVersion], today: dt.date) -> DocumentVersion | None:
    """The version in force on `today` (`in_force_on`, the site's rule too), so a version
    that takes effect today is current in the service today, before the next build."""
    label = in_force_on([(v.version, v.effective) for v in versions], today)
    return next((v for v in versions if v.version == label), None)


class Report(_Record):
    """A certification's report that can be requested under the NDA."""

    id: Slug  # also the file name in TRUSTSITE_REPORTS_DIR: <id>.pdf
    name: Text


class Brand(_Record):
    """The company's look in mails: its logo in the built site, its colour (`#RRGGBB`)."""

    logo: SitePath
    color: Annotated[str, StringConstraints(pattern=r"^#[0-9A-Fa-f]{6}$")]
class Product(_Record):
    """A product of the company: what a client may subscribe to the changes of."""

    id: Slug
    name: Text
    notice_period_days: int = Field(ge=0, le=365)  # the product's own, or the site's


class Region(_Record):
    """A region the company serves from (site.yaml `regions`): like a product, what a
    client may subscribe to the changes of."""

    id: Slug
    name: Text
    notice_period_days: int = Field(ge=0, le=365)  # the region's own, or the site's


class ServiceInfo(_Record):
    """`service.json`: what the service needs from the data, as of the build date."""

    format: Literal["trustsite-service/1"]
    as_of: dt.date
    site_url: Url
    service_url: Url
    company: Company
    contacts: Contacts
    request_retention_days: int = Field(ge=1, le=3650)
    dpa: list[DocumentVersion] = []  # published versions, oldest first
    nda: list[DocumentVersion] = []  # the click-through NDA of report requests, oldest first
    reports: list[Report] = []  # on request, in the security version in force on `as_of`
    brand: Brand | None = None  # site.yaml's brand, when it has one
    products: list[Product] = []  # none: the site has no products, every change is for all
    regions: list[Region] = []  # none: the site has no regions, every change is for all

    def product_ids(self) -> list[str]:
        return [p.id for p in self.products]

    def region_ids(self) -> list[str]:
        return [r.id for r in self.regions]

    def scope_names(self) -> dict[str, str]:
        """Product and region ids → their names (contract.value_words)."""
        return {s.id: s.name for s in (*self.products, *self.regions)}

    def report_name(self, report_id: str) -> str | None:
        return next((r.name for r in self.reports if r.id == report_id), None)

    def dpa_version(self, version: str) -> DocumentVersion | None:
        return next((v for v in self.dpa if v.version == version), None)
