"""subprocessors.json / .csv and the JSON Schema a procurement tool validates them with."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json

import jsonschema
import pytest

from generator.contract import SCOPE_FIELDS, SUBPROCESSOR_FIELDS
from generator.load.model import Relationship, Subprocessor, TransferMechanism
from generator.load.register_fields import IctServiceType
from generator.load.timeline import timeline
from generator.outputs.exports import build_exports
from tests.support.factories import make_change, make_data, make_entry, make_site, sample_data

TODAY = dt.date(2025, 4, 15)
LIST_FIELDS = ("data_categories", "processing_locations")


@pytest.fixture(scope="module")
def exports() -> dict[str, bytes]:
    return build_exports(sample_data(), TODAY)


def _validator(exports: dict[str, bytes]) -> jsonschema.Draft202012Validator:
    schema = json.loads(exports["schema/subprocessors.schema.json"])
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(
        schema, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
    )


def test_the_three_files_are_produced(exports: dict[str, bytes]) -> None:
    assert sorted(exports) == [
        "schema/subprocessors.schema.json",
        "subprocessors.csv",
        "subprocessors.json",
    ]


def test_json_holds_the_list_in_force_and_the_upcoming_change(exports: dict[str, bytes]) -> None:
    document = json.loads(exports["subprocessors.json"])

    assert document["format"] == "trustsite-subprocessors/1"
    assert document["as_of"] == "2025-04-15"
    assert document["version"] == "2025-03-01"
    assert document["effective"] == "2025-03-01"
    assert document["url"] == "https://trust.larkspur.example/subprocessors/"
    assert [e["id"] for e in document["subprocessors"]] == ["brightwave-mail", "cloudnine-hosting"]
    assert document["subprocessors"][1]["processing_locations"] == ["DE", "IE"]
    (upcoming,) = document["upcoming"]
    assert upcoming["id"] == "subprocessors/2025-05-15"
    assert (upcoming["announced"], upcoming["effective"], upcoming["objection_deadline"]) == (
        "2025-04-01",
        "2025-05-15",
        "2025-05-14",
    )
    assert upcoming["diff"]["changed"][0]["fields"] == [
        {"field": "transfer_mechanism", "old": "SCCs", "new": "DPF"}
    ]


def test_json_validates_against_the_published_schema(exports: dict[str, bytes]) -> None:
    validator = _validator(exports)
    document = json.loads(exports["subprocessors.json"])
    assert list(validator.iter_errors(document)) == []

    # The schema has teeth: a missing field or a made-up mechanism is an error.
    del document["subprocessors"][0]["transfer_mechanism"]
    document["subprocessors"][1]["relationship"] = "partner"
    messages = [e.message for e in validator.iter_errors(document)]
    assert any("'transfer_mechanism' is a required property" in m for m in messages)
    assert any("'partner' is not one of" in m for m in messages)


def test_schema_is_draft_2020_12_with_its_id_on_the_site(exports: dict[str, bytes]) -> None:
    schema = json.loads(exports["schema/subprocessors.schema.json"])
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["$id"] == "https://trust.larkspur.example/schema/subprocessors.schema.json"
    document = json.loads(exports["subprocessors.json"])
    assert document["$schema"] == schema["$id"]


def test_schema_describes_exactly_the_model_fields(exports: dict[str, bytes]) -> None:
    entry = json.loads(exports["schema/subprocessors.schema.json"])["$defs"]["subprocessor"]
    assert set(entry["properties"]) == set(Subprocessor.model_fields)
    # The register fields are optional: present only where known; `products` and `regions`
    # too, whose absence means every product, every region.
    optional = {"lei", "ict_service_type", "parent", "products", "regions"}
    assert set(entry["required"]) == set(Subprocessor.model_fields) - optional
    assert entry["properties"]["ict_service_type"]["enum"] == [f"S{n:02}" for n in range(1, 20)]
    assert entry["properties"]["transfer_mechanism"]["enum"] == [m.value for m in TransferMechanism]
    assert entry["properties"]["relationship"]["enum"] == [r.value for r in Relationship]


def test_csv_round_trips_to_the_same_entries() -> None:
    tricky = make_entry(
        "zurich-mail",
        entity='Zürich "Mail", AG',
        purpose="Sends email;\nsometimes SMS",
        data_categories=["Email address", "Name, as given"],
        processing_locations=["CH", "DE"],
        corporate_location="CH",
        transfer_mechanism="adequacy",
        products=["chat", "voice"],
        regions=["eu"],
    )
    data = make_data(
        changes=(make_change("2025-01-01", "2025-01-01", add=(tricky, make_entry("b-host"))),)
    )
    raw = build_exports(data, TODAY)["subprocessors.csv"]
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8"), newline="")))

    assert list(rows[0]) == ["id", *SUBPROCESSOR_FIELDS]
    assert rows[1]["data_categories"] == "Email address; Name, as given"
    # An empty products (regions) cell: the entry serves every product (region).
    assert (rows[0]["products"], rows[1]["products"]) == ("", "chat; voice")
    assert (rows[0]["regions"], rows[1]["regions"]) == ("", "eu")
    parsed = [
        Subprocessor.model_validate(
            {
                k: (v.split("; ") if v else None) if k in (*LIST_FIELDS, *SCOPE_FIELDS) else v
                for k, v in row.items()
                if v or k not in ("lei", "ict_service_type", "parent")  # empty: not known
            }
        )
        for row in rows
    ]
    current = timeline(data, "subprocessors", TODAY).current
    assert current is not None and tuple(parsed) == current.entries


def test_before_the_first_list_takes_effect_the_exports_are_empty_but_valid() -> None:
    data = make_data(changes=(make_change("2025-04-01", "2025-05-01", add=(make_entry("a"),)),))
    exports = build_exports(data, TODAY)
    document = json.loads(exports["subprocessors.json"])

    assert document["version"] is None and document["subprocessors"] == []
    assert [u["version"] for u in document["upcoming"]] == ["2025-05-01"]
    assert list(_validator(exports).iter_errors(document)) == []
    assert exports["subprocessors.csv"].decode().count("\r\n") == 1  # the header only


def test_two_builds_give_identical_bytes() -> None:
    assert build_exports(sample_data(), TODAY) == build_exports(sample_data(), TODAY)


def test_register_fields_are_published_where_known_and_valid_against_the_schema() -> None:
    lei = "5493004NIMBUSFIELD58"
    # model_copy does not validate: the value goes in as the model holds it (an enum).
    known = make_entry("b-host").model_copy(
        update={"lei": lei, "ict_service_type": IctServiceType("S17")}
    )
    data = make_data(
        changes=(make_change("2025-01-01", "2025-01-01", add=(known, make_entry("c-mail"))),)
    )
    files = build_exports(data, TODAY)
    document = json.loads(files["subprocessors.json"])
    schema = json.loads(files["schema/subprocessors.schema.json"])
    jsonschema.Draft202012Validator(schema).validate(document)
    by_id = {e["id"]: e for e in document["subprocessors"]}
    assert by_id["b-host"]["lei"] == lei and by_id["b-host"]["ict_service_type"] == "S17"
    assert "lei" not in by_id["c-mail"]  # unknown: left out, not null
    rows = list(csv.DictReader(io.StringIO(files["subprocessors.csv"].decode(), newline="")))
    assert [(r["id"], r["lei"], r["ict_service_type"]) for r in rows] == [
        ("b-host", lei, "S17"),
        ("c-mail", "", ""),
    ]


def test_each_product_has_its_own_valid_exports_of_its_entries_and_changes() -> None:
    products = [{"id": "inbox", "name": "Shared Inbox"}, {"id": "sms", "name": "SMS"}]
    site = make_site(products=products)
    first = make_change("2025-01-01", "2025-01-01", add=(make_entry("host"),))
    upcoming = make_change(
        "2025-04-01",
        "2025-05-10",
        add=(make_entry("kestrel", products=["sms"]), make_entry("ink", products=["inbox"])),
    )
    exports = build_exports(make_data(changes=(first, upcoming), site=site), TODAY)
    validator = _validator(exports)
    sms = json.loads(exports["subprocessors-sms.json"])
    validator.validate(sms)
    assert sms["product"] == {"id": "sms", "name": "SMS"}
    assert [e["id"] for e in sms["subprocessors"]] == ["host"]  # serves every product
    (change,) = sms["upcoming"]
    assert [e["id"] for e in change["diff"]["added"]] == ["kestrel"]
    assert change["diff"]["added"][0]["products"] == ["sms"]
    whole = json.loads(exports["subprocessors.json"])
    validator.validate(whole)
    assert "product" not in whole and "products" not in whole["subprocessors"][0]
    rows = list(csv.DictReader(io.StringIO(exports["subprocessors-inbox.csv"].decode())))
    assert [r["id"] for r in rows] == ["host"] and rows[0]["products"] == ""


def test_each_region_has_its_own_valid_exports_beside_the_products_ones() -> None:
    site = make_site(
        products=[{"id": "inbox", "name": "Shared Inbox"}, {"id": "sms", "name": "SMS"}],
        regions=[{"id": "eu", "name": "European Union"}, {"id": "us", "name": "United States"}],
    )
    first = make_change("2025-01-01", "2025-01-01", add=(make_entry("host"),))
    upcoming = make_change(
        "2025-04-01",
        "2025-05-10",
        add=(
            make_entry("eu-sms", products=["sms"], regions=["eu"]),
            make_entry("us-mail", regions=["us"]),
        ),
        change={"host": {"regions": ["eu"]}},
    )
    exports = build_exports(make_data(changes=(first, upcoming), site=site), TODAY)
    assert {"subprocessors-region-eu.json", "subprocessors-region-us.csv"} <= set(exports)
    assert "subprocessors-eu.json" not in exports  # a region's files carry `region-`
    validator = _validator(exports)
    us = json.loads(exports["subprocessors-region-us.json"])
    validator.validate(us)
    assert us["region"] == {"id": "us", "name": "United States"} and "product" not in us
    assert [e["id"] for e in us["subprocessors"]] == ["host"]  # serves every region today
    (change,) = us["upcoming"]
    # The US reader sees the US entry, and the host leaving the US; not the EU entry.
    assert [e["id"] for e in change["diff"]["added"]] == ["us-mail"]
    assert change["diff"]["added"][0]["regions"] == ["us"]
    assert [c["id"] for c in change["diff"]["changed"]] == ["host"]
    assert "regions" not in change["diff"]["changed"][0]  # served every region before
    # A product's export keeps the entries of every region serving it.
    sms = json.loads(exports["subprocessors-sms.json"])
    validator.validate(sms)
    assert [e["id"] for e in sms["upcoming"][0]["diff"]["added"]] == ["eu-sms", "us-mail"]
    rows = list(csv.DictReader(io.StringIO(exports["subprocessors-region-eu.csv"].decode())))
    assert [(r["id"], r["regions"]) for r in rows] == [("host", "")]
