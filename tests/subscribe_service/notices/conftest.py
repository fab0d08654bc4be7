"""Fixtures for the notices tests: subscribers in chosen states, changes.json files, commands.

Built on the service's fixtures (tests/subscribe_service/conftest.py): `app`, `runner`,
`smtp_server`, `send_all`, `pg_url`.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from tests.support.changes_data import write_changes
from tests.support.notices_helpers import AddSubscriber, add_subscriber_to


@pytest.fixture
def add_subscriber(app: Flask) -> AddSubscriber:
    return lambda email, **kw: add_subscriber_to(app, email, **kw)


@pytest.fixture
def changes_file(tmp_path: Path) -> Callable[..., Path]:
    """changes_file(*records, name="changes.json") -> a changes.json written as the build does."""
    counter = iter(range(1000))

    def write(*records: dict[str, Any], name: str | None = None) -> Path:
        folder = tmp_path / f"changes-{next(counter)}"
        folder.mkdir()
        return write_changes(folder / (name or "changes.json"), *records)

    return write
