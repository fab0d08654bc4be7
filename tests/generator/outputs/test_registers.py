"""The DORA register CSVs: the ITS column codes, us at rank 1, each sub-processor at rank 2."""

from __future__ import annotations

import csv
import datetime as dt
import io
from pathlib import Path

from generator.load.loader import load_data
from generator.outputs.registers import (
    B_05_01,
    B_05_01_PATH,
    B_05_02,
    B_05_02_PATH,
    LEGAL_PERSON,
    register_outputs,
)

DEMO = load_data(Path(__file__).resolve().parents[3] / "data")
AFTER_LEIS = dt.date(2026, 12, 22)  # the editorial list version with the LEIs is in force
US = "724500LARKSPURRELA90"

# Implementing Regulation (EU) 2024/2956, Annex I: the columns of both templates, in order.
ITS_B_05_01 = [
    ("c0010", "Identification code of the ICT third-party service provider"),
    ("c0020", "Type of code to identify the ICT third-party service provider"),
    ("c0030", "Additional identification code of the ICT third-party service provider"),
    ("c0040", "Type of additional identification code"),
    ("c0050", "Legal name of the ICT third-party service provider"),
    ("c0060", "Name of the ICT third-party service provider in Latin alphabet"),
    ("c0070", "Type of person of the ICT third-party service provider"),
    ("c0080", "Country of the ICT third-party service provider's headquarters"),
    ("c0090", "Currency of the amount reported in B_05.01.0100"),
    ("c0100", "Total annual expense or estimated cost of the ICT third-party service provider"),
    (
        "c0110",
        "Identification code of the ICT third-party service provider's ultimate parent undertaking",
    ),
    ("c0120", "Type of code to identify the ultimate parent undertaking"),
]
ITS_B_05_02 = [
    ("c0010", "Contractual arrangement reference number"),
    ("c0020", "Type of ICT services"),
    ("c0030", "Identification code of the ICT third-party service provider"),
    ("c0040", "Type of code to identify the ICT third-party service provider"),
    ("c0050", "Rank"),
    ("c0060", "Identification code of the recipient of sub-contracted ICT services"),
    ("c0070", "Type of code to identify the recipient of sub-contracted ICT services"),
]


def rows(content: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(content.decode("utf-8"), newline="")))


def test_the_columns_are_those_of_the_its() -> None:
    assert [(c.code, c.name) for c in B_05_01] == ITS_B_05_01
    assert [(c.code, c.name) for c in B_05_02] == ITS_B_05_02


def test_the_header_rows_are_the_column_codes() -> None:
    files = register_outputs(DEMO, AFTER_LEIS)
    assert rows(files[B_05_01_PATH])[0] == [code for code, _ in ITS_B_05_01]
    assert rows(files[B_05_02_PATH])[0] == [code for code, _ in ITS_B_05_02]
    assert files[B_05_01_PATH].count(b"\r\n") == len(rows(files[B_05_01_PATH]))


def test_b_05_01_names_us_then_every_sub_processor_in_force() -> None:
    table = [dict(zip([c for c, _ in ITS_B_05_01], r, strict=True)) for r in rows(
        register_outputs(DEMO, AFTER_LEIS)[B_05_01_PATH]
    )[1:]]
    assert table[0] == {
        "c0010": US, "c0020": "LEI", "c0030": "", "c0040": "",
        "c0050": "Larkspur Relay B.V.", "c0060": "Larkspur Relay B.V.", "c0070": LEGAL_PERSON,
        "c0080": "NL", "c0090": "", "c0100": "", "c0110": "", "c0120": "",
    }  # fmt: skip
    by_name = {r["c0050"]: r for r in table[1:]}
    assert len(by_name) == 9 and "Verbena Language Services GmbH" in by_name
    inc = by_name["Larkspur Relay Inc."]
    assert (inc["c0010"], inc["c0080"], inc["c0110"], inc["c0120"]) == (
        "5493000LARKSPURINC16", "US", US, "LEI"
    )
    assert all(r["c0090"] == r["c0100"] == "" for r in table)  # the client's costs


def test_b_05_02_puts_us_at_rank_1_and_each_sub_processor_at_rank_2_with_us_as_recipient() -> None:
    table = rows(register_outputs(DEMO, AFTER_LEIS)[B_05_02_PATH])[1:]
    assert table[0] == ["", "S19", US, "LEI", "1", "", ""]
    assert len(table) == 10
    for row in table[1:]:
        assert row[0] == "" and row[1] == "S19" and row[3] == "LEI"
        assert row[4:] == ["2", US, "LEI"]
    assert "5493004NIMBUSFIELD58" in [r[2] for r in table]


def test_a_provider_without_an_lei_gets_empty_codes_not_a_guess() -> None:
    before = rows(register_outputs(DEMO, dt.date(2026, 12, 21))[B_05_02_PATH])[1:]
    assert before[1][2:4] == ["", ""] and before[1][4:] == ["2", US, "LEI"]


def test_a_name_that_looks_like_a_formula_is_not_run_by_a_spreadsheet() -> None:
    hostile = '=HYPERLINK("https://evil.example")'
    change = DEMO.subprocessor_changes[0]
    entry = change.add[0].model_copy(update={"entity": hostile})
    first = change.model_copy(update={"add": (entry, *change.add[1:])})
    data = DEMO.model_copy(update={"subprocessor_changes": (first, *DEMO.subprocessor_changes[1:])})
    names = [r[4] for r in rows(register_outputs(data, AFTER_LEIS)[B_05_01_PATH])]
    assert "'" + hostile in names and hostile not in names
