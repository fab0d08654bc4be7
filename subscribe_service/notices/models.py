"""The objections table: a subscriber's objection to one change (GDPR Art. 28(2))."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, Integer, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from generator.contract import objection_on_time
from subscribe_service.infra.models import Base, Notice, Subscriber, UTCDateTime, utcnow

REASON_MAX = 5000  # characters; a paragraph or two, never a document


class Objection(Base):
    """One per subscriber and change: objecting again updates the reason, never duplicates."""

    __tablename__ = "objections"
    __table_args__ = (
        UniqueConstraint("subscriber_id", "notice_id", name="uq_objections_subscriber_notice"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # An erased subscriber takes their objections along; the privacy team keeps its copy
    # of each one in the mail it received.
    subscriber_id: Mapped[int] = mapped_column(
        ForeignKey("subscribers.id", ondelete="CASCADE"), index=True
    )
    notice_id: Mapped[int] = mapped_column(ForeignKey("notices.id", ondelete="CASCADE"), index=True)
    reason: Mapped[str] = mapped_column(Text, default="")
    # When it first arrived: that is what counts against the objection deadline.
    objected_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)

    subscriber: Mapped[Subscriber] = relationship()
    notice: Mapped[Notice] = relationship()

    @property
    def deadline(self) -> dt.date | None:
        value = self.notice.change.get("objection_deadline")
        return dt.date.fromisoformat(value) if value else None

    @property
    def on_time(self) -> bool:
        """Arrived before the end of the deadline's day in the company's time zone (the
        contract's one rule); no deadline: on time."""
        zone = (self.notice.site or {}).get("timezone") or "UTC"
        at = self.objected_at
        if at.tzinfo is None:
            at = at.replace(tzinfo=dt.UTC)  # stored in UTC (UTCDateTime)
        try:
            return objection_on_time(self.deadline, zone, at)
        except ValueError:  # a zone notify would have refused: count in UTC
            return objection_on_time(self.deadline, "UTC", at)
