"""The stamp on a downloaded report: inside each page's visible box wherever that box
starts, once per link and day however many downloads arrive at once, and never holding up
the rest of the service (/healthz) while it is made."""

from __future__ import annotations

import http.client
import io
import threading
import time
from pathlib import Path
from typing import Any

import pypdf
import pytest
from fpdf import FPDF
from pypdf.generic import RectangleObject
from werkzeug.serving import make_server

from subscribe_service.dev.smtpsink import free_port
from subscribe_service.requests.reports import views as reports_views
from subscribe_service.requests.reports.stamp import STAMP_NAME, stamp
from tests.subscribe_service.requests.test_report_requests import FORM, _request_and_approve
from tests.support.published_data import write_service_json
from tests.support.requests_data import sql

REPO_DATA = Path(__file__).resolve().parents[3] / "data"
TEXT = "Confidential. Provided to ada@client.example on 2026-12-07 under NDA."


def _pdf(pages: int) -> bytes:
    pdf = FPDF(unit="pt", format=(612, 792))
    pdf.set_font("helvetica", size=12)
    for number in range(1, pages + 1):
        pdf.add_page()
        pdf.text(72, 72, f"SOC 2 Type II report, page {number}")
    return bytes(pdf.output())


def _with_boxes(pdf: bytes, **boxes: list[float]) -> bytes:
    writer = pypdf.PdfWriter(clone_from=pypdf.PdfReader(io.BytesIO(pdf)))
    for page in writer.pages:
        for name, box in boxes.items():
            setattr(page, name, RectangleObject(box))
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _stamp_positions(pdf: bytes) -> list[tuple[float, float]]:
    """Where the stamp starts on each page, in the page's own coordinates: the current
    transformation where the page draws the stamp (whose text starts at its origin), as
    pypdf tracks it through the page's content; and the stamp's text is on every page."""
    positions: list[tuple[float, float]] = []
    for page in pypdf.PdfReader(io.BytesIO(pdf)).pages:
        drawn: list[tuple[float, float]] = []

        def visit(op: bytes, args: list[Any], cm: list[float], _tm: Any, into=drawn) -> None:
            if op == b"Do" and args and args[0] == STAMP_NAME:
                into.append((cm[4], cm[5]))

        text = page.extract_text(visitor_operand_before=visit)
        assert "Provided to ada@client.example" in text
        assert len(drawn) == 1, drawn
        positions.append(drawn[0])
    return positions


@pytest.mark.parametrize(
    ("boxes", "visible"),
    [
        ({}, (0, 0, 612, 792)),
        ({"mediabox": [100, 100, 712, 892]}, (100, 100, 712, 892)),
        ({"mediabox": [-300, -400, 312, 392]}, (-300, -400, 312, 392)),
        ({"cropbox": [50, 60, 400, 500]}, (50, 60, 400, 500)),
    ],
    ids=["from-0", "media-box-from-100", "media-box-negative", "crop-box-inside"],
)
def test_the_stamp_is_inside_the_visible_box(boxes, visible) -> None:
    stamped = stamp(_with_boxes(_pdf(2), **boxes), TEXT)
    assert stamped != _with_boxes(_pdf(2), **boxes)  # not served as it was
    left, bottom, right, _top = visible
    for x, y in _stamp_positions(stamped):
        assert left <= x <= right - 200 and bottom <= y <= bottom + 40, (x, y, visible)


def test_a_page_that_moves_its_coordinates_does_not_move_the_stamp() -> None:
    """A page whose content leaves the coordinate system scaled and moved (no closing Q)."""
    writer = pypdf.PdfWriter(clone_from=pypdf.PdfReader(io.BytesIO(_pdf(1))))
    page = writer.pages[0]
    content = page.get_contents()
    content.set_data(b"q 3 0 0 3 500 500 cm\n" + content.get_data())
    page.replace_contents(content)
    out = io.BytesIO()
    writer.write(out)
    [(x, y)] = _stamp_positions(stamp(out.getvalue(), TEXT))
    assert 0 <= x <= 100 and 0 <= y <= 40


def test_a_pdf_that_cannot_be_read_is_served_as_it_is(caplog) -> None:
    assert stamp(b"%PDF-1.4\nnot a pdf", TEXT) == b"%PDF-1.4\nnot a pdf"
    assert "report not stamped" in caplog.text


# --- many downloads of one link at once, on a real threaded server -----------------------------


@pytest.fixture
def app_config(tmp_path: Path) -> dict[str, Any]:
    reports = tmp_path / "private-reports"
    reports.mkdir()
    (reports / "soc-2-type-2.pdf").write_bytes(_pdf(600))
    site = tmp_path / "site"
    write_service_json(site, REPO_DATA)
    return {"SITE_DIR": str(site), "REPORTS_DIR": str(reports)}


def _get(port: int, path: str) -> tuple[int, float]:
    started = time.monotonic()
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    try:
        conn.request("GET", path)
        response = conn.getresponse()
        response.read()
        return response.status, time.monotonic() - started
    finally:
        conn.close()


def test_sixteen_parallel_downloads_stamp_once_and_health_stays_fast(
    app, client, runner, smtp_server, send_all, monkeypatch
) -> None:
    path = _request_and_approve(app, client, runner, send_all, smtp_server)
    stamps: list[str] = []

    def counted(pdf: bytes, text: str) -> bytes:
        stamps.append(text)
        return stamp(pdf, text)

    monkeypatch.setattr(reports_views, "stamp", counted)
    port = free_port()
    server = make_server("127.0.0.1", port, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        start = threading.Barrier(16)
        codes: list[int] = []

        def download() -> None:
            start.wait()
            codes.append(_get(port, path)[0])

        downloads = [threading.Thread(target=download) for _ in range(16)]
        for thread in downloads:
            thread.start()
        health: list[float] = []
        while any(thread.is_alive() for thread in downloads):
            status, took = _get(port, "/healthz")
            assert status == 200
            health.append(took)
            time.sleep(0.05)
        for thread in downloads:
            thread.join()
    finally:
        server.shutdown()
    assert sorted(codes) == [200] + [429] * 15
    assert len(stamps) == 1 and FORM["email"] in stamps[0]
    assert sql(app, "SELECT count(*) FROM report_downloads")[0][0] == 1
    assert health and max(health) < 2.0, health  # 16 stamps at once held it for 11 s
    print(f"\nSTAMP 16 parallel downloads: {sorted(codes)}; /healthz worst {max(health):.3f}s")
