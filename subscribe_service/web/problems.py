"""Every error as RFC 9457 application/problem+json (or a readable page for a browser).

Nothing a client sends may produce a 500: bad input, bad links, limits and unknown
URLs all end here with a 4xx that says what to fix.
"""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask, Response, json, render_template, request
from flask_limiter import RateLimitExceeded
from sqlalchemy.exc import OperationalError
from werkzeug.exceptions import HTTPException

from subscribe_service.identity.addresses import InvalidInput
from subscribe_service.identity.tokens import TokenError
from subscribe_service.web.limits import LimitStoreUnavailable, RateLimited

log = logging.getLogger("subscribe_service")

PROBLEM_TYPE = "application/problem+json"


def wants_html() -> bool:
    """A browser navigating (not a script calling the API) gets an HTML page."""
    best = request.accept_mimetypes.best_match(["application/json", PROBLEM_TYPE, "text/html"])
    return best == "text/html"


def problem(
    status: int,
    title: str,
    detail: str,
    *,
    headers: dict[str, str] | None = None,
    **extra: Any,
) -> Response:
    if wants_html():
        body = render_template("pages/error.html", status=status, title=title, detail=detail)
        response = Response(body, status=status, mimetype="text/html")
    else:
        payload = {
            "type": "about:blank",
            "title": title,
            "status": status,
            "detail": detail,
            **extra,
        }
        response = Response(json.dumps(payload), status=status, mimetype=PROBLEM_TYPE)
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def _invalid_input(err: InvalidInput) -> Response:
    return problem(
        err.status,
        "Invalid input",
        err.detail,
        invalid_params=[{"name": err.field, "reason": err.detail}],
    )


def _token_error(err: TokenError) -> Response:
    titles = {"expired": "Link expired", "revoked": "Link withdrawn"}
    # Malformed: 400. Well formed but not signed by us: 404, as for a page that is not
    # there (no link of ours leads to it). Expired or withdrawn: 410.
    status = {"invalid": 400, "forged": 404}.get(err.reason, 410)
    return problem(status, titles.get(err.reason, "Link not valid"), err.detail)


def _too_many(retry_after: int | None) -> Response:
    return problem(
        429,
        "Too many requests",
        "Too many requests from here or for this address. Wait a while and try again.",
        headers={"Retry-After": str(retry_after)} if retry_after else {},
    )


def _rate_limited(err: RateLimited) -> Response:
    return _too_many(err.retry_after)


def _limiter_refused(err: RateLimitExceeded) -> Response:
    """A limit declared with Flask-Limiter's own decorators (none of ours, by default)."""
    try:
        return _too_many(int(err.limit.limit.get_expiry()))
    except AttributeError:
        return _too_many(None)


def _limit_store_down(_err: LimitStoreUnavailable) -> Response:
    # Failing closed: without the shared counters nothing stops an inbox being flooded.
    return problem(
        503, "Service unavailable", "Try again in a minute.", headers={"Retry-After": "60"}
    )


def _http_error(err: HTTPException) -> Response:
    status = err.code or 400
    detail = err.description or err.name
    if status == 413:
        detail = "The request body is too large."
    if status == 405:
        response = problem(status, err.name, detail)
        allowed = err.get_response().headers.get("Allow")
        if allowed:
            response.headers["Allow"] = allowed
        return response
    return problem(status, err.name, detail)


def _database_down(err: OperationalError) -> Response:
    log.error("database unavailable: %s", err)
    return problem(
        503, "Service unavailable", "Try again in a minute.", headers={"Retry-After": "60"}
    )


def _unexpected(err: Exception) -> Response:
    log.exception("unexpected error on %s %s", request.method, request.path)
    return problem(500, "Internal error", "Something went wrong on our side; nothing was lost.")


def init_app(app: Flask) -> None:
    app.register_error_handler(InvalidInput, _invalid_input)
    app.register_error_handler(TokenError, _token_error)
    app.register_error_handler(RateLimited, _rate_limited)
    app.register_error_handler(RateLimitExceeded, _limiter_refused)
    app.register_error_handler(LimitStoreUnavailable, _limit_store_down)
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(OperationalError, _database_down)
    app.register_error_handler(Exception, _unexpected)
