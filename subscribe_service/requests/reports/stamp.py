"""Stamping a report with who downloaded it and when, on every page (optional: pypdf).

A leaked copy then names its source. Without pypdf installed (`pip install pypdf`), or with
TRUSTSITE_REPORTS_STAMP=false, the report is served as it is on disk. A file pypdf cannot
read is served unstamped and logged, rather than refused: the requester was approved.
"""

from __future__ import annotations

import datetime as dt
import importlib.util
import io
import logging
from typing import Any

log = logging.getLogger("subscribe_service.requests")


def stamping_available() -> bool:
    return importlib.util.find_spec("pypdf") is not None


def stamp_text(email: str, day: dt.date) -> str:
    return f"Confidential. Provided to {email} on {day.isoformat()} under NDA."


def stamp(pdf: bytes, text: str) -> bytes:
    """`pdf` with `text` along the bottom of every page; `pdf` itself if that fails."""
    from pypdf import PdfReader, PdfWriter

    try:
        writer = PdfWriter(clone_from=PdfReader(io.BytesIO(pdf)))
        for page in writer.pages:
            width, height = float(page.mediabox.width), float(page.mediabox.height)
            page.merge_page(_overlay(text, width, height))
        out = io.BytesIO()
        writer.write(out)
        return out.getvalue()
    # A damaged PDF can fail anywhere in pypdf, with many exception types; the requester
    # was approved and gets the file as it is, and the operator is told.
    except Exception as err:
        log.error("report not stamped (%s: %s); served as it is", type(err).__name__, err)
        return pdf


def _overlay(text: str, width: float, height: float) -> Any:  # pypdf's PageObject
    """One page of `width` x `height` points holding only the stamp (drawn with fpdf2)."""
    from fpdf import FPDF
    from pypdf import PdfReader

    pdf = FPDF(unit="pt", format=(width, height))
    pdf.set_auto_page_break(False)
    pdf.add_page()
    pdf.set_font("helvetica", size=8)
    pdf.set_text_color(160, 20, 20)
    safe = text.encode("latin-1", "replace").decode("latin-1")  # core fonts are Latin-1
    pdf.text(18, height - 12, safe)
    return PdfReader(io.BytesIO(bytes(pdf.output()))).pages[0]
