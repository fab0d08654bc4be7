"""Shared helpers for the HTML pages reached from links in mails."""

from __future__ import annotations

from typing import Any

from flask import current_app, render_template

from generator.contract import TOPIC_TITLES, TOPICS
from subscribe_service.infra.published_site import published_site


def page(
    template: str, status: int = 200, *, folder: str = "pages", **context: Any
) -> tuple[str, int]:
    """Render <folder>/<template> with the names every page uses."""
    cfg = current_app.config
    return (
        render_template(
            f"{folder}/{template}",
            company=cfg["COMPANY_NAME"],
            site_url=cfg["SITE_URL"],
            topics_all=TOPICS,
            topic_titles=TOPIC_TITLES,
            products_all=site_product_names(),
            **context,
        ),
        status,
    )


def site_product_names() -> dict[str, str]:
    """The built site's products (service.json), id -> name; none before it was built."""
    info = published_site().peek()
    return {p.id: p.name for p in info.products} if info is not None else {}


def product_names(products: list[str] | None) -> list[str]:
    """The names of `products` as the site calls them (an id the site no longer has is
    shown as itself); empty for every product."""
    names = site_product_names()
    return [names.get(p, p) for p in products or ()]


def message(title: str, *paragraphs: str, status: int = 200, **links: str) -> tuple[str, int]:
    """A page that tells the outcome of an action in plain sentences."""
    return page("message.html", status, title=title, paragraphs=paragraphs, links=links)
