"""What the site and the service share: the one module of `generator` the service imports.

The build writes two files the service reads (docs/changes-json.md):

- `changes.json` (`Change`, `ChangesDoc`): every published change, which `notify` reads to
  decide whom to mail;
- `service.json` (`ServiceInfo`): who publishes the site and what its request forms need
  (contacts, retention, the DPA and NDA versions, the reports on offer).

Both halves use these models: the generator builds its records with them and dumps them,
the service validates what it reads against them, so a file one writes is a file the other
accepts. The topics, their titles and the sub-processor field labels live here for the same
reason. Plain Python and pydantic only: importing this module never loads the generator.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    model_validator,
)

# --- topics and fields ------------------------------------------------------------------------

TOPICS: tuple[str, ...] = ("subprocessors", "dpa", "privacy", "faq", "security")
TEXT_TOPICS: tuple[str, ...] = ("dpa", "privacy", "faq", "security")

TOPIC_TITLES: dict[str, str] = {
    "subprocessors": "Sub-processors",
    "dpa": "Data Processing Addendum",
    "privacy": "Privacy statement",
    "faq": "GDPR and CCPA FAQ",
    "security": "Security and compliance",
}

# The fields of a sub-processor entry a change may touch (everything but its `id`), in the
# order tables show them, with the one set of labels: capitalised as a table header,
# lower-cased inside a sentence. `generator.load.model.Subprocessor` has exactly these fields.
FIELD_LABELS: dict[str, str] = {
    "entity": "Entity",
    "purpose": "Purpose",
    "data_categories": "Data categories",
    "processing_locations": "Processing locations",
    "corporate_location": "Corporate location",
    "transfer_mechanism": "Transfer mechanism",
    "website": "Website",
    "relationship": "Relationship",
}
SUBPROCESSOR_FIELDS: tuple[str, ...] = tuple(FIELD_LABELS)


class Status(StrEnum):
    """Where a version stands on the build date."""

    draft = "draft"  # announced in the future: not published yet
    upcoming = "upcoming"  # announced, not yet effective
    current = "current"  # the version in force
    past = "past"  # superseded


# --- site paths -----------------------------------------------------------------------------------


def slugify_version(version: str) -> str:
    """The path segment of a version's permalink (`/dpa/2.1/`, `/subprocessors/2025-03-01/`)."""
    return re.sub(r"[^0-9A-Za-z.-]", "-", version)


def page_path(topic: str, version: str | None = None) -> str:
    """`dpa/` for a topic's current page, `dpa/2.1/` for one version's permalink.

    The site is built with `use_directory_urls`: every page path ends with a slash. A
    document that is not a topic is addressed the same way (`security/nda`, `1.0`).
    """
    if version is None:
        return f"{topic}/"
    return f"{topic}/{slugify_version(version)}/"


# --- shared value types -------------------------------------------------------------------------

Text = Annotated[str, StringConstraints(min_length=1, max_length=2000)]
Email = Annotated[str, StringConstraints(pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$", max_length=254)]
Url = Annotated[str, StringConstraints(pattern=r"^https?://[^\s]+$", max_length=2000)]
Slug = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9-]{0,62}$")]
Hash = Annotated[str, StringConstraints(pattern=r"^([0-9a-f]{64})?$")]


def _inside(path: str) -> str:
    if ".." in path.split("/"):
        raise ValueError("must stay inside the site (no '..')")
    return path


# A file of the built site, relative to its root: no absolute path, no way out of it.
SitePath = Annotated[
    str,
    StringConstraints(pattern=r"^[A-Za-z0-9_][A-Za-z0-9._/-]*$", max_length=500),
    AfterValidator(_inside),
]


class _Record(BaseModel):
    # Unknown keys are ignored: the formats may grow, and an older service keeps working
    # with a newer generator. Everything the generator writes is declared here.
    model_config = ConfigDict(extra="ignore", frozen=True)


# --- changes.json -------------------------------------------------------------------------------

CHANGES_FORMAT = "trustsite-changes/1"


class SiteInfo(_Record):
    url: Url
    company: Text
    privacy_contact: Email


class FieldChange(_Record):
    field: Literal[SUBPROCESSOR_FIELDS]  # type: ignore[valid-type]
    old: Any
    new: Any


class ListEntry(_Record):
    """An entry added or removed: `id` and `entity`, and every other field as published."""

    model_config = ConfigDict(extra="allow", frozen=True)

    id: Text
    entity: Text


class ChangedEntry(_Record):
    id: Text
    entity: Text
    fields: list[FieldChange] = Field(min_length=1)


class ListDiff(_Record):
    kind: Literal["list"]
    added: list[ListEntry] = []
    removed: list[ListEntry] = []
    changed: list[ChangedEntry] = []


class SectionChange(_Record):
    id: Text
    title: Text
    change: Literal["added", "removed", "changed"]


class TextDiff(_Record):
    kind: Literal["text"]
    sections: list[SectionChange] = []


class CorrectionStep(_Record):
    """A correction made to a published version since (docs/history.md)."""

    date: dt.date
    by: Text
    why: Text
    content_hash: Hash


class Change(_Record):
    """One record of changes.json: one published version of one topic."""

    id: Text
    topic: Literal[TOPICS]  # type: ignore[valid-type]
    topic_title: Text
    version: Text
    previous_version: Text | None
    title: Text
    summary: Text
    announced: dt.date
    effective: dt.date
    objection_deadline: dt.date | None
    editorial: bool
    status: Status
    url: Url
    diff_url: Url
    diff: Annotated[ListDiff | TextDiff, Field(discriminator="kind")]
    content_hash: Hash = ""  # SHA-256 of the content as published (history.json)
    corrections: list[CorrectionStep] = []

    @model_validator(mode="after")
    def _consistent(self) -> Change:
        if self.id != f"{self.topic}/{self.version}":
            raise ValueError(f"id must be '{self.topic}/{self.version}' (topic/version)")
        expected_kind = "text" if self.topic in TEXT_TOPICS else "list"
        if self.diff.kind != expected_kind:
            raise ValueError(f"diff.kind must be '{expected_kind}' for topic '{self.topic}'")
        if self.effective < self.announced:
            raise ValueError("effective must not be before announced")
        return self


def change_touches_products(record: Any, products: Sequence[str] | None) -> bool:
    """Whether a changes.json record (a dict) touches any of `products` (None: all of
    them). A record without a `products` list touches every product."""
    touched = record.get("products") if isinstance(record, dict) else None
    if products is None or touched is None:
        return True
    return bool(set(touched) & set(products))


class ChangesHead(_Record):
    """The document without its changes (a reader validates those one by one)."""

    format: Literal["trustsite-changes/1"]
    as_of: dt.date
    site: SiteInfo


class ChangesDoc(ChangesHead):
    changes: list[Change]

    @model_validator(mode="after")
    def _unique_ids(self) -> ChangesDoc:
        seen: set[str] = set()
        for change in self.changes:
            if change.id in seen:
                raise ValueError(f"change id '{change.id}' appears twice")
            seen.add(change.id)
        return self


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
    """The version in force on `today`: the last one (oldest first) already effective.

    The same rule as the site's (`generator.load.timeline`), so a version that takes effect
    today is current in the service today, before the next build has moved it on the site.
    """
    in_force = [v for v in versions if v.effective <= today]
    return in_force[-1] if in_force else None


class Report(_Record):
    """A certification's report that can be requested under the NDA."""

    id: Slug  # also the file name in TRUSTSITE_REPORTS_DIR: <id>.pdf
    name: Text


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

    def report_name(self, report_id: str) -> str | None:
        return next((r.name for r in self.reports if r.id == report_id), None)

    def dpa_version(self, version: str) -> DocumentVersion | None:
        return next((v for v in self.dpa if v.version == version), None)
