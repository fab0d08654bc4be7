"""Rate limits (Flask-Limiter): per client IP and per target address.

The per-address limit stops anyone from flooding one inbox with confirmation mails
from many IPs. Storage is in memory by default (one process); point
TRUSTSITE_RATELIMIT_STORAGE_URI at Redis so limits hold across gunicorn workers.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Flask, current_app, request
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address

from subscribe_service.validation import InvalidInput, normalise_email

# Endpoints that make the service send mail to an address taken from the request.
MAILING_ENDPOINTS = ("api.subscribe", "api.manage_link")
# Other parts add theirs here in their init_app (which runs before this module's).
EXTRA_ENDPOINTS_KEY = "trustsite.mailing_endpoints"


def target_address() -> str:
    """The normalised address a request asks us to mail (the rate-limit key)."""
    data: Any = request.get_json(silent=True) if request.is_json else request.form
    value = data.get("email") if isinstance(data, dict) or hasattr(data, "get") else None
    try:
        return "to:" + normalise_email(value)
    except InvalidInput:
        return "to:invalid"


def _config_limit(name: str) -> Callable[[], str]:
    return lambda: current_app.config[name]


def init_app(app: Flask) -> None:
    limiter = Limiter(key_func=get_remote_address, app=app)
    app.extensions["trustsite.limiter"] = limiter
    for endpoint in (*MAILING_ENDPOINTS, *app.extensions.get(EXTRA_ENDPOINTS_KEY, ())):
        view = app.view_functions[endpoint]
        per_address = limiter.limit(
            _config_limit("LIMIT_PER_ADDRESS"), key_func=target_address, methods=["POST"]
        )
        per_ip = limiter.limit(_config_limit("LIMIT_PER_IP"), methods=["POST"])
        app.view_functions[endpoint] = per_ip(per_address(view))
