"""The body guard: what each kind of bad body is told, on every POST endpoint and database."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from subscribe_service.infra.db import session_scope
from subscribe_service.notices.models import Objection
from subscribe_service.web.body_guard import MAX_DEPTH
from tests.support.links_support import SITE, make_links, outbox_count

API = ["/api/subscriptions", "/api/manage-links", "/api/dpa-requests", "/api/subject-requests"]
HEADERS = {"Origin": SITE, "Accept": "application/json"}


def problem(response, status: int) -> dict:
    assert response.status_code == status, response.data[:300]
    assert response.headers["Content-Type"] == "application/problem+json"
    return response.get_json()


@pytest.mark.parametrize("path", API)
@pytest.mark.parametrize("depth", [MAX_DEPTH + 1, 1_000])
def test_deep_json_is_a_400_on_every_api_endpoint(app, path, depth):
    body = '{"email": ' + "[" * depth + "]" * depth + "}"
    answer = app.test_client().post(path, data=body, content_type="application/json")
    assert f"nested more than {MAX_DEPTH} levels" in problem(answer, 400)["detail"]


@pytest.mark.parametrize("path", API)
def test_json_nested_100000_deep_is_refused_by_size(app, path):
    body = "[" * 100_000 + "]" * 100_000
    answer = app.test_client().post(path, data=body, content_type="application/json")
    assert problem(answer, 413)["detail"] == "The request body is too large."


@pytest.mark.parametrize(
    "body,content_type,status,detail",
    [
        ('{"email": "a@example.com", "email": "b@example.com"}', None, 400, "appears twice"),
        ('{"email": NaN}', None, 400, "`NaN` is not a JSON number"),
        ('{"email": ' + "9" * 5000 + "}", None, 400, "more than 100 digits"),
        ('{"email": 1e400}', None, 400, "too large"),
        (b'{"email": "\xff"}', None, 400, "not valid UTF-8 (byte 12)"),
        ('{"email": "a@example.com"', None, 400, "not valid JSON (Expecting"),
        ('{"email": "a@example.com"}', "application/json; charset=latin-1", 415, "UTF-8"),
        ('{"email": "a\\u001b@example.com"}', None, 422, "`email` contains a control character"),
        ('{"email": "\\ud800@example.com"}', None, 422, "half of a UTF-16 pair (U+D800)"),
        ("email=caf%E9%40example.com", "application/x-www-form-urlencoded", 400, "not valid UTF-8"),
    ],
)
def test_each_bad_body_is_told_what_is_wrong(app, body, content_type, status, detail):
    answer = app.test_client().post(
        "/api/subscriptions", data=body, content_type=content_type or "application/json"
    )
    assert detail in problem(answer, status)["detail"]
    assert outbox_count(app) == 0


def test_nul_in_an_objection_is_a_422_naming_the_field_on_both_databases(backend_app):
    """Once a DataError 500 on PostgreSQL, and stored and mailed raw on SQLite."""
    links = make_links(backend_app)
    client = backend_app.test_client()
    for reason in ("We object.\x00", "bell\x07", "esc\x1b[2J"):
        answer = client.post(links.object, data={"reason": reason}, headers=HEADERS)
        body = problem(answer, 422)
        assert body["invalid_params"][0]["name"] == "reason"
        assert "`reason` contains a control character" in body["detail"]
    with backend_app.app_context(), session_scope(backend_app) as session:
        assert session.scalar(select(func.count()).select_from(Objection)) == 0
    assert outbox_count(backend_app) == 0
    # Tabs and line breaks are text: the same reason without the NUL is recorded.
    ok = client.post(links.object, data={"reason": "We\tobject.\r\nTwice."}, headers=HEADERS)
    assert ok.status_code == 200
    assert outbox_count(backend_app) == 2


@pytest.mark.parametrize("endpoint", ["manage.export", "objections.object_change"])
def test_the_personal_pages_take_forms_only(app, endpoint):
    path = make_links(app).post_paths[endpoint]
    client = app.test_client()
    as_json = client.post(path, json={"reason": "x"}, headers=HEADERS)
    assert "not JSON" in problem(as_json, 415)["detail"]
    as_text = client.post(path, data="reason=x", content_type="text/plain", headers=HEADERS)
    problem(as_text, 415)
    assert outbox_count(app) == 0


def test_one_click_unsubscribe_takes_any_body(app):
    path = make_links(app).unsubscribe
    answer = app.test_client().post(path, data=b"\x00\xff", content_type="application/json")
    assert answer.status_code == 200  # RFC 8058: the body is never read
