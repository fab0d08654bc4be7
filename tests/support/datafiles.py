"""A small valid `data/` written as plain YAML text, so a test can break one thing at a time.

The `data_files` fixture (conftest.py) writes the files below into `tmp_path/data` and
makes `tmp_path` the working directory, so issues read `data/dpa/2.0.yaml:14:5: ...`
exactly as an editor sees them. Line numbers in the tests refer to the texts here: keep them stable.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from generator.load.errors import DataError
from generator.load.loader import load_data
from generator.load.model import TrustData

SITE = """\
company:
  name: Larkspur Relay
  legal_name: Larkspur Relay B.V.
  address: Keizersgracht 1, 1015 CN Amsterdam, the Netherlands
contacts:
  privacy: privacy@larkspur.example
site_url: https://trust.larkspur.example/
service_url: https://notices.larkspur.example/
notice_period_days: 30
"""

DPA_1_0 = """\
version: "1.0"
title: Data Processing Addendum
announced: 2024-01-10
effective: 2024-01-10
summary: First published version.
sections:
  - id: definitions
    title: Definitions
    body: Words used here mean what the GDPR says they mean.
  - id: breach
    title: Personal data breaches
    body: We tell you about a breach within 72 hours.
"""

DPA_2_0 = """\
version: "2.0"
title: Data Processing Addendum
announced: 2024-06-01
effective: 2024-07-15
summary: Shortens the breach notice to 48 hours.
editorial: false
sections:
  - id: definitions
    title: Definitions
    body: Words used here mean what the GDPR says they mean.
  - id: breach
    title: Personal data breaches
    body: We tell you about a breach within 48 hours.
  - id: audits
    title: Audits
    body: You may audit us once a year. We recieve auditors on site.
"""

PRIVACY_1_0 = """\
version: "1.0"
title: Privacy statement
announced: 2024-01-10
effective: 2024-01-10
summary: First published version.
sections:
  - id: who-we-are
    title: Who we are
    body: Larkspur Relay B.V. in Amsterdam.
"""

FAQ_1_0 = """\
version: "1.0"
title: GDPR and CCPA FAQ
announced: 2024-01-10
effective: 2024-01-10
summary: First published version.
sections:
  - id: what-is-gdpr
    title: What is the GDPR?
    body: The EU's data protection law.
"""

SUBPROCESSORS_2024_01_10 = """\
announced: 2024-01-10
effective: 2024-01-10
summary: The first list.
add:
  - id: cloudnine-hosting
    entity: CloudNine Hosting GmbH
    purpose: Hosts the platform
    data_categories: [Email address, Name]
    processing_locations: [DE]
    corporate_location: DE
    transfer_mechanism: none
    website: https://cloudnine.example
    relationship: third-party
  - id: brightwave-mail
    entity: Brightwave Mail Inc.
    purpose: Sends transactional email
    data_categories: [Email address]
    processing_locations: [US]
    corporate_location: US
    transfer_mechanism: SCCs
    website: https://brightwave.example
    relationship: third-party
"""

SUBPROCESSORS_2024_09_01 = """\
announced: 2024-07-20
effective: 2024-09-01
summary: Moves hosting to two regions and replaces the email provider.
add:
  - id: quillpost
    entity: Quillpost B.V.
    purpose: Sends transactional email
    data_categories: [Email address]
    processing_locations: [NL]
    corporate_location: NL
    transfer_mechanism: none
    website: https://quillpost.example
    relationship: third-party
remove: [brightwave-mail]
change:
  cloudnine-hosting:
    processing_locations: [DE, IE]
"""

FILES = {
    "site.yaml": SITE,
    "dpa/1.0.yaml": DPA_1_0,
    "dpa/2.0.yaml": DPA_2_0,
    "privacy/1.0.yaml": PRIVACY_1_0,
    "faq/1.0.yaml": FAQ_1_0,
    "subprocessors/2024-01-10.yaml": SUBPROCESSORS_2024_01_10,
    "subprocessors/2024-09-01.yaml": SUBPROCESSORS_2024_09_01,
}


class DataFiles:
    """The fixture data set on disk, with helpers to break it."""

    def __init__(self, root: Path):
        self.root = root
        for name, text in FILES.items():
            self.write(name, text)

    def write(self, name: str, text: str) -> Path:
        path = self.root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text), encoding="utf-8")
        return path

    def replace(self, name: str, old: str, new: str) -> None:
        """Replace exactly one occurrence of `old`, so a test cannot silently miss."""
        path = self.root / name
        text = path.read_text(encoding="utf-8")
        assert text.count(old) == 1, f"{old!r} occurs {text.count(old)} times in {name}"
        path.write_text(text.replace(old, new), encoding="utf-8")

    def load(self) -> TrustData:
        return load_data(self.root)

    def errors(self) -> list[str]:
        """Every issue as `path:line:col: message`; fails the test if the data is valid."""
        with pytest.raises(DataError) as caught:
            load_data(self.root)
        return [str(issue) for issue in caught.value.issues]
