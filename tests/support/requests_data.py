"""A small, valid `data/` folder for the request tests (three DPA versions, one a draft),
and the part of a built site made from it that the service reads."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from flask import Flask
from sqlalchemy import text

from generator.load.loader import load_data
from generator.outputs.pdf import dpa_pdfs
from subscribe_service.infra.db import get_database
from tests.support.published_data import write_service_json

PRIVACY = "privacy@larkspur.example"
RETENTION_DAYS = 90
SITE_URL = "http://127.0.0.1:8000/"
CURRENT_DPA = "2.0"

SITE_YAML = f"""\
company:
  name: Larkspur Relay
  legal_name: Larkspur Relay B.V.
  address: Keizersgracht 1, 1015 CN Amsterdam, the Netherlands
contacts:
  privacy: {PRIVACY}
site_url: http://trust.larkspur.example/
service_url: http://trust.larkspur.example/
notice_period_days: 30
request_retention_days: {RETENTION_DAYS}
"""

TEXT = """\
version: "{version}"
title: {title}
announced: {announced}
effective: {effective}
summary: {title}, version {version}.
sections:
  - id: scope
    title: Scope
    body: |
      This is version {version} of the {title}.
"""

SUBPROCESSORS = """\
announced: 2023-01-01
effective: 2023-01-01
summary: The first list.
add:
  - id: cloudnine-hosting
    entity: CloudNine Hosting GmbH
    purpose: Hosts the platform
    data_categories: [Message content]
    processing_locations: [DE]
    corporate_location: DE
    transfer_mechanism: none
    website: https://cloudnine.example
    relationship: third-party
"""

# The current version is 2.0 for any date between 2024 and 2099; 3.0 is a draft until then.
DPA_VERSIONS = (
    ("1.0", "2023-01-01", "2023-01-01"),
    (CURRENT_DPA, "2024-01-02", "2024-03-01"),
    ("3.0", "2099-01-01", "2099-03-01"),
)


def write_data(root: Path) -> Path:
    """Write the data folder under `root` and return it."""
    data = root / "data"
    for topic in ("dpa", "privacy", "faq", "subprocessors"):
        (data / topic).mkdir(parents=True)
    (data / "site.yaml").write_text(SITE_YAML)
    for version, announced, effective in DPA_VERSIONS:
        (data / "dpa" / f"{version}.yaml").write_text(
            TEXT.format(
                version=version,
                title="Data Processing Addendum",
                announced=announced,
                effective=effective,
            )
        )
    for topic, title in (("privacy", "Privacy statement"), ("faq", "GDPR FAQ")):
        (data / topic / "1.0.yaml").write_text(
            TEXT.format(version="1.0", title=title, announced="2023-01-01", effective="2023-01-01")
        )
    (data / "subprocessors" / "2023-01-01.yaml").write_text(SUBPROCESSORS)
    return data


def dpa_pdfs_of(data_dir: Path) -> dict[str, bytes]:
    """The DPA PDFs the generator makes from the data (what a build puts in the site)."""
    return dpa_pdfs(load_data(data_dir), dt.date.today())


def write_site(site_dir: Path, pdfs: dict[str, bytes], data_dir: Path) -> None:
    """Only the part of a built site the service reads: service.json and the DPA PDFs."""
    write_service_json(site_dir, data_dir)
    for path, content in pdfs.items():
        target = site_dir / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(content)


def sql(app: Flask, statement: str, **params: object) -> list[Any]:
    """Run SQL on the app's database (to look at rows or move dates into the past)."""
    with get_database(app).engine.begin() as conn:
        result = conn.execute(text(statement), params)
        return list(result) if result.returns_rows else []
