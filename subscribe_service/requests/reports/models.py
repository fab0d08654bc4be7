"""Requests for the security audit reports, and each download of one.

A request records the click-through NDA the requester accepted (its version, and when),
then the security team's decision. An approved request gets a signed download link; every
download is a row, which is also how "once per day" is enforced (a unique day per request).
Like the other requests they hold personal data: listed, exported, erased one by one and
purged after `request_retention_days`, downloads with them.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum

from sqlalchemy import CheckConstraint, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from subscribe_service.infra.models import EMAIL_MAX, Base, UTCDateTime, utcnow
from subscribe_service.requests.models import COMPANY_MAX, NAME_MAX, VERSION_MAX


class ReportStatus(StrEnum):
    RECEIVED = "received"
    APPROVED = "approved"
    DECLINED = "declined"


REPORT_STATUSES: tuple[str, ...] = tuple(status.value for status in ReportStatus)
REPORT_ID_MAX = 63


class ReportRequest(Base):
    __tablename__ = "report_requests"
    __table_args__ = (
        CheckConstraint("status IN ('received', 'approved', 'declined')", name="status_valid"),
        Index("ix_report_requests_created_at", "created_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(NAME_MAX))
    email: Mapped[str] = mapped_column(String(EMAIL_MAX))
    company: Mapped[str] = mapped_column(String(COMPANY_MAX))
    report: Mapped[str] = mapped_column(String(REPORT_ID_MAX))
    nda_version: Mapped[str] = mapped_column(String(VERSION_MAX))
    nda_accepted_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    status: Mapped[str] = mapped_column(String(16), default=ReportStatus.RECEIVED)
    decided_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    # Set on approval; the link in the mail stops working after it.
    link_expires_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)

    @property
    def ref(self) -> str:
        return f"report-{self.id}"


class ReportDownload(Base):
    __tablename__ = "report_downloads"
    __table_args__ = (UniqueConstraint("request_id", "day", name="uq_report_downloads_day"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    request_id: Mapped[int] = mapped_column(
        ForeignKey("report_requests.id", ondelete="CASCADE"), index=True
    )
    day: Mapped[str] = mapped_column(String(10))  # YYYY-MM-DD (UTC): one download a day
    downloaded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
