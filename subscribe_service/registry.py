"""What `create_app` wires together and other modules look up at run time.

One `Registry` per app, made and filled by `create_app` with explicit calls (no
decorator or import fills it), stored in `app.extensions`. Its readers: the sender
(mail kinds and their steps before rendering), the subscriber's export and erasure
(sections and hooks), the polling sender (chores), the mailing limits (endpoints) and
the OpenAPI document (paths of the optional parts).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from flask import Flask, current_app

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from subscribe_service.infra.models import Notice, OutboxMessage, Subscriber
    from subscribe_service.mail.engine import Engine
    from subscribe_service.mail.message import RenderedMail

# Renders one outbox row at send time; None: the mail is no longer wanted (cancelled).
# A renderer reads the session and never writes to it.
Renderer = Callable[["Session", "OutboxMessage"], "RenderedMail | None"]
# A domain step that runs before a kind is rendered, owned by the domain (e.g. recording
# the subscribe request a confirm mail answers); its writes are committed with the send.
BeforeSend = Callable[["Session", "OutboxMessage"], None]
ExportSection = Callable[["Session", "Subscriber"], Any]
EraseHook = Callable[["Session", "Subscriber"], None]
Chore = Callable[[Flask], None]
# OpenAPI paths, or a function that gives them when the document is asked for (a part
# whose paths depend on what is offered at the time, e.g. the reports on request).
OpenApiPaths = dict[str, Any] | Callable[[], dict[str, Any]]
# Runs in `notify`'s transaction for each new notice; returns how many deliveries it queued.
NoticeHook = Callable[["Session", "Notice"], int]
# Builds the outbox sender when a part adds a transport beside SMTP (webhooks).
SenderFactory = Callable[[Flask, str], "Engine"]

_KEY = "trustsite.registry"


@dataclass(frozen=True)
class MailKind:
    render: Renderer
    before_send: BeforeSend | None = None


@dataclass
class Registry:
    mail_kinds: dict[str, MailKind] = field(default_factory=dict)
    export_sections: dict[str, ExportSection] = field(default_factory=dict)
    erase_hooks: list[EraseHook] = field(default_factory=list)
    chores: list[Chore] = field(default_factory=list)
    # Endpoints that mail an address taken from the request: limited per IP and address.
    mailing_endpoints: list[str] = field(default_factory=list)
    openapi_parts: list[OpenApiPaths] = field(default_factory=list)
    notice_hooks: list[NoticeHook] = field(default_factory=list)
    sender_factory: SenderFactory | None = None

    def mail_kind(
        self, kind: str, render: Renderer, *, before_send: BeforeSend | None = None
    ) -> None:
        if kind in self.mail_kinds:
            raise ValueError(f"mail kind {kind!r} is registered twice")
        self.mail_kinds[kind] = MailKind(render, before_send)

    def export_section(self, name: str, section: ExportSection) -> None:
        self.export_sections[name] = section

    def erase_hook(self, hook: EraseHook) -> None:
        self.erase_hooks.append(hook)

    def chore(self, chore: Chore) -> None:
        self.chores.append(chore)

    def mailing_endpoint(self, *endpoints: str) -> None:
        self.mailing_endpoints.extend(endpoints)

    def openapi(self, paths: OpenApiPaths) -> None:
        self.openapi_parts.append(paths)

    def openapi_paths(self) -> dict[str, Any]:
        """Every part's paths as of now, in the order the parts were registered."""
        merged: dict[str, Any] = {}
        for part in self.openapi_parts:
            merged.update(part() if callable(part) else part)
        return merged

    def notice_hook(self, hook: NoticeHook) -> None:
        self.notice_hooks.append(hook)

    def sender(self, factory: SenderFactory) -> None:
        if self.sender_factory is not None:
            raise ValueError("a second sender factory is registered")
        self.sender_factory = factory


def init_app(app: Flask) -> Registry:
    registry = app.extensions[_KEY] = Registry()
    return registry


def get_registry(app: Flask | None = None) -> Registry:
    """The registry of `app` (default: the current app)."""
    return (app or current_app).extensions[_KEY]  # type: ignore[no-any-return]
