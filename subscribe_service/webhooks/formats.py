"""What a delivery's body is, per format: the Standard Webhooks event, a Slack message,
or a Teams Adaptive Card. Built once when the delivery is queued; every retry sends it.

- standard: `{"type": "change.announced", "timestamp": ..., "data": <changes.json record>}`
  (docs/webhooks.md), for a receiver of the client's own.
- slack: an incoming-webhook message, `text` (the notification and screen-reader
  fallback) and Block Kit `blocks` (header, summary, what changed, dates, a button to
  the change).
- teams: a Teams Workflows webhook message, `{"type": "message", "attachments":
  [{"contentType": "application/vnd.microsoft.card.adaptive", "content": <card>}]}`.

The record's texts are the company's, but they pass through here into other people's
tools: Slack's mrkdwn control characters are escaped, and every text is cut to the
length the target accepts.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Mapping
from typing import Any

from generator.contract import long_date
from subscribe_service.webhooks.change_lines import change_lines

EVENT_TYPE = "change.announced"
SLACK_HEADER_MAX = 150  # Block Kit: a header's plain_text
SLACK_SECTION_MAX = 3000  # Block Kit: a section's text
CARD_TEXT_MAX = 2000


def event_timestamp(moment: dt.datetime) -> str:
    """RFC 3339 in UTC with a Z, to the second, as the Standard Webhooks examples write it."""
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def standard(record: Mapping[str, Any], moment: dt.datetime) -> dict[str, Any]:
    return {"type": EVENT_TYPE, "timestamp": event_timestamp(moment), "data": dict(record)}


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _slack_escape(text: str) -> str:
    # Slack's mrkdwn reads &, < and > as control characters (links, mentions).
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _dates(record: Mapping[str, Any]) -> list[tuple[str, str]]:
    """The dates the change states, in the words the site and the mails use (the contract's
    `long_date`; the deadline as the record's one sentence, `objection_deadline_text`)."""
    rows = [
        ("Announced", _long(record.get("announced"))),
        ("Takes effect", _long(record.get("effective"))),
    ]
    if record.get("in_force_before_text"):
        rows.append(("In force until then", str(record["in_force_before_text"])))
    if record.get("objection_deadline"):
        sentence = record.get("objection_deadline_text") or (
            # A record from a generator that did not write the sentence: the date alone,
            # never a time zone the record does not state.
            f"Objections are accepted until the end of {_long(record['objection_deadline'])}."
        )
        rows.append(("Objections", str(sentence)))
    return rows


def _long(value: object) -> str:
    """`2027-02-15` -> `15 February 2027`; anything else as written."""
    try:
        return long_date(dt.date.fromisoformat(str(value)))
    except ValueError:
        return str(value or "")


def slack(
    record: Mapping[str, Any], company: str, names: Mapping[str, str] | None = None
) -> dict[str, Any]:
    title = str(record.get("title", ""))
    summary = str(record.get("summary", ""))
    url = str(record.get("diff_url") or record.get("url") or "")
    dates = "\n".join(f"*{name}:* {_slack_escape(value)}" for name, value in _dates(record))
    fallback = f"{company}: {title}. {summary}"
    return {
        "text": _cut(fallback, SLACK_SECTION_MAX),
        "blocks": [
            {
                "type": "header",
                "text": {"type": "plain_text", "text": _cut(title, SLACK_HEADER_MAX)},
            },
            {
                "type": "section",
                "text": {"type": "mrkdwn", "text": _cut(_slack_escape(summary), SLACK_SECTION_MAX)},
            },
            *_slack_lines(record, names or {}),
            {"type": "context", "elements": [{"type": "mrkdwn", "text": dates}]},
            {
                "type": "actions",
                "elements": [
                    {
                        "type": "button",
                        "text": {"type": "plain_text", "text": "See what changed"},
                        "url": url,
                        "action_id": "open_change",
                    }
                ],
            },
        ],
    }


def _slack_lines(record: Mapping[str, Any], names: Mapping[str, str]) -> list[dict[str, Any]]:
    """What changed, a section of bullet lines (none when the record lists nothing)."""
    lines = change_lines(record, names)
    if not lines:
        return []
    text = "\n".join(f"• {_slack_escape(line)}" for line in lines)
    return [{"type": "section", "text": {"type": "mrkdwn", "text": _cut(text, SLACK_SECTION_MAX)}}]


def teams(
    record: Mapping[str, Any], company: str, names: Mapping[str, str] | None = None
) -> dict[str, Any]:
    url = str(record.get("diff_url") or record.get("url") or "")
    card = {
        "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
        "type": "AdaptiveCard",
        "version": "1.4",
        "body": [
            {"type": "TextBlock", "text": _cut(company, 200), "isSubtle": True, "wrap": True},
            {
                "type": "TextBlock",
                "text": _cut(str(record.get("title", "")), 300),
                "size": "Medium",
                "weight": "Bolder",
                "wrap": True,
            },
            {
                "type": "TextBlock",
                "text": _cut(str(record.get("summary", "")), CARD_TEXT_MAX),
                "wrap": True,
            },
            {"type": "FactSet", "facts": [{"title": n, "value": v} for n, v in _dates(record)]},
            *_card_lines(record, names or {}),
        ],
        "actions": [{"type": "Action.OpenUrl", "title": "See what changed", "url": url}],
    }
    return {
        "type": "message",
        "attachments": [
            {
                "contentType": "application/vnd.microsoft.card.adaptive",
                "contentUrl": None,
                "content": card,
            }
        ],
    }


def _card_lines(record: Mapping[str, Any], names: Mapping[str, str]) -> list[dict[str, Any]]:
    """What changed, a text block of list items (none when the record lists nothing)."""
    lines = change_lines(record, names)
    if not lines:
        return []
    text = "\r".join(f"- {line}" for line in lines)  # an Adaptive Card's list syntax
    return [{"type": "TextBlock", "text": _cut(text, CARD_TEXT_MAX), "wrap": True}]


Names = Mapping[str, str]
Builder = Callable[[Mapping[str, Any], str, dt.datetime, Names], dict[str, Any]]

BUILDERS: dict[str, Builder] = {
    "standard": lambda record, _company, moment, _names: standard(record, moment),
    "slack": lambda record, company, _moment, names: slack(record, company, names),
    "teams": lambda record, company, _moment, names: teams(record, company, names),
}


def body(
    fmt: str,
    record: Mapping[str, Any],
    company: str,
    moment: dt.datetime,
    names: Names | None = None,
) -> str:
    """The delivery's body as sent: compact JSON, UTF-8 (the signature covers these bytes).
    `names`: the site's product and region names, for the values Slack and Teams show."""
    return json.dumps(
        BUILDERS[fmt](record, company, moment, names or {}),
        separators=(",", ":"),
        ensure_ascii=False,
    )
