"""Limits on what a personal link can do: per link (token) and per subscriber address.

Every POST reached through a mailed link writes rows and some queue mail: an objection
queues a receipt and a copy to the privacy team, an export mails the subscriber's data.
Without a limit, one link posted in a loop filled the outbox (40 posts, 40 alerts). Each
such endpoint counts a request under its link (a hash of the token, never the token) and
under the address the link belongs to (the same per-address key the subscribe limits use),
in every window of TRUSTSITE_LIMIT_PER_TOKEN and TRUSTSITE_LIMIT_PER_ADDRESS, counted per
endpoint, before the view runs: a refusal is a 429 with Retry-After and writes nothing.

There is no per-IP window here: RFC 8058 one-click unsubscribes arrive from a mail
provider's few servers for thousands of subscribers at once, and a link that does not
verify is refused by its view without writing anything, so it is not counted either.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import Flask, request

from subscribe_service.identity import tokens
from subscribe_service.infra.db import get_session
from subscribe_service.infra.models import Subscriber
from subscribe_service.subscribers.lifecycle import load_subscriber
from subscribe_service.web import limits

# endpoint -> the purpose its token is signed for.
LINK_ENDPOINTS = {
    "confirm.confirm": "confirm",
    "manage.save": "manage",
    "manage.export": "manage",
    "manage.erase": "manage",
    "unsubscribe.one_click": "unsubscribe",
    "objections.object_change": "object",
}


def link_key(token: str) -> str:
    """A link's identity in the limit store: a digest, so the store never holds a token."""
    return "link:" + hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()[:32]


def _subscriber_of(purpose: str, token: str) -> Subscriber | None:
    """The subscriber a valid, current link names; None for any other link (its view
    refuses it with the usual 4xx and writes nothing)."""
    try:
        return load_subscriber(get_session(), tokens.read_token(purpose, token))
    except tokens.TokenError:
        return None


def _limited(
    view: Callable[..., Any], endpoint: str, purpose: str, counter: limits.MailingLimits
) -> Callable[..., Any]:
    @wraps(view)
    def limited_view(*args: Any, **kwargs: Any) -> Any:
        token = kwargs.get("token")
        if request.method == "POST" and isinstance(token, str):
            subscriber = _subscriber_of(purpose, token)
            if subscriber is not None:
                address = limits.address_limit_key(subscriber.email)
                counter.check(endpoint, link_key(token), address)
        return view(*args, **kwargs)

    return limited_view


def init_app(app: Flask) -> None:
    """Wrap the link endpoints this app has (call after every blueprint is registered)."""
    limiter = app.extensions.get("trustsite.limiter")
    if limiter is None or not limiter.enabled:
        return
    counter = limits.MailingLimits(
        limiter,
        app.config["LIMIT_PER_TOKEN"],
        app.config["LIMIT_PER_ADDRESS"],
        prefix=app.config.get("RATELIMIT_KEY_PREFIX") or "",
    )
    for endpoint, purpose in LINK_ENDPOINTS.items():
        if endpoint in app.view_functions:
            app.view_functions[endpoint] = _limited(
                app.view_functions[endpoint], endpoint, purpose, counter
            )
