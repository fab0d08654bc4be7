"""The two kinds of personal request the trust center takes: a copy of the current DPA, and a
data subject request that reached the processor instead of the controller.

Both hold personal data, so they keep only what is needed to answer and refer the request,
are never shown on a public page, can be erased one by one, and are purged after the
retention period set in `data/site.yaml` (`request_retention_days`).
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum

from sqlalchemy import CheckConstraint, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from subscribe_service.infra.models import EMAIL_MAX, Base, UTCDateTime, utcnow


class RequestStatus(StrEnum):
    RECEIVED = "received"
    REFERRED = "referred"
    CLOSED = "closed"


# The values, for the command line's choices and the messages that list them.
REQUEST_STATUSES: tuple[str, ...] = tuple(status.value for status in RequestStatus)
REQUEST_TYPES: dict[str, str] = {
    "access": "access to personal data (a copy of it)",
    "correction": "correction of personal data",
    "deletion": "deletion of personal data",
    "portability": "a portable copy of personal data",
    "opt-out-of-sale": "opt-out of the sale or sharing of personal data",
}
NAME_MAX = 200
COMPANY_MAX = 200
VERSION_MAX = 20
DETAILS_MAX = 4000

_STATUS_CHECK = "status IN ('received', 'referred', 'closed')"


class DpaRequest(Base):
    """A client asking for the current DPA. Repeats within a day are merged into one row."""

    __tablename__ = "dpa_requests"
    __table_args__ = (
        CheckConstraint(_STATUS_CHECK, name="status_valid"),
        # Duplicate lookup (same address and company) and the retention purge.
        Index("ix_dpa_requests_email_company", "email", "company_key"),
        Index("ix_dpa_requests_created_at", "created_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(NAME_MAX))
    email: Mapped[str] = mapped_column(String(EMAIL_MAX))
    company: Mapped[str] = mapped_column(String(COMPANY_MAX))
    # The company as compared for duplicates: case and spacing do not make a new request.
    company_key: Mapped[str] = mapped_column(String(COMPANY_MAX))
    signed_version: Mapped[str | None] = mapped_column(String(VERSION_MAX))
    # The version that was current when the request arrived, i.e. the one mailed out.
    current_version: Mapped[str | None] = mapped_column(String(VERSION_MAX))
    times_requested: Mapped[int] = mapped_column(Integer, default=1)
    status: Mapped[str] = mapped_column(String(16), default=RequestStatus.RECEIVED)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)

    @property
    def ref(self) -> str:
        return f"dpa-{self.id}"


class SubjectRequest(Base):
    """A data subject request sent to the processor, to be referred to the controller."""

    __tablename__ = "subject_requests"
    __table_args__ = (
        CheckConstraint(_STATUS_CHECK, name="status_valid"),
        Index("ix_subject_requests_created_at", "created_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(NAME_MAX))
    email: Mapped[str] = mapped_column(String(EMAIL_MAX))
    request_type: Mapped[str] = mapped_column(String(32))
    controller: Mapped[str] = mapped_column(String(COMPANY_MAX))
    details: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(16), default=RequestStatus.RECEIVED)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)

    @property
    def ref(self) -> str:
        return f"subject-{self.id}"

    @property
    def request_label(self) -> str:
        return REQUEST_TYPES.get(self.request_type, self.request_type)
