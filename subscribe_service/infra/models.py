"""The service's tables (SQLAlchemy 2.0 declarative). Migrations in migrations/ mirror this."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Any, NamedTuple

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    TypeDecorator,
    func,
    text,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from generator.contract import TOPICS

# Named constraints so Alembic migrations can refer to them on every database.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}



class SubscriberStatus(StrEnum):
    PENDING = "pending"
    CONFIRMED = "confirmed"
    UNSUBSCRIBED = "unsubscribed"


class OutboxStatus(StrEnum):
    """queued -> sending (claimed, leased) -> sent | bounced | cancelled | failed, or back
    to queued for a retry."""

    QUEUED = "queued"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"
    BOUNCED = "bounced"
    CANCELLED = "cancelled"


EMAIL_MAX = 254  # RFC 5321 path limit
# The largest id of a row (an INTEGER key on PostgreSQL): a larger number names no row, and
# PostgreSQL raises for it in a query rather than finding nothing.
MAX_ROW_ID = 2**31 - 1


def _topic_order(topic: str) -> int:
    return TOPICS.index(topic) if topic in TOPICS else len(TOPICS)


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class UTCDateTime(TypeDecorator[dt.datetime]):
    """Aware UTC datetimes in Python on every database.

    SQLite has no time zones and hands back naive values; storing naive UTC and
    re-attaching UTC on the way out keeps comparisons in Python safe everywhere.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Dialect) -> Any:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; use an aware UTC datetime")
        value = value.astimezone(dt.UTC)
        return value if dialect.name == "postgresql" else value.replace(tzinfo=None)

    def process_result_value(self, value: Any, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=dt.UTC)
        return value.astimezone(dt.UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class Scopes(NamedTuple):
    """A subscriber's topics, products and regions (no products: every product; the
    same for regions), as stored."""

    topics: list[str]
    products: list[str]
    regions: list[str]


class Subscriber(Base):
    __tablename__ = "subscribers"
    # AUTOINCREMENT on SQLite: an erased subscriber's id is never reused, so an old
    # link signed for that id can never match somebody else.
    __table_args__ = (
        CheckConstraint("status IN ('pending', 'confirmed', 'unsubscribed')", name="status_valid"),
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    email: Mapped[str] = mapped_column(String(EMAIL_MAX), unique=True)
    status: Mapped[str] = mapped_column(String(16), default=SubscriberStatus.PENDING)
    consent_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    consent_source: Mapped[str | None] = mapped_column(String(500))
    consent_text: Mapped[str | None] = mapped_column(Text)
    confirmed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    unsubscribed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    suppressed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    token_version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)

    topics: Mapped[list[SubscriberTopic]] = relationship(
        back_populates="subscriber",
        cascade="all, delete-orphan",
        passive_deletes=True,
        order_by="SubscriberTopic.topic",
    )

    # No rows: every product (migration 0007_subscription_products).
    products: Mapped[list[SubscriberProduct]] = relationship(
        back_populates="subscriber",
        cascade="all, delete-orphan",
        passive_deletes=True,
        order_by="SubscriberProduct.product",
    )
    # No rows: every region (migration 0009_subscription_regions).
    regions: Mapped[list[SubscriberRegion]] = relationship(
        back_populates="subscriber",
        cascade="all, delete-orphan",
        passive_deletes=True,
        order_by="SubscriberRegion.region",
    )

    # What the three properties below read when set (`preload_scopes`), instead of the
    # collections: the sender reads a whole batch's in one query (mail/store.py), where
    # three collections per subscriber were a tenth of its work. Not a column.
    _preloaded = None  # Scopes | None (unannotated: a declarative class maps annotations)

    def preload_scopes(self, scopes: Scopes) -> None:
        self._preloaded = scopes

    def forget_preloaded_scopes(self) -> None:
        """Before a change to the collections: the properties read them again."""
        self.__dict__.pop("_preloaded", None)

    @property
    def topic_names(self) -> list[str]:
        """Topic names in the site's order (sub-processors first)."""
        pre = self._preloaded
        topics = pre.topics if pre is not None else [t.topic for t in self.topics]
        return sorted(topics, key=_topic_order)

    @property
    def product_ids(self) -> list[str] | None:
        """The products whose changes this subscriber wants, sorted; None: every product."""
        pre = self._preloaded
        products = pre.products if pre is not None else [p.product for p in self.products]
        return sorted(products) or None

    @property
    def region_ids(self) -> list[str] | None:
        """The regions whose changes this subscriber wants, sorted; None: every region."""
        pre = self._preloaded
        regions = pre.regions if pre is not None else [r.region for r in self.regions]
        return sorted(regions) or None


# One subscriber per mailbox, however the address was cased (migration 0005).
Index("uq_subscribers_email_key", func.lower(Subscriber.email), unique=True)


class SubscriberTopic(Base):
    __tablename__ = "subscriber_topics"

    subscriber_id: Mapped[int] = mapped_column(
        ForeignKey("subscribers.id", ondelete="CASCADE"), primary_key=True
    )
    topic: Mapped[str] = mapped_column(String(32), primary_key=True)

    subscriber: Mapped[Subscriber] = relationship(back_populates="topics")


class SubscriberProduct(Base):
    """A product a subscriber limited their notices to (generator.contract's scopes)."""

    __tablename__ = "subscriber_products"

    subscriber_id: Mapped[int] = mapped_column(
        ForeignKey("subscribers.id", ondelete="CASCADE"), primary_key=True
    )
    product: Mapped[str] = mapped_column(String(63), primary_key=True)

    subscriber: Mapped[Subscriber] = relationship(back_populates="products")


class SubscriberRegion(Base):
    """A region a subscriber limited their notices to, like a product."""

    __tablename__ = "subscriber_regions"

    subscriber_id: Mapped[int] = mapped_column(
        ForeignKey("subscribers.id", ondelete="CASCADE"), primary_key=True
    )
    region: Mapped[str] = mapped_column(String(63), primary_key=True)

    subscriber: Mapped[Subscriber] = relationship(back_populates="regions")


class Notice(Base):
    __tablename__ = "notices"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    change_id: Mapped[str] = mapped_column(String(200), unique=True)
    topic: Mapped[str] = mapped_column(String(32))
    version: Mapped[str] = mapped_column(String(100))
    change: Mapped[dict[str, Any]] = mapped_column(JSON)
    baseline: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # The `site` block of the changes.json the notice came from (company, site URL,
    # privacy contact for objections); added by migration 0002_objections.
    site: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)


class OutboxMessage(Base):
    __tablename__ = "outbox"
    __table_args__ = (
        # One delivery per notice and subscriber. Partial, like the subscriber index: the
        # API's rows have neither, and indexing their NULLs cost every subscribe request.
        Index(
            "uq_outbox_notice_subscriber",
            "notice_id",
            "subscriber_id",
            unique=True,
            sqlite_where=text("notice_id IS NOT NULL"),
            postgresql_where=text("notice_id IS NOT NULL"),
        ),
        Index(
            "ix_outbox_subscriber_id",
            "subscriber_id",
            sqlite_where=text("subscriber_id IS NOT NULL"),
            postgresql_where=text("subscriber_id IS NOT NULL"),
        ),
        CheckConstraint(
            "status IN ('queued', 'sending', 'sent', 'failed', 'bounced', 'cancelled')",
            name="status_valid",
        ),
        # The sender's claim query: due messages in order.
        Index("ix_outbox_status_next_attempt_at", "status", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(40))
    recipient: Mapped[str] = mapped_column(String(EMAIL_MAX))
    # An erased subscriber takes their mail history with them.
    subscriber_id: Mapped[int | None] = mapped_column(
        ForeignKey("subscribers.id", ondelete="CASCADE")
    )
    notice_id: Mapped[int | None] = mapped_column(ForeignKey("notices.id", ondelete="CASCADE"))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    status: Mapped[str] = mapped_column(String(16), default=OutboxStatus.QUEUED)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    lease_owner: Mapped[str | None] = mapped_column(String(100))
    lease_until: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    message_id: Mapped[str | None] = mapped_column(String(300))
    smtp_reply: Mapped[str | None] = mapped_column(String(1000))
    last_error: Mapped[str | None] = mapped_column(String(1000))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    sent_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())

    subscriber: Mapped[Subscriber | None] = relationship()
    notice: Mapped[Notice | None] = relationship()


class Suppression(Base):
    """Addresses that hard-bounced: never mailed again, even after an erase."""

    __tablename__ = "suppressions"

    email: Mapped[str] = mapped_column(String(EMAIL_MAX), primary_key=True)
    reason: Mapped[str] = mapped_column(String(1000))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)


Index("ix_suppressions_email_key", func.lower(Suppression.email))
