"""A new version of the security topic (a renewed certification, a changed practice) reaches
the subscribers of `security`, and only them, through the same notify -> outbox -> SMTP path."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from generator.history.changes import build_changes, changes_json
from generator.load.loader import load_data
from tests.support.notices_helpers import AddSubscriber, invoke
from tests.support.service_mail import text_of

REPO_DATA = Path(__file__).resolve().parents[3] / "data"


def _changes(tmp_path: Path, today: dt.date) -> Path:
    data = load_data(REPO_DATA)
    path = tmp_path / f"changes-{today}.json"
    path.write_bytes(changes_json(data, build_changes(data, today), today))
    return path


def test_security_change_notifies_security_subscribers(
    app, tmp_path: Path, add_subscriber: AddSubscriber, smtp_server, send_all
) -> None:
    add_subscriber("ciso@client.example", topics=("security",))
    add_subscriber("legal@client.example", topics=("dpa",))
    before = _changes(tmp_path, dt.date(2026, 2, 22))
    assert invoke(app, "notify", "--baseline", str(before)).exit_code == 0

    after = _changes(tmp_path, dt.date(2026, 2, 23))  # security 1.1 is announced
    result = invoke(app, "notify", str(after))
    assert result.exit_code == 0, result.output
    send_all(app)

    assert [m["To"] for m in smtp_server.messages] == ["ciso@client.example"]
    body = text_of(smtp_server.messages[0])
    assert "Our SOC 2 Type II report for 2025 is available on request" in body
    assert "/security/1.1/" in body
