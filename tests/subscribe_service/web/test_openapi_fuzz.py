"""Schemathesis 4 against /api/openapi.json: every documented operation, generated input
valid and invalid by the document, every check (no server error; status codes, content
types, headers and bodies as documented; what the document allows is accepted and what
it forbids is refused), then a short stateful run. A mismatch fails the suite."""

from __future__ import annotations

import copy

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis.checks import CHECKS, load_all_checks

from subscribe_service.registry import get_registry
from subscribe_service.web.body_guard import TEXT_PATTERN

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
    """A service configured for every endpoint: report requests need their private folder."""
    reports = tmp_path / "reports"
    reports.mkdir()
    (reports / "soc-2-type-2.pdf").write_bytes(b"%PDF-1.4\n%%EOF\n")
    return {"REPORTS_DIR": str(reports)}


@pytest.fixture
def api_schema(app):
    return schemathesis.openapi.from_wsgi("/api/openapi.json", app)


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
