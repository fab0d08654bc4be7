"""Loading `data/`: the valid set as typed data, and each file-level problem as the editor
sees it (`path:line:col: field: message`). Line numbers refer to the texts in conftest.py."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

import pytest

from generator.load.errors import DataError
from generator.load.loader import load_site
from generator.load.model import TransferMechanism

if TYPE_CHECKING:
    from tests.support.datafiles import DataFiles


def test_valid_data_loads_sorted_oldest_first(data_files: DataFiles) -> None:
    data = data_files.load()
    assert data.site.notice_period_days == 30
    assert [v.version for v in data.texts["dpa"]] == ["1.0", "2.0"]
    assert [s.id for s in data.texts["dpa"][1].sections] == ["definitions", "breach", "audits"]
    assert [c.version for c in data.subprocessor_changes] == ["2024-01-10", "2024-09-01"]
    second = data.subprocessor_changes[1]
    assert second.remove == ("brightwave-mail",)
    assert second.change["cloudnine-hosting"].processing_locations == ("DE", "IE")
    assert second.add[0].transfer_mechanism is TransferMechanism.none


def test_versions_sort_by_number_not_by_text(data_files: DataFiles) -> None:
    text = (data_files.root / "dpa/2.0.yaml").read_text()
    data_files.write(
        "dpa/10.0.yaml",
        text.replace('"2.0"', '"10.0"')
        .replace("2024-06-01", "2024-10-01")
        .replace("2024-07-15", "2024-11-15"),
    )
    assert [v.version for v in data_files.load().texts["dpa"]] == ["1.0", "2.0", "10.0"]


def test_unknown_field_suggests_the_close_one(data_files: DataFiles) -> None:
    data_files.replace("subprocessors/2024-01-10.yaml", "    purpose: Hosts", "    purpse: Hosts")
    assert data_files.errors() == [
        "data/subprocessors/2024-01-10.yaml:5:5: add[0].purpose: is required but missing; add it",
        "data/subprocessors/2024-01-10.yaml:7:5: add[0].purpse: unknown field 'purpse' "
        "(did you mean 'purpose'?)",
    ]


def test_unknown_field_without_a_close_one_lists_the_fields(data_files: DataFiles) -> None:
    data_files.replace("faq/1.0.yaml", "summary: First", "owner: legal\nsummary: First")
    assert data_files.errors() == [
        "data/faq/1.0.yaml:5:1: owner: unknown field 'owner'; the fields here are: version, "
        "title, announced, effective, summary, editorial, sections, corrections"
    ]


def test_wrong_type_names_the_field(data_files: DataFiles) -> None:
    data_files.replace("privacy/1.0.yaml", "title: Privacy statement", "title: 2024")
    assert data_files.errors() == [
        "data/privacy/1.0.yaml:2:1: title: 2024 must be text; put it in quotes"
    ]


def test_unquoted_version_asks_for_quotes(data_files: DataFiles) -> None:
    # Unquoted, 2.10 would be the number 2.1: the version must be text.
    data_files.replace("dpa/2.0.yaml", 'version: "2.0"', "version: 2.0")
    assert data_files.errors() == [
        'data/dpa/2.0.yaml:1:1: version: 2.0 must be written in quotes: "2.0"'
    ]


def test_impossible_date(data_files: DataFiles) -> None:
    data_files.replace("dpa/2.0.yaml", "effective: 2024-07-15", "effective: 2025-02-30")
    assert data_files.errors() == [
        "data/dpa/2.0.yaml:4:1: effective: '2025-02-30' is not a real date; write YYYY-MM-DD"
    ]


def test_date_without_leading_zeros(data_files: DataFiles) -> None:
    data_files.replace("dpa/2.0.yaml", "effective: 2024-07-15", "effective: 2024-7-15")
    assert data_files.errors() == [
        "data/dpa/2.0.yaml:4:1: effective: '2024-7-15' is not written as YYYY-MM-DD; use two "
        "digits for month and day"
    ]


def test_text_that_is_not_a_date(data_files: DataFiles) -> None:
    data_files.replace("dpa/2.0.yaml", "announced: 2024-06-01", "announced: 1 June 2024")
    assert data_files.errors() == [
        "data/dpa/2.0.yaml:3:1: announced: '1 June 2024' is not a date; write YYYY-MM-DD"
    ]


def test_number_is_not_read_as_a_timestamp(data_files: DataFiles) -> None:
    data_files.replace("dpa/2.0.yaml", "effective: 2024-07-15", "effective: 1721001600")
    assert data_files.errors() == [
        "data/dpa/2.0.yaml:4:1: effective: 1721001600 is not a date; write YYYY-MM-DD"
    ]
    data_files.replace("dpa/2.0.yaml", "effective: 1721001600", "effective: 20240715")
    assert data_files.errors() == [
        "data/dpa/2.0.yaml:4:1: effective: 20240715 is not a date; write YYYY-MM-DD"
    ]


def test_date_with_a_time(data_files: DataFiles) -> None:
    data_files.replace("dpa/2.0.yaml", "effective: 2024-07-15", "effective: 2024-07-15 10:30")
    assert data_files.errors() == [
        "data/dpa/2.0.yaml:4:1: effective: '2024-07-15 10:30' has a time; "
        "write only the date, YYYY-MM-DD"
    ]
    data_files.replace("dpa/2.0.yaml", "2024-07-15 10:30", "2024-07-15 10:30:00")
    assert data_files.errors() == [
        "data/dpa/2.0.yaml:4:1: effective: '2024-07-15 10:30:00' has a time; "
        "write only the date, YYYY-MM-DD"
    ]


def test_missing_required_field_points_at_its_parent(data_files: DataFiles) -> None:
    data_files.replace("dpa/2.0.yaml", "    title: Audits\n", "")
    assert data_files.errors() == [
        "data/dpa/2.0.yaml:14:5: sections[2].title: is required but missing; add it"
    ]


@pytest.mark.parametrize("summary", ['""', "", "'   '"])
def test_empty_summary_is_refused(data_files: DataFiles, summary: str) -> None:
    data_files.replace(
        "dpa/2.0.yaml", "summary: Shortens the breach notice to 48 hours.", f"summary: {summary}"
    )
    assert data_files.errors() == [
        "data/dpa/2.0.yaml:5:1: summary: write one sentence saying what changed"
    ]


def test_values_with_a_fixed_form(data_files: DataFiles) -> None:
    name = "subprocessors/2024-01-10.yaml"
    data_files.replace(name, "  - id: cloudnine-hosting", "  - id: CloudNine Hosting")
    data_files.replace(name, "processing_locations: [DE]", "processing_locations: [DE, Germany]")
    data_files.replace(name, "transfer_mechanism: SCCs", "transfer_mechanism: SCC")
    data_files.replace(name, "website: https://brightwave.example", "website: brightwave")
    data_files.replace(name, "relationship: third-party\n  - id", "relationship: vendor\n  - id")
    assert data_files.errors() == [
        f"data/{name}:5:5: add[0].id: 'CloudNine Hosting' is not a valid id; use lowercase "
        "letters, digits and dashes, like 'cloudnine-hosting'",
        f"data/{name}:9:32: add[0].processing_locations[1]: 'Germany' is not a country code; "
        "use DE (Germany)",
        f"data/{name}:13:5: add[0].relationship: 'vendor' is not one of affiliate, third-party",
        f"data/{name}:20:5: add[1].transfer_mechanism: 'SCC' is not one of none, adequacy, SCCs, "
        "DPF, BCRs (did you mean 'SCCs'?)",
        f"data/{name}:21:5: add[1].website: 'brightwave' is not a web address; write it like "
        "https://example.com",
    ]


def test_list_written_as_a_single_value(data_files: DataFiles) -> None:
    data_files.replace(
        "subprocessors/2024-01-10.yaml",
        "data_categories: [Email address]",
        "data_categories: Email",
    )
    assert data_files.errors() == [
        "data/subprocessors/2024-01-10.yaml:17:5: add[1].data_categories: 'Email' must be a "
        "list, like [first, second]"
    ]


def test_file_that_holds_no_fields(data_files: DataFiles) -> None:
    data_files.write("faq/1.0.yaml", "- just a list\n")
    assert data_files.errors() == [
        "data/faq/1.0.yaml:1:1: must hold fields (name: value lines), such as summary: ..."
    ]


def test_site_settings_are_checked(data_files: DataFiles) -> None:
    data_files.replace("site.yaml", "notice_period_days: 30", "notice_period_days: thirty")
    data_files.replace("site.yaml", "privacy: privacy@larkspur.example", "privacy: legal team")
    assert data_files.errors() == [
        "data/site.yaml:6:3: contacts.privacy: 'legal team' is not an email address",
        "data/site.yaml:9:1: notice_period_days: 'thirty' is not a whole number",
    ]


def test_missing_site_file(data_files: DataFiles) -> None:
    (data_files.root / "site.yaml").unlink()
    assert data_files.errors() == ["data/site.yaml:1:1: file site.yaml is missing; create it"]


def test_missing_topic_folder(data_files: DataFiles) -> None:
    for path in (data_files.root / "faq").iterdir():
        path.unlink()
    (data_files.root / "faq").rmdir()
    assert data_files.errors() == [
        "data/faq:1:1: folder faq/ is missing; create it with a file such as 1.0.yaml"
    ]


def test_empty_topic_folder(data_files: DataFiles) -> None:
    for path in (data_files.root / "subprocessors").iterdir():
        path.unlink()
    assert data_files.errors() == [
        "data/subprocessors:1:1: folder subprocessors/ has no versions; add a file such as "
        "2025-03-01.yaml"
    ]


def test_file_that_is_not_yaml_in_a_topic_folder(data_files: DataFiles) -> None:
    data_files.write("dpa/2.1.yml", "version: '2.1'\n")
    assert data_files.errors() == [
        "data/dpa/2.1.yml:1:1: file 2.1.yml does not belong in dpa/, which holds only .yaml "
        "files named like 1.0.yaml; rename or move it"
    ]


def test_every_problem_at_once_sorted_by_path_and_line(data_files: DataFiles) -> None:
    data_files.replace("site.yaml", "notice_period_days: 30", "notice_period_days: -1")
    data_files.replace("dpa/2.0.yaml", "summary: Shortens", "summary: Shortens\nsummary: Twice")
    data_files.replace("dpa/1.0.yaml", "    title: Definitions\n", "")
    data_files.replace("faq/1.0.yaml", "effective: 2024-01-10", "effective: 2024-13-01")
    data_files.write("privacy/draft.txt", "notes")
    assert data_files.errors() == [
        "data/dpa/1.0.yaml:7:5: sections[0].title: is required but missing; add it",
        "data/dpa/2.0.yaml:6:1: summary: written twice (first at line 5); keep only one",
        "data/faq/1.0.yaml:4:1: effective: '2024-13-01' is not a real date; write YYYY-MM-DD",
        "data/privacy/draft.txt:1:1: file draft.txt does not belong in privacy/, which holds "
        "only .yaml files named like 1.0.yaml; rename or move it",
        "data/site.yaml:9:1: notice_period_days: -1 must be at least 0",
    ]


def test_unsafe_yaml_in_a_data_file_is_refused(data_files: DataFiles) -> None:
    data_files.replace(
        "dpa/2.0.yaml", "title: Data Processing Addendum", "title: !!python/name:os.system"
    )
    assert data_files.errors() == [
        "data/dpa/2.0.yaml:2:8: '!!python/name:os.system' is a YAML tag; tags are not allowed, "
        "write plain values"
    ]


def test_paths_are_absolute_when_the_data_is_outside_the_working_directory(
    data_files: DataFiles, monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory
) -> None:
    monkeypatch.chdir(tmp_path_factory.mktemp("elsewhere"))
    data_files.replace("faq/1.0.yaml", "title: GDPR and CCPA FAQ", "title:")
    assert data_files.errors() == [
        f"{data_files.root}/faq/1.0.yaml:2:1: title: is empty; write a value"
    ]


def test_load_site_alone(data_files: DataFiles) -> None:
    site = load_site(data_files.root / "site.yaml")
    assert site.company.legal_name == "Larkspur Relay B.V."
    data_files.replace("site.yaml", "site_url: https://trust.larkspur.example/", "site_url: trust")
    with pytest.raises(DataError) as caught:
        load_site(data_files.root / "site.yaml")
    assert [str(i) for i in caught.value.issues] == [
        "data/site.yaml:7:1: site_url: 'trust' is not a web address; write it like "
        "https://example.com"
    ]


def test_dates_are_dates(data_files: DataFiles) -> None:
    assert data_files.load().texts["dpa"][1].effective == dt.date(2024, 7, 15)
