"""The request forms take addresses by the same rule as subscriptions (validation.py)."""

from __future__ import annotations

import pytest

from tests.subscribe_service.requests.test_dpa_requests import FORM
from tests.subscribe_service.requests.test_subject_requests import FORM as SUBJECT_FORM
from tests.support.requests_data import sql

FORMS = {"/api/dpa-requests": FORM, "/api/subject-requests": SUBJECT_FORM}


@pytest.mark.parametrize("email", ["ｕｓｅｒ@client.example", "пример@пример.рф"])
@pytest.mark.parametrize("path", ["/api/dpa-requests", "/api/subject-requests"])
def test_a_non_ascii_local_part_gets_a_422_that_says_why(app, client, path, email):
    response = client.post(path, json={**FORMS[path], "email": email})
    assert response.status_code == 422
    problem = response.get_json()
    assert "before the @" in problem["detail"] and "SMTPUTF8" in problem["detail"]
    assert sql(app, "SELECT count(*) FROM outbox") == [(0,)]


def test_an_idn_domain_is_stored_and_mailed_as_its_a_label(app, client, smtp_server, send_all):
    assert (
        client.post("/api/dpa-requests", data={**FORM, "email": "Ada@Bücher.example"}).status_code
        == 303
    )
    # The same person and company in another letter case is a repeat, not a new request.
    assert (
        client.post(
            "/api/dpa-requests", data={**FORM, "email": "ada@xn--bcher-kva.example"}
        ).status_code
        == 303
    )
    assert sql(app, "SELECT email, times_requested FROM dpa_requests") == [
        ("Ada@xn--bcher-kva.example", 2)
    ]
    assert send_all(app).sent == 2
    assert ["Ada@xn--bcher-kva.example"] in [r.recipients for r in smtp_server.received]
