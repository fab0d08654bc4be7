"""What /api/openapi.json promises, checked against the server one rule at a time (the
fuzz test in test_openapi_fuzz.py checks the whole)."""

from __future__ import annotations

import re

import pytest

from subscribe_service.identity import tokens
from subscribe_service.web.body_guard import TEXT_PATTERN
from tests.support.published_data import ROOT, write_service_json

REPO_DATA = ROOT / "data"

SITE = "http://127.0.0.1:8000"


def _document(client) -> dict:
    return client.get("/api/openapi.json").get_json()


def _strings(node, found):
    """Every schema of type string (or string-or-null) under `node`."""
    if isinstance(node, dict):
        kind = node.get("type")
        if kind == "string" or (isinstance(kind, list) and "string" in kind):
            found.append(node)
        for value in node.values():
            _strings(value, found)
    elif isinstance(node, list):
        for value in node:
            _strings(value, found)
    return found


def test_every_body_string_refuses_what_the_guard_refuses(client):
    doc = _document(client)
    for path, operations in doc["paths"].items():
        for method, operation in operations.items():
            content = operation.get("requestBody", {}).get("content", {})
            for media_type, body in content.items():
                for schema in _strings(body["schema"], []):
                    where = (path, method, media_type, schema)
                    if "enum" in schema:
                        continue
                    pattern = schema.get("pattern")
                    assert pattern, where
                    assert not re.search(pattern, "a\x07b"), where  # BEL: the guard's 422
                    assert not re.search(pattern, "a\x85b"), where  # C1 NEL
    assert re.fullmatch(TEXT_PATTERN, "tab\tand\r\nbreaks, ünïcode ✓")


def test_token_parameters_have_the_signers_shape(client):
    doc = _document(client)
    params = [
        param
        for operations in doc["paths"].values()
        for operation in operations.values()
        for param in operation.get("parameters", [])
        if param["name"] == "token"
    ]
    assert len(params) >= 9
    for param in params:
        assert param["schema"]["pattern"] == tokens.TOKEN_PATTERN
        assert param["schema"]["maxLength"] == tokens.MAX_TOKEN_LENGTH


def test_report_requests_take_only_what_is_offered(make_app, tmp_path):
    # The fixture site offers no report on request: no value of `report` is valid.
    post = _document(make_app().test_client())["paths"]["/api/report-requests"]["post"]
    schema = post["requestBody"]["content"]["application/json"]["schema"]
    assert schema["properties"]["report"]["not"] == {}
    reports = tmp_path / "reports"
    reports.mkdir()
    # A file no certification offers is not documented either: the gate refuses it.
    (reports / "internal-pentest-2026.pdf").write_bytes(b"%PDF-1.4\n%%EOF\n")
    site = tmp_path / "site"
    write_service_json(site, REPO_DATA)  # the demo data offers the SOC 2 report on request
    client = make_app(REPORTS_DIR=str(reports), SITE_DIR=str(site)).test_client()
    post = _document(client)["paths"]["/api/report-requests"]["post"]
    schema = post["requestBody"]["content"]["application/json"]["schema"]
    assert schema["properties"]["report"]["enum"] == ["soc-2-type-2"]
    assert schema["properties"]["nda_version"]["enum"] == ["1.0"]


@pytest.mark.parametrize("value", [1, {"a": 1}, ["x"], True])
def test_manage_links_honeypot_must_be_text(client, value):
    answer = client.post(
        "/api/manage-links", json={"email": "ann@example.com", "website": value}
    )
    assert answer.status_code == 422 and answer.get_json()["invalid_params"][0]["name"] == "website"


def test_a_long_blank_signed_version_is_refused_as_documented(client):
    answer = client.post(
        "/api/dpa-requests",
        json={
            "name": "Ann",
            "email": "ann@example.com",
            "company": "Acme",
            "signed_version": " " * 21,
        },
    )
    assert answer.status_code == 422


def test_the_dev_site_leaves_the_services_paths_alone(make_app):
    """OPTIONS answers with what the service offers at a path, as the document lists it,
    even when the development server serves the built site at every other path."""
    client = make_app(SERVE_SITE=True).test_client()
    for path, allowed in [
        ("/api/subscriptions", {"POST", "OPTIONS"}),
        ("/manage/x/erase", {"POST", "OPTIONS"}),
        ("/confirm/x", {"GET", "HEAD", "POST", "OPTIONS"}),
    ]:
        answer = client.open(path, method="OPTIONS")
        assert set(answer.headers["Allow"].split(", ")) == allowed, path
    assert client.get("/api/subscriptions").status_code == 405
    # Everything else is still the site's (503: the test site is not built).
    assert client.get("/security/").status_code in (200, 503)
    assert client.get("/apis/").status_code in (200, 404, 503)
    assert set(client.open("/security/", method="OPTIONS").headers["Allow"].split(", ")) == {
        "GET",
        "HEAD",
        "OPTIONS",
    }
