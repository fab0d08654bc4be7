"""Turn new changes into notices and queued deliveries: the `notify` command's logic.

A change is known by its stable id (`subprocessors/2025-03-01`). The first time a
non-editorial change is seen, one `notices` row and one outbox row per confirmed,
unsuppressed subscriber of its topic that it reaches (generator.contract.change_touches:
through an entry serving one of their products and one of their regions; every one, for
a subscriber without products or regions) are written in the same transaction, so a
crash leaves either everything or nothing. The deliveries are queued by the outbox in one
`INSERT ... SELECT` (`outbox.enqueue_select`): the subscriber list never travels through
Python, which keeps 100,000 subscribers well under a few seconds. Running again, or on
an older changes.json, finds every change known and writes nothing.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field

from flask import current_app
from sqlalchemy import ColumnElement, and_, exists, func, or_, select, true
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from generator.contract import Change, Scope, change_reach
from subscribe_service.infra.models import (
    Notice,
    OutboxMessage,
    Subscriber,
    SubscriberProduct,
    SubscriberRegion,
    SubscriberStatus,
    SubscriberTopic,
    Suppression,
    utcnow,
)
from subscribe_service.mail import outbox
from subscribe_service.notices.source import LoadedChanges
from subscribe_service.registry import NoticeHook, get_registry

NOTICE_KIND = "notice"


@dataclass(frozen=True)
class CreatedNotice:
    change_id: str
    deliveries: int  # 0 for a baseline notice
    other_deliveries: int = 0  # queued by the registered notice hooks (webhooks)


@dataclass
class NotifyReport:
    """What one run did, for the command to print."""

    changes_found: int = 0
    editorial: int = 0
    already_known: int = 0
    baseline: bool = False
    created: list[CreatedNotice] = field(default_factory=list)

    @property
    def deliveries(self) -> int:
        return sum(c.deliveries for c in self.created)


class NotifyConflict(Exception):
    """Another `notify` recorded one of the same changes at the same moment."""


def notify(session: Session, loaded: LoadedChanges, *, baseline: bool = False) -> NotifyReport:
    """Record every unseen non-editorial change of `loaded` and queue its deliveries.

    With `baseline`, the changes are recorded as already announced (no deliveries): the
    first run on a site with a history must not mail subscribers about old changes.
    Commits on success; on a concurrent run that won the race, rolls back and raises
    NotifyConflict (running again is then safe and creates nothing twice).
    """
    changes = loaded.doc.changes
    report = NotifyReport(changes_found=len(changes), baseline=baseline)
    known = _known_change_ids(session, [c.id for c in changes])
    now = utcnow()
    for change in changes:
        if change.editorial:
            report.editorial += 1
            continue
        if change.id in known:
            report.already_known += 1
            continue
        notice = Notice(
            change_id=change.id,
            topic=change.topic,
            version=change.version,
            change=loaded.records[change.id],
            site=loaded.raw_site,
            baseline=baseline,
            created_at=now,
        )
        session.add(notice)
        session.flush()  # the notice's id, for its deliveries
        queued = 0 if baseline else _queue_deliveries(session, notice, now, change)
        others = 0 if baseline else sum(hook(session, notice) for hook in _notice_hooks())
        report.created.append(CreatedNotice(change.id, queued, others))
    try:
        session.commit()
    except IntegrityError as err:
        session.rollback()
        raise NotifyConflict(
            "another notify run recorded the same change at the same time; "
            "nothing was written by this run, run it again"
        ) from err
    return report


def _notice_hooks() -> list[NoticeHook]:
    return get_registry().notice_hooks if current_app else []


def _known_change_ids(session: Session, change_ids: Sequence[str]) -> set[str]:
    if not change_ids:
        return set()
    return set(session.scalars(select(Notice.change_id).where(Notice.change_id.in_(change_ids))))


def _reached(change: Change) -> ColumnElement[bool]:
    """SQL for `contract.change_touches(change, <the subscriber's products>, <regions>)`:
    one of the (products, regions) pairs the change's entries serve (`change_reach`)
    meets both the subscriber's products and their regions."""
    pairs = change_reach(change)
    if any(products is None and regions is None for products, regions in pairs):
        return true()  # an entry for everyone: no need to look at anybody's scopes
    return or_(
        *(
            and_(
                _meets(SubscriberProduct, SubscriberProduct.product, products),
                _meets(SubscriberRegion, SubscriberRegion.region, regions),
            )
            for products, regions in pairs
        )
    )


def _meets(table: type, column: ColumnElement[str], touched: Scope) -> ColumnElement[bool]:
    """SQL for `contract.scopes_meet(touched, <the subscriber's rows of table>)`: a
    subscriber without rows wants every one, else one of theirs is touched."""
    if touched is None:
        return true()
    mine = exists().where(table.subscriber_id == Subscriber.id)  # type: ignore[attr-defined]
    touched_mine = mine.where(column.in_(list(touched)))
    return or_(~mine, touched_mine)


def _queue_deliveries(session: Session, notice: Notice, now: dt.datetime, change: Change) -> int:
    """One queued outbox row per confirmed, unsuppressed subscriber of the notice's topic
    that the change reaches."""
    recipients = (
        select(Subscriber.email, Subscriber.id)
        .join(SubscriberTopic, SubscriberTopic.subscriber_id == Subscriber.id)
        .where(
            SubscriberTopic.topic == notice.topic,
            Subscriber.status == SubscriberStatus.CONFIRMED,
            Subscriber.suppressed_at.is_(None),
            ~exists().where(func.lower(Suppression.email) == func.lower(Subscriber.email)),
            _reached(change),
        )
        .order_by(Subscriber.id)
    )
    outbox.enqueue_select(session, recipients, kind=NOTICE_KIND, notice_id=notice.id, now=now)
    # Counted rather than read from rowcount, which some drivers leave at -1 here.
    count = select(func.count()).select_from(OutboxMessage).where(
        OutboxMessage.notice_id == notice.id
    )
    return int(session.scalar(count) or 0)
