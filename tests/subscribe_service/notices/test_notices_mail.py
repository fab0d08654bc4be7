"""The notice as a subscriber's mail client receives it, from a real SMTP server."""

from __future__ import annotations

import email.utils
import re

from sqlalchemy import select

from subscribe_service.identity import tokens
from subscribe_service.infra.db import session_scope
from subscribe_service.infra.models import Subscriber
from subscribe_service.subscribers.lifecycle import unsubscribe, update_topics
from tests.support.changes_data import DPA_21, NEW_SUBPROCESSOR
from tests.support.notices_helpers import add_subscriber_to, invoke, outbox_rows
from tests.support.service_mail import html_of, link, path_of, text_of, unsubscribe_header_url

SERVICE = "http://127.0.0.1:8000"


def notify_and_send(app, changes_file, send_all, *records):
    result = invoke(app, "notify", "--all", str(changes_file(*records)))
    assert result.exit_code == 0, result.output
    return send_all(app)


def test_subprocessor_notice_says_what_changed_and_how_to_object(
    app, changes_file, smtp_server, send_all
):
    add_subscriber_to(app, "ann@client.example", topics=["subprocessors"])
    counts = notify_and_send(app, changes_file, send_all, NEW_SUBPROCESSOR)
    assert counts.sent == 1
    [mail] = smtp_server.messages_to("ann@client.example")

    assert mail["Subject"] == (
        "Larkspur Relay sub-processor change, effective 1 March 2025: "
        "Adds Brightwave Mail for transactional email and a second hosting region."
    )
    assert mail["List-Id"] == "Larkspur Relay Sub-processors <subprocessors.127.0.0.1>"
    assert mail["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert unsubscribe_header_url(mail).startswith(f"{SERVICE}/unsubscribe/")
    assert mail["Auto-Submitted"] == "auto-generated"
    # Not folded into RFC 2047 encoded words, which mail providers would not decode.
    raw = smtp_server.received[0].raw
    assert re.search(
        rb"\r?\nList-Unsubscribe: <http://127\.0\.0\.1:8000/unsubscribe/\S+>\r?\n", raw
    )
    # <nonce.row id@domain>: the claim names the row (a random nonce, the outbox row's id).
    [row] = outbox_rows(app, kind="notice")
    assert re.fullmatch(rf"<[0-9a-f]{{32}}\.{row.id}@127\.0\.0\.1>", mail["Message-ID"])
    assert row.message_id == mail["Message-ID"]
    assert email.utils.parsedate_to_datetime(mail["Date"]) is not None

    text = text_of(mail).replace("\r\n", "\n")
    for expected in (
        "Sub-processor list, effective 2025-03-01",
        "Announced:     20 January 2025",
        "Takes effect:  1 March 2025",
        "Object by:     the end of 28 February 2025 (UTC)",
        "Object by:     the end of 28 February 2025 (UTC)\n\nADDED (1)\n\n* Brightwave Mail Inc.\n",
        # Words for people, the site's own (generator.contract.value_words).
        "    Transfer mechanism: Standard Contractual Clauses",
        "    Data categories: Email address, Name",  # the site's label (generator.contract)
        "    Relationship: Third party\n\nREMOVED (1)\n\n* Old Pager Ltd (On-call alerting)\n\n",
        "CHANGED (1)\n\n* CloudNine Hosting GmbH",
        "    Processing locations: Germany (DE) -> Germany (DE), Ireland (IE)",
        "    Purpose: Hosts the messaging platform -> Hosts the messaging platform and its backups",
        "and its backups\n\nRead the new list:\n"
        "https://trust.larkspur.example/subprocessors/2025-03-01/\nSee what changed:\n"
        "https://trust.larkspur.example/subprocessors/2025-03-01/#what-changed\n\n"
        "OBJECT TO THIS CHANGE\n"
        "Objections are accepted until the end of 28 February 2025 (UTC). To object,",
    ):
        assert expected in text, expected
    html = html_of(mail)
    # Each cell carries its column's name (a card per change on a phone) and inline styles.
    assert re.search(r'<td data-label="Change" style="[^"]*">Added</td>', html)
    assert (
        '<del class="old">Germany (DE)</del> &rarr; '
        '<ins class="new">Germany (DE), Ireland (IE)</ins>'
    ) in html
    assert "Objections are accepted until the end of 28 February 2025 (UTC)." in html
    assert "before 28 February" not in text + html  # one deadline, said one way
    assert "Old Pager Ltd" in html and "Brightwave Mail Inc." in html

    # Personal links: objection, preferences, leaving the topic and leaving everything.
    assert path_of(link(mail, "object")).startswith("/object/")
    assert link(mail, "manage").startswith(f"{SERVICE}/manage/")
    assert len(set(re.findall(rf"{SERVICE}/unsubscribe/\S+", text))) == 2


def test_text_document_notice_lists_sections_and_links_the_redline(
    app, changes_file, smtp_server, send_all
):
    add_subscriber_to(app, "ann@client.example", topics=["dpa"])
    notify_and_send(app, changes_file, send_all, DPA_21)
    [mail] = smtp_server.messages
    assert mail["Subject"] == (
        "Larkspur Relay Data Processing Addendum 2.1, effective 15 February 2025: "
        "Shortens the breach notice to 48 hours."
    )
    assert mail["List-Id"] == "Larkspur Relay Data Processing Addendum <dpa.127.0.0.1>"
    text = text_of(mail).replace("\r\n", "\n")
    assert "* Personal data breaches (changed)\n* Audits (added)" in text
    assert "(redline):\nhttps://trust.larkspur.example/dpa/2.1/redline/" in text
    assert "/object/" not in text and "/object/" not in html_of(mail)
    assert "Object by" not in text


def test_unsubscribed_or_topic_dropped_after_queueing_gets_nothing(
    app, changes_file, smtp_server, send_all
):
    add_subscriber_to(app, "stays@client.example", topics=["subprocessors", "dpa"])
    add_subscriber_to(app, "leaves@client.example", topics=["subprocessors"])
    add_subscriber_to(app, "drops@client.example", topics=["subprocessors", "dpa"])
    invoke(app, "notify", "--all", str(changes_file(NEW_SUBPROCESSOR, DPA_21)))
    with app.app_context(), session_scope(app) as session:
        by_email = {s.email: s for s in session.scalars(select(Subscriber))}
        unsubscribe(session, by_email["leaves@client.example"])
        update_topics(session, by_email["drops@client.example"], ["dpa"], consent_text="test")

    counts = send_all(app)

    assert counts.sent == 3 and counts.cancelled == 2
    got = sorted((m["To"], m["List-Id"].split()[2]) for m in smtp_server.messages)
    assert got == [
        ("drops@client.example", "Data"),
        ("stays@client.example", "Data"),
        ("stays@client.example", "Sub-processors"),
    ]
    cancelled = {r.recipient for r in outbox_rows(app, status="cancelled")}
    assert cancelled == {"leaves@client.example", "drops@client.example"}


def test_one_click_unsubscribe_in_the_notice_leaves_that_topic_only(
    app, changes_file, smtp_server, send_all
):
    add_subscriber_to(app, "ann@client.example", topics=["subprocessors", "dpa"])
    notify_and_send(app, changes_file, send_all, NEW_SUBPROCESSOR)
    [mail] = smtp_server.messages
    response = app.test_client().post(
        path_of(unsubscribe_header_url(mail)), data={"List-Unsubscribe": "One-Click"}
    )
    assert response.status_code == 200
    with app.app_context(), session_scope(app) as session:
        ann = session.scalar(select(Subscriber))
        assert (ann.status, ann.topic_names) == ("confirmed", ["dpa"])


def test_a_company_can_override_the_notice_templates(
    make_app, tmp_path, changes_file, smtp_server, send_all
):
    override = tmp_path / "company-templates" / "notices"
    override.mkdir(parents=True)
    (override / "notice_subject.txt").write_text(
        "Action may be needed: {{ change.title }}\n\n", "utf-8"
    )
    app = make_app(TEMPLATE_DIR=str(override.parent))
    add_subscriber_to(app, "ann@client.example")
    notify_and_send(app, changes_file, send_all, NEW_SUBPROCESSOR)
    [mail] = smtp_server.messages
    # The override wins, and cannot put a line break into the header.
    assert mail["Subject"] == "Action may be needed: Sub-processor list, effective 2025-03-01"
    assert "Brightwave Mail Inc." in text_of(mail)  # the body is still the built-in one


def test_notices_command_counts_each_outcome(make_app, changes_file, smtp_server, send_all):
    app = make_app(SEND_MAX_ATTEMPTS=1)
    for name in ("ann", "bob", "cy", "dee"):
        add_subscriber_to(app, f"{name}@client.example", topics=["subprocessors", "dpa"])
    invoke(app, "notify", str(changes_file(DPA_21)), "--baseline")
    smtp_server.refuse("bob@client.example", "550 5.1.1 No such user")
    smtp_server.refuse("cy@client.example", "451 4.3.0 Try again later")
    invoke(app, "notify", str(changes_file(DPA_21, NEW_SUBPROCESSOR)))
    send_all(app)

    output = invoke(app, "notices").output
    lines = output.splitlines()
    assert lines[0].split() == [
        "change",
        "created",
        "sent",
        "pending",
        "failed",
        "bounced",
        "cancelled",
    ]
    assert re.search(r"^dpa/2\.1 .* baseline \(not sent\)$", output, re.M)
    row = next(line for line in lines if line.startswith("subprocessors/2025-03-01"))
    # ann and dee sent; bob bounced (550); cy failed (451 on the only attempt allowed).
    assert row.split()[-5:] == ["2", "0", "1", "1", "0"]


def _token_owner(url: str, purpose: str) -> int:
    return tokens.read_token(purpose, url.rstrip("/").rsplit("/", 1)[-1]).subscriber_id


def test_every_subscriber_gets_their_own_links(app, changes_file, smtp_server, send_all):
    ids = {
        f"{name}@client.example": add_subscriber_to(app, f"{name}@client.example")
        for name in ("ann", "bob", "cy")
    }
    notify_and_send(app, changes_file, send_all, NEW_SUBPROCESSOR)
    assert len(smtp_server.messages) == 3
    with app.app_context():
        for mail in smtp_server.messages:
            owner = ids[mail["To"]]
            assert _token_owner(link(mail, "object"), "object") == owner
            assert _token_owner(link(mail, "manage"), "manage") == owner
            assert _token_owner(unsubscribe_header_url(mail), "unsubscribe") == owner
            for url in re.findall(rf"{SERVICE}/unsubscribe/\S+", text_of(mail)):
                assert _token_owner(url, "unsubscribe") == owner


def test_an_override_that_transforms_a_personal_link_stays_personal(
    make_app, tmp_path, changes_file, smtp_server, send_all
):
    override = tmp_path / "company-templates" / "notices"
    override.mkdir(parents=True)
    (override / "notice.txt").write_text("{{ manage_url|upper }}\n", "utf-8")
    app = make_app(TEMPLATE_DIR=str(override.parent))
    ids = {e: add_subscriber_to(app, e) for e in ("ann@client.example", "bob@client.example")}
    notify_and_send(app, changes_file, send_all, NEW_SUBPROCESSOR)
    with app.app_context():
        for mail in smtp_server.messages:
            # The HTML part is the built-in one; the text part is the override.
            url = re.search(rf'{SERVICE}/manage/[^"]+', html_of(mail)).group(0)
            assert text_of(mail).strip() == url.upper()
            assert _token_owner(url, "manage") == ids[mail["To"]]
