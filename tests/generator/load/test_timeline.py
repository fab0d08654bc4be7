"""Which versions are drafts, upcoming, current or past on a given build date."""

from __future__ import annotations

import datetime as dt

import pytest

from generator.contract import Status
from generator.load.timeline import status_of, subprocessor_versions, timeline
from tests.support.factories import (
    make_change,
    make_data,
    make_doc,
    make_entry,
    make_section,
    sample_data,
)

D = dt.date.fromisoformat


@pytest.mark.parametrize(
    ("today", "next_effective", "expected"),
    [
        ("2025-01-09", None, Status.draft),  # announced tomorrow
        ("2025-01-10", None, Status.upcoming),  # announced today, effective later
        ("2025-02-14", None, Status.upcoming),  # the day before it takes effect
        ("2025-02-15", None, Status.current),  # takes effect today
        ("2025-06-01", "2025-07-01", Status.current),  # the next one is still upcoming
        ("2025-07-01", "2025-07-01", Status.past),  # superseded today
    ],
)
def test_status_follows_the_build_date(
    today: str, next_effective: str | None, expected: Status
) -> None:
    following = D(next_effective) if next_effective else None
    assert status_of(D("2025-01-10"), D("2025-02-15"), following, D(today)) is expected


def test_fold_applies_additions_removals_and_field_changes_in_effective_order() -> None:
    first = make_change(
        "2024-01-01", "2024-01-01", add=(make_entry("b-host"), make_entry("a-mail"))
    )
    second = make_change(
        "2024-02-01",
        "2024-03-15",
        add=(make_entry("c-sms"),),
        remove=("a-mail",),
        change={"b-host": {"processing_locations": ["DE", "IE"]}},
    )
    # Given out of order: the fold must still apply the earlier change first.
    versions = subprocessor_versions([second, first])

    assert [v.version for v in versions] == ["2024-01-01", "2024-03-15"]
    assert [e.id for e in versions[0].entries] == ["a-mail", "b-host"]
    assert [e.id for e in versions[1].entries] == ["b-host", "c-sms"]
    host = versions[1].entries[0]
    assert host.processing_locations == ("DE", "IE")
    assert host.entity == "B Host B.V."  # fields not named in the change are kept


def test_timeline_of_the_sample_on_a_date_between_changes() -> None:
    line = timeline(sample_data(), "subprocessors", D("2025-04-15"))

    assert [v.version for v in line.published] == ["2024-09-01", "2025-03-01", "2025-05-15"]
    assert line.statuses == {
        "2024-09-01": Status.past,
        "2025-03-01": Status.current,
        "2025-05-15": Status.upcoming,
    }
    assert line.current is not None and line.current.version == "2025-03-01"
    assert [v.version for v in line.upcoming] == ["2025-05-15"]
    assert line.previous("2025-03-01").version == "2024-09-01"  # type: ignore[union-attr]
    assert line.previous("2024-09-01") is None


def test_drafts_are_left_out_until_announced() -> None:
    data = sample_data()
    before = timeline(data, "privacy", D("2025-08-31"))
    after = timeline(data, "privacy", D("2025-09-01"))

    assert [v.version for v in before.published] == ["1.0"]
    assert "2.0" not in before.statuses
    assert [v.version for v in after.upcoming] == ["2.0"]
    assert after.current is not None and after.current.version == "1.0"


def test_text_versions_sort_by_number_not_by_string() -> None:
    section = (make_section("s", "Text."),)
    docs = (
        make_doc("1.10", "2024-10-01", "2024-10-01", section),
        make_doc("1.9", "2024-09-01", "2024-09-01", section),
    )
    line = timeline(make_data(texts={"dpa": docs}), "dpa", D("2025-01-01"))

    assert [v.version for v in line.published] == ["1.9", "1.10"]
    assert line.statuses == {"1.9": Status.past, "1.10": Status.current}


def test_a_topic_with_nothing_published_has_no_current_version() -> None:
    line = timeline(make_data(), "faq", D("2025-01-01"))
    assert line.published == () and line.current is None and line.upcoming == ()
