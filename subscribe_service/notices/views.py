"""The personal objection page: `/object/<token>` from a sub-processor notice.

GET shows the change and a reason field and changes nothing (mail scanners follow
links); POST records the objection and answers whether it arrived before the deadline.
The signed token (salt "object") names the subscriber and the notice; it is the only
credential, like every personal link of the service.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, request
from sqlalchemy.orm import Session

from subscribe_service.identity import tokens
from subscribe_service.infra.db import get_session
from subscribe_service.infra.models import Notice, Subscriber
from subscribe_service.notices.models import REASON_MAX
from subscribe_service.notices.objections import (
    ReasonTooLong,
    clean_reason,
    find_objection,
    record_objection,
)
from subscribe_service.notices.render import (
    FIELD_LABELS,
    accepts_objections,
    date_context,
    field_words,
    long_date,
    notice_site,
    scoped_change,
)
from subscribe_service.subscribers.lifecycle import load_subscriber
from subscribe_service.web.pages import page
from subscribe_service.web.problems import problem

bp = Blueprint("objections", __name__)


@bp.route("/object/<token>", methods=["GET", "POST"])
def object_change(token: str) -> Any:
    session = get_session()
    # A bad, expired or withdrawn link raises TokenError: the service's error page says which.
    data = tokens.read_token("object", token)
    subscriber = load_subscriber(session, data)
    notice = _notice(session, data.extra.get("n"))
    if notice is None:
        return problem(
            404,
            "No objections here",
            "This change does not take objections through this page; "
            "write to the privacy team instead.",
        )
    context = _context(subscriber, notice)
    if request.method == "GET":
        objection = find_objection(session, subscriber, notice)
        return _page("object.html", 200, objection=objection, **context)
    try:
        reason = clean_reason(request.form.get("reason"))
    except ReasonTooLong as err:
        # Give the text back so nothing the subscriber wrote is lost.
        return _page(
            "object.html",
            400,
            objection=None,
            error=str(err),
            reason=request.form.get("reason", ""),
            **context,
        )
    recorded = record_objection(session, subscriber, notice, reason)
    return _page(
        "object_done.html",
        200,
        objection=recorded.objection,
        updated=recorded.updated,
        **context,
    )


def _notice(session: Session, notice_id: object) -> Notice | None:
    if not isinstance(notice_id, int):
        return None
    notice = session.get(Notice, notice_id)
    if notice is None or not accepts_objections(notice):
        return None
    return notice


def _context(subscriber: Subscriber, notice: Notice) -> dict[str, Any]:
    return {
        "subscriber": subscriber,
        # The part of the change that reaches the subscriber, as their notice showed it.
        "change": scoped_change(notice, subscriber.product_ids, subscriber.region_ids),
        "site": notice_site(notice),
        "field_labels": FIELD_LABELS,
        "field_value": field_words(),
        "long_date": long_date,
        **date_context(notice),
    }


def _page(template: str, status: int, **context: Any) -> tuple[str, int]:
    # Personal pages: the service's security headers already forbid caching and Referer.
    return page(template, status, folder="notices", reason_max=REASON_MAX, **context)
