"""generator.contract: the generator's own types agree with it, and `service.json` says what
the site says."""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from pathlib import Path

import pytest
from pydantic import ValidationError

from generator import contract
from generator.history.changes import ChangeRecord
from generator.load.loader import load_data
from generator.load.model import Subprocessor
from generator.load.timeline import timeline
from generator.outputs.service_info import service_info

REPO_DATA = Path(__file__).resolve().parents[2] / "data"


def test_change_record_has_the_fields_of_the_published_record() -> None:
    built = [f.name for f in dataclasses.fields(ChangeRecord)]
    assert sorted(built) == sorted(contract.Change.model_fields)


def test_field_labels_name_every_subprocessor_field() -> None:
    assert tuple(f for f in Subprocessor.model_fields if f != "id") == contract.SUBPROCESSOR_FIELDS


def test_the_contract_imports_nothing_else_of_the_generator() -> None:
    package = Path(contract.__file__).parent
    for module in sorted(package.glob("*.py")):
        source = module.read_text(encoding="utf-8")
        imported = re.findall(r"^\s*(?:from|import) (generator[\w.]*)", source, flags=re.M)
        assert all(name.startswith("generator.contract") for name in imported), module


def test_the_service_finds_the_dpa_in_force_as_the_site_does() -> None:
    """service.json built on one day: on that day and the days after (until a new version is
    announced, which the next build publishes), the DPA in force is the site's."""
    data = load_data(REPO_DATA)
    announced = {doc.announced for doc in data.texts["dpa"]}
    effective = {doc.effective for doc in data.texts["dpa"]}
    checked = moved = 0
    for built in sorted(announced | effective | {d - dt.timedelta(days=1) for d in effective}):
        info = service_info(data, built)
        for later in range(4):
            day = built + dt.timedelta(days=later)
            if any(built < a <= day for a in announced):
                break  # a new version needs the next build
            expected = timeline(data, "dpa", day).current
            found = contract.current_on(info.dpa, day)
            assert (found and found.version) == (expected and expected.version), (built, day)
            checked += 1
            on_build_day = timeline(data, "dpa", built).current
            moved += (found and found.version) != (on_build_day and on_build_day.version)
    assert checked > 20 and moved > 0  # some version took effect after the file was built


def test_service_json_of_the_demo_data() -> None:
    info = service_info(load_data(REPO_DATA), dt.date(2026, 3, 1))
    assert info.contacts.security == "security@larkspur.example"
    assert [r.id for r in info.reports] == ["soc-2-type-2"]  # public reports are not listed
    assert [v.version for v in info.nda] == ["1.0"]
    assert all(v.pdf and v.pdf.startswith(f"dpa/{v.version}/") for v in info.dpa)


@pytest.mark.parametrize("path", ["/etc/passwd", "../secret.pdf", "dpa/../../x.pdf", "a b.pdf"])
def test_a_pdf_path_stays_inside_the_site(path: str) -> None:
    with pytest.raises(ValidationError):
        contract.DocumentVersion(
            version="1.0", announced=dt.date(2025, 1, 1), effective=dt.date(2025, 1, 1), pdf=path
        )


def _list_change(products: list[str] | None, *entries: dict[str, object]) -> contract.Change:
    return contract.Change.model_validate(
        {
            "id": "subprocessors/2025-03-01",
            "topic": "subprocessors",
            "topic_title": "Sub-processors",
            "version": "2025-03-01",
            "previous_version": None,
            "title": "Sub-processor list, effective 2025-03-01",
            "summary": "Adds two.",
            "announced": "2025-01-20",
            "effective": "2025-03-01",
            "objection_deadline": "2025-02-28",
            "editorial": False,
            "status": "upcoming",
            "url": "https://trust.example/subprocessors/2025-03-01/",
            "diff_url": "https://trust.example/subprocessors/2025-03-01/#what-changed",
            "products": products,
            "diff": {"kind": "list", "added": list(entries)},
        }
    )


def test_a_change_touches_a_readers_products_when_they_meet_or_either_is_every_product() -> None:
    sms = _list_change(["sms"], {"id": "k", "entity": "K", "products": ["sms"]})
    every = _list_change(None, {"id": "h", "entity": "H"})
    assert contract.change_touches_products(sms, ["sms", "inbox"])
    assert not contract.change_touches_products(sms, ["inbox"])
    assert contract.change_touches_products(sms, None)
    assert contract.change_touches_products(every, ["inbox"])


def test_a_scoped_change_keeps_the_entries_serving_the_readers_products() -> None:
    change = _list_change(
        ["inbox", "sms"],
        {"id": "k", "entity": "K", "products": ["sms"]},
        {"id": "i", "entity": "I", "products": ["inbox"]},
        {"id": "h", "entity": "H"},
    )
    scoped = contract.scope_change(change, ["inbox"])
    assert [e.id for e in scoped.diff.added] == ["i", "h"]
    assert contract.scope_change(change, None) is change
    # Absent products stay absent in the published JSON (a site without products).
    dumped = scoped.model_dump(mode="json")["diff"]["added"]
    assert dumped[1] == {"id": "h", "entity": "H"}


def test_an_unset_value_reads_every_product_for_products_only() -> None:
    assert contract.value_words("products", None) == "every product"
    assert contract.value_words("products", ["inbox", "sms"]) == "inbox, sms"
    assert contract.value_words("lei", None) == "(none)"


def test_a_change_reaches_a_reader_only_through_an_entry_serving_their_product_and_region() -> None:
    change = _list_change(
        ["inbox", "sms"],
        {"id": "k", "entity": "K", "products": ["sms"], "regions": ["eu"]},
        {"id": "i", "entity": "I", "products": ["inbox"], "regions": ["us"]},
    )
    # The record's products and regions both meet a reader of inbox in the EU, but no
    # entry serves that pair: the change is not theirs.
    assert not contract.change_touches(change, ["inbox"], ["eu"])
    assert contract.change_touches(change, ["inbox"], ["us"])
    assert contract.change_touches(change, None, ["eu"])
    assert contract.change_touches(change, ["sms"], None)
    assert not contract.change_touches(change, ["other"], None)
    assert contract.change_reach(change) == [(["sms"], ["eu"]), (["inbox"], ["us"])]
    scoped = contract.scope_change(change, None, ["us"])
    assert [e.id for e in scoped.diff.added] == ["i"]
    # The scoped record's own scope is its part's: what the reader is sent is consistent.
    assert (scoped.products, scoped.regions) == (["inbox"], ["us"])


def test_an_entry_without_regions_reaches_every_region_and_publishes_no_regions_key() -> None:
    change = _list_change(None, {"id": "h", "entity": "H", "products": ["sms"]})
    assert contract.change_touches(change, ["sms"], ["eu"])
    assert contract.change_reach(change) == [(["sms"], None)]
    dumped = change.model_dump(mode="json")["diff"]["added"]
    assert dumped == [{"id": "h", "entity": "H", "products": ["sms"]}]


def test_scope_values_read_with_the_sites_names() -> None:
    names = {"sms": "SMS Gateway", "eu": "European Union"}
    assert contract.value_words("products", ["sms", "gone"], names) == "SMS Gateway, gone"
    assert contract.value_words("regions", ["eu"], names) == "European Union"
    assert contract.value_words("regions", None) == "every region"
    # Only the scope fields take names: a country code is never renamed.
    assert contract.value_words("corporate_location", "DE", {"DE": "x"}) == "Germany (DE)"
