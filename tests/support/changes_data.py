"""Hand-written changes.json records (docs/changes-json.md) for the notices tests.

They mirror what `trustsite build` writes for the fixture data, so the notify, render and
objection tests do not depend on a site build; the end-to-end test builds the real thing.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

SITE_URL = "https://trust.larkspur.example/"
SITE = {
    "url": SITE_URL,
    "company": "Larkspur Relay",
    "privacy_contact": "privacy@larkspur.example",
}

FIRST_LIST = {
    "id": "subprocessors/2024-09-01",
    "topic": "subprocessors",
    "topic_title": "Sub-processors",
    "version": "2024-09-01",
    "previous_version": None,
    "title": "Sub-processor list, effective 2024-09-01",
    "summary": "The first published list of sub-processors.",
    "announced": "2024-07-15",
    "effective": "2024-09-01",
    "objection_deadline": "2024-08-31",
    "editorial": False,
    "status": "current",
    "url": SITE_URL + "subprocessors/2024-09-01/",
    "diff_url": SITE_URL + "subprocessors/2024-09-01/#what-changed",
    "diff": {
        "kind": "list",
        "added": [
            {
                "id": "cloudnine-hosting",
                "entity": "CloudNine Hosting GmbH",
                "purpose": "Hosts the messaging platform",
                "data_categories": ["Message content", "Contact details"],
                "processing_locations": ["DE"],
                "corporate_location": "DE",
                "transfer_mechanism": "none",
                "website": "https://cloudnine.example/",
                "relationship": "third-party",
            }
        ],
        "removed": [],
        "changed": [],
    },
}

NEW_SUBPROCESSOR = {
    "id": "subprocessors/2025-03-01",
    "topic": "subprocessors",
    "topic_title": "Sub-processors",
    "version": "2025-03-01",
    "previous_version": "2024-09-01",
    "title": "Sub-processor list, effective 2025-03-01",
    "summary": "Adds Brightwave Mail for transactional email and a second hosting region.",
    "announced": "2025-01-20",
    "effective": "2025-03-01",
    "objection_deadline": "2025-02-28",
    "editorial": False,
    "status": "upcoming",
    "url": SITE_URL + "subprocessors/2025-03-01/",
    "diff_url": SITE_URL + "subprocessors/2025-03-01/#what-changed",
    "diff": {
        "kind": "list",
        "added": [
            {
                "id": "brightwave-mail",
                "entity": "Brightwave Mail Inc.",
                "purpose": "Sends transactional email on our behalf",
                "data_categories": ["Email address", "Name"],
                "processing_locations": ["US"],
                "corporate_location": "US",
                "transfer_mechanism": "SCCs",
                "website": "https://brightwave.example/",
                "relationship": "third-party",
            }
        ],
        "removed": [
            {
                "id": "old-pager",
                "entity": "Old Pager Ltd",
                "purpose": "On-call alerting",
                "data_categories": ["Staff names"],
                "processing_locations": ["GB"],
                "corporate_location": "GB",
                "transfer_mechanism": "adequacy",
                "website": "https://oldpager.example/",
                "relationship": "third-party",
            }
        ],
        "changed": [
            {
                "id": "cloudnine-hosting",
                "entity": "CloudNine Hosting GmbH",
                "fields": [
                    {"field": "processing_locations", "old": ["DE"], "new": ["DE", "IE"]},
                    {
                        "field": "purpose",
                        "old": "Hosts the messaging platform",
                        "new": "Hosts the messaging platform and its backups",
                    },
                ],
            }
        ],
    },
}

DPA_21 = {
    "id": "dpa/2.1",
    "topic": "dpa",
    "topic_title": "Data Processing Addendum",
    "version": "2.1",
    "previous_version": "2.0",
    "title": "Data Processing Addendum",
    "summary": "Shortens the breach notice to 48 hours.",
    "announced": "2025-01-10",
    "effective": "2025-02-15",
    "objection_deadline": None,
    "editorial": False,
    "status": "upcoming",
    "url": SITE_URL + "dpa/2.1/",
    "diff_url": SITE_URL + "dpa/2.1/redline/",
    "diff": {
        "kind": "text",
        "sections": [
            {"id": "breach", "title": "Personal data breaches", "change": "changed"},
            {"id": "audits", "title": "Audits", "change": "added"},
        ],
    },
}

FAQ_EDITORIAL = {
    "id": "faq/1.1",
    "topic": "faq",
    "topic_title": "GDPR and CCPA FAQ",
    "version": "1.1",
    "previous_version": "1.0",
    "title": "GDPR and CCPA FAQ",
    "summary": "Fixes typos.",
    "announced": "2025-01-05",
    "effective": "2025-01-05",
    "objection_deadline": None,
    "editorial": True,
    "status": "current",
    "url": SITE_URL + "faq/1.1/",
    "diff_url": SITE_URL + "faq/1.1/redline/",
    "diff": {"kind": "text", "sections": [{"id": "intro", "title": "Intro", "change": "changed"}]},
}


def changes_doc(*records: dict[str, Any], as_of: str = "2025-02-01") -> dict[str, Any]:
    """A whole changes.json document holding `records` (oldest first, as the build sorts)."""
    ordered = sorted(records, key=lambda r: (r["announced"], r["topic"], r["version"]))
    return {
        "format": "trustsite-changes/1",
        "as_of": as_of,
        "site": copy.deepcopy(SITE),
        "changes": copy.deepcopy(ordered),
    }


def write_changes(path: Path, *records: dict[str, Any], as_of: str = "2025-02-01") -> Path:
    """Write a changes.json as the build does (sorted keys, two-space indent) and return it."""
    doc = changes_doc(*records, as_of=as_of)
    path.write_text(json.dumps(doc, indent=2, sort_keys=True, ensure_ascii=False) + "\n", "utf-8")
    return path
