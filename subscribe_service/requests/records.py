"""Recording requests, queueing their mails, and the privacy chores: status, erase, purge.

Mails hold only a reference to the request (`{"request_id": ...}`) and are rendered at
send time from the row, so erasing or purging a request also stops any mail about it
that has not gone out yet (the renderer finds nothing and the sender cancels it).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Text, cast, delete, func, select
from sqlalchemy.orm import Session

from subscribe_service.identity.addresses import address_key
from subscribe_service.infra.models import MAX_ROW_ID, OutboxMessage, utcnow
from subscribe_service.mail.outbox import enqueue
from subscribe_service.requests.forms import DpaRequestForm, SubjectRequestForm, company_key
from subscribe_service.requests.models import (
    REQUEST_STATUSES,
    DpaRequest,
    RequestStatus,
    SubjectRequest,
)

# Outbox kinds, and which table each one's `request_id` points into.
DPA_COPY = "dpa_request_copy"  # to the requester: permalink + PDF
DPA_TEAM = "dpa_request_team"  # to the privacy team
SUBJECT_ACK = "subject_request_ack"  # to the individual
SUBJECT_REFERRAL = "subject_request_referral"  # to the privacy team, to forward
KINDS: dict[str, type[DpaRequest] | type[SubjectRequest]] = {
    DPA_COPY: DpaRequest,
    DPA_TEAM: DpaRequest,
    SUBJECT_ACK: SubjectRequest,
    SUBJECT_REFERRAL: SubjectRequest,
}
MERGE_WINDOW = dt.timedelta(days=1)

Request = DpaRequest | SubjectRequest


def add_and_queue(
    session: Session, request: Any, mails: Sequence[tuple[str, str]], **payload: Any
) -> None:
    """Store a new request of any kind and queue its mails, (kind, recipient) each.

    A mail holds only a reference to the request (`request_id`, and what `payload` adds),
    so it is rendered from the row at send time and cancelled if the request is erased
    first. Flushed, not committed: the row and its mails commit with the caller's work.
    """
    session.add(request)
    session.flush()
    reference = {"request_id": request.id, **payload}
    for kind, recipient in mails:
        enqueue(session, kind=kind, recipient=recipient, payload=dict(reference))


def record_dpa_request(
    session: Session,
    form: DpaRequestForm,
    *,
    current_version: str | None,
    pdf_path: str | None,
    privacy_address: str,
    now: dt.datetime | None = None,
) -> DpaRequest:
    """Store the request and queue both mails; a repeat within a day only updates the row.

    A repeat (same address and company) sends nothing new: a double click, or somebody
    pasting another person's address in a loop, must not flood an inbox.
    """
    now = now or utcnow()
    key = company_key(form.company)
    existing = session.scalar(
        select(DpaRequest)
        .where(func.lower(DpaRequest.email) == address_key(form.email))
        .where(DpaRequest.company_key == key)
        .where(DpaRequest.created_at > now - MERGE_WINDOW)
        .order_by(DpaRequest.created_at.desc())
        .limit(1)
    )
    if existing is not None:
        existing.times_requested += 1
        existing.updated_at = now
        existing.name = form.name
        existing.signed_version = form.signed_version or existing.signed_version
        session.flush()
        return existing
    request = DpaRequest(
        name=form.name,
        email=form.email,
        company=form.company,
        company_key=key,
        signed_version=form.signed_version,
        current_version=current_version,
        times_requested=1,
        status=RequestStatus.RECEIVED,
        created_at=now,
        updated_at=now,
    )
    mails = [(DPA_COPY, form.email), (DPA_TEAM, privacy_address)]
    add_and_queue(session, request, mails, version=current_version, pdf=pdf_path)
    return request


def record_subject_request(
    session: Session,
    form: SubjectRequestForm,
    *,
    privacy_address: str,
    now: dt.datetime | None = None,
) -> SubjectRequest:
    now = now or utcnow()
    request = SubjectRequest(
        name=form.name,
        email=form.email,
        request_type=form.request_type,
        controller=form.controller,
        details=form.details,
        status=RequestStatus.RECEIVED,
        created_at=now,
        updated_at=now,
    )
    mails = [(SUBJECT_ACK, form.email), (SUBJECT_REFERRAL, privacy_address)]
    add_and_queue(session, request, mails)
    return request


def request_for(session: Session, message: OutboxMessage) -> Request | None:
    """The request an outbox row is about, or None once it was erased or purged (or when
    the row does not say which: a malformed payload is not sent)."""
    model = KINDS.get(message.kind)
    request_id = request_id_in(message.payload)
    if model is None or request_id is None:
        return None
    return session.get(model, request_id)


def request_id_in(payload: object) -> int | None:
    """The `request_id` of an outbox payload (as stored, or as its JSON text), or None when
    the payload is malformed: not JSON, not an object, or without an id a row can have."""
    if isinstance(payload, str):
        try:
            payload = json.loads(payload)
        except ValueError:
            return None
    request_id = payload.get("request_id") if isinstance(payload, dict) else None
    if isinstance(request_id, bool) or not isinstance(request_id, int):
        return None
    return request_id if 0 < request_id <= MAX_ROW_ID else None


def mails_about(
    session: Session,
    kinds: Collection[str],
    ids: set[int],
    *,
    recipients: Collection[str] = (),
    older_than: dt.datetime | None = None,
) -> list[int]:
    """The outbox rows of `kinds` about one of the requests `ids`. A row whose payload is
    malformed names no request: it goes with an erased request it was addressed to
    (`recipients`) and with the retention purge (`older_than`), so it can neither block
    an erasure or a purge nor outlive them. Payloads are read as text and parsed here
    (a JSON column's own parsing would fail on a broken one), and filtered in Python:
    JSON path queries differ between SQLite and PostgreSQL, and request mails are few."""
    addressed = {r.casefold() for r in recipients}
    rows = session.execute(
        select(
            OutboxMessage.id,
            OutboxMessage.recipient,
            OutboxMessage.created_at,
            cast(OutboxMessage.payload, Text),
        ).where(OutboxMessage.kind.in_(list(kinds)))
    )
    doomed = []
    for pk, recipient, created_at, payload in rows:
        request_id = request_id_in(payload)
        if request_id is not None:
            if request_id in ids:
                doomed.append(pk)
        elif recipient.casefold() in addressed or (
            older_than is not None and created_at < older_than
        ):
            doomed.append(pk)
    return doomed


# --- the `requests` command's operations ---------------------------------------------------


class UnknownRequest(LookupError):
    pass


def parse_ref(ref: str) -> tuple[type[DpaRequest] | type[SubjectRequest], int]:
    """`dpa-12` or `subject-7`, as `requests list` shows them."""
    kind, _, number = ref.strip().lower().partition("-")
    models = {"dpa": DpaRequest, "subject": SubjectRequest}
    if kind not in models or not number.isdigit():
        raise UnknownRequest(f"{ref!r} is not a request id; write it as dpa-12 or subject-7")
    return models[kind], int(number)


def get_request(session: Session, ref: str) -> Request:
    model, number = parse_ref(ref)
    request = session.get(model, number)
    if request is None:
        raise UnknownRequest(f"no request {ref} (it may have been erased or purged)")
    return request


def list_requests(session: Session, status: str | None = None) -> list[Request]:
    rows: list[Request] = []
    for model in (DpaRequest, SubjectRequest):
        query = select(model)
        if status:
            query = query.where(model.status == status)
        rows.extend(session.scalars(query))
    return sorted(rows, key=lambda r: (r.created_at, r.ref))


def update_status(
    session: Session, ref: str, status: str, now: dt.datetime | None = None
) -> Request:
    if status not in REQUEST_STATUSES:
        raise ValueError(f"status must be one of {', '.join(REQUEST_STATUSES)}")
    request = get_request(session, ref)
    request.status = status
    request.updated_at = now or utcnow()
    session.flush()
    return request


def erase(session: Session, ref: str) -> None:
    """Delete a request and every mail about it (sent or not: the copies hold its data)."""
    request = get_request(session, ref)
    _delete_mails(session, type(request), {request.id}, recipients=[request.email])
    session.delete(request)
    session.flush()


@dataclass(frozen=True)
class Purged:
    dpa: int
    subject: int
    mails: int

    def __str__(self) -> str:
        return (
            f"purged {self.dpa} DPA request(s), {self.subject} data subject request(s) "
            f"and {self.mails} mail(s) about them"
        )


def purge(session: Session, retention_days: int, now: dt.datetime | None = None) -> Purged:
    """Delete requests older than the retention period, with the mails about them."""
    cutoff = (now or utcnow()) - dt.timedelta(days=retention_days)
    counts: dict[str, int] = {}
    mails = 0
    for name, model in (("dpa", DpaRequest), ("subject", SubjectRequest)):
        ids = set(session.scalars(select(model.id).where(model.created_at < cutoff)))
        mails += _delete_mails(session, model, ids, older_than=cutoff)
        if ids:
            session.execute(delete(model).where(model.id.in_(ids)))
        counts[name] = len(ids)
    session.flush()
    return Purged(dpa=counts["dpa"], subject=counts["subject"], mails=mails)


def _delete_mails(
    session: Session,
    model: type[DpaRequest] | type[SubjectRequest],
    ids: set[int],
    *,
    recipients: Collection[str] = (),
    older_than: dt.datetime | None = None,
) -> int:
    kinds = [kind for kind, target in KINDS.items() if target is model]
    doomed = mails_about(session, kinds, ids, recipients=recipients, older_than=older_than)
    if doomed:
        session.execute(delete(OutboxMessage).where(OutboxMessage.id.in_(doomed)))
    return len(doomed)
