"""The demo data of `data/` (the brand, the security page, every document) built and
served like the fixture site of the other browser tests, for the page-fit test.

The demo's site.yaml names `http://127.0.0.1:8000/` for the site and the service; the copy
names this test's own port instead, as `trustsite-dev --port` does.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass

from tests.support.browser_support import ROOT, LiveSite

DEMO_DATA = ROOT / "data"
DEMO_URL = "http://127.0.0.1:8000/"
DEMO_TODAY = "2026-12-07"

# A change the legal team announces on the build date: the notice every subscriber gets.
NEW_SUBPROCESSOR = """\
announced: 2026-12-07
effective: 2027-01-15
summary: Adds Quillwort Analytics Oy to measure how the platform is used.
editorial: false
add:
  - id: quillwort-analytics
    entity: Quillwort Analytics Oy
    purpose: Measures which features of the platform are used, to plan its development
    data_categories: [Usage data]
    processing_locations: [FI]
    corporate_location: FI
    transfer_mechanism: none
    website: https://quillwort.example
    relationship: third-party
"""


@dataclass
class DemoSite(LiveSite):
    def copy_data(self) -> None:
        shutil.copytree(DEMO_DATA, self.data_dir)
        site_yaml = self.data_dir / "site.yaml"
        text = site_yaml.read_text(encoding="utf-8")
        assert text.count(DEMO_URL) == 2, "the demo's site.yaml should name its URL twice"
        site_yaml.write_text(text.replace(DEMO_URL, self.url), encoding="utf-8")
        self.logs.mkdir(exist_ok=True)

    def build_command(self) -> list[str]:
        command = super().build_command()
        command[command.index("--today") + 1] = DEMO_TODAY
        return command
