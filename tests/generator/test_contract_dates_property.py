"""Every statement of which version is in force, and until when one may object, checked
against an oracle on random timelines (hypothesis).

A timeline is a few DPA versions and sub-processor list changes with random announced and
effective dates, editorial flags and corrections, a random build date and a random time
zone. The site's pages, changes.json and the notice mail of each pending change must say
exactly what the oracle below says. The oracle is written here, on purpose naively (it
walks day by day and formats dates by hand), and shares no code with generator.contract.
"""

from __future__ import annotations

import datetime as dt
import html
import re
import tempfile
from functools import cache
from typing import Any

from flask import Flask
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from generator.history.changes import build_changes, to_change
from generator.load.model import Correction, TrustData
from generator.outputs.feeds import entry_content
from generator.site.pages import render_pages
from subscribe_service import create_app
from subscribe_service.infra.models import Notice
from subscribe_service.mail.renderers import render_mail
from subscribe_service.notices.render import _notice_context
from tests.support.factories import (
    make_change,
    make_data,
    make_doc,
    make_entry,
    make_section,
    make_site,
)

START = dt.date(2026, 1, 1)
ZONES = ("UTC", "Europe/Amsterdam", "Pacific/Auckland", "America/Los_Angeles")
MONTHS = "January February March April May June July August September October November December"
GENERATED = {"timelines": 0}


# --- the oracle ------------------------------------------------------------------------------


def words_date(day: dt.date) -> str:
    return f"{day.day} {MONTHS.split()[day.month - 1]} {day.year}"


def oracle_in_force(versions: list[tuple[str, dt.date, dt.date]], today: dt.date, day: dt.date):
    """(label, announced, effective): the published one that took effect last by `day`."""
    best = None
    for label, announced, effective in versions:
        if announced <= today and effective <= day and (best is None or effective >= best[1]):
            best = (label, effective)
    return best[0] if best else None


def oracle_until_then(versions, today: dt.date, effective: dt.date) -> str | None:
    """What applies from `today` to the day before `effective`, walking day by day."""
    runs: list[list[Any]] = []  # [label, first day, last day]
    day = today
    while day < effective:
        label = oracle_in_force(versions, today, day)
        if label is not None:
            if runs and runs[-1][0] == label and runs[-1][2] == day - dt.timedelta(days=1):
                runs[-1][2] = day
            else:
                runs.append([label, day, day])
        day += dt.timedelta(days=1)
    if not runs:
        return None
    parts = []
    for index, (label, first, last) in enumerate(runs):
        since = f" from {words_date(first)}" if index == 0 and first != today else ""
        parts.append(f"version {label}{since} until {words_date(last)}")
    return "In force until then: " + ", then ".join(parts) + "."


def oracle_deadline(announced: dt.date, effective: dt.date, editorial: bool, zone: str):
    last = effective - dt.timedelta(days=1)
    if editorial or last < announced:
        return None
    where = "UTC" if zone == "UTC" else f"{zone} time"
    return f"Objections are accepted until the end of {words_date(last)} ({where})."


# --- random timelines ------------------------------------------------------------------------


@st.composite
def timelines(draw: st.DrawFn) -> tuple[TrustData, dt.date]:
    zone = draw(st.sampled_from(ZONES))
    today = START + dt.timedelta(days=draw(st.integers(0, 240)))
    docs, effective = [], START
    for number in range(1, draw(st.integers(1, 4)) + 1):
        effective += dt.timedelta(days=draw(st.integers(1, 70)))
        announced = effective - dt.timedelta(days=draw(st.integers(0, 60)))
        corrected = draw(st.booleans())
        body = "We tell you about a breach within 48 hours."
        doc = make_doc(
            f"{number}.0",
            announced.isoformat(),
            effective.isoformat(),
            (make_section("breach", body),),
            editorial=number > 1 and draw(st.booleans()),
        )
        if corrected and announced <= today:
            # A published typo fix: the text holds the corrected word ("breach").
            fix = Correction(
                date=max(announced, today - dt.timedelta(days=1)),
                by="Jane Doe, Legal",
                why="A typo.",
                place="breach",
                old="a braech within",
                new="a breach within",
            )
            doc = doc.model_copy(update={"corrections": (fix,)})
        docs.append(doc)
    changes, effective = [], START
    for number in range(draw(st.integers(1, 4))):
        effective += dt.timedelta(days=draw(st.integers(1, 70)))
        announced = effective - dt.timedelta(days=draw(st.integers(0, 60)))
        changes.append(
            make_change(
                announced.isoformat(),
                effective.isoformat(),
                add=(make_entry(f"vendor-{number}"),),
                editorial=number > 0 and draw(st.booleans()),
            )
        )
    data = make_data(
        texts={"dpa": tuple(docs)}, changes=tuple(changes), site=make_site(timezone=zone)
    )
    return data, today


# --- the notice, rendered by the service's own templates ---------------------------------------


@cache
def mail_app() -> Flask:
    site_dir = tempfile.mkdtemp(prefix="trustsite-dates-")
    return create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "dates-property-test-secret-key-0123456789",
            "DATABASE_URL": f"sqlite:///{site_dir}/unused.db",
            "SITE_URL": "http://127.0.0.1:8000/",
            "SITE_DIR": site_dir,
        }
    )


def notice_text(change: dict[str, Any], site: dict[str, Any]) -> str:
    notice = Notice(topic=change["topic"], change_id=change["id"], change=change, site=site)
    with mail_app().test_request_context():
        mail = render_mail(
            "notice",
            folder="notices",
            subject="s",
            list_id=None,
            unsubscribe_url=None,
            **_notice_context(notice, site),
            company="Larkspur Relay",
            subscriber=None,
            object_url="http://127.0.0.1:8000/object/x",
            manage_url=None,
            unsubscribe_all_url="http://127.0.0.1:8000/unsubscribe/x",
        )
    return " ".join(mail.text.split()) + " " + " ".join(re.sub(r"<[^>]+>", "", mail.html).split())


def page_text(markdown: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", "", markdown).split())


# --- the property ----------------------------------------------------------------------------


@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(timelines())
def test_every_date_statement_matches_the_oracle(timeline: tuple[TrustData, dt.date]) -> None:
    data, today = timeline
    GENERATED["timelines"] += 1
    zone = data.site.timezone
    records = build_changes(data, today)
    pages = render_pages(data, records, today)
    site = {
        "url": "https://trust.larkspur.example/",
        "company": "Larkspur Relay",
        "privacy_contact": "privacy@larkspur.example",
        "timezone": zone,
    }
    dated = {
        "dpa": [(d.version, d.announced, d.effective) for d in data.texts["dpa"]],
        "subprocessors": [
            (c.effective.isoformat(), c.announced, c.effective) for c in data.subprocessor_changes
        ],
    }
    for record in records:
        versions = dated[record.topic]
        in_force_now = oracle_in_force(versions, today, today)
        # Status: current is exactly the oracle's version in force today.
        assert (record.status.value == "current") == (record.version == in_force_now), record.id
        expected = (
            oracle_until_then(versions, today, record.effective)
            if record.effective > today
            else None
        )
        # Only sub-processor changes take objections; changes.json keeps the deadline of
        # every one, the pages and mails state it while the change is pending.
        deadline = oracle_deadline(record.announced, record.effective, record.editorial, zone)
        if record.topic == "dpa":
            deadline = None
        stated_deadline = deadline if record.effective > today else None
        change = to_change(record).model_dump(mode="json")
        said = [page_text(pages[f"{record.topic}/{record.version}/index.md"])]
        if record.effective > today:
            # The topic's page lists what is to come; a notice goes out about it.
            listed = page_text(pages[f"{record.topic}/index.md"])
            assert expected is None or expected in listed, (record.id, expected, listed)
            assert stated_deadline is None or stated_deadline in listed, record.id
            said.append(notice_text(change, site))
        # The feed entry keeps the deadline once it has passed: it is the record's.
        entry = page_text(html.unescape(entry_content(record)))
        if deadline is None:
            assert "Objections are accepted" not in entry, (record.id, entry)
        else:
            assert deadline in entry, (record.id, deadline, entry)
        if expected is None:
            assert "In force until then" not in entry, (record.id, entry)
        else:
            assert expected in entry, (record.id, expected, entry)
        words = change["in_force_before_text"]
        assert (f"In force until then: {words}." if words else None) == expected, record.id
        for text in said:
            if expected is None:
                assert "In force until then" not in text, (record.id, text)
            else:
                assert expected in text, (record.id, expected, text)
            if stated_deadline is None:
                assert "Objections are accepted" not in text, (record.id, text)
            else:
                assert stated_deadline in text, (record.id, stated_deadline, text)
        assert change["objection_deadline_text"] == deadline


def test_the_number_of_generated_timelines_is_reported() -> None:
    """Runs after the property (file order): says how many timelines were checked."""
    if GENERATED["timelines"]:
        print(f"\ngenerated timelines: {GENERATED['timelines']}")
        assert GENERATED["timelines"] >= 100
