"""Mail building (headers, parts, injection) and signed links (salts, expiry, rotation)."""

from __future__ import annotations

import time

import pytest
from itsdangerous import timed

from subscribe_service.identity import tokens
from subscribe_service.mail.message import HeaderInjectionError, RenderedMail, build_message

CONFIG = {
    "SITE_URL": "https://trust.larkspur.example/",
    "MAIL_DEFAULT_SENDER": "Larkspur Relay <notices@trust.larkspur.example>",
    "COMPANY_NAME": "Larkspur Relay",
    "SECRET_KEY": "new-key",
    "OLD_SECRET_KEYS": "",
}


def rendered(**changes) -> RenderedMail:
    base = {
        "subject": "Sub-processor change",
        "text": "A long line " * 20 + "\nhttps://trust.larkspur.example/x\n",
        "html": "<p>Hello</p>",
        "list_id": "Larkspur Relay sub-processors <subprocessors.trust.larkspur.example>",
        "unsubscribe_url": "https://trust.larkspur.example/unsubscribe/" + "t" * 120,
    }
    return RenderedMail(**(base | changes))


def test_message_has_every_promised_header_and_both_parts():
    msg = build_message(CONFIG, rendered(), "ann@example.com")
    assert msg["Message-ID"].endswith("@trust.larkspur.example>")
    assert msg["Date"] and msg["Auto-Submitted"] == "auto-generated"
    assert msg["List-Id"].endswith("<subprocessors.trust.larkspur.example>")
    # A long URL stays one readable header value (not RFC 2047-encoded).
    assert (
        msg["List-Unsubscribe"] == "<https://trust.larkspur.example/unsubscribe/" + "t" * 120 + ">"
    )
    assert b"=?utf-8?" not in msg.as_bytes()
    assert msg["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert msg.get_content_type() == "multipart/alternative"
    assert msg.get_body(("plain",)).get_content().startswith("A long line")
    assert msg.get_body(("html",)).get_content().strip() == "<p>Hello</p>"


@pytest.mark.parametrize(
    "changes",
    [
        {"subject": "Hello\r\nBcc: victim@example.com"},
        {"list_id": "x\nBcc: y"},
        {"unsubscribe_url": "https://a.example/\r\nX: y"},
        {"extra_headers": {"X-Change": "a\nb"}},
    ],
)
def test_line_breaks_in_headers_are_refused(changes):
    with pytest.raises(HeaderInjectionError):
        build_message(CONFIG, rendered(**changes), "ann@example.com")


def test_tokens_have_one_salt_per_purpose():
    token = tokens.make_token("manage", 7, 2, CONFIG)
    data = tokens.read_token("manage", token, CONFIG)
    assert (data.subscriber_id, data.token_version) == (7, 2)
    for other in ("confirm", "unsubscribe", "export", "object"):
        with pytest.raises(tokens.TokenError) as err:
            tokens.read_token(other, token, CONFIG)
        assert err.value.reason == "forged"  # well formed, not signed for this purpose


def test_the_documented_token_shape_is_what_the_signer_writes():
    """TOKEN_PATTERN and the lengths in the OpenAPI document cover every link we sign
    (short, long, compressed payloads); other shapes are damaged before any signature."""
    import re

    signed = [
        tokens.make_token("manage", 1, 0, CONFIG),
        tokens.make_token("confirm", 2**40, 9, CONFIG, t=["dpa", "security"] * 20),
        tokens.make_token("object", 3, 1, CONFIG, n="x" * 300),  # compressed: leading "."
    ]
    assert signed[2].startswith(".")
    for token in signed:
        assert re.match(tokens.TOKEN_PATTERN, token), token
        assert tokens.MIN_TOKEN_LENGTH <= len(token) <= tokens.MAX_TOKEN_LENGTH
    for damaged in ("abc", "a.b.c", signed[0][:-1], signed[0] + "=", "x" * 1001, ""):
        with pytest.raises(tokens.TokenError) as err:
            tokens.read_token("manage", damaged, CONFIG)
        assert err.value.reason == "invalid"


def test_confirm_links_expire_after_72_hours(monkeypatch):
    issued = time.time() - 72 * 3600 - 5
    monkeypatch.setattr(timed.time, "time", lambda: issued)
    token = tokens.make_token("confirm", 1, 1, CONFIG, t=["dpa"])
    monkeypatch.undo()
    with pytest.raises(tokens.TokenError) as err:
        tokens.read_token("confirm", token, CONFIG)
    assert err.value.reason == "expired"
    # The same age is fine for a link that only expires when revoked.
    monkeypatch.setattr(timed.time, "time", lambda: issued)
    manage = tokens.make_token("manage", 1, 1, CONFIG)
    monkeypatch.undo()
    assert tokens.read_token("manage", manage, CONFIG).subscriber_id == 1


def test_key_rotation_keeps_old_links_working():
    old_config = CONFIG | {"SECRET_KEY": "old-key"}
    old_link = tokens.make_token("unsubscribe", 3, 1, old_config)
    with pytest.raises(tokens.TokenError):
        tokens.read_token("unsubscribe", old_link, CONFIG)
    rotated = CONFIG | {"OLD_SECRET_KEYS": "older-key, old-key"}
    assert tokens.read_token("unsubscribe", old_link, rotated).subscriber_id == 3
    # New links are signed with the new key: valid without the old ones.
    new_link = tokens.make_token("unsubscribe", 3, 1, rotated)
    assert tokens.read_token("unsubscribe", new_link, CONFIG).subscriber_id == 3


def test_revoked_link(app, client):
    from subscribe_service.infra.db import session_scope
    from subscribe_service.infra.models import Subscriber, utcnow

    with app.app_context(), session_scope(app) as s:
        sub = Subscriber(
            email="r@example.com", status="confirmed", token_version=1, created_at=utcnow()
        )
        s.add(sub)
        s.flush()
        sid = sub.id
        link = tokens.make_token("manage", sid, 1)
    assert client.get(f"/manage/{link}").status_code == 200
    with app.app_context(), session_scope(app) as s:
        s.get(Subscriber, sid).token_version = 2
    response = client.get(f"/manage/{link}")
    assert response.status_code == 410 and "withdrawn" in response.get_json()["detail"]


def test_templates_can_be_overridden(make_app, tmp_path, smtp_server, send_all):
    override = tmp_path / "templates" / "mail"
    override.mkdir(parents=True)
    (override / "confirm.txt").write_text("Custom wording. Confirm: {{ confirm_url }}\n")
    app = make_app(TEMPLATE_DIR=str(tmp_path / "templates"))
    app.test_client().post("/api/subscriptions", json={"email": "o@example.com"})
    send_all(app)
    [mail] = smtp_server.messages
    assert mail.get_body(("plain",)).get_content().startswith("Custom wording. Confirm: http")
    assert "Confirm your subscription" in mail.get_body(("html",)).get_content()  # built-in
