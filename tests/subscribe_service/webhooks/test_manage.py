"""The owner's manage page: rotate, pause and resume, redeliver, delete; the pause after
three days of failures and its mail; export and erasure of the owner's address."""

from __future__ import annotations

import json
import re

from sqlalchemy import func, select
from standardwebhooks.webhooks import Webhook

from subscribe_service.infra.db import session_scope
from subscribe_service.infra.models import OutboxMessage, Subscriber
from subscribe_service.subscribers import privacy
from subscribe_service.webhooks.models import WebhookDelivery, WebhookEndpoint
from tests.support.changes_data import NEW_SUBPROCESSOR
from tests.support.notices_helpers import add_subscriber_to, invoke
from tests.support.webhook_helpers import OWNER, SECRET, delivery_rows

ORIGIN = {"Origin": "http://127.0.0.1:8000"}


def post(app, path, **form):
    return app.test_client().post(path, data=form, headers=ORIGIN)


def notify(app, changes_file, record=NEW_SUBPROCESSOR):
    return invoke(app, "notify", "--all", str(changes_file(record))).output


def test_rotating_shows_a_new_secret_that_signs_from_then_on(
    app, endpoint, receiver, changes_file, send_all
):
    hook = endpoint()
    page = post(app, hook.manage_path + "/rotate").get_data(as_text=True)
    [new] = SECRET.findall(page)
    assert new != hook.secret
    notify(app, changes_file)
    send_all(app)
    [request] = receiver.received
    Webhook(new).verify(request.body, request.headers)


def test_a_paused_endpoint_gets_nothing_until_resumed_then_the_held_delivery(
    app, endpoint, receiver, changes_file, send_all
):
    hook = endpoint()
    assert post(app, hook.manage_path + "/pause").status_code == 200
    notify(app, changes_file)
    send_all(app)
    assert receiver.received == []
    assert "Deliveries go out again; 1 held" in post(app, hook.manage_path + "/resume").get_data(
        as_text=True
    )
    send_all(app)
    assert len(receiver.received) == 1


def test_redelivery_sends_the_same_webhook_id_and_is_capped(
    make_app, receiver, smtp_server, send_all, changes_file
):
    from tests.support.webhook_helpers import register_and_confirm

    app = make_app(WEBHOOK_ALLOW_HOSTS="127.0.0.1", WEBHOOK_REDELIVER_PER_HOUR=2)
    hook = register_and_confirm(app, smtp_server, send_all, receiver.url())
    notify(app, changes_file)
    send_all(app)
    [(delivery, _row)] = delivery_rows(app)
    page = app.test_client().get(hook.manage_path).get_data(as_text=True)
    assert delivery.event_id in page and "Redeliver" in page
    path = f"{hook.manage_path}/redeliver/{delivery.id}"
    assert post(app, path).status_code == 202
    assert post(app, path).status_code == 429, "still queued: not twice"
    send_all(app)
    assert post(app, path).status_code == 202
    send_all(app)
    assert post(app, path).status_code == 429, "over the hourly cap"
    ids = {r.headers["webhook-id"] for r in receiver.received}
    assert len(receiver.received) == 3 and ids == {delivery.event_id}


def test_another_endpoints_delivery_cannot_be_redelivered(app, endpoint, changes_file, send_all):
    first = endpoint("/a")
    second = endpoint("/b")
    notify(app, changes_file)
    send_all(app)
    theirs = next(d for d, _ in delivery_rows(app, second.id))
    assert post(app, f"{first.manage_path}/redeliver/{theirs.id}").status_code == 404


def test_deleting_removes_everything_and_revokes_the_links(
    app, endpoint, receiver, changes_file, send_all
):
    hook = endpoint()
    notify(app, changes_file)
    assert post(app, hook.manage_path + "/delete").status_code == 422, "the box must be ticked"
    assert post(app, hook.manage_path + "/delete", confirm="yes").status_code == 200
    assert send_all(app).sent == 0 and receiver.received == []
    with app.app_context(), session_scope(app) as session:
        assert session.scalar(select(func.count()).select_from(WebhookDelivery)) == 0
        assert session.scalar(select(func.count()).where(OutboxMessage.kind == "webhook")) == 0
    assert app.test_client().get(hook.manage_path).status_code == 410


def test_three_days_of_failures_pause_the_endpoint_and_mail_its_owner(
    make_app, receiver, smtp_server, send_all, changes_file
):
    from tests.support.webhook_helpers import register_and_confirm

    # Time shrunk: the schedule and the pause are the same rules with smaller numbers.
    app = make_app(
        WEBHOOK_ALLOW_HOSTS="127.0.0.1",
        WEBHOOK_BACKOFF_SECONDS=0.02,
        WEBHOOK_RETRY_SECONDS=1.0,
        WEBHOOK_PAUSE_AFTER_SECONDS=0.3,
    )
    hook = register_and_confirm(app, smtp_server, send_all, receiver.url())
    receiver.answer("/hook", 500)
    notify(app, changes_file)
    import time

    deadline = time.monotonic() + 10
    while not smtp_server.messages_to(OWNER)[1:] and time.monotonic() < deadline:
        send_all(app)
        time.sleep(0.02)
    paused_mail = smtp_server.messages_to(OWNER)[-1]
    assert paused_mail["Subject"] == "Your webhook is paused"
    text = paused_mail.get_body(("plain",)).get_content()
    assert "500" in text and "/webhooks/manage/" in text
    with app.app_context(), session_scope(app) as session:
        endpoint = session.get(WebhookEndpoint, hook.id)
        assert endpoint.status == "paused"
    posted = len(receiver.received)
    time.sleep(1.0)  # the delivery's window closes
    send_all(app)
    assert len(receiver.received) == posted, "nothing is posted to a paused endpoint"
    [(_d, row)] = delivery_rows(app)
    assert row.status in ("failed", "cancelled")
    assert len(smtp_server.messages_to(OWNER)) == 2, "one mail about the pause, not one per failure"


def test_export_and_erasure_of_the_owner_cover_the_endpoints(app, endpoint, changes_file, send_all):
    endpoint("/a")
    endpoint("/b", format="slack")
    notify(app, changes_file)
    send_all(app)
    add_subscriber_to(app, OWNER.upper())  # the same mailbox, another spelling
    with app.app_context(), session_scope(app) as session:
        subscriber = session.scalar(select(Subscriber))
        exported = privacy.export_data(session, subscriber)["webhooks"]
        assert [e["url"].rsplit("/", 1)[1] for e in exported] == ["a", "b"]
        assert len(exported[0]["deliveries"]) == 1
        assert "whsec_" not in json.dumps(exported), "no secret in a mailed export"
        privacy.erase(session, subscriber)
    with app.app_context(), session_scope(app) as session:
        assert session.scalar(select(func.count()).select_from(WebhookEndpoint)) == 0
        assert session.scalar(select(func.count()).where(OutboxMessage.kind == "webhook")) == 0


def test_the_manage_page_escapes_what_the_owner_typed(make_app, receiver, smtp_server, send_all):
    from tests.support.webhook_helpers import register_and_confirm

    app = make_app(WEBHOOK_ALLOW_HOSTS="127.0.0.1")
    hook = register_and_confirm(app, smtp_server, send_all, receiver.url('/"><script>x</script>'))
    page = app.test_client().get(hook.manage_path).get_data(as_text=True)
    assert "<script>x" not in page and re.search(r"&lt;script&gt;|%3Cscript", page)
