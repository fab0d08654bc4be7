"""Rules across fields and files: ids, file names, version order, notice period, EEA
transfers and the fold of sub-processor changes. Line numbers refer to conftest.py."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tests.support.datafiles import DataFiles

SP1 = "subprocessors/2024-01-10.yaml"
SP2 = "subprocessors/2024-09-01.yaml"

# A third change of the list, announced with enough notice; tests replace its body.
SP3_HEAD = """\
announced: 2024-10-01
effective: 2024-11-15
summary: Updates the list.
"""

# DPA 2.0 as an honest editorial version of 1.0: the same sections, one clause reworded.
DPA_2_0_EDITORIAL = """\
version: "2.0"
title: Data Processing Addendum
announced: 2024-06-01
effective: 2024-07-15
summary: Rewords the breach clause.
editorial: true
sections:
  - id: definitions
    title: Definitions
    body: Words used here mean what the GDPR says they mean.
  - id: breach
    title: Personal data breaches
    body: We inform you of a breach within 72 hours.
"""


def test_duplicate_section_id_in_one_version(data_files: DataFiles) -> None:
    data_files.replace("dpa/2.0.yaml", "id: audits", "id: breach")
    assert data_files.errors() == [
        "data/dpa/2.0.yaml:14:5: sections[2].id: duplicate section id 'breach' "
        "(first at line 11); each section needs its own id"
    ]


def test_same_section_id_in_different_versions_is_fine(data_files: DataFiles) -> None:
    data = data_files.load()
    assert {s.id for s in data.texts["dpa"][0].sections} <= {
        s.id for s in data.texts["dpa"][1].sections
    }


def test_duplicate_subprocessor_id_in_the_list(data_files: DataFiles) -> None:
    data_files.replace(SP1, "  - id: brightwave-mail", "  - id: cloudnine-hosting")
    data_files.replace(SP2, "remove: [brightwave-mail]\n", "")
    assert data_files.errors() == [
        f"data/{SP1}:14:5: add[1].id: duplicate sub-processor id 'cloudnine-hosting' "
        "(first at line 5)"
    ]


def test_text_file_name_must_match_the_version(data_files: DataFiles) -> None:
    (data_files.root / "dpa/2.0.yaml").rename(data_files.root / "dpa/2.1.yaml")
    assert data_files.errors() == [
        "data/dpa/2.1.yaml:1:1: version: '2.0' does not match the file name 2.1.yaml; "
        "name the file 2.0.yaml or correct the version"
    ]


def test_subprocessor_file_name_must_match_the_effective_date(data_files: DataFiles) -> None:
    (data_files.root / SP2).rename(data_files.root / "subprocessors/2024-09-02.yaml")
    assert data_files.errors() == [
        "data/subprocessors/2024-09-02.yaml:2:1: effective: 2024-09-01 does not match the file "
        "name 2024-09-02.yaml; a change is named after its effective date: 2024-09-01.yaml"
    ]


def test_higher_version_must_not_take_effect_before_a_lower_one(data_files: DataFiles) -> None:
    data_files.replace("dpa/1.0.yaml", "effective: 2024-01-10", "effective: 2024-08-01")
    assert data_files.errors() == [
        "data/dpa/2.0.yaml:4:1: effective: version 2.0 takes effect on 2024-07-15, before "
        "version 1.0 (2024-08-01, data/dpa/1.0.yaml); a higher version must take effect later"
    ]


def test_two_versions_on_the_same_effective_date(data_files: DataFiles) -> None:
    data_files.replace("dpa/1.0.yaml", "effective: 2024-01-10", "effective: 2024-07-15")
    assert data_files.errors() == [
        "data/dpa/2.0.yaml:4:1: effective: 2024-07-15 is also the effective date of version "
        "1.0 (data/dpa/1.0.yaml); two changes cannot take effect on the same day"
    ]


def test_two_list_changes_on_the_same_effective_date(data_files: DataFiles) -> None:
    data_files.write(
        "subprocessors/2024-09-01-b.yaml",
        SP3_HEAD.replace("2024-11-15", "2024-09-01").replace("2024-10-01", "2024-07-20")
        + "remove: [quillpost]\n",
    )
    assert data_files.errors() == [
        "data/subprocessors/2024-09-01-b.yaml:2:1: effective: 2024-09-01 does not match the "
        "file name 2024-09-01-b.yaml; a change is named after its effective date: "
        "2024-09-01.yaml",
        "data/subprocessors/2024-09-01-b.yaml:2:1: effective: 2024-09-01 is also the "
        f"effective date of the change (data/{SP2}); two changes cannot take effect on the "
        "same day",
    ]


def test_same_version_number_written_two_ways(data_files: DataFiles) -> None:
    text = (data_files.root / "dpa/2.0.yaml").read_text()
    data_files.write(
        "dpa/2.00.yaml",
        text.replace('"2.0"', '"2.00"').replace("2024-07-15", "2024-08-15"),
    )
    assert data_files.errors() == [
        "data/dpa/2.00.yaml:1:1: version: '2.00' is the same version as '2.0' in "
        "data/dpa/2.0.yaml; give each version its own number"
    ]


def test_effective_before_announced_is_always_an_error(data_files: DataFiles) -> None:
    # Even for a topic's first version, which the notice period does not apply to.
    data_files.replace("privacy/1.0.yaml", "announced: 2024-01-10", "announced: 2024-01-11")
    assert data_files.errors() == [
        "data/privacy/1.0.yaml:4:1: effective: 2024-01-10 is before announced (2024-01-11); "
        "a change cannot take effect before it is announced"
    ]


def test_editorial_change_also_cannot_take_effect_before_it_is_announced(
    data_files: DataFiles,
) -> None:
    data_files.write("dpa/2.0.yaml", DPA_2_0_EDITORIAL)
    data_files.replace("dpa/2.0.yaml", "effective: 2024-07-15", "effective: 2024-05-31")
    assert data_files.errors() == [
        "data/dpa/2.0.yaml:4:1: effective: 2024-05-31 is before announced (2024-06-01); "
        "a change cannot take effect before it is announced"
    ]


def test_notice_period_for_a_text_change(data_files: DataFiles) -> None:
    data_files.replace("dpa/2.0.yaml", "effective: 2024-07-15", "effective: 2024-06-20")
    assert data_files.errors() == [
        "data/dpa/2.0.yaml:4:1: effective: 2024-06-20 is only 19 days after it is announced "
        "(2024-06-01); a change needs 30 days' notice (notice_period_days in site.yaml), so "
        "the earliest allowed date is 2024-07-01 (or set editorial: true if it changes "
        "wording only)"
    ]


def test_notice_period_comes_from_site_yaml(data_files: DataFiles) -> None:
    data_files.replace("site.yaml", "notice_period_days: 30", "notice_period_days: 45")
    errors = data_files.errors()
    assert errors[0].startswith(
        "data/dpa/2.0.yaml:4:1: effective: 2024-07-15 is only 44 days after it is"
    )
    assert "earliest allowed date is 2024-07-16" in errors[0]
    assert errors[1].startswith(
        f"data/{SP2}:2:1: effective: 2024-09-01 is only 43 days after it is"
    )
    assert len(errors) == 2


def test_editorial_change_may_take_effect_at_once(data_files: DataFiles) -> None:
    data_files.write("dpa/2.0.yaml", DPA_2_0_EDITORIAL)
    data_files.replace("dpa/2.0.yaml", "effective: 2024-07-15", "effective: 2024-06-01")
    assert data_files.load().texts["dpa"][1].editorial is True


def test_first_version_is_not_held_to_the_notice_period(data_files: DataFiles) -> None:
    data = data_files.load()  # dpa/1.0 and the first list take effect the day they appear
    assert data.texts["dpa"][0].announced == data.texts["dpa"][0].effective


def test_notice_period_for_a_list_change(data_files: DataFiles) -> None:
    data_files.replace(SP2, "announced: 2024-07-20", "announced: 2024-08-20")
    assert data_files.errors() == [
        f"data/{SP2}:2:1: effective: 2024-09-01 is only 12 days after it is announced "
        "(2024-08-20); a change needs 30 days' notice (notice_period_days in site.yaml), so "
        "the earliest allowed date is 2024-09-19 (or set editorial: true if it changes "
        "wording only)"
    ]


def test_added_subprocessor_outside_the_eea_needs_a_transfer_mechanism(
    data_files: DataFiles,
) -> None:
    data_files.replace(SP1, "transfer_mechanism: SCCs", "transfer_mechanism: none")
    assert data_files.errors() == [
        f"data/{SP1}:20:5: add[1].transfer_mechanism: 'none', but Brightwave Mail Inc. "
        "processes data in US, outside the EEA; name the transfer mechanism: SCCs, adequacy, "
        "DPF or BCRs"
    ]


def test_eea_countries_need_no_transfer_mechanism(data_files: DataFiles) -> None:
    # NO is Norway (EEA), not a YAML "no".
    data_files.replace(SP1, "processing_locations: [DE]", "processing_locations: [DE, NO, IS]")
    entry = data_files.load().subprocessor_changes[0].add[0]
    assert entry.processing_locations == ("DE", "NO", "IS")


def test_changed_locations_outside_the_eea_need_a_transfer_mechanism(
    data_files: DataFiles,
) -> None:
    data_files.replace(SP2, "processing_locations: [DE, IE]", "processing_locations: [DE, IN]")
    assert data_files.errors() == [
        f"data/{SP2}:17:5: change.cloudnine-hosting.processing_locations: 'none', but "
        "CloudNine Hosting GmbH processes data in IN, outside the EEA; name the transfer "
        "mechanism: SCCs, adequacy, DPF or BCRs"
    ]


def test_removing_an_id_that_is_not_on_the_list(data_files: DataFiles) -> None:
    data_files.replace(SP2, "remove: [brightwave-mail]", "remove: [brightwave-mial]")
    assert data_files.errors() == [
        f"data/{SP2}:14:10: remove[0]: 'brightwave-mial' is not on the list on 2024-09-01 "
        "(did you mean 'brightwave-mail'?)"
    ]


def test_removing_an_id_that_was_already_removed(data_files: DataFiles) -> None:
    data_files.write("subprocessors/2024-11-15.yaml", SP3_HEAD + "remove: [brightwave-mail]\n")
    assert data_files.errors() == [
        "data/subprocessors/2024-11-15.yaml:4:10: remove[0]: 'brightwave-mail' is not on the "
        f"list on 2024-11-15: it was removed in data/{SP2}"
    ]


def test_changing_an_id_that_is_not_on_the_list(data_files: DataFiles) -> None:
    data_files.replace(SP2, "  cloudnine-hosting:", "  cloud9-hosting:")
    assert data_files.errors() == [
        f"data/{SP2}:16:3: change.cloud9-hosting: 'cloud9-hosting' is not on the list on "
        "2024-09-01 (did you mean 'cloudnine-hosting'?)"
    ]


def test_adding_an_id_that_is_already_on_the_list(data_files: DataFiles) -> None:
    data_files.replace(SP2, "  - id: quillpost", "  - id: cloudnine-hosting")
    data_files.replace(
        SP2, "change:\n  cloudnine-hosting:\n    processing_locations: [DE, IE]\n", ""
    )
    assert data_files.errors() == [
        f"data/{SP2}:5:5: add[0].id: 'cloudnine-hosting' is already on the list (added in "
        f"data/{SP1}); to update it, use change:"
    ]


def test_change_file_that_changes_nothing(data_files: DataFiles) -> None:
    data_files.write("subprocessors/2024-11-15.yaml", SP3_HEAD + "editorial: false\n")
    assert data_files.errors() == [
        "data/subprocessors/2024-11-15.yaml:1:1: this change adds, removes and changes "
        "nothing; list the sub-processors under add:, remove: or change:"
    ]


def test_change_entry_without_fields(data_files: DataFiles) -> None:
    data_files.write(
        "subprocessors/2024-11-15.yaml", SP3_HEAD + "change:\n  cloudnine-hosting: {}\n"
    )
    assert data_files.errors() == [
        "data/subprocessors/2024-11-15.yaml:5:3: change.cloudnine-hosting: names no field to "
        "change; add the new values"
    ]


def test_change_to_the_value_it_already_has(data_files: DataFiles) -> None:
    data_files.write(
        "subprocessors/2024-11-15.yaml",
        SP3_HEAD + "change:\n  cloudnine-hosting:\n    processing_locations: [DE, IE]\n"
        "    purpose: Hosts the platform in two regions\n",
    )
    assert data_files.errors() == [
        "data/subprocessors/2024-11-15.yaml:6:5: change.cloudnine-hosting.processing_locations: "
        "is already [DE, IE] on the list; this changes nothing, leave the field out"
    ]


def test_one_id_both_removed_and_changed(data_files: DataFiles) -> None:
    data_files.replace(
        SP2, "remove: [brightwave-mail]", "remove: [brightwave-mail, cloudnine-hosting]"
    )
    assert data_files.errors() == [
        f"data/{SP2}:16:3: change.cloudnine-hosting: 'cloudnine-hosting' is also under remove: "
        "in this change; an entry is either removed or changed"
    ]


def test_the_fold_follows_effective_dates(data_files: DataFiles) -> None:
    # Re-adding an id after its removal is a new entry, not a duplicate.
    data_files.write(
        "subprocessors/2024-11-15.yaml",
        SP3_HEAD
        + """\
add:
  - id: brightwave-mail
    entity: Brightwave Mail Inc.
    purpose: Sends marketing email
    data_categories: [Email address]
    processing_locations: [US]
    corporate_location: US
    transfer_mechanism: DPF
    website: https://brightwave.example
    relationship: third-party
""",
    )
    assert [c.version for c in data_files.load().subprocessor_changes][-1] == "2024-11-15"


def test_an_unreadable_change_does_not_cause_false_fold_errors(data_files: DataFiles) -> None:
    # The first list cannot be read, so whether later ids exist is unknown: say only what
    # is certainly wrong.
    data_files.replace(SP1, "summary: The first list.", "summary: The first list.\nsummary: x")
    assert data_files.errors() == [
        f"data/{SP1}:4:1: summary: written twice (first at line 3); keep only one"
    ]


def test_notice_period_when_effective_the_day_it_is_announced(data_files: DataFiles) -> None:
    data_files.replace("dpa/2.0.yaml", "effective: 2024-07-15", "effective: 2024-06-01")
    assert data_files.errors() == [
        "data/dpa/2.0.yaml:4:1: effective: 2024-06-01 is the day it is announced (2024-06-01); "
        "a change needs 30 days' notice (notice_period_days in site.yaml), so the earliest "
        "allowed date is 2024-07-01 (or set editorial: true if it changes wording only)"
    ]


def test_changes_are_announced_in_the_order_they_take_effect(data_files: DataFiles) -> None:
    # A change announced before an earlier-effective one would publish a list that
    # already contains the other, still unannounced, change.
    data_files.write(
        "subprocessors/2024-11-15.yaml",
        SP3_HEAD.replace("announced: 2024-10-01", "announced: 2024-07-01").replace(
            "effective: 2024-11-15", "effective: 2024-11-15"
        )
        + "remove: [cloudnine-hosting]\n",
    )
    assert data_files.errors() == [
        "data/subprocessors/2024-11-15.yaml:1:1: announced: 2024-07-01 is before 2024-07-20, "
        "when the change taking effect earlier (data/subprocessors/2024-09-01.yaml) is "
        "announced; announce changes in the order they take effect"
    ]
