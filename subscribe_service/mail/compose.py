"""The delivery engine's Composer: a claimed row becomes wire bytes, or a reason not to send.

Per row: a suppressed or unsendable recipient settles it; the kind's step before
sending (a domain write, if the kind has one) and its renderer run on the store's
session; the rendered mail is built into wire bytes. Any failure here is that one
row's (rolled back at once), never the batch's.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping

from flask import Flask

from subscribe_service.identity.addresses import address_key
from subscribe_service.infra.models import OutboxMessage
from subscribe_service.mail.interfaces import Action, Message, Prepared, Settle
from subscribe_service.mail.message import (
    HeaderInjectionError,
    UnsendableAddress,
    build_message_bytes,
    wire_address,
)
from subscribe_service.mail.store import SqlStore
from subscribe_service.registry import MailKind

log = logging.getLogger("subscribe_service.mail.sender")


class Composer:
    def __init__(self, app: Flask, store: SqlStore, kinds: Mapping[str, MailKind]) -> None:
        self.app = app
        self.store = store
        self.kinds = kinds

    def prepare(self, message: Message) -> Prepared:
        """Render and build one mail: its wire bytes, or why it is not sent this time.

        Commits nothing (a failed render is rolled back at once), so the engine can call
        it while the server is still answering the previous mail. What a kind's step
        before sending writes is committed before the mail is recorded as sent.
        """
        assert isinstance(message, OutboxMessage)
        # The previous mark's answer has arrived by now (the mail after it made its round
        # trips since): reading it costs nothing, and what renders sees it committed.
        self.store.catch_up()
        session = self.store.session
        if address_key(message.recipient) in self.store.suppressed:
            return Settle(Action.CANCELLED, "address suppressed")
        try:
            wire_address(message.recipient)
        except UnsendableAddress as err:
            return Settle(Action.FAILED, f"unsendable address: {err}")
        kind = self.kinds.get(message.kind)
        if kind is None:
            return Settle(Action.RETRY, f"no renderer for kind {message.kind!r}")
        try:
            if kind.before_send is not None:
                kind.before_send(session, message)
            rendered = kind.render(session, message)
            if rendered is None:
                return Settle(Action.CANCELLED, "no longer wanted")
            return build_message_bytes(
                self.app.config, rendered, message.recipient, message_id=message.message_id
            )
        except HeaderInjectionError as err:
            session.rollback()
            return Settle(Action.CANCELLED, f"refused: {err}")
        except UnicodeError as err:  # the same bytes would fail the same way next time
            session.rollback()
            log.warning(
                "outbox message %s (%s) cannot be encoded: %s", message.id, message.kind, err
            )
            return Settle(Action.FAILED, f"encoding failed: {err!r}")
        except Exception as err:  # a template or renderer bug must not stop the queue
            session.rollback()
            log.exception("rendering outbox message %s (%s) failed", message.id, message.kind)
            return Settle(Action.RETRY, f"rendering failed: {err!r}")
