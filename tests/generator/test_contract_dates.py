"""The contract's one rule for dates: which version is in force, and the objection deadline."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

import pytest

from generator import contract
from generator.contract import InForcePeriod, in_force_between, in_force_on, in_force_words

if TYPE_CHECKING:
    from tests.support.datafiles import DataFiles

D = dt.date.fromisoformat
DPA = [("2.0", D("2026-03-01")), ("2.1", D("2026-12-15")), ("2.2", D("2027-01-21"))]


def test_the_version_in_force_is_the_last_to_take_effect() -> None:
    assert in_force_on(DPA, D("2026-02-28")) is None
    assert in_force_on(DPA, D("2026-03-01")) == "2.0"
    assert in_force_on(DPA, D("2026-12-14")) == "2.0"
    assert in_force_on(DPA, D("2026-12-15")) == "2.1"
    assert in_force_on(DPA, D("2030-01-01")) == "2.2"


def test_until_a_pending_version_every_version_in_between_is_named() -> None:
    today = D("2026-12-07")
    periods = in_force_between(DPA, today, D("2027-01-20"))
    assert periods == [
        InForcePeriod(version="2.0", since=today, until=D("2026-12-14")),
        InForcePeriod(version="2.1", since=D("2026-12-15"), until=D("2027-01-20")),
    ]
    assert in_force_words(periods, today) == (
        "version 2.0 until 14 December 2026, then version 2.1 until 20 January 2027"
    )
    # Before anything is in force, the first period says when it begins.
    early = in_force_between(DPA, D("2026-02-01"), D("2026-12-14"))
    assert in_force_words(early, D("2026-02-01")) == (
        "version 2.0 from 1 March 2026 until 14 December 2026"
    )
    assert in_force_between(DPA, today, today - dt.timedelta(days=1)) == []


def test_the_objection_deadline_is_the_day_before_and_inclusive() -> None:
    assert contract.objection_deadline(D("2027-01-01"), D("2027-02-05"), False) == D("2027-02-04")
    assert contract.objection_deadline(D("2027-01-01"), D("2027-02-05"), True) is None
    assert contract.objection_deadline(D("2027-01-01"), D("2027-01-01"), False) is None
    assert contract.objections_sentence(D("2027-02-04"), "UTC") == (
        "Objections are accepted until the end of 4 February 2027 (UTC)."
    )
    deadline, zone = D("2027-02-04"), "Europe/Amsterdam"
    last = dt.datetime(2027, 2, 4, 23, 59, 59, tzinfo=contract.zone_of(zone))
    assert contract.objection_on_time(deadline, zone, last)
    assert not contract.objection_on_time(deadline, zone, last + dt.timedelta(seconds=1))
    assert contract.objection_on_time(None, zone, last + dt.timedelta(days=99))


@pytest.mark.parametrize(
    "name", ["Mars/Olympus", "../etc/passwd", "", "Europe/", "Europe", "localtime", "zone.tab"]
)
def test_a_time_zone_that_does_not_exist_is_refused(name: str) -> None:
    with pytest.raises(ValueError, match="IANA name such as Europe/Amsterdam"):
        contract.zone_of(name)


def test_site_yaml_timezone_is_checked(data_files: DataFiles) -> None:
    site = (data_files.root / "site.yaml").read_text()
    data_files.write("site.yaml", site + "timezone: Mars/Olympus\n")
    [error] = data_files.errors()
    assert error.startswith("data/site.yaml:")
    assert "timezone" in error and "'Mars/Olympus' is not a time zone" in error
    data_files.write("site.yaml", site + "timezone: Europe/Amsterdam\n")
    assert data_files.load().site.timezone == "Europe/Amsterdam"
    data_files.write("site.yaml", site)
    assert data_files.load().site.timezone == "UTC"
