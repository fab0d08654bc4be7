"""Typed model of the trust center's data: what `data/` means once it has been loaded.

The YAML layout (one file per text version, one file per change of the sub-processor list)
is described in `docs/data-format.md`. These models are the single source of truth for
field names and types; the loader validates raw YAML against them (pydantic, extra keys
forbidden) and the rest of the generator only ever sees these objects.

Everything here is immutable and free of I/O so that diffs, pages and feeds are pure
functions of the data.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, HttpUrl, StringConstraints

# The topics, their titles, the sub-processor fields and the version statuses are shared
# with the service: they are defined in the contract module and re-exported here.
from generator.contract import (  # noqa: F401
    SUBPROCESSOR_FIELDS,
    TEXT_TOPICS,
    TOPIC_TITLES,
    TOPICS,
    Email,
    Slug,
    Status,
    slugify_version,
)

# Countries of the European Economic Area (ISO 3166-1 alpha-2). A sub-processor that
# processes personal data anywhere else needs a transfer mechanism (GDPR Chapter V).
EEA_COUNTRIES: frozenset[str] = frozenset(
    (
        "AT",
        "BE",
        "BG",
        "HR",
        "CY",
        "CZ",
        "DK",
        "EE",
        "FI",
        "FR",
        "DE",
        "GR",
        "HU",
        "IE",
        "IT",
        "LV",
        "LT",
        "LU",
        "MT",
        "NL",
        "PL",
        "PT",
        "RO",
        "SK",
        "SI",
        "ES",
        "SE",
        "IS",
        "LI",
        "NO",
    )
)

Country = Annotated[str, StringConstraints(pattern=r"^[A-Z]{2}$")]
ShortText = Annotated[str, StringConstraints(min_length=1, max_length=300, strip_whitespace=True)]
LongText = Annotated[str, StringConstraints(min_length=1, max_length=20000)]
PublicKey = Annotated[str, StringConstraints(pattern=r"^ed25519:[A-Za-z0-9+/]{43}=$")]
# Text versions are dotted numbers ("1.0", "2.1"); they sort numerically.
TextVersion = Annotated[str, StringConstraints(pattern=r"^\d+(\.\d+){0,2}$")]
ProductIds = Annotated[tuple[Slug, ...], Field(min_length=1)]


class _Strict(BaseModel):
    """Base for every model read from YAML: unknown keys are errors, values are frozen."""

    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=False)


class Contacts(_Strict):
    privacy: Email
    security: Email | None = None
    dpo: Email | None = None
    # The public key for encrypted vulnerability reports (security.txt `Encryption`).
    encryption: HttpUrl | None = None


class Company(_Strict):
    name: ShortText
    legal_name: ShortText
    address: ShortText
    description: ShortText | None = None


class Product(_Strict):
    """A product of the company (`products:` in site.yaml). Sub-processor entries name the
    products they serve; clients subscribe to the changes of the products they use."""

    id: Slug
    name: ShortText
    # A longer notice the company promises for this product's sub-processors; the site's
    # `notice_period_days` when absent.
    notice_period_days: int | None = Field(default=None, ge=0, le=365)


class Site(_Strict):
    """`data/site.yaml`: who publishes the trust center and where it lives."""

    company: Company
    contacts: Contacts
    site_url: HttpUrl
    service_url: HttpUrl
    notice_period_days: int = Field(ge=0, le=365)
    # The public key that signs history.json (`ed25519:<base64>`, docs/history.md), and
    # where the data's Git repository is browsed (links from each version to its commit).
    signing_key: PublicKey | None = None
    repository_url: HttpUrl | None = None
    request_retention_days: int = Field(default=90, ge=1, le=3650)
    products: tuple[Product, ...] = ()
    # The WebSub hub every feed names (`<link rel="hub">`), told of each deploy by
    # `trustsite websub-publish`; https only (generator.load.products).
    websub_hub: HttpUrl | None = None

    def product_notice_days(self, product: Product) -> int:
        if product.notice_period_days is None:
            return self.notice_period_days
        return product.notice_period_days


class Correction(_Strict):
    """A correction of a published version that keeps its meaning (docs/history.md):
    in `place` (a section id, a field or an entry id), the text `old` becomes `new`."""

    date: dt.date
    by: ShortText
    why: ShortText
    place: ShortText
    old: LongText
    new: LongText


class Section(_Strict):
    id: Slug
    title: ShortText
    body: LongText  # Markdown; raw HTML is escaped when rendered.


class TextVersionDoc(_Strict):
    """One version of a text document: `data/<topic>/<version>.yaml`."""

    version: TextVersion
    title: ShortText
    announced: dt.date
    effective: dt.date
    summary: ShortText
    editorial: bool = False
    sections: tuple[Section, ...] = Field(min_length=1)
    corrections: tuple[Correction, ...] = ()  # append-only; applied when loaded

    @property
    def sort_key(self) -> tuple[int, ...]:
        return version_key(self.version)


class Relationship(StrEnum):
    affiliate = "affiliate"
    third_party = "third-party"


class TransferMechanism(StrEnum):
    none = "none"  # only for processing inside the EEA
    adequacy = "adequacy"
    sccs = "SCCs"
    dpf = "DPF"
    bcrs = "BCRs"


class Subprocessor(_Strict):
    """One entry of the sub-processor list."""

    id: Slug
    entity: ShortText
    purpose: ShortText
    data_categories: tuple[ShortText, ...] = Field(min_length=1)
    processing_locations: tuple[Country, ...] = Field(min_length=1)
    corporate_location: Country
    transfer_mechanism: TransferMechanism
    website: HttpUrl
    relationship: Relationship
    products: ProductIds | None = None  # None: every product

    @property
    def outside_eea(self) -> tuple[str, ...]:
        return tuple(c for c in self.processing_locations if c not in EEA_COUNTRIES)


# Fields a change may touch: everything but the id, which is how an entry is known. The
# contract names them for the service; the model must have exactly those.
if tuple(f for f in Subprocessor.model_fields if f != "id") != SUBPROCESSOR_FIELDS:
    raise RuntimeError("generator.contract.FIELD_LABELS must name the fields of Subprocessor")


class SubprocessorPatch(_Strict):
    """The fields that change for one existing entry; absent fields stay as they were."""

    entity: ShortText | None = None
    purpose: ShortText | None = None
    data_categories: tuple[ShortText, ...] | None = None
    processing_locations: tuple[Country, ...] | None = None
    corporate_location: Country | None = None
    transfer_mechanism: TransferMechanism | None = None
    website: HttpUrl | None = None
    relationship: Relationship | None = None
    # `all`: the entry serves every product again (None here means "unchanged").
    products: ProductIds | Literal["all"] | None = None

    def fields(self) -> dict[str, object]:
        found: dict[str, object] = {
            k: v for k, v in self if v is not None and k != "products"
        }
        if self.products is not None:
            found["products"] = None if self.products == "all" else self.products
        return found


class SubprocessorChange(_Strict):
    """One change of the list: `data/subprocessors/<effective-date>.yaml`.

    The list as of a date is the fold of every change effective on or before it.
    """

    announced: dt.date
    effective: dt.date
    summary: ShortText
    editorial: bool = False
    add: tuple[Subprocessor, ...] = ()
    remove: tuple[Slug, ...] = ()
    change: dict[Slug, SubprocessorPatch] = Field(default_factory=dict)
    corrections: tuple[Correction, ...] = ()  # append-only; applied when loaded

    @property
    def version(self) -> str:
        return self.effective.isoformat()

    @property
    def objection_deadline(self) -> dt.date | None:
        """The last day to object: the day before the change takes effect. None when there
        is nothing to object to (editorial) or no day to object on (effective the day it
        is announced): a deadline before the announcement would be a broken promise."""
        last = self.effective - dt.timedelta(days=1)
        return None if self.editorial or last < self.announced else last


def entry_json(entry: Subprocessor) -> dict[str, object]:
    """An entry as the exports and changes.json publish it: `products` only when it is set
    (absent: every product), so a site without products publishes what it always did."""
    dumped = entry.model_dump(mode="json")
    if entry.products is None:
        del dumped["products"]
    return dumped


class SubprocessorVersion(BaseModel):
    """The whole list after a change took effect (derived, never written by hand)."""

    model_config = ConfigDict(frozen=True)

    change: SubprocessorChange
    entries: tuple[Subprocessor, ...]  # sorted by id

    @property
    def version(self) -> str:
        return self.change.version


class TrustData(BaseModel):
    """Everything in `data/`, loaded and validated, versions sorted oldest first."""

    model_config = ConfigDict(frozen=True)

    site: Site
    texts: dict[str, tuple[TextVersionDoc, ...]]  # topic -> versions
    subprocessor_changes: tuple[SubprocessorChange, ...]
    # Versioned documents that are not topics: the report NDA, the disclosure policy.
    documents: dict[str, tuple[TextVersionDoc, ...]] = Field(default_factory=dict)


def version_key(version: str) -> tuple[int, ...]:
    return tuple(int(p) for p in version.split("."))
