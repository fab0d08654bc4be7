"""Helpers for the webhook tests: register and confirm an endpoint over HTTP, read rows."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from flask import Flask
from sqlalchemy import select

from subscribe_service.infra.db import session_scope
from subscribe_service.infra.models import OutboxMessage, utcnow
from subscribe_service.webhooks.api import new_secret
from subscribe_service.webhooks.deliveries import latest_row
from subscribe_service.webhooks.models import WebhookDelivery, WebhookEndpoint
from tests.support.service_mail import link, text_of

SECRET = re.compile(r"whsec_[A-Za-z0-9+/]{43}=")
OWNER = "owner@client.example"


@dataclass
class Registered:
    id: int
    secret: str
    manage_path: str


def register(app: Flask, url: str, **fields: Any) -> Any:
    body = {"url": url, "email": OWNER, "topics": ["subprocessors"], **fields}
    return app.test_client().post("/api/webhooks", json=body)


def register_and_confirm(app: Flask, smtp_server, send_all, url: str, **fields: Any) -> Registered:
    before = len(smtp_server.messages)
    answer = register(app, url, **fields)
    assert answer.status_code == 202, answer.get_data(as_text=True)
    send_all(app)
    [mail] = smtp_server.messages[before:]
    assert mail["To"] == fields.get("email", OWNER)
    confirm = urlsplit(link(mail, "webhooks")).path
    client = app.test_client()
    page = client.post(confirm, headers={"Origin": "http://127.0.0.1:8000"})
    html = page.get_data(as_text=True)
    assert page.status_code == 200, html
    [secret] = SECRET.findall(html)
    [manage] = re.findall(r'href="http://127\.0\.0\.1:8000(/webhooks/manage/[^"]+)"', html)
    with app.app_context(), session_scope(app) as session:
        endpoint_id = session.scalar(
            select(WebhookEndpoint.id).where(WebhookEndpoint.secret == secret)
        )
    assert endpoint_id is not None
    return Registered(endpoint_id, secret, manage)


def delivery_rows(
    app: Flask, endpoint_id: int | None = None
) -> list[tuple[WebhookDelivery, OutboxMessage | None]]:
    """Each delivery with its newest outbox row."""
    with app.app_context(), session_scope(app) as session:
        query = select(WebhookDelivery).order_by(WebhookDelivery.id)
        if endpoint_id is not None:
            query = query.where(WebhookDelivery.endpoint_id == endpoint_id)
        found = list(session.scalars(query))
        pairs = [(d, latest_row(session, d)) for d in found]
        session.expunge_all()
        return pairs


def mail_text(message) -> str:  # type: ignore[no-untyped-def]
    return text_of(message)


def add_endpoints(app: Flask, receiver, count: int) -> list[str]:
    """Confirmed endpoints written straight to the database (registration has its tests)."""
    paths = [f"/client{i:03d}" for i in range(count)]
    with app.app_context(), session_scope(app) as session:
        for path in paths:
            session.add(
                WebhookEndpoint(
                    url=receiver.url(path),
                    email=f"owner{path[1:]}@client.example",
                    topics=["subprocessors"],
                    format="standard",
                    secret=new_secret(),
                    status="active",
                    token_version=1,
                    created_at=utcnow(),
                    confirmed_at=utcnow(),
                )
            )
    return paths
