"""trustsite's subscription service (Flask). `create_app` is the application factory.

Each concern registers itself through an `init_app(app)`: storage, migrations, the
sender, error pages, security, rate limits, and one blueprint per set of pages. The
sub-packages `subscribe_service.notices` and `subscribe_service.requests`, when present,
are initialised the same way (their `init_app(app)` registers blueprints, commands and
outbox renderers).
"""

from __future__ import annotations

import importlib
import importlib.util
import logging
from pathlib import Path
from typing import Any

from flask import Flask
from jinja2 import ChoiceLoader, FileSystemLoader

OPTIONAL_PARTS = ("subscribe_service.notices", "subscribe_service.requests")


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    from subscribe_service.dev import site as devsite
    from subscribe_service.infra import config, db, migrate, redaction
    from subscribe_service.mail import outbox, renderers, sender  # noqa: F401
    from subscribe_service.subscribers import confirm, export, manage, unsubscribe
    from subscribe_service.web import (
        api,
        body_guard,
        health,
        limits,
        link_limits,
        openapi,
        problems,
        security,
    )

    app = Flask(__name__, static_url_path="/_service/static")
    _setup_logging(app)
    config.configure(app, test_config)
    from subscribe_service.infra import (
        logging_setup,
        metrics,  # deployment: logs, /metrics
    )

    logging_setup.init_app(app)
    metrics.init_app(app)
    _template_loader(app)
    db.init_app(app)
    outbox.init_app(app)
    migrate.init_app(app)
    sender.init_app(app)
    problems.init_app(app)
    security.init_app(app)
    body_guard.init_app(app)  # after the origin check, before any view or limit
    for part in (api, confirm, manage, unsubscribe, export, openapi, health):
        app.register_blueprint(part.bp)
    for name in OPTIONAL_PARTS:
        if importlib.util.find_spec(name) is not None:
            module = importlib.import_module(name)
            if hasattr(module, "init_app"):
                module.init_app(app)
    limits.init_app(app)
    link_limits.init_app(app)  # the personal links' POSTs, per token and per address
    redaction.init_app(app)  # every route with a <token> segment is redacted in logs
    if app.config["SERVE_SITE"] or app.debug:
        devsite.init_app(app)
    return app


def _template_loader(app: Flask) -> None:
    """A company's TRUSTSITE_TEMPLATE_DIR wins over the built-in templates, file by file."""
    override = app.config.get("TEMPLATE_DIR")
    if override:
        app.jinja_loader = ChoiceLoader(  # type: ignore[assignment]
            [FileSystemLoader(str(Path(override))), app.jinja_loader]  # type: ignore[list-item]
        )


def _setup_logging(app: Flask) -> None:
    root = logging.getLogger("subscribe_service")
    if not root.handlers and not logging.getLogger().handlers:
        logging.basicConfig(
            level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
        )
