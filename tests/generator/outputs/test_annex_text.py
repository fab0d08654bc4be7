"""The annexes' words, and the PDF that appends them with a signature block."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import pypdf

from generator.load.annexes import all_annexes
from generator.load.loader import load_data
from generator.outputs.annex_text import annex_sections, signers
from generator.outputs.pdf import dpa_pdfs

DEMO = load_data(Path(__file__).resolve().parents[3] / "data")
TODAY = dt.date(2026, 12, 7)
ANNEXES = all_annexes(DEMO, TODAY)


def test_the_signature_block_names_the_signatory_of_a_version_that_has_one() -> None:
    pdf = dpa_pdfs(DEMO, TODAY)["dpa/2.2/larkspur-relay-dpa-2.2.pdf"]
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    last = " ".join(reader.pages[-1].extract_text().split())
    assert last.startswith("Signatures")
    assert "Data exporter: the Client Name: Role: Date: Signature:" in last
    assert "Data importer: Larkspur Relay B.V. Name: Maren Oostdijk Role: General Counsel" in last
    titles = [entry["/Title"] for entry in reader.outline]
    assert titles[-4:] == [s.title for s in annex_sections(ANNEXES["2.2"])] + ["Signatures"]


def test_a_version_without_a_signatory_leaves_lines_for_both_parties() -> None:
    exporter, importer = signers(ANNEXES["2.1"])
    assert (exporter.name, importer.name, importer.role) == (None, None, None)
    assert importer.party == "Data importer: Larkspur Relay B.V."


def test_annex_ii_is_the_security_version_in_force_that_day() -> None:
    assert ANNEXES["1.0"].security is None  # no security page yet in 2023
    annex_ii = annex_sections(ANNEXES["2.1"])[1].body
    assert annex_ii.startswith("The measures described in version 1.1 of the security page")
    assert "**Access control**" in annex_ii and "Certifications" not in annex_ii


def test_data_from_the_files_is_shown_as_written_not_as_markup() -> None:
    processing = ANNEXES["2.2"].processing
    assert processing is not None
    hostile = processing.model_copy(update={"frequency": "a < b, **not bold**, [x](javascript:1)"})
    annex = ANNEXES["2.2"].__class__(**{**ANNEXES["2.2"].__dict__, "processing": hostile})
    body = annex_sections(annex)[0].body
    assert r"a &lt; b, \*\*not bold\*\*, \[x\]\(javascript:1\)" in body
