"""Webhook endpoints scoped to regions beside products: registered with `regions` (422
naming the field for anything else), posted only the changes that reach them
(contract.change_touches) with only the entries that do (contract.scope_change), and
Slack and Teams messages that name products and regions as the site does."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select
from standardwebhooks.webhooks import Webhook

from generator.contract import Change, scope_change
from subscribe_service.infra.db import session_scope
from subscribe_service.webhooks.models import WebhookEndpoint
from tests.support.notices_helpers import invoke
from tests.support.scoped_site import changed, entry, scoped_record, write_scoped_site
from tests.support.webhook_helpers import register, register_and_confirm

INKWELL = entry("inkwell", ["inbox"], ["eu"])
KESTREL = entry("kestrel", ["sms"], ["us"])
MOVED = changed(
    "ku",
    [{"field": "regions", "old": ["eu"], "new": ["eu", "apac"]}],
    products=["voice"],
    regions=["apac", "eu"],
)


@pytest.fixture
def app_config(tmp_path):
    site = tmp_path / "scoped-site"
    write_scoped_site(site)
    return {
        "SITE_DIR": str(site),
        "WEBHOOK_ALLOW_HOSTS": "127.0.0.1",
        "WEBHOOK_BACKOFF_SECONDS": 0.05,
        "WEBHOOK_TIMEOUT": 3,
        "WEBHOOK_CONNECT_TIMEOUT": 2,
    }


@pytest.mark.parametrize(
    "regions",
    [
        "eu",
        {"eu": True},
        7,
        [],
        [7],
        [None],
        [["eu"]],
        ["EU"],
        ["Bad Id"],
        ["\u0435u"],  # a Cyrillic "e"
        ["\uff45\uff55"],  # full-width letters
        ["eu\u200b"],  # a zero-width space
        ["-eu"],
        ["x" * 64],
        ["r"] * 51,
        ["eu"] * 10_000,
    ],
)
def test_careless_or_hostile_regions_are_refused_with_422_naming_the_field(app, receiver, regions):
    answer = register(app, receiver.url(), regions=regions)
    assert answer.status_code == 422, answer.get_data(as_text=True)[:300]
    assert answer.get_json()["invalid_params"][0]["name"] == "regions"


def test_regions_are_kept_once_each_shown_by_name_and_exported(
    app, receiver, smtp_server, send_all
):
    hook = register_and_confirm(
        app, smtp_server, send_all, receiver.url(), products=["sms"], regions=["us", "eu", "us"]
    )
    with app.app_context(), session_scope(app) as session:
        stored = session.scalar(
            select(WebhookEndpoint.regions).where(WebhookEndpoint.id == hook.id)
        )
    assert stored == ["eu", "us"]
    page = app.test_client().get(hook.manage_path).get_data(as_text=True)
    assert "Products: SMS Messaging." in page
    assert "Regions: European Union, United States." in page

    # The owner's data export (through a subscription of the same address) lists them.
    from tests.support.service_mail import link, path_of

    client = app.test_client()
    client.post("/api/subscriptions", json={"email": "owner@client.example"})
    send_all(app)
    mail = smtp_server.messages_to("owner@client.example")[-1]
    client.post(path_of(link(mail, "confirm")), headers={"Origin": "http://127.0.0.1:8000"})
    client.post(path_of(link(mail, "manage")) + "/export")
    send_all(app)
    export = path_of(link(smtp_server.messages_to("owner@client.example")[-1], "export"))
    [exported] = client.get(export).get_json()["webhooks"]
    assert (exported["products"], exported["regions"]) == (["sms"], ["eu", "us"])


def test_each_endpoint_gets_the_changes_that_reach_it_and_only_their_entries(
    backend_app, receiver, smtp_server, send_all, changes_file
):
    app = backend_app
    hooks = {
        "/inbox-eu": register_and_confirm(
            app,
            smtp_server,
            send_all,
            receiver.url("/inbox-eu"),
            products=["inbox"],
            regions=["eu"],
        ),
        "/inbox-us": register_and_confirm(
            app,
            smtp_server,
            send_all,
            receiver.url("/inbox-us"),
            products=["inbox"],
            regions=["us"],
        ),
        "/us": register_and_confirm(
            app, smtp_server, send_all, receiver.url("/us"), regions=["us"]
        ),
        "/apac": register_and_confirm(
            app, smtp_server, send_all, receiver.url("/apac"), regions=["apac"]
        ),
        "/all": register_and_confirm(app, smtp_server, send_all, receiver.url("/all")),
    }
    record = scoped_record(1, added=[INKWELL, KESTREL], changes=[MOVED])
    output = invoke(app, "notify", "--all", str(changes_file(record))).output
    assert "4 webhook deliveries" in output, output
    send_all(app)
    assert receiver.to("/inbox-us") == [], "inbox in the EU, SMS in the US: not inbox in the US"
    change = Change.model_validate(record)
    for path, products, regions, entities in (
        ("/inbox-eu", ["inbox"], ["eu"], ["Inkwell Ltd"]),
        ("/us", None, ["us"], ["Kestrel Ltd"]),
        ("/apac", None, ["apac"], ["Ku Ltd"]),
        ("/all", None, None, ["Inkwell Ltd", "Kestrel Ltd", "Ku Ltd"]),
    ):
        [request] = receiver.to(path)
        data = Webhook(hooks[path].secret).verify(request.body, request.headers)["data"]
        diff = data["diff"]
        got = [e["entity"] for kind in ("added", "removed", "changed") for e in diff[kind]]
        assert got == entities, path
        expected = scope_change(change, products, regions).model_dump(mode="json")
        assert diff == expected["diff"], path
        # The record's own scope is the part sent, not the whole change's.
        assert (data["products"], data["regions"]) == (
            expected["products"],
            expected["regions"],
        ), path


def test_slack_and_teams_name_products_and_regions_as_the_site_does(
    app, receiver, smtp_server, send_all, changes_file
):
    register_and_confirm(app, smtp_server, send_all, receiver.url("/slack"), format="slack")
    register_and_confirm(
        app, smtp_server, send_all, receiver.url("/teams"), format="teams", regions=["eu"]
    )
    record = scoped_record(2, added=[INKWELL, KESTREL], changes=[MOVED])
    invoke(app, "notify", "--all", str(changes_file(record)))
    send_all(app)
    [slack] = receiver.to("/slack")
    lines = json.loads(slack.body)["blocks"][2]["text"]["text"].split("\n")
    assert lines == [
        "• Added: Inkwell Ltd (for Shared Inbox; in European Union)",
        "• Added: Kestrel Ltd (for SMS Messaging; in United States)",
        "• Changed: Ku Ltd: Regions: European Union → European Union, Asia Pacific",
    ]
    [teams] = receiver.to("/teams")
    card = json.loads(teams.body)["attachments"][0]["content"]
    assert card["body"][4]["text"] == (
        "- Added: Inkwell Ltd (for Shared Inbox; in European Union)\r"
        "- Changed: Ku Ltd: Regions: European Union → European Union, Asia Pacific"
    )


def test_the_api_description_takes_regions_like_products(app):
    paths = app.test_client().get("/api/openapi.json").get_json()["paths"]
    body = paths["/api/webhooks"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    assert body["properties"]["regions"]["maxItems"] == 50
    assert body["properties"]["regions"]["items"] == body["properties"]["products"]["items"]
