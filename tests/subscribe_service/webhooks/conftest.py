"""Fixtures for the webhook tests: a real local HTTP receiver, an app that may post to it,
and endpoints registered and confirmed through the HTTP API as their owner would.

Built on the service's fixtures (tests/subscribe_service/conftest.py) and the notices
tests' changes.json records and helpers (tests/subscribe_service/notices/).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from subscribe_service.dev.webhook_receiver import WebhookReceiver
from tests.support.changes_data import write_changes
from tests.support.webhook_helpers import Registered, register_and_confirm


@pytest.fixture
def receiver() -> Iterator[WebhookReceiver]:
    server = WebhookReceiver().start()
    yield server
    server.stop()


@pytest.fixture
def app_config() -> dict[str, Any]:
    return {
        "WEBHOOK_ALLOW_HOSTS": "127.0.0.1",
        "WEBHOOK_BACKOFF_SECONDS": 0.05,
        "WEBHOOK_TIMEOUT": 3,
        "WEBHOOK_CONNECT_TIMEOUT": 2,
    }


@pytest.fixture
def endpoint(
    app: Flask, receiver: WebhookReceiver, smtp_server, send_all
) -> Callable[..., Registered]:
    """endpoint(path="/hook", **fields) -> an endpoint registered and confirmed by its owner."""

    def make(path: str = "/hook", **fields: Any) -> Registered:
        return register_and_confirm(app, smtp_server, send_all, receiver.url(path), **fields)

    return make


@pytest.fixture
def changes_file(tmp_path: Path) -> Callable[..., Path]:
    counter = iter(range(1000))

    def write(*records: dict[str, Any]) -> Path:
        folder = tmp_path / f"changes-{next(counter)}"
        folder.mkdir()
        return write_changes(folder / "changes.json", *records)

    return write
