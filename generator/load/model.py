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

# The topics, the sub-processor fields and the version statuses are shared with the
# service: they are defined in the contract module (import them from there).
from generator.contract import (
    SCOPE_FIELDS,
    SUBPROCESSOR_FIELDS,
    Email,
    Slug,
    TimeZoneName,
    objection_deadline,
)
from generator.load.register_fields import IctServiceType, Lei

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
PartIds = Annotated[tuple[Slug, ...], Field(min_length=1)]  # product or region ids


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
    # ISO 17442, check digits verified: the code clients' DORA registers identify us by.
    lei: Lei | None = None
    # What the service is in the ITS taxonomy of ICT services (S01-S19, register_fields.py).
    ict_service_type: IctServiceType | None = None
    country: Country | None = None  # of the headquarters (ISO 3166-1 alpha-2)


class KeyRotation(_Strict):
    """A statement signed by the old signing key naming the new one (docs/history.md,
    "Signing"; `trustsite keygen --rotate` writes it)."""

    date: dt.date
    old_key: PublicKey
    new_key: PublicKey
    signature: Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9+/]{86}==$")]


class Brand(_Strict):
    """`brand:` in site.yaml: the company's look. The files are paths under `data/`; what
    they may hold (SVG or PNG, size, no scripts) and the colour's contrast are checked by
    `generator.load.brand`."""

    logo: ShortText
    color: Annotated[str, StringConstraints(pattern=r"^#[0-9A-Fa-f]{6}$")]
    favicon: ShortText | None = None
class _Part(_Strict):
    """A part of the company's offer a client may buy or be served from (a product, a
    region): sub-processor entries name the parts they serve; clients subscribe to the
    changes of theirs."""

    id: Slug
    name: ShortText
    # A longer notice the company promises for this part's sub-processors; the site's
    # `notice_period_days` when absent.
    notice_period_days: int | None = Field(default=None, ge=0, le=365)


class Product(_Part):
    """A product of the company (`products:` in site.yaml)."""


class Region(_Part):
    """A region the company serves its clients from (`regions:` in site.yaml)."""


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
    key_rotations: tuple[KeyRotation, ...] = ()  # oldest first; each signed by its old key
    repository_url: HttpUrl | None = None
    request_retention_days: int = Field(default=90, ge=1, le=3650)
    # The IANA time zone whose days the objection deadline counts (docs/data-format.md).
    timezone: TimeZoneName = "UTC"
    brand: Brand | None = None
    products: tuple[Product, ...] = ()
    regions: tuple[Region, ...] = ()
    # The WebSub hub every feed names (`<link rel="hub">`), told of each deploy by
    # `trustsite websub-publish`; https only (generator.load.scopes).
    websub_hub: HttpUrl | None = None

    def notice_days_of(self, part: Product | Region) -> int:
        """The notice a change touching `part` must give at least (its own, or the site's)."""
        if part.notice_period_days is None:
            return self.notice_period_days
        return part.notice_period_days

    def part_names(self) -> dict[str, str]:
        """Product and region ids → their names (contract.value_words)."""
        return {p.id: p.name for p in (*self.products, *self.regions)}


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


class Signatory(_Strict):
    """Who signs the DPA's annexes for the company."""

    name: ShortText
    role: ShortText


class Processing(_Strict):
    """A DPA version's description of the processing: Annex I.B and I.C of the Standard
    Contractual Clauses (Commission Implementing Decision (EU) 2021/914), docs/annexes.md."""

    data_subjects: tuple[ShortText, ...] = Field(min_length=1)
    data_categories: tuple[ShortText, ...] = Field(min_length=1)
    sensitive_data: ShortText
    frequency: ShortText
    nature: ShortText
    purpose: ShortText
    retention: ShortText
    supervisory_authority: ShortText
    signatory: Signatory | None = None


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


class DpaVersionDoc(TextVersionDoc):
    """A DPA version: a text version that may describe the processing for its annexes."""

    processing: Processing | None = None  # SCC Annex I.B and I.C (docs/annexes.md)


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
    # Register fields (DORA register of information, docs/registers.md): editorial to add
    # or correct, since what the sub-processor does and where stays the same.
    lei: Lei | None = None
    ict_service_type: IctServiceType | None = None
    parent: Lei | None = None  # the LEI of its ultimate parent undertaking, where known
    products: PartIds | None = None  # None: every product
    regions: PartIds | None = None  # None: every region (site.yaml `regions`)

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
    lei: Lei | None = None
    ict_service_type: IctServiceType | None = None
    parent: Lei | None = None
    # `all`: the entry serves every product again (None here means "unchanged").
    products: PartIds | Literal["all"] | None = None
    regions: PartIds | Literal["all"] | None = None  # `all`: every region again

    def fields(self) -> dict[str, object]:
        found: dict[str, object] = {
            k: v for k, v in self if v is not None and k not in SCOPE_FIELDS
        }
        for key in SCOPE_FIELDS:
            value = getattr(self, key)
            if value is not None:
                found[key] = None if value == "all" else value
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
        """The last day to object (the contract's one rule, `objection_deadline`)."""
        return objection_deadline(self.announced, self.effective, self.editorial)


def entry_json(entry: Subprocessor) -> dict[str, object]:
    """An entry as the exports and changes.json publish it: `products` and `regions` only
    when set (absent: every one), so a site without them publishes what it always did."""
    # A register field not known (lei, ict_service_type, parent) is left out the same way.
    return entry.model_dump(mode="json", exclude_none=True)


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
