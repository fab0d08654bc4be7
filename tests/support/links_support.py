"""A confirmed subscriber, a sub-processor notice that takes objections, and their links.

Shared by the link-limit, logging and hostile-input tests: every personal link a mail can
carry, made for one subscriber with the service's own token code.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import Flask
from sqlalchemy import func, select

from subscribe_service.identity import tokens
from subscribe_service.infra.db import session_scope
from subscribe_service.infra.models import (
    Notice,
    OutboxMessage,
    Subscriber,
    SubscriberTopic,
    utcnow,
)

SITE = "http://127.0.0.1:8000"
PRIVACY = "privacy@larkspur.example"
CHANGE = {
    "id": "subprocessors/2099-03-01",
    "topic": "subprocessors",
    "topic_title": "Sub-processors",
    "version": "2099-03-01",
    "previous_version": "2024-09-01",
    "title": "Sub-processor list, effective 2099-03-01",
    "summary": "Adds Brightwave Mail.",
    "announced": "2099-01-20",
    "effective": "2099-03-01",
    "objection_deadline": "2099-02-28",
    "editorial": False,
    "status": "upcoming",
    "url": "https://trust.larkspur.example/subprocessors/2099-03-01/",
    "diff_url": "https://trust.larkspur.example/subprocessors/2099-03-01/#what-changed",
    "diff": {"kind": "list", "added": [], "removed": [], "changed": []},
}
NOTICE_SITE = {
    "url": "https://trust.larkspur.example/",
    "company": "Larkspur Relay",
    "privacy_contact": PRIVACY,
}


@dataclass(frozen=True)
class Links:
    """Paths of one subscriber's personal links, by the endpoint they lead to."""

    subscriber_id: int
    email: str
    confirm: str
    manage: str
    unsubscribe: str
    object: str

    @property
    def post_paths(self) -> dict[str, str]:
        """Every personal POST endpoint and the path that reaches it."""
        return {
            "confirm.confirm": self.confirm,
            "manage.save": self.manage,
            "manage.export": self.manage + "/export",
            "manage.erase": self.manage + "/erase",
            "unsubscribe.one_click": self.unsubscribe,
            "objections.object_change": self.object,
        }


def make_links(app: Flask, email: str = "ann@client.example", **extra: object) -> Links:
    """Write a confirmed subscriber and a notice that takes objections; sign their links.

    `extra` rides in every token, so calls with different extras give different links."""
    now = utcnow()
    with app.app_context(), session_scope(app) as session:
        subscriber = session.scalar(select(Subscriber).where(Subscriber.email == email))
        if subscriber is None:
            subscriber = Subscriber(
                email=email,
                status="confirmed",
                token_version=1,
                created_at=now,
                consent_at=now,
                confirmed_at=now,
            )
            subscriber.topics = [SubscriberTopic(topic="subprocessors")]
            session.add(subscriber)
        notice = session.scalar(select(Notice).where(Notice.change_id == CHANGE["id"]))
        if notice is None:
            notice = Notice(
                change_id=CHANGE["id"],
                topic="subprocessors",
                version=CHANGE["version"],
                change=CHANGE,
                site=NOTICE_SITE,
            )
            session.add(notice)
        session.flush()
        sid, version = subscriber.id, subscriber.token_version

        def sign(purpose: str, **more: object) -> str:
            return tokens.make_token(purpose, sid, version, **more, **extra)

        return Links(
            subscriber_id=sid,
            email=email,
            confirm="/confirm/" + sign("confirm", t=["subprocessors"]),
            manage="/manage/" + sign("manage"),
            unsubscribe="/unsubscribe/" + sign("unsubscribe"),
            object="/object/" + sign("object", n=notice.id),
        )


def outbox_count(app: Flask) -> int:
    with app.app_context(), session_scope(app) as session:
        return int(session.scalar(select(func.count()).select_from(OutboxMessage)) or 0)
