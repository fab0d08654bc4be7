"""The helpers every mail renderer uses: `render_mail` (templates/mail/ or a company's
override) and a topic's List-Id.

Rendering happens in the sender, not when the mail is queued, so a mail reflects the
state at send time: a renderer returns None when the mail should no longer go out
(the subscriber unsubscribed or was erased), and the sender cancels it. A renderer
only reads the session. create_app registers each kind with its renderer.
"""

from __future__ import annotations

from typing import Any

from flask import current_app, render_template

from generator.contract import TOPIC_TITLES
from subscribe_service.mail.message import RenderedMail, list_id


def topic_list_id(topic: str) -> str:
    return list_id(current_app.config, topic, TOPIC_TITLES.get(topic, topic))


def mail_context(**extra: Any) -> dict[str, Any]:
    """Names every mail template can use."""
    cfg = current_app.config
    return {
        "company": cfg["COMPANY_NAME"],
        "site_url": cfg["SITE_URL"],
        "brand_logo_url": cfg.get("BRAND_LOGO_URL"),
        "brand_color": cfg.get("BRAND_COLOR") or "#3f51b5",
        "topic_titles": TOPIC_TITLES,
        **extra,
    }


def render_mail(
    template: str,
    *,
    subject: str,
    list_id: str | None,
    unsubscribe_url: str | None,
    extra_headers: dict[str, str] | None = None,
    attachments: list[tuple[str, str, bytes]] | None = None,
    folder: str = "mail",
    **context: Any,
) -> RenderedMail:
    """Render templates/<folder>/<template>.txt and .html (TRUSTSITE_TEMPLATE_DIR first)."""
    ctx = mail_context(subject=subject, unsubscribe_url=unsubscribe_url, **context)
    return RenderedMail(
        subject=subject,
        text=render_template(f"{folder}/{template}.txt", **ctx),
        html=render_template(f"{folder}/{template}.html", **ctx),
        list_id=list_id,
        unsubscribe_url=unsubscribe_url,
        extra_headers=extra_headers or {},
        attachments=attachments or [],
    )
