"""Stamping a report with who downloaded it and when, on every page (optional: pypdf).

A leaked copy then names its source. Without pypdf installed (`pip install pypdf`), or with
TRUSTSITE_REPORTS_STAMP=false, the report is served as it is on disk. A file pypdf cannot
read is served unstamped and logged, rather than refused: the requester was approved.

The stamp is drawn once (fpdf2), kept in the file as one form XObject, and each page gets
two small content streams around its own (`q` before; `Q`, then the stamp placed in the
page's visible box, after): no page's content is parsed or rewritten, so a 600-page report
is stamped in a fraction of a second (merging an overlay into each page took seconds).
"""

from __future__ import annotations

import datetime as dt
import importlib.util
import io
import logging
from collections.abc import Callable
from typing import Any, TypeVar

log = logging.getLogger("subscribe_service.requests")
T = TypeVar("T")

STAMP_NAME = "/TrustsiteStamp"
MARGIN_LEFT, MARGIN_BOTTOM = 18.0, 12.0  # points from the visible box's lower left corner


def stamping_available() -> bool:
    return importlib.util.find_spec("pypdf") is not None


def stamp_text(email: str, day: dt.date) -> str:
    return f"Confidential. Provided to {email} on {day.isoformat()} under NDA."


def off_the_event_loop(work: Callable[..., T], *args: Any) -> T:
    """`work(*args)`, run where it does not stall the worker's other requests.

    A gevent worker serves all its requests on one thread: a stamp of a second would hold
    every one of them, /healthz included. There it runs in gevent's pool of real threads
    (the other requests go on between its steps); in a threaded server it runs directly.
    """
    try:
        from gevent import get_hub, monkey
    except ImportError:
        return work(*args)
    if not monkey.is_module_patched("threading"):
        return work(*args)
    return get_hub().threadpool.apply(work, args)


def stamp(pdf: bytes, text: str) -> bytes:
    """`pdf` with `text` along the bottom of every page; `pdf` itself if that fails.

    The stamp goes inside each page's visible box (its CropBox, which is its MediaBox
    unless set), wherever that box starts: a box need not start at 0,0."""
    from pypdf import PdfReader, PdfWriter

    try:
        writer = PdfWriter(clone_from=PdfReader(io.BytesIO(pdf)))
        form = writer._add_object(_stamp_form(writer, text))
        before = writer._add_object(_stream(b"q\n"))
        after: dict[tuple[float, float], Any] = {}  # one closing stream per box corner
        for page in writer.pages:
            box = page.cropbox
            corner = (float(box.left), float(box.bottom))
            if corner not in after:
                x, y = corner[0] + MARGIN_LEFT, corner[1] + MARGIN_BOTTOM
                draw = f"Q\nq 1 0 0 1 {x:.3f} {y:.3f} cm {STAMP_NAME} Do Q\n".encode()
                after[corner] = writer._add_object(_stream(draw))
            _add_to_resources(page, form)
            _wrap_contents(writer, page, before, after[corner])
        out = io.BytesIO()
        writer.write(out)
        return out.getvalue()
    # A damaged PDF can fail anywhere in pypdf, with many exception types; the requester
    # was approved and gets the file as it is, and the operator is told.
    except Exception as err:
        log.error("report not stamped (%s: %s); served as it is", type(err).__name__, err)
        return pdf


def _stamp_form(writer: Any, text: str) -> Any:
    """The stamp as a form XObject: `text` at its origin, drawn with fpdf2's core font."""
    from fpdf import FPDF
    from pypdf import PdfReader
    from pypdf.generic import ArrayObject, FloatObject, NameObject

    pdf = FPDF(unit="pt", format=(595.0, 40.0))
    pdf.set_auto_page_break(False)
    pdf.add_page()
    pdf.set_font("helvetica", size=8)
    pdf.set_text_color(160, 20, 20)
    safe = text.encode("latin-1", "replace").decode("latin-1")  # core fonts are Latin-1
    pdf.text(0, 40.0, safe)  # the baseline at the page's bottom edge: y = 0 in PDF terms
    drawn = PdfReader(io.BytesIO(bytes(pdf.output()))).pages[0]
    form = _stream(drawn.get_contents().get_data())
    form[NameObject("/Type")] = NameObject("/XObject")
    form[NameObject("/Subtype")] = NameObject("/Form")
    form[NameObject("/BBox")] = ArrayObject(FloatObject(v) for v in (0, -10, 595, 40))
    form[NameObject("/Resources")] = drawn["/Resources"].get_object().clone(writer)
    return form


def _stream(data: bytes) -> Any:
    from pypdf.generic import StreamObject

    stream = StreamObject()
    stream.set_data(data)
    return stream


def _add_to_resources(page: Any, form: Any) -> None:
    """Name the stamp in the page's resources, which it may inherit from the page tree
    (then the page gets a copy of its own, or it would lose the inherited fonts)."""
    from pypdf.generic import DictionaryObject, NameObject

    resources = _inherited(page, "/Resources")
    own = DictionaryObject(resources) if resources is not None else DictionaryObject()
    xobjects = own.get("/XObject")
    named = DictionaryObject(xobjects.get_object()) if xobjects is not None else DictionaryObject()
    named[NameObject(STAMP_NAME)] = form
    own[NameObject("/XObject")] = named
    page[NameObject("/Resources")] = own


def _inherited(page: Any, key: str) -> Any:
    node = page
    while node is not None:
        if key in node:
            return node[key].get_object()
        parent = node.get("/Parent")
        node = parent.get_object() if parent is not None else None
    return None


def _wrap_contents(writer: Any, page: Any, before: Any, after: Any) -> None:
    """`q`, the page's own content streams, `Q` and the stamp: whatever state the page's
    content leaves behind (a scaled or moved coordinate system), the stamp starts from the
    page's own."""
    from pypdf.generic import ArrayObject, IndirectObject, NameObject

    contents = page.get("/Contents")
    if contents is None:
        own: list[Any] = []
    elif isinstance(contents, IndirectObject) and isinstance(contents.get_object(), list):
        own = list(contents.get_object())
    elif isinstance(contents, list):
        own = list(contents)
    elif isinstance(contents, IndirectObject):
        own = [contents]
    else:  # a direct stream: against the rules, but readers take it
        own = [writer._add_object(contents)]
    page[NameObject("/Contents")] = ArrayObject([before, *own, after])
