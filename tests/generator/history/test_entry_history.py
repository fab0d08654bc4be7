"""Sub-processor entry histories and "everything since version X" of the list."""

from __future__ import annotations

import datetime as dt

from generator.contract import Status
from generator.history.entry_history import entry_histories, list_since
from generator.load.timeline import timeline
from tests.support.factories import make_change, make_data, make_entry

TODAY = dt.date(2025, 6, 1)
D = dt.date.fromisoformat


def history_data():  # type: ignore[no-untyped-def]
    """a and b from the start; c comes and goes; b moves; d arrives; a leaves and returns;
    e is announced for later."""
    return make_data(
        changes=(
            make_change("2024-01-01", "2024-01-01", add=(make_entry("a"), make_entry("b"))),
            make_change("2024-01-20", "2024-03-01", add=(make_entry("c"),)),
            make_change(
                "2024-04-01", "2024-05-01", remove=("c", "a"), change={"b": {"purpose": "Hosts"}}
            ),
            make_change("2024-06-01", "2024-07-01", add=(make_entry("d"), make_entry("a"))),
            make_change("2025-05-20", "2025-07-01", add=(make_entry("e"),)),
        )
    )


def test_each_entry_has_every_change_with_dates() -> None:
    line = timeline(history_data(), "subprocessors", TODAY)
    histories = entry_histories(line.published, line.statuses)  # type: ignore[arg-type]
    assert [(e.kind, e.effective) for e in histories["a"].events] == [
        ("added", D("2024-01-01")),
        ("removed", D("2024-05-01")),
        ("added", D("2024-07-01")),
    ]
    assert histories["a"].on_list_since == D("2024-07-01")
    assert histories["a"].listed_since(D("2024-04-30")) == D("2024-01-01")
    assert histories["a"].listed_since(D("2024-06-01")) is None
    (changed,) = [e for e in histories["b"].events if e.kind == "changed"]
    assert [(f.field, f.old, f.new) for f in changed.fields] == [
        ("purpose", "Provides b services", "Hosts")
    ]
    assert histories["c"].on_list_since is None
    # An announced addition is in the history, marked upcoming, and not yet on the list.
    assert [(e.kind, e.status) for e in histories["e"].events] == [("added", Status.upcoming)]
    assert histories["e"].on_list_since is None


def test_since_the_first_list_shows_an_entry_that_came_and_went_once_with_both_dates() -> None:
    line = timeline(history_data(), "subprocessors", TODAY)
    histories = entry_histories(line.published, line.statuses)  # type: ignore[arg-type]
    first, current = line.published[0], line.current
    since = list_since(first, current, histories)  # type: ignore[arg-type]
    assert [s.history.id for s in since.added] == ["d"]
    assert since.removed == ()
    assert [s.history.id for s in since.came_and_went] == ["c"]
    assert [(e.kind, e.effective) for e in since.came_and_went[0].events] == [
        ("added", D("2024-03-01")),
        ("removed", D("2024-05-01")),
    ]
    # b changed for good; a left and came back unchanged: shown with its round trip.
    changed = {s.history.id: s for s in since.changed}
    assert [f.field for f in changed["b"].fields] == ["purpose"]
    assert changed["a"].fields == ()
    assert [e.kind for e in changed["a"].events] == ["removed", "added"]
    # The upcoming addition is not part of "since" the current list.
    assert "e" not in {s.history.id for group in (since.added, since.changed) for s in group}
