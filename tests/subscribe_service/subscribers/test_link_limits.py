"""Limits on the personal links' POSTs: per link and per subscriber address (429 + Retry-After)."""

from __future__ import annotations

import pytest

from tests.support.links_support import SITE, make_links, outbox_count

N = 40
BODIES = {
    "confirm.confirm": {},
    "manage.save": {"topics": "subprocessors"},
    "manage.export": {},
    "manage.erase": {},  # without confirm=yes: refused by the view, counted all the same
    "unsubscribe.one_click": {"List-Unsubscribe": "One-Click"},
    "objections.object_change": {"reason": "We do not agree."},
}


def post(client, path: str, endpoint: str):
    return client.post(path, data=BODIES[endpoint], headers={"Origin": SITE})


def assert_too_many(response) -> None:
    assert response.status_code == 429, response.data[:300]
    assert response.headers["Content-Type"] == "application/problem+json"
    assert response.get_json()["status"] == 429
    assert int(response.headers["Retry-After"]) > 0


@pytest.mark.parametrize("endpoint", sorted(BODIES))
def test_the_request_after_the_limit_of_one_link_is_refused_and_queues_nothing(make_app, endpoint):
    app = make_app(LIMIT_PER_TOKEN=f"{N} per hour", LIMIT_PER_ADDRESS="10000 per hour")
    path = make_links(app).post_paths[endpoint]
    client = app.test_client()
    answers = [post(client, path, endpoint).status_code for _ in range(N)]
    assert 429 not in answers and all(code < 500 for code in answers), answers
    queued = outbox_count(app)
    assert_too_many(post(client, path, endpoint))
    assert outbox_count(app) == queued  # nothing written for the refused request
    # Another link of the same subscriber is not this link: it still works.
    other = make_links(app, extra="second link").post_paths[endpoint]
    assert post(client, other, endpoint).status_code != 429


def test_forty_objections_queue_forty_alerts_and_the_41st_none(make_app):
    app = make_app(LIMIT_PER_TOKEN=f"{N} per hour", LIMIT_PER_ADDRESS="10000 per hour")
    path = make_links(app).object
    client = app.test_client()
    for _ in range(N):
        assert post(client, path, "objections.object_change").status_code == 200
    assert_too_many(post(client, path, "objections.object_change"))
    assert outbox_count(app) == 2 * N  # a receipt and an alert per objection, no more


def test_forty_exports_then_none(make_app):
    app = make_app(LIMIT_PER_TOKEN=f"{N} per hour", LIMIT_PER_ADDRESS="10000 per hour")
    path = make_links(app).manage + "/export"
    client = app.test_client()
    for _ in range(N):
        assert post(client, path, "manage.export").status_code == 202
    assert_too_many(post(client, path, "manage.export"))
    assert outbox_count(app) == N


@pytest.mark.parametrize("endpoint", sorted(BODIES))
def test_new_links_for_one_address_share_its_limit(make_app, endpoint):
    """Fresh links (each mail carries new ones) do not reset the address's count."""
    app = make_app(LIMIT_PER_TOKEN="10000 per hour", LIMIT_PER_ADDRESS="5 per hour")
    client = app.test_client()
    for i in range(5):
        path = make_links(app, extra=i).post_paths[endpoint]
        assert post(client, path, endpoint).status_code != 429
    queued = outbox_count(app)
    assert_too_many(post(client, make_links(app, extra=99).post_paths[endpoint], endpoint))
    assert outbox_count(app) == queued
    # Another subscriber is counted on their own.
    theirs = make_links(app, email="bob@client.example").post_paths[endpoint]
    assert post(client, theirs, endpoint).status_code != 429


def test_a_link_that_does_not_verify_is_refused_by_its_view_and_not_counted(make_app):
    app = make_app(LIMIT_PER_TOKEN="1 per hour", LIMIT_PER_ADDRESS="1 per hour")
    client = app.test_client()
    for _ in range(3):
        answer = client.post("/manage/not.a.token/export", headers={"Origin": SITE})
        assert answer.status_code == 400
    assert outbox_count(app) == 0


def test_the_limit_store_holds_no_token(make_app):
    app = make_app(LIMIT_PER_TOKEN="5 per hour", LIMIT_PER_ADDRESS="5 per hour")
    links = make_links(app)
    post(app.test_client(), links.object, "objections.object_change")
    token = links.object.rsplit("/", 1)[1]
    storage = app.extensions["trustsite.limiter"].storage
    keys = " ".join(map(str, storage.storage.keys()))  # memory storage: key -> count
    assert "link:" in keys and token not in keys
