"""Reading the mails the real SMTP server received, as a subscriber's mail client would."""

from __future__ import annotations

import re
from email.message import EmailMessage
from urllib.parse import urlsplit

LINK = re.compile(r"https?://[^\s<>\"']+")


def text_of(msg: EmailMessage) -> str:
    part = msg.get_body(("plain",))
    assert part is not None, "the mail has no text/plain part"
    return part.get_content()


def html_of(msg: EmailMessage) -> str:
    part = msg.get_body(("html",))
    assert part is not None, "the mail has no text/html part"
    return part.get_content()


def links_in(msg: EmailMessage, kind: str) -> list[str]:
    """Links to /<kind>/... found in the text part (checked to be in the HTML part too)."""
    text_links = [u for u in LINK.findall(text_of(msg)) if urlsplit(u).path.startswith(f"/{kind}/")]
    html = html_of(msg)
    for url in text_links:
        assert url.replace("&", "&amp;") in html or url in html, f"{url} missing from the HTML part"
    return text_links


def link(msg: EmailMessage, kind: str) -> str:
    found = links_in(msg, kind)
    assert found, f"no /{kind}/ link in the mail"
    return found[0]


def path_of(url: str) -> str:
    return urlsplit(url).path


def unsubscribe_header_url(msg: EmailMessage) -> str:
    value = msg["List-Unsubscribe"]
    assert value and value.startswith("<") and value.endswith(">"), value
    return value[1:-1]
