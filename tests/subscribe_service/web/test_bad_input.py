"""Bad input and abuse: every error is a 4xx application/problem+json that says what to fix."""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from subscribe_service.identity import tokens
from subscribe_service.infra.db import session_scope
from subscribe_service.infra.models import OutboxMessage

SITE = "http://127.0.0.1:8000"
JSON = "application/json"
FORM = "application/x-www-form-urlencoded"


def queued(app) -> int:
    with app.app_context(), session_scope(app) as s:
        return s.scalar(select(func.count()).select_from(OutboxMessage))


def assert_problem(response, status: int | None = None, mentions: str | None = None):
    assert 400 <= response.status_code < 500, (response.status_code, response.data[:300])
    if status is not None:
        assert response.status_code == status, response.data
    assert response.headers["Content-Type"] == "application/problem+json"
    body = response.get_json()
    assert body["status"] == response.status_code and body["title"] and body["detail"]
    if mentions:
        assert mentions.lower() in body["detail"].lower(), body["detail"]
    return body


GARBAGE = [
    pytest.param(b"{not json", JSON, 400, "json object", id="broken-json"),
    pytest.param(b"[1, 2]", JSON, 400, "json object", id="json-array"),
    pytest.param(b'"ann@example.com"', JSON, 400, "json object", id="json-string"),
    pytest.param(b"null", JSON, 400, "json object", id="json-null"),
    pytest.param(b"{}", JSON, 422, "email address", id="no-email"),
    pytest.param(b'{"email": 42}', JSON, 422, "email address", id="email-number"),
    pytest.param(b'{"email": ["a@b.example"]}', JSON, 422, "email address", id="email-list"),
    pytest.param(b'{"email": "not-an-address"}', JSON, 422, "not valid", id="no-at"),
    pytest.param(b'{"email": "a@b"}', JSON, 422, "not valid", id="no-dot-domain"),
    pytest.param(
        b'{"email": "a@example.com\\r\\nBcc: x@evil.example"}', JSON, 422, "one line", id="crlf"
    ),
    pytest.param(b'{"email": "a@example.com\\n"}', JSON, 422, "one line", id="lf"),
    pytest.param(b'{"email": "a\\u0000@example.com"}', JSON, 422, "control character", id="nul"),
    pytest.param(
        json.dumps({"email": "a" * 250 + "@example.com"}).encode(),
        JSON,
        422,
        "longer",
        id="long-email",
    ),
    pytest.param(
        b'{"email": "a@example.com", "topics": []}', JSON, 422, "at least one", id="no-topics"
    ),
    pytest.param(
        b'{"email": "a@example.com", "topics": ["cats"]}', JSON, 422, "unknown topic", id="topic"
    ),
    pytest.param(
        b'{"email": "a@example.com", "topics": "dpa"}', JSON, 422, "list", id="topics-str"
    ),
    pytest.param(b'{"email": "a@example.com", "topics": [1]}', JSON, 422, "list", id="topics-int"),
    pytest.param(
        b'{"email": "a@example.com", "topics": {"a": 1}}', JSON, 422, "list", id="topics-obj"
    ),
    pytest.param(
        b'{"email": "a@example.com", "admin": true}', JSON, 422, "unknown field", id="extra"
    ),
    pytest.param(
        b'{"email": "a@example.com", "website": 5}', JSON, 422, "text", id="honeypot-type"
    ),
    pytest.param(b"email=a@example.com", "text/plain", 415, "json", id="text-plain"),
    pytest.param(b"<email>a@example.com</email>", "application/xml", 415, "json", id="xml"),
    pytest.param(b"", None, 415, "json", id="no-body"),
    pytest.param(b"email=", FORM, 422, "email address", id="form-empty-email"),
    pytest.param(b"email=a%40example.com&topics=nope", FORM, 422, "unknown topic", id="form-topic"),
    pytest.param(b"email=a%40example.com%0D%0ABcc:x", FORM, 422, "one line", id="form-crlf"),
    pytest.param(b"\xff\xfe\x00garbage", "multipart/form-data", 422, None, id="multipart-garbage"),
    pytest.param(
        b"email=" + b"a" * 2000 + b"%40example.com", FORM, 422, "too long", id="form-field-too-long"
    ),
    pytest.param(b'{"email": "' + b"a" * 70_000 + b'"}', JSON, 413, "too large", id="huge-body"),
]


@pytest.mark.parametrize("body,content_type,status,mentions", GARBAGE)
def test_garbage_is_refused_with_a_reason(app, body, content_type, status, mentions):
    response = app.test_client().post("/api/subscriptions", data=body, content_type=content_type)
    assert_problem(response, status, mentions)
    assert queued(app) == 0  # nothing was queued for bad input


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    body=st.recursive(
        st.none()
        | st.booleans()
        | st.integers()
        | st.floats(allow_nan=True)
        | st.text(max_size=40),
        lambda children: (
            st.lists(children, max_size=4)
            | st.dictionaries(
                st.sampled_from(["email", "topics", "website", "x"]), children, max_size=4
            )
        ),
        max_leaves=8,
    )
)
def test_random_json_never_causes_a_server_error(app, body):
    response = app.test_client().post(
        "/api/subscriptions", data=json.dumps(body), content_type=JSON
    )
    assert response.status_code in (202, 400, 413, 422), response.data


@pytest.mark.parametrize(
    "path",
    [
        "/confirm/abc",
        "/confirm/" + "x" * 1200,
        "/manage/not.a.token",
        "/unsubscribe/e30.e30.e30",
        "/export/1",
    ],
)
def test_bad_links_get_a_readable_answer(app, path):
    client = app.test_client()
    assert_problem(client.get(path), 400)
    page = client.get(path, headers={"Accept": "text/html,*/*;q=0.8"})
    assert page.status_code == 400 and page.mimetype == "text/html"
    assert b"This link is incomplete or damaged" in page.data


def test_path_tricks_are_not_found(app):
    assert_problem(app.test_client().get("/manage/..%2F..%2Fetc%2Fpasswd"), 404)


def test_token_for_another_purpose_is_refused(app):
    """Well formed but not a confirm link of ours: not found (404), not a damaged link."""
    with app.app_context():
        manage = tokens.make_token("manage", 1, 1)
    assert_problem(app.test_client().get(f"/confirm/{manage}"), 404)


@pytest.mark.parametrize("path", ["/confirm/{}", "/manage/{}", "/unsubscribe/{}", "/export/{}"])
def test_forged_links_are_not_found_with_the_usual_wording(app, path):
    with app.app_context():
        real = tokens.make_token("manage", 1, 1)
    forged = real[:-27] + ("A" if real[-27] != "A" else "B") + real[-26:]
    client = app.test_client()
    assert_problem(client.get(path.format(forged)), 404)
    page = client.get(path.format(forged), headers={"Accept": "text/html,*/*;q=0.8"})
    assert page.status_code == 404 and b"This link is incomplete or damaged" in page.data


def test_unknown_url_and_wrong_method_are_problems(app):
    client = app.test_client()
    assert_problem(client.get("/api/nothing-here"), 404)
    wrong = client.get("/api/subscriptions")
    assert_problem(wrong, 405)
    assert "POST" in wrong.headers["Allow"]


def test_honeypot_looks_accepted_but_does_nothing(app):
    response = app.test_client().post(
        "/api/subscriptions", json={"email": "bot@example.com", "website": "http://spam.example"}
    )
    assert response.status_code == 202
    assert queued(app) == 0


# --- cross-site safety -------------------------------------------------------------------


def test_post_from_another_site_is_forbidden(app):
    client = app.test_client()
    evil = client.post(
        "/api/subscriptions",
        json={"email": "a@example.com"},
        headers={"Origin": "https://evil.example"},
    )
    assert_problem(evil, 403, "this site")
    cross = client.post(
        "/api/subscriptions",
        data={"email": "a@example.com"},
        headers={"Sec-Fetch-Site": "cross-site"},
    )
    assert_problem(cross, 403)
    null_origin = client.post(
        "/api/subscriptions", json={"email": "a@example.com"}, headers={"Origin": "null"}
    )
    assert_problem(null_origin, 403)
    assert queued(app) == 0


def test_cors_is_granted_to_the_site_origin_only(app):
    client = app.test_client()
    ok = client.post(
        "/api/subscriptions", json={"email": "a@example.com"}, headers={"Origin": SITE}
    )
    assert ok.status_code == 202
    assert ok.headers["Access-Control-Allow-Origin"] == SITE
    preflight = client.options(
        "/api/subscriptions",
        headers={"Origin": SITE, "Access-Control-Request-Method": "POST"},
    )
    assert preflight.headers["Access-Control-Allow-Origin"] == SITE
    assert "POST" in preflight.headers["Access-Control-Allow-Methods"]
    other = client.options(
        "/api/subscriptions",
        headers={"Origin": "https://evil.example", "Access-Control-Request-Method": "POST"},
    )
    assert "Access-Control-Allow-Origin" not in other.headers


def test_security_headers(app):
    response = app.test_client().get("/confirm/abc", headers={"Accept": "text/html"})
    headers = response.headers
    assert "default-src 'none'" in headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "no-referrer"
    assert headers["Cache-Control"] == "no-store"
