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
import zoneinfo
from collections.abc import Sequence
from enum import StrEnum
from functools import cache
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    SerializerFunctionWrapHandler,
    StringConstraints,
    model_serializer,
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
    "lei": "LEI",
    "ict_service_type": "ICT service type",
    "parent": "Ultimate parent LEI",
    "products": "Products",  # the products an entry serves; absent: every product
}
SUBPROCESSOR_FIELDS: tuple[str, ...] = tuple(FIELD_LABELS)


# What a reader sees for a field's value (the site's tables, the feeds, the notices, the
# exports' human parts): the one table of labels, so no mail says "adequacy" or "GB, IE"
# where the site says "Adequacy decision" and "United Kingdom (GB), Ireland (IE)".
MECHANISM_LABELS: dict[str, str] = {
    "none": "None needed (EEA only)",
    "adequacy": "Adequacy decision",
    "SCCs": "Standard Contractual Clauses",
    "DPF": "EU-U.S. Data Privacy Framework",
    "BCRs": "Binding Corporate Rules",
}
RELATIONSHIP_LABELS: dict[str, str] = {"affiliate": "Affiliate", "third-party": "Third party"}
COUNTRY_FIELDS: tuple[str, ...] = ("processing_locations", "corporate_location")


@cache
def country_name(code: str) -> str:
    """`South Korea` rather than ISO's `Korea, Republic of`: the name a reader searches
    for; an unknown code stays as written. pycountry is imported here, on first use, so that
    importing the contract stays cheap."""
    import pycountry

    country = pycountry.countries.get(alpha_2=code) if len(code) == 2 else None
    if country is None:
        return code
    return getattr(country, "common_name", None) or country.name


def country_label(code: str) -> str:
    """`United Kingdom (GB)`; an unknown code as written."""
    name = country_name(code)
    return code if name == code else f"{name} ({code})"


def value_words(field: str, value: Any) -> str:
    """A sub-processor field's value in words for people: countries by name, mechanisms and
    relationships by their labels, lists joined, nothing as "(none)". Only `products` is
    null on purpose: the entry serves every product."""
    if field == "products" and value is None:
        return "every product"
    if value is None or value == "" or value == [] or value == ():
        return "(none)"
    if isinstance(value, list | tuple):
        return ", ".join(value_words(field, v) for v in value)
    text = str(value)
    if field in COUNTRY_FIELDS:
        return country_label(text)
    if field == "transfer_mechanism":
        return MECHANISM_LABELS.get(text, text)
    if field == "relationship":
        return RELATIONSHIP_LABELS.get(text, text)
    return text


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


# --- dates: which version is in force, and the objection deadline ----------------------------
#
# Every date the site, its feeds, PDFs and changes.json and the service's mails state about
# what is in force or until when one may object comes from these functions, so the two
# halves cannot disagree (docs/data-format.md, "Dates and status").

# Month names spelt out here, not by strftime's %B, which follows the machine's locale.
_MONTHS = (
    *("January", "February", "March", "April", "May", "June"),
    *("July", "August", "September", "October", "November", "December"),
)


def long_date(day: dt.date) -> str:
    """`1 June 2025`: unambiguous for readers on both sides of the Atlantic."""
    return f"{day.day} {_MONTHS[day.month - 1]} {day.year}"


def in_force_on(versions: Sequence[tuple[str, dt.date]], day: dt.date) -> str | None:
    """The version in force on `day`: of the published versions, given as (label, effective
    date) oldest first, the one that took effect last on or before `day` (a later one of the
    same date wins). None before the first takes effect."""
    effective = [(e, i) for i, (_, e) in enumerate(versions) if e <= day]
    return versions[max(effective)[1]][0] if effective else None


class InForcePeriod(_Record):
    """A version in force from `since` to `until`, both days included."""

    version: Text
    since: dt.date
    until: dt.date


def in_force_between(
    versions: Sequence[tuple[str, dt.date]], start: dt.date, end: dt.date
) -> list[InForcePeriod]:
    """Each version in force on the days `start` to `end` (both included), in order: what
    applies between today and a pending version's effective date. Days on which nothing is
    in force yet are left out."""
    if end < start:
        return []
    points = sorted({start} | {e for _, e in versions if start < e <= end})
    periods: list[InForcePeriod] = []
    for index, day in enumerate(points):
        last = points[index + 1] - dt.timedelta(days=1) if index + 1 < len(points) else end
        label = in_force_on(versions, day)
        if label is None:
            continue
        if periods and periods[-1].version == label:
            periods[-1] = InForcePeriod(version=label, since=periods[-1].since, until=last)
        else:
            periods.append(InForcePeriod(version=label, since=day, until=last))
    return periods


def in_force_words(periods: Sequence[InForcePeriod], start: dt.date) -> str:
    """`version 2.0 until 14 December 2026, then version 2.1 until 20 January 2027`; when
    nothing is in force on `start` yet, the first period says when it begins (the others
    begin the day after the one before)."""
    parts = []
    for index, period in enumerate(periods):
        since = f" from {long_date(period.since)}" if index == 0 and period.since > start else ""
        parts.append(f"version {period.version}{since} until {long_date(period.until)}")
    return ", then ".join(parts)


def objection_deadline(
    announced: dt.date, effective: dt.date, editorial: bool
) -> dt.date | None:
    """The last day to object to a change (inclusive): the day before it takes effect. None
    when there is nothing to object to (editorial) or no day to object on (effective the day
    it is announced): a deadline before the announcement would be a broken promise."""
    last = effective - dt.timedelta(days=1)
    return None if editorial or last < announced else last


@cache
def _zone_names() -> frozenset[str]:
    # Only the names of the IANA database: never a folder of it ("Europe"), a file beside
    # the zones ("zone.tab") or the machine's own "localtime".
    return frozenset(zoneinfo.available_timezones()) - {"localtime", "posixrules", "Factory"}


def zone_of(name: str) -> dt.tzinfo:
    """The IANA time zone `name` (ValueError if there is none of that name)."""
    if name == "UTC":
        return dt.UTC
    if name in _zone_names():
        try:
            return zoneinfo.ZoneInfo(name)
        except (OSError, ValueError):  # listed, yet unreadable: said as below
            pass
    raise ValueError(
        f"'{name}' is not a time zone; write an IANA name such as Europe/Amsterdam or UTC"
    )


def _zone_name(name: str) -> str:
    zone_of(name)
    return name


# An IANA time zone name (`Europe/Amsterdam`), checked to exist.
TimeZoneName = Annotated[
    str, StringConstraints(min_length=1, max_length=64), AfterValidator(_zone_name)
]


def deadline_ends(deadline: dt.date, zone: str) -> dt.datetime:
    """The first instant after the deadline: midnight that ends its last day, in `zone`."""
    next_day = deadline + dt.timedelta(days=1)
    return dt.datetime.combine(next_day, dt.time(0), tzinfo=zone_of(zone))


def objection_on_time(deadline: dt.date | None, zone: str, at: dt.datetime) -> bool:
    """Whether an objection that arrived at `at` (an aware instant) is in time: through the
    whole last day in the company's zone. No deadline: always in time."""
    return deadline is None or at < deadline_ends(deadline, zone)


def deadline_words(deadline: dt.date, zone: str) -> str:
    """`the end of 20 January 2027 (Europe/Amsterdam time)`: the deadline, said one way."""
    where = "UTC" if zone == "UTC" else f"{zone} time"
    return f"the end of {long_date(deadline)} ({where})"


def objections_sentence(deadline: dt.date, zone: str) -> str:
    """The one sentence that states an objection deadline, on the site and in every mail."""
    return f"Objections are accepted until {deadline_words(deadline, zone)}."


# --- changes.json -------------------------------------------------------------------------------

CHANGES_FORMAT = "trustsite-changes/1"


class SiteInfo(_Record):
    url: Url
    company: Text
    privacy_contact: Email
    # The company's time zone (site.yaml): a deadline ends at midnight there.
    timezone: TimeZoneName = "UTC"


class FieldChange(_Record):
    field: Literal[SUBPROCESSOR_FIELDS]  # type: ignore[valid-type]
    old: Any
    new: Any


class _Served(_Record):
    """An entry of a list change, with the products it serves (None: every product)."""

    products: list[Slug] | None = None

    @model_serializer(mode="wrap")
    def _products_when_set(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        # Absent means every product: a site without products publishes no `products` keys.
        dumped: dict[str, Any] = handler(self)
        if dumped.get("products", 0) is None:
            del dumped["products"]
        return dumped


class ListEntry(_Served):
    """An entry added or removed: `id` and `entity`, and every other field as published.

    `products`: the products the entry serves; absent (None) when it serves every one."""

    model_config = ConfigDict(extra="allow", frozen=True)

    id: Text
    entity: Text


class ChangedEntry(_Served):
    """`products`: every product the entry served before or serves after the change (None:
    every product), so that a change of its products reaches the clients of both."""

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
    # What is in force from `as_of` until this version takes effect (`in_force_between`),
    # and the deadline in the one sentence the site and the mails state it with.
    in_force_before: list[InForcePeriod] = []
    in_force_before_text: Text | None = None  # in_force_words, counted from `as_of`
    objection_deadline_text: Text | None = None
    # The products the change touches, sorted; None: every product (a text document, or a
    # list change with an entry that serves every product). See `change_touches_products`.
    products: list[Slug] | None = None

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


# --- products ------------------------------------------------------------------------------------
#
# A scope is a set of product ids, or None for "every product": a subscriber (or a webhook
# endpoint) without products wants every change, and an entry without products serves
# every product. Both halves decide "does this reach them" with these functions only.

Scope = Sequence[str] | None


def scopes_meet(touched: Scope, wanted: Scope) -> bool:
    """Whether something touching `touched` concerns someone who wants `wanted`."""
    if touched is None or wanted is None:
        return True
    return not set(touched).isdisjoint(wanted)


def change_touches_products(record: Change, products: Scope) -> bool:
    """Whether `record` concerns a reader of `products` (None: every product)."""
    return scopes_meet(record.products, products)


def scope_change(record: Change, products: Scope) -> Change:
    """`record` as a reader of `products` sees it: a list change keeps only the entries
    that serve one of them. Text changes, and every change for a reader of every product,
    are returned whole."""
    if products is None or not isinstance(record.diff, ListDiff):
        return record
    diff = record.diff
    scoped = diff.model_copy(
        update={
            name: [e for e in getattr(diff, name) if scopes_meet(e.products, products)]
            for name in ("added", "removed", "changed")
        }
    )
    return record.model_copy(update={"diff": scoped})


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

    def product_ids(self) -> list[str]:
        return [p.id for p in self.products]

    def report_name(self, report_id: str) -> str | None:
        return next((r.name for r in self.reports if r.id == report_id), None)

    def dpa_version(self, version: str) -> DocumentVersion | None:
        return next((v for v in self.dpa if v.version == version), None)
