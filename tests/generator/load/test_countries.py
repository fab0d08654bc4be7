"""Country codes that exist, and transfer mechanisms that fit the country and the date.
Line numbers refer to conftest.py."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

import pytest

from generator.load.countries import display_name, shown
from generator.load.transfers import decisions
from generator.site.page_context import country

if TYPE_CHECKING:
    from tests.support.datafiles import DataFiles

SP1 = "subprocessors/2024-01-10.yaml"
SP2 = "subprocessors/2024-09-01.yaml"


def test_uk_eu_and_unknown_codes_are_refused(data_files: DataFiles) -> None:
    data_files.replace(SP1, "processing_locations: [US]", "processing_locations: [UK, EU, XX]")
    assert data_files.errors() == [
        f"data/{SP1}:18:28: add[1].processing_locations[0]: 'UK' is not an ISO 3166 country "
        "code; use GB (United Kingdom)",
        f"data/{SP1}:18:32: add[1].processing_locations[1]: 'EU' is the European Union, a "
        "group of countries; list each country where the data is processed, like [DE, IE]",
        f"data/{SP1}:18:36: add[1].processing_locations[2]: 'XX' is not an ISO 3166 country "
        "code; use the two capital letters of ISO 3166, like DE or US",
    ]


def test_a_group_as_the_corporate_location(data_files: DataFiles) -> None:
    data_files.replace(SP1, "corporate_location: US", "corporate_location: EEA")
    assert data_files.errors() == [
        f"data/{SP1}:19:5: add[1].corporate_location: 'EEA' is the European Economic Area, a "
        "group of countries; write the one country the entity is registered in, like DE"
    ]


def test_codes_in_a_change_and_the_greek_el(data_files: DataFiles) -> None:
    data_files.replace(SP2, "processing_locations: [DE, IE]", "corporate_location: EL")
    assert data_files.errors() == [
        f"data/{SP2}:17:5: change.cloudnine-hosting.corporate_location: 'EL' is not an ISO "
        "3166 country code; use GR (Greece)"
    ]


def test_a_name_or_lowercase_code_gets_the_code(data_files: DataFiles) -> None:
    data_files.replace(SP1, "processing_locations: [US]", "processing_locations: [us, Japan]")
    assert data_files.errors() == [
        f"data/{SP1}:18:28: add[1].processing_locations[0]: 'us' is not a country code as "
        "written; use US (United States)",
        f"data/{SP1}:18:32: add[1].processing_locations[1]: 'Japan' is not a country code; "
        "use JP (Japan)",
    ]


def test_names_come_from_the_iso_list() -> None:
    assert [shown(c) for c in ("GB", "KR", "DE")] == [
        "United Kingdom (GB)",
        "South Korea (KR)",
        "Germany (DE)",
    ]
    assert country("US") == "United States (US)"
    assert display_name("EU") == "EU"  # never "European Union": it is not a country


# ---------------------------------------------------------------------------------------
# Transfer mechanisms


def _change_to(data_files: DataFiles, fields: str) -> None:
    data_files.replace(SP2, "    processing_locations: [DE, IE]", fields)


def test_adequacy_for_a_country_without_a_decision(data_files: DataFiles) -> None:
    _change_to(data_files, "    processing_locations: [DE, IN]\n    transfer_mechanism: adequacy")
    assert data_files.errors() == [
        f"data/{SP2}:18:5: change.cloudnine-hosting.transfer_mechanism: 'adequacy', but India "
        "(IN) has no EU adequacy decision (the list is in generator/load/adequacy.yaml); use SCCs "
        "or BCRs"
    ]


def test_adequacy_before_the_decision(data_files: DataFiles) -> None:
    _change_to(data_files, "    processing_locations: [BR]\n    transfer_mechanism: adequacy")
    assert data_files.errors() == [
        f"data/{SP2}:18:5: change.cloudnine-hosting.transfer_mechanism: 'adequacy', but the "
        "EU adequacy decision for Brazil (BR) applies from 2026-01-26, after this change takes "
        "effect (2024-09-01); use SCCs or BCRs"
    ]


def test_adequacy_for_the_us_means_dpf(data_files: DataFiles) -> None:
    data_files.replace(SP1, "transfer_mechanism: SCCs", "transfer_mechanism: adequacy")
    assert data_files.errors() == [
        f"data/{SP1}:20:5: add[1].transfer_mechanism: 'adequacy', but the EU adequacy decision "
        "for United States (US) covers only organisations certified under the EU-US Data "
        "Privacy Framework; write DPF if Brightwave Mail Inc. is certified, or SCCs"
    ]


def test_adequacy_in_force_passes(data_files: DataFiles) -> None:
    _change_to(
        data_files,
        "    processing_locations: [GB, CH, JP]\n    transfer_mechanism: adequacy",
    )
    entry = data_files.load().subprocessor_changes[1].change["cloudnine-hosting"]
    assert entry.processing_locations == ("GB", "CH", "JP")


def test_dpf_only_for_the_united_states(data_files: DataFiles) -> None:
    _change_to(data_files, "    processing_locations: [DE, JP]\n    transfer_mechanism: DPF")
    assert data_files.errors() == [
        f"data/{SP2}:18:5: change.cloudnine-hosting.transfer_mechanism: 'DPF', but the EU-US "
        "Data Privacy Framework covers transfers to the United States only, and CloudNine "
        "Hosting GmbH processes data in Japan (JP); use SCCs or BCRs"
    ]


def test_dpf_before_the_framework(data_files: DataFiles) -> None:
    first = (data_files.root / SP1).read_text().replace("2024-01-10", "2023-01-10")
    (data_files.root / SP1).unlink()
    data_files.write("subprocessors/2023-01-10.yaml", first)
    data_files.replace(
        "subprocessors/2023-01-10.yaml", "transfer_mechanism: SCCs", "transfer_mechanism: DPF"
    )
    assert data_files.errors() == [
        "data/subprocessors/2023-01-10.yaml:20:5: add[1].transfer_mechanism: 'DPF', but the "
        "EU-US Data Privacy Framework applies from 2023-07-10, after this change takes effect "
        "(2023-01-10); use SCCs or BCRs"
    ]


def test_dpf_for_the_us_passes(data_files: DataFiles) -> None:
    data_files.replace(SP1, "transfer_mechanism: SCCs", "transfer_mechanism: DPF")
    assert data_files.load().subprocessor_changes[0].add[1].transfer_mechanism == "DPF"


def test_none_only_inside_the_eea_as_before(data_files: DataFiles) -> None:
    _change_to(data_files, "    processing_locations: [DE, CH]")
    assert data_files.errors() == [
        f"data/{SP2}:17:5: change.cloudnine-hosting.processing_locations: 'none', but CloudNine "
        "Hosting GmbH processes data in CH, outside the EEA; name the transfer mechanism: "
        "SCCs, adequacy, DPF or BCRs"
    ]


@pytest.mark.parametrize(
    ("code", "since"),
    [
        ("JP", dt.date(2019, 1, 23)),
        ("GB", dt.date(2021, 6, 28)),
        ("KR", dt.date(2021, 12, 17)),
        ("US", dt.date(2023, 7, 10)),
    ],
)
def test_the_dated_list_holds_the_decisions(code: str, since: dt.date) -> None:
    assert decisions()[code].since == since


def test_the_dated_list_covers_every_decision_and_names_real_countries() -> None:
    listed = set(decisions())
    assert listed == {
        "AD", "AR", "BR", "CA", "CH", "FO", "GB", "GG", "IL", "IM", "JE", "JP", "KR", "NZ",
        "US", "UY",
    }  # fmt: skip
    assert all(display_name(c) != c for c in listed)
    assert {d.mechanism for d in decisions().values()} == {"adequacy", "DPF"}
