"""Numeric settings from the environment: a careless value (a word, a fraction for a
count, a negative, zero connections, NaN) stops the start naming the setting and what it
must be, never a traceback from the sender later; good values arrive as numbers."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from subscribe_service import create_app
from subscribe_service.infra.config import BAD_SETTING_EXIT
from tests.support.flask_cli import operator_env, run_flask

GOOD = "a-long-random-value-0123456789abcdef"


@pytest.fixture
def env(monkeypatch, tmp_path: Path):
    monkeypatch.chdir(tmp_path)
    for name in list(os.environ):
        if name.startswith(("TRUSTSITE_", "FLASK_")):
            monkeypatch.delenv(name)
    monkeypatch.setenv("TRUSTSITE_SECRET_KEY", GOOD)
    monkeypatch.setenv("TRUSTSITE_DATABASE_URL", f"sqlite:///{tmp_path / 'x.db'}")
    return monkeypatch


@pytest.mark.parametrize(
    ("name", "value", "must"),
    [
        ("SEND_CONNECTIONS", "abc", "a whole number (it is 'abc')"),
        ("SEND_CONNECTIONS", "0", "at least 1 (it is 0)"),
        ("SEND_BATCH_SIZE", "2.5", "a whole number (it is 2.5)"),
        ("SEND_BATCH_SIZE", "", "a whole number (it is '')"),
        ("SEND_RATE", "-1", "0 or more (it is -1)"),
        ("SEND_RATE", "true", "a number (it is True)"),
        ("SMTP_TIMEOUT", "0", "more than 0 (it is 0)"),
        ("SMTP_TIMEOUT", "NaN", "a number (it is nan)"),
        ("WEBHOOK_TIMEOUT", "Infinity", "a number (it is inf)"),
        ("MAIL_PORT", '"25; rm -rf /"', "a whole number (it is '25; rm -rf /')"),
        ("SEND_LEASE_SECONDS", "[300]", "a number (it is [300])"),
    ],
)
def test_a_careless_number_stops_the_start_saying_what_it_must_be(
    env, capsys, name, value, must
) -> None:
    env.setenv(f"TRUSTSITE_{name}", value)
    with pytest.raises(SystemExit) as stopped:
        create_app()
    assert stopped.value.code == BAD_SETTING_EXIT
    said = capsys.readouterr().err
    assert said.startswith(f"trustsite: refusing to start: TRUSTSITE_{name} must be {must}")


def test_every_careless_number_is_named_at_once(env, capsys) -> None:
    env.setenv("TRUSTSITE_SEND_CONNECTIONS", "two")
    env.setenv("TRUSTSITE_SEND_MAX_ATTEMPTS", "-3")
    with pytest.raises(SystemExit):
        create_app()
    said = capsys.readouterr().err
    assert "TRUSTSITE_SEND_CONNECTIONS must be" in said
    assert "TRUSTSITE_SEND_MAX_ATTEMPTS must be at least 1" in said


def test_good_numbers_arrive_as_numbers(env) -> None:
    env.setenv("TRUSTSITE_SEND_CONNECTIONS", "4")
    env.setenv("TRUSTSITE_SMTP_TIMEOUT", "2.5")
    env.setenv("TRUSTSITE_SEND_RATE", "0")  # no limit
    env.setenv("TRUSTSITE_SEND_BATCH_SIZE", "250.0")  # a whole number written as a float
    cfg = create_app().config
    assert cfg["SEND_CONNECTIONS"] == 4 and isinstance(cfg["SEND_CONNECTIONS"], int)
    assert cfg["SMTP_TIMEOUT"] == 2.5
    assert cfg["SEND_RATE"] == 0.0 and isinstance(cfg["SEND_RATE"], float)
    assert cfg["SEND_BATCH_SIZE"] == 250 and isinstance(cfg["SEND_BATCH_SIZE"], int)


def test_the_sender_command_refuses_without_a_traceback(tmp_path) -> None:
    env = operator_env(
        SECRET_KEY=GOOD,
        DATABASE_URL=f"sqlite:///{tmp_path / 'x.db'}",
        SEND_CONNECTIONS="many",
    )
    done = run_flask(tmp_path, env, "send", "--once")
    assert done.returncode == BAD_SETTING_EXIT
    assert "TRUSTSITE_SEND_CONNECTIONS must be a whole number (it is 'many')" in done.stderr
    assert "Traceback" not in done.stderr
