"""Products and the WebSub hub in site.yaml, and the entries naming products: what
`trustsite check` refuses, each at the place to fix (generator.load.products)."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tests.support.datafiles import DataFiles

PRODUCTS = """\
products:
  - id: inbox
    name: Shared Inbox
  - id: sms
    name: SMS Messaging
    notice_period_days: 40
"""

ADD_SMS_ONLY = """\
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
    products: [{products}]
"""


def with_products(data_files: DataFiles) -> None:
    data_files.write("site.yaml", (data_files.root / "site.yaml").read_text() + PRODUCTS)


def test_entries_name_declared_products_and_changes_carry_them(data_files: DataFiles) -> None:
    with_products(data_files)
    data_files.write(
        "subprocessors/2024-11-20.yaml",
        ADD_SMS_ONLY.format(effective="2024-11-20", products="sms"),
    )
    data = data_files.load()
    assert [p.id for p in data.site.products] == ["inbox", "sms"]
    assert data.subprocessor_changes[-1].add[0].products == ("sms",)


def test_an_unknown_product_is_refused_where_it_is_written(data_files: DataFiles) -> None:
    with_products(data_files)
    data_files.write(
        "subprocessors/2024-11-20.yaml",
        ADD_SMS_ONLY.format(effective="2024-11-20", products="sms, inbx"),
    )
    data_files.write(
        "subprocessors/2024-12-30.yaml",
        "announced: 2024-11-20\neffective: 2024-12-30\nsummary: Moves Quillpost.\n"
        "change:\n  quillpost:\n    products: [voice]\n",
    )
    assert data_files.errors() == [
        "data/subprocessors/2024-11-20.yaml:14:21: add[0].products[1]: 'inbx' is not one of "
        "the products in site.yaml (inbox, sms) (did you mean 'inbox'?)",
        "data/subprocessors/2024-12-30.yaml:6:16: change.quillpost.products[0]: 'voice' is "
        "not one of the products in site.yaml (inbox, sms)",
    ]


def test_products_on_a_site_without_products_are_refused(data_files: DataFiles) -> None:
    data_files.write(
        "subprocessors/2024-11-20.yaml",
        ADD_SMS_ONLY.format(effective="2024-11-20", products="sms"),
    )
    (error,) = data_files.errors()
    assert error.startswith("data/subprocessors/2024-11-20.yaml:14:16: add[0].products[0]: ")
    assert "site.yaml declares no products" in error


def test_the_longest_notice_of_the_products_touched_applies(data_files: DataFiles) -> None:
    with_products(data_files)
    # 35 days: enough for the site's 30 days, not for the SMS product's 40.
    data_files.write(
        "subprocessors/2024-11-05.yaml",
        ADD_SMS_ONLY.format(effective="2024-11-05", products="sms"),
    )
    assert data_files.errors() == [
        "data/subprocessors/2024-11-05.yaml:2:1: effective: 2024-11-05 is 35 days after "
        "announced (2024-10-01); this change touches SMS Messaging ('sms'), which promises "
        "40 days' notice (products in site.yaml), so the earliest allowed date is 2024-11-10",
    ]
    # An inbox-only entry needs the site's 30 days only.
    data_files.write(
        "subprocessors/2024-11-05.yaml",
        ADD_SMS_ONLY.format(effective="2024-11-05", products="inbox"),
    )
    data_files.load()


def test_changing_an_entry_that_serves_every_product_needs_every_products_notice(
    data_files: DataFiles,
) -> None:
    with_products(data_files)
    data_files.write(
        "subprocessors/2024-11-05.yaml",
        "announced: 2024-10-01\neffective: 2024-11-05\nsummary: Quillpost serves the inbox.\n"
        "change:\n  quillpost:\n    products: [inbox]\n",
    )
    # Quillpost served every product until now: SMS clients lose it, so SMS's 40 days.
    assert "touches SMS Messaging ('sms')" in data_files.errors()[0]


def test_duplicate_products_and_a_plain_http_hub_are_refused(data_files: DataFiles) -> None:
    data_files.write(
        "site.yaml",
        (data_files.root / "site.yaml").read_text()
        + "websub_hub: http://hub.example/\n"
        + PRODUCTS
        + "  - id: sms\n    name: Text messages\n",
    )
    assert data_files.errors() == [
        "data/site.yaml:10:1: websub_hub: 'http://hub.example/' is not an https address; "
        "feed readers are told to subscribe at the hub, so it must be reached over https: "
        "write https://...",
        "data/site.yaml:17:5: products[2].id: duplicate product id 'sms' (first at line 14); "
        "each product needs its own id",
    ]


def test_the_pull_request_preview_names_the_products_notice(data_files: DataFiles) -> None:
    from generator.cli.diffcmd import diff_markdown

    with_products(data_files)
    data_files.write(
        "subprocessors/2024-11-20.yaml",
        ADD_SMS_ONLY.format(effective="2024-11-20", products="sms"),
    )
    text = diff_markdown(
        data_files.root,
        topic="subprocessors",
        from_version="2024-09-01",
        to_version="2024-11-20",
        base=None,
        today=dt.date(2024, 11, 1),
    )
    assert "50 days' notice, which meets the 40 days promised for SMS Messaging." in text


def test_a_product_named_twice_or_a_change_to_the_same_products_is_refused(
    data_files: DataFiles,
) -> None:
    with_products(data_files)
    data_files.write(
        "subprocessors/2024-11-20.yaml",
        ADD_SMS_ONLY.format(effective="2024-11-20", products="sms, sms"),
    )
    data_files.write(
        "subprocessors/2024-12-30.yaml",
        "announced: 2024-11-20\neffective: 2024-12-30\nsummary: Nothing really.\n"
        "change:\n  quillpost:\n    products: all\n",
    )
    assert data_files.errors() == [
        "data/subprocessors/2024-11-20.yaml:14:21: add[0].products[1]: 'sms' is listed "
        "twice; keep one",
        "data/subprocessors/2024-12-30.yaml:6:5: change.quillpost.products: is already all "
        "(every product) on the list; this changes nothing, leave the field out",
    ]
