"""Helpers for the notices tests: subscribers in chosen states, commands, outbox rows."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from click.testing import Result
from flask import Flask
from sqlalchemy import func, select

from subscribe_service.infra.db import session_scope
from subscribe_service.infra.models import OutboxMessage, Subscriber, SubscriberTopic, utcnow
from subscribe_service.mail.suppressions import suppress

AddSubscriber = Callable[..., int]


def add_subscriber_to(
    app: Flask,
    email: str,
    *,
    status: str = "confirmed",
    topics: Iterable[str] = ("subprocessors",),
    suppressed: bool = False,
) -> int:
    """A subscriber written straight to the database (the HTTP path is tested end to end)."""
    now = utcnow()
    with app.app_context(), session_scope(app) as session:
        subscriber = Subscriber(
            email=email,
            status=status,
            token_version=1,
            created_at=now,
            consent_at=now,
            confirmed_at=now if status == "confirmed" else None,
            unsubscribed_at=now if status == "unsubscribed" else None,
        )
        subscriber.topics = [SubscriberTopic(topic=t) for t in topics]
        session.add(subscriber)
        session.flush()
        if suppressed:
            suppress(session, email, "550 test bounce")
        return subscriber.id


def invoke(app: Flask, *args: str) -> Result:
    """Run `flask --app subscribe_service <args>` in-process, as the CLI would."""
    return app.test_cli_runner().invoke(args=list(args), catch_exceptions=False)


def outbox_rows(app: Flask, **filters: Any) -> list[OutboxMessage]:
    with app.app_context(), session_scope(app) as session:
        query = select(OutboxMessage).filter_by(**filters).order_by(OutboxMessage.id)
        return list(session.scalars(query))


def count_rows(app: Flask, model: Any) -> int:
    with app.app_context(), session_scope(app) as session:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)
