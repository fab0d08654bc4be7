"""Development only: the data as `trustsite-dev` serves it, at the address it listens on.

`data/site.yaml` names where the site and the service live (`site_url`, `service_url`);
the forms post to the service's address. `trustsite-dev --port 8001` serves both at
http://127.0.0.1:8001/, so the site is built from a copy of the data whose two addresses
are that one. The editor's files are never touched; the copy is replaced on every start.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

# A top-level `site_url:` or `service_url:` line; a value on later lines is not expected
# there (docs/data-format.md), and a file without such a line is copied as it is.
_ADDRESS = re.compile(r"^(site_url|service_url):[^\n]*$", re.MULTILINE)


def data_for_url(data_dir: Path, url: str, work_dir: Path) -> Path:
    """A copy of `data_dir` under `work_dir` whose site and service live at `url`."""
    target = work_dir / "data"
    if target.exists():
        shutil.rmtree(target)
    shutil.copytree(data_dir, target)
    site_yaml = target / "site.yaml"
    if site_yaml.is_file():
        text = site_yaml.read_text(encoding="utf-8")
        site_yaml.write_text(_ADDRESS.sub(lambda m: f"{m[1]}: {url}", text), encoding="utf-8")
    return target
