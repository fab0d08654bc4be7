"""A built site with products and regions, and changes.json records scoped to them.

`service.json` is written by the generator's own function (published_data) and given the
products and regions a site.yaml would declare, so the service's tests do not wait for
the generator to publish regions; the records are NEW_SUBPROCESSOR with each entry's
`products` and `regions` set, and the record's own as the build sums them up.
"""

from __future__ import annotations

import copy
import datetime as dt
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from tests.support.changes_data import NEW_SUBPROCESSOR, SITE_URL
from tests.support.published_data import write_service_json

PRODUCTS = {"inbox": "Shared Inbox", "sms": "SMS Messaging", "voice": "Voice Calls"}
REGIONS = {"eu": "European Union", "us": "United States", "apac": "Asia Pacific"}


def write_scoped_site(
    site_dir: Path,
    products: dict[str, str] | None = None,
    regions: dict[str, str] | None = None,
) -> Path:
    """`<site_dir>/service.json` of the fixture data, declaring `products` and `regions`
    (id -> name; PRODUCTS and REGIONS when not given)."""
    target = write_service_json(site_dir)
    info = json.loads(target.read_text("utf-8"))
    for key, declared in (("products", products or PRODUCTS), ("regions", regions or REGIONS)):
        info[key] = [
            {"id": id_, "name": name, "notice_period_days": 30} for id_, name in declared.items()
        ]
    target.write_text(json.dumps(info, indent=2, sort_keys=True) + "\n", "utf-8")
    return target


Scope = list[str] | None


def entry(name: str, products: Scope = None, regions: Scope = None) -> dict[str, Any]:
    """An added (or removed) entry serving `products` in `regions` (None: every one)."""
    served: dict[str, Any] = {
        "id": name,
        "entity": f"{name.title()} Ltd",
        "purpose": f"Does {name}",
        "data_categories": ["Name"],
        "processing_locations": ["IE"],
        "corporate_location": "IE",
        "transfer_mechanism": "none",
        "website": f"https://{name}.example/",
        "relationship": "third-party",
    }
    return _serving(served, products, regions)


def changed(
    name: str, fields: list[dict[str, Any]], products: Scope = None, regions: Scope = None
) -> dict[str, Any]:
    """A changed entry: `fields` are {field, old, new}."""
    served: dict[str, Any] = {"id": name, "entity": f"{name.title()} Ltd", "fields": fields}
    return _serving(served, products, regions)


def _serving(served: dict[str, Any], products: Scope, regions: Scope) -> dict[str, Any]:
    """`served` naming `products` and `regions` (left out when None: every one)."""
    if products is not None:
        served["products"] = products
    if regions is not None:
        served["regions"] = regions
    return served


def scoped_record(
    n: int,
    added: Sequence[dict[str, Any]] = (),
    removed: Sequence[dict[str, Any]] = (),
    changes: Sequence[dict[str, Any]] = (),
) -> dict[str, Any]:
    """The n-th sub-processor version after NEW_SUBPROCESSOR, with these entries; its own
    `products` and `regions` are the union of its entries' (None when one serves all)."""
    version = (dt.date(2025, 3, 1) + dt.timedelta(days=n)).isoformat()
    record = copy.deepcopy(NEW_SUBPROCESSOR)
    record.update(
        id=f"subprocessors/{version}",
        version=version,
        title=f"Sub-processor list, effective {version}",
        announced=version,
        effective=version,
        objection_deadline=None,
        url=f"{SITE_URL}subprocessors/{version}/",
        diff_url=f"{SITE_URL}subprocessors/{version}/#what-changed",
    )
    record["diff"] = {
        "kind": "list",
        "added": list(added),
        "removed": list(removed),
        "changed": list(changes),
    }
    entries = [*added, *removed, *changes]
    for key in ("products", "regions"):
        if entries and all(key in e for e in entries):
            record[key] = sorted({s for e in entries for s in e[key]})
    return record
