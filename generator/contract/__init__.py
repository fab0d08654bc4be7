"""What the site and the service share: the one package of `generator` the service imports.

The build writes two files the service reads (docs/changes-json.md):

- `changes.json` (`Change`, `ChangesDoc`): every published change, which `notify` reads to
  decide whom to mail;
- `service.json` (`ServiceInfo`): who publishes the site and what its request forms need
  (contacts, retention, the DPA and NDA versions, the reports on offer).

Both halves use these models: the generator builds its records with them and dumps them,
the service validates what it reads against them, so a file one writes is a file the other
accepts. The topics, their titles and the sub-processor field labels live here for the same
reason. Plain Python and pydantic only: importing this module never loads the generator.

The names are defined in the modules of this package (base: topics, labels, statuses,
paths and value types; dates: the in-force and deadline rules; changes: changes.json and
product scopes; service: service.json) and imported from here, by the generator and the
service alike.
"""

from generator.contract.base import (
    COUNTRY_FIELDS,
    FIELD_LABELS,
    MECHANISM_LABELS,
    RELATIONSHIP_LABELS,
    SUBPROCESSOR_FIELDS,
    TEXT_TOPICS,
    TOPIC_TITLES,
    TOPICS,
    Email,
    Hash,
    SitePath,
    Slug,
    Status,
    Text,
    Url,
    country_label,
    country_name,
    page_path,
    slugify_version,
    value_words,
)
from generator.contract.changes import (
    CHANGES_FORMAT,
    Change,
    ChangedEntry,
    ChangesDoc,
    ChangesHead,
    CorrectionStep,
    FieldChange,
    ListDiff,
    ListEntry,
    Scope,
    SectionChange,
    SiteInfo,
    TextDiff,
    change_touches_products,
    scope_change,
    scopes_meet,
)
from generator.contract.dates import (
    InForcePeriod,
    TimeZoneName,
    deadline_ends,
    deadline_words,
    in_force_between,
    in_force_on,
    in_force_words,
    long_date,
    objection_deadline,
    objection_on_time,
    objections_sentence,
    zone_of,
)
from generator.contract.service import (
    SERVICE_FORMAT,
    Brand,
    Company,
    Contacts,
    DocumentVersion,
    Product,
    Report,
    ServiceInfo,
    current_on,
)

__all__ = [
    "CHANGES_FORMAT",
    "COUNTRY_FIELDS",
    "FIELD_LABELS",
    "MECHANISM_LABELS",
    "RELATIONSHIP_LABELS",
    "SERVICE_FORMAT",
    "SUBPROCESSOR_FIELDS",
    "TEXT_TOPICS",
    "TOPICS",
    "TOPIC_TITLES",
    "Brand",
    "Change",
    "ChangedEntry",
    "ChangesDoc",
    "ChangesHead",
    "Company",
    "Contacts",
    "CorrectionStep",
    "DocumentVersion",
    "Email",
    "FieldChange",
    "Hash",
    "InForcePeriod",
    "ListDiff",
    "ListEntry",
    "Product",
    "Report",
    "Scope",
    "SectionChange",
    "ServiceInfo",
    "SiteInfo",
    "SitePath",
    "Slug",
    "Status",
    "Text",
    "TextDiff",
    "TimeZoneName",
    "Url",
    "change_touches_products",
    "country_label",
    "country_name",
    "current_on",
    "deadline_ends",
    "deadline_words",
    "in_force_between",
    "in_force_on",
    "in_force_words",
    "long_date",
    "objection_deadline",
    "objection_on_time",
    "objections_sentence",
    "page_path",
    "scope_change",
    "scopes_meet",
    "slugify_version",
    "value_words",
    "zone_of",
]
