"""Shared helpers for the HTML pages reached from links in mails."""

from __future__ import annotations

from typing import Any

from flask import current_app, render_template

from generator.contract import TOPIC_TITLES, TOPICS


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
            **context,
        ),
        status,
    )


def message(title: str, *paragraphs: str, status: int = 200, **links: str) -> tuple[str, int]:
    """A page that tells the outcome of an action in plain sentences."""
    return page("message.html", status, title=title, paragraphs=paragraphs, links=links)
