"""LEIs, ICT service types and the parent's LEI: checked where they are written."""

from __future__ import annotations

import pytest

from generator.load.register_fields import ICT_SERVICE_TYPES, check_lei
from tests.support.datafiles import DataFiles

# GLEIF's own LEI, and an invented one with check digits computed by ISO 7064 MOD 97-10.
GLEIF = "506700GE1G29325QX363"
CLOUDNINE = "5493004NIMBUSFIELD58"

LIST_CHANGE = """\
announced: 2024-12-01
effective: 2024-12-01
summary: Adds register fields.
editorial: true
change:
  cloudnine-hosting:
    lei: {lei}
    ict_service_type: S17
"""


@pytest.mark.parametrize("lei", [GLEIF, CLOUDNINE])
def test_a_real_lei_is_accepted_as_written(lei: str) -> None:
    assert check_lei(lei) == lei


@pytest.mark.parametrize(
    ("lei", "says"),
    [
        ("506700GE1G29325QX364", "wrong check digits (the last two)"),
        ("506700GE1G29325QX36", "has 19 characters; an LEI has 20"),
        ("506700ge1g29325qx363", "must be written in capitals without spaces"),
        ("506700GE1G29 325QX363", "must be written in capitals without spaces"),
        ("506700GE1G29325QX-63", "may hold only the digits 0-9 and the capital letters A-Z"),
        ("", "has 0 characters"),
    ],
)
def test_a_wrong_lei_says_what_is_wrong(lei: str, says: str) -> None:
    with pytest.raises(ValueError, match="is not a Legal Entity Identifier") as caught:
        check_lei(lei)
    assert says in str(caught.value)


def test_the_taxonomy_has_the_nineteen_codes_of_annex_iii() -> None:
    assert list(ICT_SERVICE_TYPES) == [f"S{n:02}" for n in range(1, 20)]
    assert ICT_SERVICE_TYPES["S19"] == "Cloud services: SaaS"


def test_adding_an_lei_is_an_editorial_change_of_a_new_list_version(data_files: DataFiles) -> None:
    data_files.write("subprocessors/2024-12-01.yaml", LIST_CHANGE.format(lei=CLOUDNINE))
    data = data_files.load()
    assert data.subprocessor_changes[-1].change["cloudnine-hosting"].lei == CLOUDNINE


def test_a_mistyped_lei_is_refused_at_its_line(data_files: DataFiles) -> None:
    mistyped = LIST_CHANGE.format(lei="5493004NIMBUSFIELD59")
    data_files.write("subprocessors/2024-12-01.yaml", mistyped)
    assert data_files.errors() == [
        "data/subprocessors/2024-12-01.yaml:7:5: change.cloudnine-hosting.lei: "
        "'5493004NIMBUSFIELD59' is not a Legal Entity Identifier (ISO 17442): it has wrong "
        "check digits (the last two); copy it again from its GLEIF record"
    ]


def test_an_unknown_service_type_lists_the_codes(data_files: DataFiles) -> None:
    data_files.write(
        "subprocessors/2024-12-01.yaml",
        LIST_CHANGE.format(lei=CLOUDNINE).replace("S17", "S20"),
    )
    [error] = data_files.errors()
    assert error.startswith("data/subprocessors/2024-12-01.yaml:8:5: ")
    assert "'S20'" in error and "S19" in error


def test_an_editorial_change_may_not_hide_a_new_location_beside_an_lei(
    data_files: DataFiles,
) -> None:
    text = LIST_CHANGE.format(lei=CLOUDNINE) + "    processing_locations: [US]\n"
    data_files.write("subprocessors/2024-12-01.yaml", text)
    errors = data_files.errors()
    assert any("processing_locations" in e and "cannot be editorial" in e for e in errors)


def test_the_company_lei_is_checked_too(data_files: DataFiles) -> None:
    data_files.replace(
        "site.yaml",
        "  legal_name: Larkspur Relay B.V.\n",
        "  legal_name: Larkspur Relay B.V.\n  lei: 724500LARKSPURRELA91\n",
    )
    [error] = data_files.errors()
    assert error.startswith("data/site.yaml:4:3: company.lei: '724500LARKSPURRELA91' is not")


# --- the DPA's processing block (SCC Annex I) ------------------------------------------------

PROCESSING = """\
processing:
  data_subjects: [Client staff]
  data_categories: [Email address]
  sensitive_data: None.
  frequency: Continuous.
  nature: Storage.
  purpose: Providing the service.
  retention: The term of the contract.
  supervisory_authority: Autoriteit Persoonsgegevens
"""


def test_a_dpa_version_may_describe_its_processing(data_files: DataFiles) -> None:
    data_files.replace("dpa/2.0.yaml", "editorial: false\n", "editorial: false\n" + PROCESSING)
    dpa = data_files.load().texts["dpa"][-1]
    assert dpa.processing.supervisory_authority == "Autoriteit Persoonsgegevens"  # type: ignore[attr-defined]


def test_a_missing_processing_field_is_named_at_its_block(data_files: DataFiles) -> None:
    block = PROCESSING.replace("  retention: The term of the contract.\n", "")
    data_files.replace("dpa/2.0.yaml", "editorial: false\n", "editorial: false\n" + block)
    assert data_files.errors() == [
        "data/dpa/2.0.yaml:7:1: processing.retention: is required but missing; add it"
    ]


def test_only_a_dpa_describes_processing(data_files: DataFiles) -> None:
    data_files.replace("privacy/1.0.yaml", "sections:", PROCESSING + "sections:")
    [error] = data_files.errors()
    assert error.startswith("data/privacy/1.0.yaml:") and "unknown field 'processing'" in error


def test_an_editorial_version_may_not_change_the_processing(data_files: DataFiles) -> None:
    data_files.replace("dpa/2.0.yaml", "editorial: false\n", "editorial: true\n" + PROCESSING)
    errors = data_files.errors()
    assert any(
        e.startswith("data/dpa/2.0.yaml:7:1: processing: changes the description of the "
                     "processing (Annex I") for e in errors
    ), errors
