"""Render a notice once, then fill in each subscriber's personal links.

A notice goes to thousands of subscribers with the same text except a few personal values
(the objection, preferences and unsubscribe links, the address). Rendering the templates
once with unique placeholders and substituting per subscriber turns the per-mail cost of
the templates into a few string replacements, which keeps the sender close to the speed
of the SMTP server.

A company's override template could use a personal value in a way substitution cannot
reproduce (a filter on it, another attribute of the subscriber). So the first mail of each
notice is also rendered in full and compared: if the two differ, that notice is rendered
in full for everyone. Correctness never depends on the template being "simple".
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any

from flask import current_app
from markupsafe import escape

from subscribe_service.mail.message import RenderedMail

_EXT = "trustsite.notice_renders"
_MAX_ENTRIES = 64  # notices rendered by one sender process at a time; a handful in practice


@dataclass(frozen=True)
class Personal:
    """What differs between two subscribers' copies of the same notice."""

    email: str
    object_url: str | None
    manage_url: str
    unsubscribe_url: str
    unsubscribe_all_url: str


# Letters and digits only: they pass through HTML escaping and URL contexts unchanged.
PLACEHOLDERS = Personal(
    email="trustsiteslot0email",
    object_url="trustsiteslot1object",
    manage_url="trustsiteslot2manage",
    unsubscribe_url="trustsiteslot3unsubscribe",
    unsubscribe_all_url="trustsiteslot4unsubscribeall",
)

Render = Callable[[Personal, Any], RenderedMail]


def render_personal(
    key: Hashable, personal: Personal, subscriber: Any, render: Render
) -> RenderedMail:
    """`render(personal, subscriber)`, from a per-notice template once it proved equal."""
    cache: dict[Hashable, RenderedMail | None] = current_app.extensions.setdefault(_EXT, {})
    if key in cache:
        template = cache[key]
        return _fill(template, personal) if template else render(personal, subscriber)
    full = render(personal, subscriber)
    slots = _placeholders_like(personal)
    template = render(slots, SimpleNamespace(email=slots.email))
    if len(cache) >= _MAX_ENTRIES:
        cache.clear()
    cache[key] = template if _fill(template, personal) == full else None
    return full


def _placeholders_like(personal: Personal) -> Personal:
    # A notice without objections has no objection link for anybody: keep it absent.
    if personal.object_url is None:
        return dataclasses.replace(PLACEHOLDERS, object_url=None)
    return PLACEHOLDERS


def _values(personal: Personal) -> tuple[str | None, ...]:
    # Personal's fields in order, spelled out: dataclasses.astuple deep-copies every
    # value, a measurable cost on every mail. test_render_cache checks it covers them all.
    return (
        personal.email,
        personal.object_url,
        personal.manage_url,
        personal.unsubscribe_url,
        personal.unsubscribe_all_url,
    )


_SLOTS = _values(PLACEHOLDERS)


def _fill(template: RenderedMail, personal: Personal) -> RenderedMail:
    pairs = [
        (slot, value)
        for slot, value in zip(_SLOTS, _values(personal), strict=True)
        if slot is not None and value is not None
    ]
    text, html, subject = template.text, template.html, template.subject
    for slot, value in pairs:
        text = text.replace(slot, value)
        subject = subject.replace(slot, value)
        html = html.replace(slot, str(escape(value)))
    unsubscribe_url = template.unsubscribe_url
    if unsubscribe_url is not None:
        unsubscribe_url = unsubscribe_url.replace(
            PLACEHOLDERS.unsubscribe_url, personal.unsubscribe_url
        )
    return dataclasses.replace(
        template, subject=subject, text=text, html=html, unsubscribe_url=unsubscribe_url
    )
