"""The secret that signs every link: outside debug, tests and `make run`, a known or short
one stops the service (and every `flask` command) with what to do, not a traceback."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from subscribe_service import create_app
from subscribe_service.infra.config import DEV_SECRET, WEAK_SECRET_EXIT
from tests.support.flask_cli import operator_env, run_flask

GOOD = "a-long-random-value-0123456789abcdef"


@pytest.fixture
def clean_env(monkeypatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)
    for name in list(os.environ):
        if name.startswith("TRUSTSITE_") or name.startswith("FLASK_"):
            monkeypatch.delenv(name)


def _config(tmp_path: Path, **settings: object) -> dict[str, object]:
    return {"DATABASE_URL": f"sqlite:///{tmp_path / 'x.db'}", **settings}


@pytest.mark.parametrize(
    ("settings", "reason"),
    [
        ({}, "TRUSTSITE_SECRET_KEY is the development secret (or not set)"),
        ({"SECRET_KEY": DEV_SECRET}, "TRUSTSITE_SECRET_KEY is the development secret"),
        ({"SECRET_KEY": "x" * 31}, "TRUSTSITE_SECRET_KEY is shorter than 32 bytes"),
        ({"SECRET_KEY": "é" * 15}, "TRUSTSITE_SECRET_KEY is shorter than 32 bytes"),  # 30 bytes
        (
            {"SECRET_KEY": "replace-with-a-long-random-value"},
            "TRUSTSITE_SECRET_KEY is the example's placeholder",
        ),
        (
            {"SECRET_KEY": GOOD, "OLD_SECRET_KEYS": f"{GOOD}-old, {DEV_SECRET}"},
            "TRUSTSITE_OLD_SECRET_KEYS is the development secret",
        ),
        ({"SECRET_KEY": GOOD, "OLD_SECRET_KEYS": "short"}, "TRUSTSITE_OLD_SECRET_KEYS is shorter"),
    ],
)
def test_a_weak_secret_stops_the_start(clean_env, tmp_path, capsys, settings, reason) -> None:
    with pytest.raises(SystemExit) as stopped:
        create_app(_config(tmp_path, **settings))
    assert stopped.value.code == WEAK_SECRET_EXIT
    said = capsys.readouterr().err
    assert said.startswith(f"trustsite: refusing to start: {reason}")
    assert "secrets.token_urlsafe(48)" in said


@pytest.mark.parametrize("mode", [{"TESTING": True}, {"DEBUG": True}, {"DEVELOPMENT": True}])
def test_debug_tests_and_make_run_may_use_the_development_secret(
    clean_env, tmp_path, caplog, mode
) -> None:
    app = create_app(_config(tmp_path, **mode))
    assert app.config["SECRET_KEY"] == DEV_SECRET
    assert "fine for development only, never in production" in caplog.text


def test_a_long_secret_starts_quietly(clean_env, tmp_path, caplog) -> None:
    app = create_app(_config(tmp_path, SECRET_KEY=GOOD, OLD_SECRET_KEYS=f"{GOOD}-old"))
    assert app.config["SECRET_KEY"] == GOOD
    assert "secret" not in caplog.text.lower()


@pytest.mark.parametrize("secret", [None, "short"])
def test_flask_commands_refuse_without_a_traceback(tmp_path, secret) -> None:
    settings = {"DATABASE_URL": f"sqlite:///{tmp_path / 'x.db'}"}
    env = operator_env(**settings, **({"SECRET_KEY": secret} if secret else {}))
    done = run_flask(tmp_path, env, "send", "--once")
    assert done.returncode == WEAK_SECRET_EXIT
    assert "trustsite: refusing to start: TRUSTSITE_SECRET_KEY is" in done.stderr
    assert "Traceback" not in done.stderr
    debug = run_flask(tmp_path, env, "--debug", "db", "upgrade")
    assert debug.returncode == 0, debug.stderr
