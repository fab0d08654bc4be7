"""Schemathesis 4 against /api/openapi.json: every documented operation, generated input
valid and invalid by the document, every check (no server error; status codes, content
types, headers and bodies as documented; what the document allows is accepted and what
it forbids is refused), then a short stateful run. A mismatch fails the suite."""

from __future__ import annotations

import copy
import json
import re
from urllib.parse import urlsplit, urlunsplit

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis.checks import CHECKS, load_all_checks

from subscribe_service.registry import get_registry
from subscribe_service.web.body_guard import TEXT_PATTERN
from tests.support.published_data import ROOT, write_service_json

load_all_checks()
# Every check the CLI's `--checks all` runs, positive_data_acceptance (ST202) and
# negative_data_rejection included; the response time is not the document's business.
ALL_CHECKS = [check for check in CHECKS.get_all() if check.__name__ != "max_response_time"]
FUZZ = settings(
    max_examples=6,
    deadline=None,
    derandomize=True,  # the same cases on every run: a failure here is reproducible
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=list(HealthCheck),
)


@pytest.fixture
def app_config(tmp_path):
    """A service configured for every endpoint: report requests need their private folder
    and a site that offers a report (the demo data's, which also has products, and
    regions)."""
    reports = tmp_path / "reports"
    reports.mkdir()
    (reports / "soc-2-type-2.pdf").write_bytes(b"%PDF-1.4\n%%EOF\n")
    site = tmp_path / "site"
    path = write_service_json(site, ROOT / "data")
    info = json.loads(path.read_text("utf-8"))
    if not info.get("regions"):  # until the demo data declares regions: the same schema
        info["regions"] = [
            {"id": "eu", "name": "European Union", "notice_period_days": 30},
            {"id": "us", "name": "United States", "notice_period_days": 30},
        ]
        path.write_text(json.dumps(info), "utf-8")
    return {"REPORTS_DIR": str(reports), "SITE_DIR": str(site)}


# POST /api/webhooks looks the URL's host name up and refuses (422) a name that does not
# resolve to public addresses: a fact of the DNS, not of the request, that no schema can
# state. This machine has no DNS, so a generated https URL with a host name gets a public
# address literal as its host instead (the same check without the lookup); what the
# document does say (https, length, characters) is still what is generated and checked.
PUBLIC_ADDRESS = "93.184.215.14"
HOST_NAME = re.compile(r"[a-z0-9](?:[a-z0-9.-]*[a-z0-9])?", re.IGNORECASE)


def _with_public_address(url: str) -> str:
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return url  # not a URL: left as generated
    if parts.scheme != "https" or not HOST_NAME.fullmatch(parts.hostname or ""):
        return url
    host = PUBLIC_ADDRESS + (f":{port}" if port else "")
    return urlunsplit(("https", host, parts.path, parts.query, ""))


def map_case(context, case):
    """A schema-valid webhook registration gets a URL whose host needs no lookup (above);
    every other case, and every schema-invalid one, is sent as generated."""
    body = case.body
    if (
        case.operation.path == "/api/webhooks"
        and case.meta is not None
        and case.meta.generation.mode.is_positive
        and isinstance(body, dict)
        and isinstance(body.get("url"), str)
    ):
        case.body = {**body, "url": _with_public_address(body["url"])}
    return case


@pytest.fixture
def api_schema(app):
    api = schemathesis.openapi.from_wsgi("/api/openapi.json", app)
    api.hook(map_case)
    return api


schema = schemathesis.pytest.from_fixture("api_schema")


@schema.parametrize()
@FUZZ
def test_api_conforms_to_its_openapi_document(case):
    case.call_and_validate(checks=ALL_CHECKS)


def test_api_conforms_in_a_stateful_run(api_schema):
    api_schema.as_state_machine().run(
        settings=settings(
            max_examples=5,
            stateful_step_count=4,
            deadline=None,
            derandomize=True,
            suppress_health_check=list(HealthCheck),
        )
    )


def _without_text_patterns(paths: dict) -> dict:
    """The subscription paths as they were before the document named the refused characters."""
    paths = copy.deepcopy(paths)
    stack: list = [paths]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            if node.get("pattern") == TEXT_PATTERN:
                del node["pattern"]
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)
    return paths


def test_the_check_fires_when_the_document_allows_what_the_guard_refuses(app):
    """Proof the fuzz test can fail: without TEXT_PATTERN the document allows control
    characters in the text fields, the body guard refuses them (422), and
    positive_data_acceptance (ST202) reports it."""
    registry = get_registry(app)
    with app.app_context():
        registry.openapi_parts[:] = [_without_text_patterns(registry.openapi_paths())]
    api = schemathesis.openapi.from_wsgi("/api/openapi.json", app)

    @given(case=api["/api/manage-links"]["POST"].as_strategy())
    @settings(FUZZ, max_examples=60)
    def fuzz(case):
        case.call_and_validate(checks=ALL_CHECKS)

    with pytest.raises(BaseException, match="Schema-valid request rejected") as failed:
        fuzz()
    assert "control character" in str(failed.value)
