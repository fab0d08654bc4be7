"""Regions in site.yaml and the entries naming them: what `trustsite check` refuses, each at
the place to fix (generator.load.scopes), the same way as products."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from tests.support.datafiles import DataFiles

REGIONS = """\
regions:
  - id: eu
    name: European Union
    notice_period_days: 42
  - id: us
    name: United States
"""

PRODUCTS = """\
products:
  - id: inbox
    name: Shared Inbox
"""

ADD_IN = """\
announced: 2024-10-01
effective: {effective}
summary: Adds Kestrel SMS.
add:
  - id: kestrel-sms
    entity: Kestrel SMS Ltd
    purpose: Sends text messages
    data_categories: [Phone number]
    processing_locations: [IE]
    corporate_location: IE
    transfer_mechanism: none
    website: https://kestrel.example
    relationship: third-party
    regions: {regions}
"""


def with_site(data_files: DataFiles, extra: str = REGIONS) -> None:
    data_files.write("site.yaml", (data_files.root / "site.yaml").read_text() + extra)


def test_entries_name_declared_regions_and_the_model_carries_them(data_files: DataFiles) -> None:
    with_site(data_files)
    data_files.write(
        "subprocessors/2024-11-20.yaml", ADD_IN.format(effective="2024-11-20", regions="[us]")
    )
    data = data_files.load()
    assert [(r.id, r.name) for r in data.site.regions] == [
        ("eu", "European Union"),
        ("us", "United States"),
    ]
    assert data.site.notice_days_of(data.site.regions[1]) == 30  # the site's own
    assert data.subprocessor_changes[-1].add[0].regions == ("us",)
    assert data.subprocessor_changes[-1].add[0].products is None


def test_an_unknown_region_is_refused_where_it_is_written(data_files: DataFiles) -> None:
    with_site(data_files)
    data_files.write(
        "subprocessors/2024-11-20.yaml",
        ADD_IN.format(effective="2024-11-20", regions="[us, euu]"),
    )
    data_files.write(
        "subprocessors/2025-01-05.yaml",
        "announced: 2024-11-20\neffective: 2025-01-05\nsummary: Moves Quillpost.\n"
        "change:\n  quillpost:\n    regions: [apac]\n",
    )
    assert data_files.errors() == [
        "data/subprocessors/2024-11-20.yaml:14:19: add[0].regions[1]: 'euu' is not one of "
        "the regions in site.yaml (eu, us) (did you mean 'eu'?)",
        "data/subprocessors/2025-01-05.yaml:6:15: change.quillpost.regions[0]: 'apac' is "
        "not one of the regions in site.yaml (eu, us)",
    ]


def test_regions_on_a_site_without_regions_are_refused(data_files: DataFiles) -> None:
    with_site(data_files, PRODUCTS)
    data_files.write(
        "subprocessors/2024-11-20.yaml", ADD_IN.format(effective="2024-11-20", regions="[eu]")
    )
    (error,) = data_files.errors()
    assert error.startswith("data/subprocessors/2024-11-20.yaml:14:15: add[0].regions[0]: ")
    assert "site.yaml declares no regions" in error
    # A product id is not a region: each list names its own kind.
    data_files.write(
        "subprocessors/2024-11-20.yaml",
        ADD_IN.format(effective="2024-11-20", regions="[inbox]"),
    )
    assert "'inbox' is not a region" in data_files.errors()[0]


def test_the_longest_notice_of_the_regions_touched_applies(data_files: DataFiles) -> None:
    with_site(data_files)
    # 40 days: enough for the site's 30 days, not for the EU's 42.
    data_files.write(
        "subprocessors/2024-11-10.yaml", ADD_IN.format(effective="2024-11-10", regions="[eu]")
    )
    assert data_files.errors() == [
        "data/subprocessors/2024-11-10.yaml:2:1: effective: 2024-11-10 is 40 days after "
        "announced (2024-10-01); this change touches European Union ('eu'), which promises "
        "42 days' notice (regions in site.yaml), so the earliest allowed date is 2024-11-12",
    ]
    # A US-only entry needs the site's 30 days only.
    data_files.write(
        "subprocessors/2024-11-10.yaml", ADD_IN.format(effective="2024-11-10", regions="[us]")
    )
    data_files.load()


def test_an_entry_without_regions_touches_every_region(data_files: DataFiles) -> None:
    with_site(data_files)
    text = ADD_IN.format(effective="2024-11-10", regions="[us]").replace("    regions: [us]\n", "")
    data_files.write("subprocessors/2024-11-10.yaml", text)
    assert "touches European Union ('eu')" in data_files.errors()[0]


def test_the_longest_notice_is_taken_across_products_and_regions(data_files: DataFiles) -> None:
    with_site(
        data_files,
        REGIONS + "products:\n  - id: sms\n    name: SMS Messaging\n    notice_period_days: 43\n",
    )
    # A US entry for SMS: the US asks the site's 30 days, SMS 43: SMS wins.
    text = ADD_IN.format(effective="2024-11-10", regions="[us]") + "    products: [sms]\n"
    data_files.write("subprocessors/2024-11-10.yaml", text)
    (error,) = data_files.errors()
    assert "touches SMS Messaging ('sms'), which promises 43 days' notice (products" in error


def test_moving_an_entry_out_of_a_region_needs_that_regions_notice(
    data_files: DataFiles,
) -> None:
    with_site(data_files)
    data_files.write(
        "subprocessors/2024-11-05.yaml",
        "announced: 2024-10-01\neffective: 2024-11-05\nsummary: Quillpost serves the US.\n"
        "change:\n  quillpost:\n    regions: [us]\n",
    )
    # Quillpost served every region until now: EU clients lose it, so the EU's 42 days.
    assert "touches European Union ('eu')" in data_files.errors()[0]


def test_duplicate_regions_and_a_region_named_as_a_product_are_refused(
    data_files: DataFiles,
) -> None:
    with_site(
        data_files,
        PRODUCTS
        + "  - id: region-us\n    name: US bundle\n"
        + REGIONS
        + "  - id: eu\n    name: Europe\n  - id: inbox\n    name: Inbox land\n",
    )
    assert data_files.errors() == [
        "data/site.yaml:13:5: products[1].id: 'region-us' is the name of the feeds of the "
        "region 'us' (subprocessors-region-us); give the product another id",
        "data/site.yaml:21:5: regions[2].id: duplicate region id 'eu' (first at line 16); "
        "each region needs its own id",
        "data/site.yaml:23:5: regions[3].id: 'inbox' is already a product (line 11); a filter "
        "or a subscription names a product or a region by its id alone, so give the region "
        "another id",
    ]


@pytest.mark.parametrize(
    ("regions", "expected"),
    [
        ("regions: eu\n", "regions: "),
        ("regions:\n  - eu\n", "regions[0]: "),
        ("regions:\n  - id: EU\n    name: Europe\n", "regions[0].id: "),
        ("regions:\n  - id: eu\n", "regions[0].name: is required"),
        ("regions:\n  - id: eu\n    name: ''\n", "regions[0].name: "),
        ("regions:\n  - id: eu\n    name: EU\n    notice_period_days: -1\n", "regions[0]."),
        ("regions:\n  - id: eu\n    name: EU\n    notice_period_days: 9999\n", "regions[0]."),
        ("regions:\n  - id: eu\n    name: EU\n    currency: EUR\n", "regions[0]"),
        ("regions:\n  - id: eu\n    name: [a, b]\n", "regions[0].name: "),
    ],
)
def test_hostile_region_declarations_get_a_located_message(
    data_files: DataFiles, regions: str, expected: str
) -> None:
    with_site(data_files, regions)
    errors = data_files.errors()
    assert errors, "a broken regions list must be refused"
    assert all(e.startswith("data/site.yaml:") for e in errors), errors
    assert any(expected in e for e in errors), errors
    assert not any("Traceback" in e for e in errors)


@pytest.mark.parametrize(
    ("regions", "expected"),
    [
        ("[]", "add[0].regions: "),
        ("eu", "add[0].regions: "),
        ("[eu, eu]", "'eu' is listed twice; keep one"),
        ("[{id: eu}]", "add[0].regions[0]: "),
        ("[EU]", "add[0].regions[0]: "),
        ("all", "add[0].regions: "),  # `all` is for a change, not an added entry
    ],
)
def test_hostile_region_lists_in_an_entry_get_a_located_message(
    data_files: DataFiles, regions: str, expected: str
) -> None:
    with_site(data_files)
    data_files.write(
        "subprocessors/2024-11-20.yaml", ADD_IN.format(effective="2024-11-20", regions=regions)
    )
    errors = data_files.errors()
    assert any(
        e.startswith("data/subprocessors/2024-11-20.yaml:14:") and expected in e for e in errors
    ), errors


def test_a_change_back_to_every_region_says_all_and_a_no_op_is_refused(
    data_files: DataFiles,
) -> None:
    with_site(data_files)
    data_files.write(
        "subprocessors/2025-01-05.yaml",
        "announced: 2024-11-20\neffective: 2025-01-05\nsummary: Nothing really.\n"
        "change:\n  quillpost:\n    regions: all\n",
    )
    assert data_files.errors() == [
        "data/subprocessors/2025-01-05.yaml:6:5: change.quillpost.regions: is already all "
        "(every region) on the list; this changes nothing, leave the field out",
    ]


def test_the_pull_request_preview_names_the_regions_notice(data_files: DataFiles) -> None:
    from generator.cli.diffcmd import diff_markdown

    with_site(data_files)
    data_files.write(
        "subprocessors/2024-11-20.yaml", ADD_IN.format(effective="2024-11-20", regions="[eu]")
    )
    text = diff_markdown(
        data_files.root,
        topic="subprocessors",
        from_version="2024-09-01",
        to_version="2024-11-20",
        base=None,
        today=dt.date(2024, 11, 1),
    )
    assert "50 days' notice, which meets the 42 days promised for European Union." in text
