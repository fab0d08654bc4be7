"""The part of a built site the service reads, written by the generator's own function.

`service.json` is what the build publishes for the service (generator.outputs.service_info); the
tests write it from a data folder the same way, so the fixture cannot drift from what a
build writes. The service itself never reads `data/`.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from generator.load.loader import load_data
from generator.outputs.service_info import PATH, service_json

ROOT = Path(__file__).resolve().parents[2]
FIXTURE_DATA = ROOT / "tests" / "fixtures" / "data-small"


def write_service_json(
    site_dir: Path, data_dir: Path = FIXTURE_DATA, today: dt.date | None = None
) -> Path:
    """Write `<site_dir>/service.json` as a build of `data_dir` on `today` would."""
    site_dir.mkdir(parents=True, exist_ok=True)
    target = site_dir / PATH
    target.write_bytes(service_json(load_data(data_dir), today or dt.date.today()))
    return target
