"""Regions in the records of changes.json, and the generator's scoping of a record agreeing
with the contract's one rule (contract.change_touches, contract.scope_change)."""

from __future__ import annotations

import datetime as dt
import itertools
import json

from generator import contract
from generator.history.changes import (
    build_changes,
    changes_json,
    record_touches,
    scope_record,
    to_change,
)
from tests.support.factories import make_change, make_data, make_entry, make_site

TODAY = dt.date(2025, 6, 1)


def _data():
    site = make_site(
        products=[{"id": "inbox", "name": "Inbox"}, {"id": "sms", "name": "SMS"}],
        regions=[{"id": "eu", "name": "EU"}, {"id": "us", "name": "US"}],
    )
    first = make_change(
        "2025-01-01",
        "2025-01-01",
        add=(make_entry("host"), make_entry("us-sms", products=["sms"], regions=["us"])),
    )
    mixed = make_change(
        "2025-02-01",
        "2025-03-10",
        add=(make_entry("eu-inbox", products=["inbox"], regions=["eu"]),),
        change={"us-sms": {"regions": ["us", "eu"]}},
    )
    gone = make_change("2025-04-01", "2025-05-10", remove=("us-sms",))
    narrowed = make_change("2025-04-20", "2025-06-20", change={"host": {"regions": ["eu"]}})
    return make_data(changes=(first, mixed, gone, narrowed), site=site)


def test_records_say_which_regions_they_touch_and_entries_carry_theirs() -> None:
    data = _data()
    document = json.loads(changes_json(data, build_changes(data, TODAY), TODAY))
    records = {c["id"]: c for c in document["changes"] if c["topic"] == "subprocessors"}
    assert records["subprocessors/2025-01-01"]["regions"] is None  # the host: every region
    mixed = records["subprocessors/2025-03-10"]
    assert (mixed["products"], mixed["regions"]) == (["inbox", "sms"], ["eu", "us"])
    assert mixed["diff"]["added"][0]["regions"] == ["eu"]
    # A changed entry carries the regions it served before or serves after.
    assert mixed["diff"]["changed"][0]["regions"] == ["eu", "us"]
    assert records["subprocessors/2025-05-10"]["regions"] == ["eu", "us"]
    assert records["subprocessors/2025-06-20"]["regions"] is None  # leaves every region
    assert all(c["regions"] is None for c in document["changes"] if c["topic"] != "subprocessors")


def test_the_generators_scoping_agrees_with_the_contracts_rule() -> None:
    data = _data()
    scopes = [None, ["inbox"], ["sms"], ["inbox", "sms"], ["other"]]
    regions = [None, ["eu"], ["us"], ["eu", "us"], ["apac"]]
    checked = 0
    for record in build_changes(data, TODAY):
        published = to_change(record)
        for products, wanted in itertools.product(scopes, regions):
            expected = contract.change_touches(published, products, wanted)
            assert record_touches(record, products, wanted) == expected, (record.id, products)
            scoped = to_change(scope_record(record, products, wanted))
            assert scoped.diff == contract.scope_change(published, products, wanted).diff
            checked += 1
    assert checked == 4 * 25  # every change of the list under every scope
