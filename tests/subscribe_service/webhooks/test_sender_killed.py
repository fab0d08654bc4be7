"""The SIGKILL test for webhooks: a real `flask send` process killed mid-batch while it
posts to a real local HTTP receiver, then restarted. Every endpoint gets its event; the
only possible duplicates are the requests under way at the kill and the answers not
yet recorded (at most WEBHOOK_CONCURRENCY of each), and they carry the same webhook-id,
so a receiver that deduplicates on it sees each event once."""

from __future__ import annotations

import signal
import time
from collections import Counter

import pytest

from tests.subscribe_service.notices.test_notices_delivery import start_sender, wait_until
from tests.support.changes_data import NEW_SUBPROCESSOR
from tests.support.notices_helpers import invoke
from tests.support.webhook_helpers import add_endpoints, delivery_rows

ENDPOINTS = 40
CONCURRENCY = 4


@pytest.mark.slow
def test_sender_killed_mid_batch_then_restarted_posts_every_event(
    app, receiver, changes_file, tmp_path
):
    paths = add_endpoints(app, receiver, ENDPOINTS)
    output = invoke(app, "notify", "--all", str(changes_file(NEW_SUBPROCESSOR))).output
    assert f"{ENDPOINTS} webhook deliveries" in output
    allow = {"WEBHOOK_ALLOW_HOSTS": "127.0.0.1", "WEBHOOK_CONCURRENCY": CONCURRENCY}
    # Slow (5 events/s: 8 s for the batch) so the kill lands mid-batch even when a busy
    # machine leaves this process unscheduled for a second or two.
    sender = start_sender(app, tmp_path, "first", SEND_RATE=5, SEND_LEASE_SECONDS=2, **allow)
    wait_until(lambda: len(receiver.received) >= 10, 60, "10 accepted deliveries")
    sender.send_signal(signal.SIGKILL)
    sender.wait(10)

    accepted_at_kill = len(receiver.received)
    recorded_sent = sum(1 for _d, row in delivery_rows(app) if row.status == "sent")
    in_flight = accepted_at_kill - recorded_sent
    assert 0 <= in_flight <= 2 * CONCURRENCY
    assert accepted_at_kill < ENDPOINTS, "the sender finished before it was killed"

    time.sleep(2.2)  # the killed sender's leases expire
    restarted = start_sender(app, tmp_path, "second", "--once", SEND_RATE=0, **allow)
    assert restarted.wait(120) == 0, (tmp_path / "second.log").read_text()

    got = Counter(r.path for r in receiver.received)
    print(
        f"webhook SIGKILL: {accepted_at_kill} of {ENDPOINTS} accepted at the kill, "
        f"{in_flight} in flight; after the restart {len(got)} endpoints reached, "
        f"{sum(got.values()) - len(got)} duplicate(s)"
    )
    assert set(got) == set(paths), "an endpoint never got the event"
    assert sum(got.values()) - len(got) <= in_flight
    # A duplicate is the same event: one webhook-id per endpoint, however often posted.
    ids = {(r.path, r.headers["webhook-id"]) for r in receiver.received}
    assert len(ids) == ENDPOINTS
    assert {row.status for _d, row in delivery_rows(app)} == {"sent"}
