"""Absolute URLs of the service's personal pages, for mails (no request needed)."""

from __future__ import annotations

from typing import Any

from flask import current_app

from subscribe_service.identity import tokens
from subscribe_service.infra.models import Subscriber


def service_url(path: str = "", config: Any = None) -> str:
    cfg = config if config is not None else current_app.config
    return cfg["SERVICE_URL"] + path.lstrip("/")


def site_url(path: str = "", config: Any = None) -> str:
    cfg = config if config is not None else current_app.config
    return cfg["SITE_URL"] + path.lstrip("/")


def confirm_url(
    subscriber: Subscriber,
    topics: list[str],
    products: list[str] | None = None,
    regions: list[str] | None = None,
) -> str:
    """`products` (`regions`) ride along only when the request named some (absent: every
    product, every region)."""
    extra: dict[str, Any] = {"t": topics}
    if products is not None:
        extra["p"] = products
    if regions is not None:
        extra["r"] = regions
    token = tokens.make_token("confirm", subscriber.id, subscriber.token_version, **extra)
    return service_url(f"confirm/{token}")


def manage_url(subscriber: Subscriber) -> str:
    token = tokens.make_token("manage", subscriber.id, subscriber.token_version)
    return service_url(f"manage/{token}")


def unsubscribe_url(subscriber: Subscriber, topic: str | None = None) -> str:
    """One-click (RFC 8058) URL: leaves `topic`, or everything when topic is None."""
    token = tokens.make_token("unsubscribe", subscriber.id, subscriber.token_version, t=topic)
    return service_url(f"unsubscribe/{token}")


def export_url(subscriber: Subscriber) -> str:
    token = tokens.make_token("export", subscriber.id, subscriber.token_version)
    return service_url(f"export/{token}")
