"""The pictures of the site: the timeline of every change (inline on the changelog) and the
map of processing locations (a file beside the sub-processor page, generator.outputs.location_map).

Both are pure functions of the data and the build date, drawn with presentation
attributes only (no `<style>`, no `style=""`, no script), so the pages need nothing the
site's Content-Security-Policy forbids and two builds give the same bytes. The timeline
is an illustration: the changelog's table below it says the same in text, with links.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from xml.sax.saxutils import escape

from markupsafe import Markup

from generator.contract import TOPIC_TITLES, TOPICS, Status
from generator.history.changes import ChangeRecord
from generator.load.clock import long_date
from generator.load.model import TrustData
from generator.load.timeline import timeline
from generator.outputs.location_map import MAP_PATH, map_svg

WIDTH = 1000
LABEL_WIDTH = 230
RIGHT = 30
TOP = 44  # room for the year labels
ROW = 40
LEGEND = 56
MARK = "#3f51b5"  # in force or past: the site's indigo
UPCOMING = "#ffb300"  # announced, not yet in force: amber, with a dark outline


def picture_outputs(data: TrustData, today: dt.date) -> dict[str, bytes]:
    """Files the build writes for the pictures: the map of the list in force."""
    current = timeline(data, "subprocessors", today).current
    entries = current.entries if current is not None else ()  # type: ignore[union-attr]
    return {MAP_PATH: map_svg(entries)}


def _span(records: Sequence[ChangeRecord], today: dt.date) -> tuple[dt.date, dt.date]:
    first = min(r.announced for r in records)
    last = max(max(r.effective for r in records), today)
    start = dt.date(first.year, 1, 1)
    end = dt.date(last.year + 1, 1, 1) if (last.month, last.day) != (1, 1) else last
    return start, end


def changelog_timeline(records: Sequence[ChangeRecord], today: dt.date) -> Markup:
    """An inline `<svg>`: one row per document, a mark per change on its effective date, a
    bar for its notice period (announced to effective), upcoming changes in amber."""
    if not records:
        return Markup("")
    start, end = _span(records, today)
    days = (end - start).days
    plot = WIDTH - LABEL_WIDTH - RIGHT

    def x(day: dt.date) -> float:
        return round(LABEL_WIDTH + plot * (day - start).days / days, 1)

    topics = [t for t in TOPICS if any(r.topic == t for r in records)]
    height = TOP + ROW * len(topics) + LEGEND
    upcoming = sum(r.status is Status.upcoming for r in records)
    summary = (
        f"{len(records)} changes from {long_date(min(r.announced for r in records))} "
        f"to {long_date(max(r.effective for r in records))}, {upcoming} of them upcoming. "
        "The table below lists each of them."
    )
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {height}" '
        'role="img" aria-labelledby="ts-timeline-title ts-timeline-desc" '
        'font-family="sans-serif" font-size="14" fill="currentColor">',
        '<title id="ts-timeline-title">Timeline of every change</title>',
        f'<desc id="ts-timeline-desc">{escape(summary)}</desc>',
    ]
    bottom = TOP + ROW * len(topics)
    for year in range(start.year, end.year + 1):
        at = x(dt.date(year, 1, 1))
        label = f'<text x="{at + 4}" y="{TOP - 20}">{year}</text>' if year < end.year else ""
        out.append(
            f'<line x1="{at}" y1="{TOP - 14}" x2="{at}" y2="{bottom}" stroke="currentColor" '
            f'stroke-opacity="0.25"/>{label}'
        )
    for index, topic in enumerate(topics):
        mid = TOP + ROW * index + ROW // 2
        out.append(f'<text x="0" y="{mid + 5}">{escape(TOPIC_TITLES[topic])}</text>')
        out.append(
            f'<line x1="{LABEL_WIDTH}" y1="{mid}" x2="{WIDTH - RIGHT}" y2="{mid}" '
            'stroke="currentColor" stroke-opacity="0.35"/>'
        )
        for record in (r for r in records if r.topic == topic):
            out.append(_mark(record, x(record.announced), x(record.effective), mid))
    at = x(today)
    out.append(
        f'<line x1="{at}" y1="{TOP - 14}" x2="{at}" y2="{bottom}" stroke="currentColor" '
        f'stroke-width="2" stroke-dasharray="6 4"/>'
        f'<text x="{at}" y="{bottom + 18}" text-anchor="{_anchor(at, long_date(today))}">'
        f"{long_date(today)}</text>"
    )
    out.append(_legend(bottom + 44))
    out.append("</svg>")
    return Markup("".join(out))


def _anchor(at: float, text: str) -> str:
    """Where a label centred on `at` would run off the picture, it ends (or starts) there."""
    half = 4.2 * len(text)  # half the width of 14px sans-serif text, generously
    if at + half > WIDTH:
        return "end"
    return "start" if at - half < 0 else "middle"


def _mark(record: ChangeRecord, announced: float, effective: float, mid: int) -> str:
    upcoming = record.status is Status.upcoming
    state = "upcoming" if upcoming else record.status.value
    label = (
        f"{record.topic_title} {record.version}: announced {long_date(record.announced)}, "
        f"effective {long_date(record.effective)} ({state})"
    )
    bar = (
        f'<line x1="{announced}" y1="{mid}" x2="{effective}" y2="{mid}" '
        f'stroke="{UPCOMING if upcoming else MARK}" stroke-width="6" stroke-linecap="round"/>'
    )
    if upcoming:  # a diamond, so that the state does not rest on colour alone
        e = effective
        shape = (
            f'<path d="M{e} {mid - 10}L{e + 10} {mid}L{e} {mid + 10}L{e - 10} {mid}Z" '
            f'fill="{UPCOMING}" stroke="#3d2a00" stroke-width="2"/>'
        )
    else:
        shape = (
            f'<circle cx="{effective}" cy="{mid}" r="7" fill="{MARK}" stroke="#ffffff" '
            'stroke-width="2"/>'
        )
    return f"<g><title>{escape(label)}</title>{bar}{shape}</g>"


def _legend(y: int) -> str:
    return (
        f'<circle cx="{LABEL_WIDTH + 8}" cy="{y - 5}" r="7" fill="{MARK}"/>'
        f'<text x="{LABEL_WIDTH + 22}" y="{y}">in force or past</text>'
        f'<path d="M{LABEL_WIDTH + 168} {y - 15}L{LABEL_WIDTH + 178} {y - 5}'
        f'L{LABEL_WIDTH + 168} {y + 5}L{LABEL_WIDTH + 158} {y - 5}Z" fill="{UPCOMING}" '
        'stroke="#3d2a00" stroke-width="2"/>'
        f'<text x="{LABEL_WIDTH + 186}" y="{y}">upcoming</text>'
        f'<line x1="{LABEL_WIDTH + 290}" y1="{y - 5}" x2="{LABEL_WIDTH + 330}" y2="{y - 5}" '
        f'stroke="{MARK}" stroke-width="6" stroke-linecap="round"/>'
        f'<text x="{LABEL_WIDTH + 342}" y="{y}">notice period, announced to effective</text>'
    )
