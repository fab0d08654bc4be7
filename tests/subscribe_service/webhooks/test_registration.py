"""Registering an endpoint: double opt-in by mail, the secret shown once, and every URL
that must not be posted to refused with a 422 naming the field."""

from __future__ import annotations

import base64
from urllib.parse import urlsplit

import pytest

from subscribe_service.dev.webhook_receiver import WebhookReceiver
from tests.support.service_mail import link
from tests.support.webhook_helpers import (
    OWNER,
    SECRET,
    register,
    register_and_confirm,
)


def confirm_path(mail) -> str:  # type: ignore[no-untyped-def]
    return urlsplit(link(mail, "webhooks")).path


def test_register_mails_a_link_and_confirming_shows_the_secret_once(
    app, receiver: WebhookReceiver, smtp_server, send_all
):
    registered = register_and_confirm(app, smtp_server, send_all, receiver.url())
    assert registered.secret.startswith("whsec_")
    assert len(base64.b64decode(registered.secret.removeprefix("whsec_"))) == 32
    # The confirm link again: no secret any more, a pointer to the manage page instead.
    mail = smtp_server.messages[-1]
    assert "Confirm your webhook" in mail["Subject"]
    client = app.test_client()
    again = client.post(confirm_path(mail), headers={"Origin": "http://127.0.0.1:8000"})
    assert again.status_code == 200
    assert not SECRET.search(again.get_data(as_text=True))
    assert "Already confirmed" in again.get_data(as_text=True)
    manage = client.get(registered.manage_path).get_data(as_text=True)
    assert receiver.url() in manage and "active" in manage
    assert registered.secret not in manage


def test_nothing_is_posted_before_the_owner_confirms(app, receiver, smtp_server, send_all):
    assert register(app, receiver.url()).status_code == 202
    send_all(app)
    [mail] = smtp_server.messages
    page = app.test_client().get(confirm_path(mail))
    assert page.status_code == 200
    assert "Confirm and show the signing secret" in page.get_data(as_text=True)
    assert not SECRET.search(page.get_data(as_text=True)), (
        "a GET (a link scanner) must not reveal it"
    )


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("https://127.0.0.1/hook", "loopback"),
        ("https://localhost/hook", "loopback"),
        ("https://10.1.2.3/hook", "private"),
        ("https://192.168.0.10/hook", "private"),
        ("https://169.254.169.254/latest/meta-data", "link-local"),
        ("https://[::1]/hook", "loopback"),
        ("https://[::ffff:10.0.0.1]/hook", "private"),
        ("https://0.0.0.0/hook", "unspecified"),
        ("http://93.184.215.14/hook", "https://"),
        ("ftp://93.184.215.14/hook", "https://"),
        ("https://user:pw@93.184.215.14/hook", "user name"),
        ("https:///hook", "no host"),
        ("https://[::1/hook", "not a valid URL"),
        ("https://93.184.215.14:99999/hook", "not a valid URL"),
        ("javascript:alert(1)", "https://"),
        ("https://exa\u00e9mple.com/", "printable ASCII"),
        ("https://example.com/\r\nX-Evil: 1", "printable ASCII"),
    ],
)
def test_urls_that_may_not_be_posted_to_are_refused_with_422(make_app, url, reason):
    app = make_app()  # no allowed hosts
    answer = register(app, url)
    assert answer.status_code == 422, answer.get_data(as_text=True)
    problem = answer.get_json()
    assert problem["invalid_params"][0]["name"] == "url"
    assert reason in problem["detail"]


def test_http_is_allowed_only_for_a_host_the_operator_lists(make_app, receiver):
    assert register(make_app(), receiver.url()).status_code == 422
    assert register(make_app(WEBHOOK_ALLOW_HOSTS="127.0.0.1"), receiver.url()).status_code == 202


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"format": "discord"}, "format"),
        ({"topics": ["nope"]}, "topics"),
        ({"topics": []}, "topics"),
        ({"topics": "subprocessors"}, "topics"),
        ({"products": "all"}, "products"),
        ({"products": []}, "products"),
        ({"products": ["Bad Id"]}, "products"),
        ({"products": [1]}, "products"),
        ({"products": ["p"] * 51}, "products"),
        ({"email": "not-an-address"}, "email"),
        ({"email": None}, "email"),
        ({"secret": "whsec_mine"}, "body"),
    ],
)
def test_careless_or_hostile_fields_are_refused_with_422(app, receiver, body, field):
    answer = register(app, receiver.url(), **body)
    assert answer.status_code == 422, answer.get_data(as_text=True)
    assert answer.get_json()["invalid_params"][0]["name"] == field


def test_not_json_is_refused(app):
    answer = app.test_client().post("/api/webhooks", data="x", content_type="text/plain")
    assert answer.status_code == 415


def test_the_answer_does_not_tell_what_an_address_owns(make_app, receiver, smtp_server, send_all):
    app = make_app(WEBHOOK_ALLOW_HOSTS="127.0.0.1", WEBHOOK_MAX_PER_ADDRESS=1)
    first = register(app, receiver.url("/a"))
    over_the_cap = register(app, receiver.url("/b"))
    assert (first.status_code, first.get_data()) == (
        over_the_cap.status_code,
        over_the_cap.get_data(),
    )
    send_all(app)
    assert len(smtp_server.messages_to(OWNER)) == 1, "the cap wrote and mailed nothing"


def test_registrations_are_rate_limited_per_address(make_app, receiver):
    app = make_app(WEBHOOK_ALLOW_HOSTS="127.0.0.1", LIMIT_PER_ADDRESS="2 per hour")
    codes = [register(app, receiver.url(f"/{i}")).status_code for i in range(3)]
    assert codes == [202, 202, 429]


def test_the_api_description_lists_the_webhook_endpoints(app):
    paths = app.test_client().get("/api/openapi.json").get_json()["paths"]
    assert "/api/webhooks" in paths
    body = paths["/api/webhooks"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    assert body["properties"]["format"]["enum"] == ["standard", "slack", "teams"]
    assert "/webhooks/manage/{token}/redeliver/{delivery_id}" in paths
