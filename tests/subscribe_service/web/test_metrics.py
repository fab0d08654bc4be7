"""/metrics: outbox counts read from the database at scrape time, request counters, access."""

from __future__ import annotations

import pytest
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import text

from subscribe_service.infra.db import session_scope

Samples = dict[tuple[str, tuple[tuple[str, str], ...]], float]


def scrape(client, **headers: str) -> Samples:
    answer = client.get("/metrics", headers=headers)
    assert answer.status_code == 200, answer.data
    assert answer.headers["Content-Type"].startswith("text/plain; version=0.0.4")
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(answer.get_data(as_text=True))
        for s in family.samples
    }


def outbox(samples: Samples, kind: str, status: str) -> float:
    return samples[("trustsite_outbox_messages", (("kind", kind), ("status", status)))]


def subscribe(client, address: str):
    return client.post("/api/subscriptions", json={"email": address, "topics": ["dpa"]})


def test_outbox_counts_follow_the_sender(app, client, send_all) -> None:
    before = scrape(client)
    assert outbox(before, "notice", "sent") == 0  # notices are always reported
    assert before[("trustsite_database_up", ())] == 1

    assert subscribe(client, "ann@example.org").status_code == 202
    assert subscribe(client, "bo@example.org").status_code == 202
    queued = scrape(client)
    assert outbox(queued, "confirm", "queued") == 2
    assert queued[("trustsite_outbox_pending", (("kind", "confirm"),))] == 2
    assert queued[("trustsite_outbox_oldest_pending_age_seconds", ())] >= 0

    assert send_all(app).sent == 2
    sent = scrape(client)
    assert outbox(sent, "confirm", "sent") == 2 and outbox(sent, "confirm", "queued") == 0
    assert sent[("trustsite_outbox_pending", (("kind", "confirm"),))] == 0
    assert sent[("trustsite_outbox_oldest_pending_age_seconds", ())] == 0


def test_requests_are_counted_by_endpoint_and_status(client) -> None:
    key = (
        "trustsite_http_requests_total",
        (("endpoint", "api.subscribe"), ("method", "POST"), ("status", "202")),
    )
    before = scrape(client).get(key, 0.0)
    subscribe(client, "cy@example.org")
    subscribe(client, "dee@example.org")
    client.get("/no/such/page")
    after = scrape(client)
    assert after[key] == before + 2
    unmatched = ("trustsite_http_requests_total", (("endpoint", "unmatched"), ("method", "GET")))
    assert after[(unmatched[0], (*unmatched[1], ("status", "404")))] >= 1


def test_an_unreadable_outbox_is_reported_not_raised(app, client) -> None:
    with app.app_context(), session_scope(app) as session:
        session.execute(text("DROP TABLE outbox"))
    samples = scrape(client)
    assert samples[("trustsite_database_up", ())] == 0
    assert not any(name == "trustsite_outbox_messages" for name, _labels in samples)


def test_without_a_token_only_this_host_may_scrape_directly(client) -> None:
    assert client.get("/metrics").status_code == 200  # the test client is 127.0.0.1
    proxied = client.get("/metrics", headers={"X-Forwarded-For": "198.51.100.7"})
    assert proxied.status_code == 403
    assert "TRUSTSITE_METRICS_TOKEN" in proxied.get_json()["detail"]
    remote = client.get("/metrics", environ_base={"REMOTE_ADDR": "198.51.100.7"})
    assert remote.status_code == 403


@pytest.mark.parametrize("app_config", [{"METRICS_TOKEN": "s3cret-token"}])
def test_with_a_token_every_scraper_must_send_it(client) -> None:
    assert client.get("/metrics").status_code == 401
    wrong = client.get("/metrics", headers={"Authorization": "Bearer guess"})
    assert wrong.status_code == 401 and wrong.headers["WWW-Authenticate"].startswith("Bearer")
    proxied = client.get(
        "/metrics",
        headers={"Authorization": "Bearer s3cret-token", "X-Forwarded-For": "198.51.100.7"},
    )
    assert proxied.status_code == 200
