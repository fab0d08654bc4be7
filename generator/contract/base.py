"""Topics, field labels and their words for people, version statuses, page paths, and
the value types of both files.

Part of generator.contract: import its names from `generator.contract`."""

from __future__ import annotations

import re
from collections.abc import Mapping
from enum import StrEnum
from functools import cache
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    StringConstraints,
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
    "regions": "Regions",  # the regions an entry serves; absent: every region
}
# The fields that scope an entry to part of the company's offer (site.yaml `products`,
# `regions`): null on purpose, meaning "every one", and written with the site's names.
SCOPE_FIELDS: dict[str, str] = {"products": "every product", "regions": "every region"}
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


def value_words(field: str, value: Any, names: Mapping[str, str] | None = None) -> str:
    """A sub-processor field's value in words for people: countries by name, mechanisms and
    relationships by their labels, products and regions by the names in `names` (their
    ids in site.yaml → their names; an id without a name as written), lists joined, nothing
    as "(none)". Only the scope fields are null on purpose: the entry serves every one."""
    if field in SCOPE_FIELDS and value is None:
        return SCOPE_FIELDS[field]
    if value is None or value == "" or value == [] or value == ():
        return "(none)"
    if isinstance(value, list | tuple):
        return ", ".join(value_words(field, v, names) for v in value)
    text = str(value)
    if field in SCOPE_FIELDS:
        return (names or {}).get(text, text)
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


