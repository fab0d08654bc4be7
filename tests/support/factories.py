"""Small builders of typed trust data for the generator's tests.

They build `generator.load.model` objects directly (no YAML), with sensible defaults so a test
names only what it is about. `write_data` lays a `TrustData` out as YAML files in the
documented layout, for tests that go through `load_data` (the diff command).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import yaml

from generator.load.model import (
    Section,
    Site,
    Subprocessor,
    SubprocessorChange,
    SubprocessorPatch,
    TextVersionDoc,
    TrustData,
)

D = dt.date.fromisoformat


def make_site(**overrides: Any) -> Site:
    fields: dict[str, Any] = {
        "company": {
            "name": "Larkspur Relay",
            "legal_name": "Larkspur Relay B.V.",
            "address": "Keizersgracht 1, 1015 CN Amsterdam, the Netherlands",
        },
        "contacts": {"privacy": "privacy@larkspur.example"},
        "site_url": "https://trust.larkspur.example/",
        "service_url": "https://notices.larkspur.example/",
        "notice_period_days": 30,
    }
    fields.update(overrides)
    return Site.model_validate(fields)


def make_entry(entry_id: str, **overrides: Any) -> Subprocessor:
    name = entry_id.replace("-", " ").title()
    fields: dict[str, Any] = {
        "id": entry_id,
        "entity": f"{name} B.V.",
        "purpose": f"Provides {name.lower()} services",
        "data_categories": ["Email address"],
        "processing_locations": ["NL"],
        "corporate_location": "NL",
        "transfer_mechanism": "none",
        "website": f"https://{entry_id}.example",
        "relationship": "third-party",
    }
    fields.update(overrides)
    return Subprocessor.model_validate(fields)


def make_change(
    announced: str,
    effective: str,
    *,
    add: tuple[Subprocessor, ...] = (),
    remove: tuple[str, ...] = (),
    change: dict[str, dict[str, Any]] | None = None,
    summary: str = "Updates the sub-processor list.",
    editorial: bool = False,
) -> SubprocessorChange:
    patches = {k: SubprocessorPatch.model_validate(v) for k, v in (change or {}).items()}
    return SubprocessorChange(
        announced=D(announced),
        effective=D(effective),
        summary=summary,
        editorial=editorial,
        add=add,
        remove=remove,
        change=patches,
    )


def make_section(section_id: str, body: str, title: str | None = None) -> Section:
    return Section(id=section_id, title=title or section_id.replace("-", " ").title(), body=body)


def make_doc(
    version: str,
    announced: str,
    effective: str,
    sections: tuple[Section, ...],
    *,
    title: str = "Data Processing Addendum",
    summary: str | None = None,
    editorial: bool = False,
) -> TextVersionDoc:
    return TextVersionDoc(
        version=version,
        title=title,
        announced=D(announced),
        effective=D(effective),
        summary=summary or f"Version {version}.",
        editorial=editorial,
        sections=sections,
    )


def make_data(
    *,
    texts: dict[str, tuple[TextVersionDoc, ...]] | None = None,
    changes: tuple[SubprocessorChange, ...] = (),
    site: Site | None = None,
) -> TrustData:
    return TrustData(site=site or make_site(), texts=texts or {}, subprocessor_changes=changes)


def sample_data() -> TrustData:
    """A small but complete history: three list changes, three DPA versions (one of them
    editorial), two privacy statements and a draft of each kind beyond 2025-06-01."""
    brightwave = make_entry(
        "brightwave-mail",
        entity="Brightwave Mail Inc.",
        purpose="Sends transactional email",
        data_categories=["Email address", "Name"],
        processing_locations=["US"],
        corporate_location="US",
        transfer_mechanism="SCCs",
    )
    changes = (
        make_change(
            "2024-08-01",
            "2024-09-01",
            add=(
                make_entry("cloudnine-hosting", processing_locations=["DE"]),
                make_entry("old-sms"),
            ),
            summary="First published list.",
        ),
        make_change(
            "2025-01-20",
            "2025-03-01",
            add=(brightwave,),
            remove=("old-sms",),
            change={"cloudnine-hosting": {"processing_locations": ["DE", "IE"]}},
            summary="Adds Brightwave Mail for transactional email.",
        ),
        make_change(
            "2025-04-01",
            "2025-05-15",
            change={"brightwave-mail": {"transfer_mechanism": "DPF"}},
            summary="Brightwave Mail now relies on the Data Privacy Framework.",
        ),
        make_change(
            "2025-07-01",
            "2025-08-15",
            add=(make_entry("secret-new-vendor"),),
            summary="A draft nobody may see yet.",
        ),
    )
    dpa = (
        make_doc(
            "1.0",
            "2024-06-01",
            "2024-06-01",
            (
                make_section("definitions", "Terms have the meaning given in the GDPR."),
                make_section("breach", "We notify you of a breach without undue delay."),
                make_section("audits", "You may audit us once a year."),
            ),
        ),
        make_doc(
            "2.0",
            "2025-01-10",
            "2025-02-15",
            (
                make_section("definitions", "Terms have the meaning given in the GDPR."),
                make_section(
                    "breach",
                    "We notify you of a breach within 48 hours.",
                    title="Personal data breaches",
                ),
                make_section("transfers", "We rely on the 2021 Standard Contractual Clauses."),
            ),
            summary="Adds the 2021 SCCs and a 48-hour breach notice.",
        ),
        make_doc(
            "2.1",
            "2025-05-01",
            "2025-05-01",
            (
                make_section("definitions", "Terms have the meanings given in the GDPR."),
                make_section(
                    "breach",
                    "We notify you of a breach within 48 hours.",
                    title="Personal data breaches",
                ),
                make_section("transfers", "We rely on the 2021 Standard Contractual Clauses."),
            ),
            summary="Fixes a typo.",
            editorial=True,
        ),
    )
    privacy = (
        make_doc(
            "1.0",
            "2024-06-01",
            "2024-06-01",
            (make_section("who-we-are", "Larkspur Relay B.V. runs a messaging platform."),),
            title="Privacy statement",
        ),
        make_doc(
            "2.0",
            "2025-09-01",
            "2025-10-01",
            (make_section("who-we-are", "A draft privacy statement."),),
            title="Privacy statement",
        ),
    )
    return make_data(texts={"dpa": dpa, "privacy": privacy}, changes=changes)


def _yaml_ready(document: dict[str, Any]) -> dict[str, Any]:
    """JSON-mode dump with dates turned back into dates, so YAML writes them unquoted."""
    for key in ("announced", "effective"):
        if key in document:
            document[key] = D(document[key])
    return document


def write_data(data: TrustData, data_dir: Path) -> Path:
    """Lay `data` out as YAML in `data_dir` (site.yaml, <topic>/<version>.yaml)."""
    data_dir.mkdir(parents=True, exist_ok=True)
    site = data.site.model_dump(mode="json", exclude_none=True)
    (data_dir / "site.yaml").write_text(yaml.safe_dump(site, sort_keys=False), "utf-8")
    for topic, docs in data.texts.items():
        (data_dir / topic).mkdir(exist_ok=True)
        for doc in docs:
            body = _yaml_ready(doc.model_dump(mode="json"))
            path = data_dir / topic / f"{doc.version}.yaml"
            path.write_text(yaml.safe_dump(body, sort_keys=False, allow_unicode=True), "utf-8")
    (data_dir / "subprocessors").mkdir(exist_ok=True)
    for change in data.subprocessor_changes:
        body = _yaml_ready(change.model_dump(mode="json", exclude_none=True))
        body["change"] = {k: v for k, v in body["change"].items()}
        path = data_dir / "subprocessors" / f"{change.version}.yaml"
        path.write_text(yaml.safe_dump(body, sort_keys=False, allow_unicode=True), "utf-8")
    return data_dir
