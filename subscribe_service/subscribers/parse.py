"""What a subscriber sends: the subscribe request and topic choices."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from generator.contract import TOPICS
from subscribe_service.identity.addresses import InvalidInput, normalise_email


@dataclass(frozen=True)
class SubscribeRequest:
    email: str
    topics: list[str]
    honeypot: bool


def parse_topics(value: object, *, allow_empty: bool = False) -> list[str]:
    """Known topic names from a JSON list or repeated form fields (each may be a comma list)."""
    items: Iterable[object]
    if value is None:
        items = []
    elif isinstance(value, list):
        items = value
    else:
        raise InvalidInput("topics", "`topics` must be a list of topic names.")
    names: list[str] = []
    for item in items:
        if not isinstance(item, str):
            raise InvalidInput("topics", "`topics` must be a list of topic names.")
        names.extend(part.strip() for part in item.split(",") if part.strip())
    topics: list[str] = []
    for name in names:
        if len(name) > 32 or name not in TOPICS:
            shown = name[:32].encode("unicode_escape").decode("ascii")
            raise InvalidInput(
                "topics", f"Unknown topic {shown!r}; choose from: {', '.join(TOPICS)}."
            )
        if name not in topics:
            topics.append(name)
    if len(topics) == 0 and not allow_empty:
        raise InvalidInput("topics", f"Choose at least one topic: {', '.join(TOPICS)}.")
    return sorted(topics, key=TOPICS.index)


def parse_subscribe(data: dict[str, object]) -> SubscribeRequest:
    unknown = set(data) - {"email", "topics", "website"}
    if unknown:
        names = ", ".join(sorted(str(k)[:40] for k in unknown))
        raise InvalidInput("body", f"Unknown field(s): {names}. Send `email` and `topics`.")
    honeypot = data.get("website")
    if honeypot is not None and not isinstance(honeypot, str):
        raise InvalidInput("website", "`website` must be text.")
    email = normalise_email(data.get("email"))
    # A form without topic choices (a one-field form) subscribes to everything.
    topics = parse_topics(data["topics"]) if "topics" in data else list(TOPICS)
    return SubscribeRequest(
        email=email, topics=topics, honeypot=bool(honeypot and honeypot.strip())
    )
