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
            regions_all=site_region_names(),
            **context,
        ),
        status,
    )


def site_product_names() -> dict[str, str]:
    """The built site's products (service.json), id -> name; none before it was built."""
    info = published_site().peek()
    return {p.id: p.name for p in info.products} if info is not None else {}


def site_region_names() -> dict[str, str]:
    """The built site's regions (service.json), id -> name; none before it was built."""
    info = published_site().peek()
    return {r.id: r.name for r in info.regions} if info is not None else {}


def site_scope_names() -> dict[str, str]:
    """Product and region ids -> their names (contract.value_words); none before a build."""
    info = published_site().peek()
    return info.scope_names() if info is not None else {}


def product_names(products: list[str] | None) -> list[str]:
    """The names of `products` as the site calls them (an id the site no longer has is
    shown as itself); empty for every product."""
    names = site_product_names()
    return [names.get(p, p) for p in products or ()]


def region_names(regions: list[str] | None) -> list[str]:
    """The names of `regions`, as `product_names` does for products."""
    names = site_region_names()
    return [names.get(r, r) for r in regions or ()]


def scope_sentence(products: list[str] | None, regions: list[str] | None) -> str:
    """" Sub-processor changes only for: <products>; only in: <regions>.", by name; empty
    for a subscriber of everything."""
    parts = []
    if products:
        parts.append(f"only for: {', '.join(product_names(products))}")
    if regions:
        parts.append(f"only in: {', '.join(region_names(regions))}")
    return f" Sub-processor changes {'; '.join(parts)}." if parts else ""


def message(title: str, *paragraphs: str, status: int = 200, **links: str) -> tuple[str, int]:
    """A page that tells the outcome of an action in plain sentences."""
    return page("message.html", status, title=title, paragraphs=paragraphs, links=links)
