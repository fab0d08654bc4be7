"""schemathesis against /api/openapi.json: every documented operation, generated input,
all checks (no server errors; status codes, content types, headers and bodies as documented)."""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import ALL_CHECKS


@pytest.fixture
def app_config(tmp_path):
    """A service configured for every endpoint: report requests need their private folder."""
    reports = tmp_path / "reports"
    reports.mkdir()
    (reports / "soc-2-type-2.pdf").write_bytes(b"%PDF-1.4\n%%EOF\n")
    return {"REPORTS_DIR": str(reports)}


@pytest.fixture
def api_schema(app):
    return schemathesis.from_wsgi("/api/openapi.json", app)


schema = schemathesis.from_pytest_fixture("api_schema")


@schema.parametrize()
@settings(
    max_examples=20,
    deadline=None,
    suppress_health_check=list(HealthCheck),
)
def test_api_conforms_to_its_openapi_document(case):
    case.call_and_validate(checks=ALL_CHECKS)
