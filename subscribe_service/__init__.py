"""trustsite's subscription service (Flask). `create_app` is the application factory.

Everything the service is made of is wired in this file, top to bottom: the
infrastructure (settings, logs, metrics, storage, migrations, Flask-Mail), the HTTP
edge, then each part with its blueprints, mail kinds, export and erase hooks, chores,
mailing endpoints, OpenAPI paths and commands, and last the checks that wrap every view
registered before them. What the parts register goes into one `Registry`
(registry.py), which the sender, the privacy export and erasure, the limits and the
OpenAPI document read. No module registers anything by being imported.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from flask import Flask
from flask_mail import Mail
from jinja2 import ChoiceLoader, FileSystemLoader

from subscribe_service.registry import Registry


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    from subscribe_service.infra import config
    from subscribe_service.registry import init_app as init_registry

    app = Flask(__name__, static_url_path="/_service/static")
    _setup_logging(app)
    config.configure(app, test_config)
    registry = init_registry(app)
    _infrastructure(app)
    _http_edge(app)
    _subscriptions(app, registry)
    _notices(app, registry)
    _requests(app, registry)
    _webhooks(app, registry)
    _sending(app)
    _checks_on_every_view(app, registry)  # last: they wrap the views registered above
    if app.config["SERVE_SITE"] or app.debug:
        from subscribe_service.web import devsite

        devsite.init_app(app)
    return app


def _infrastructure(app: Flask) -> None:
    """Logs, /metrics, templates, the database and its outbox writer, migrations, mail."""
    from subscribe_service.infra import db, logging_setup, migrate
    from subscribe_service.mail import outbox
    from subscribe_service.web import metrics

    logging_setup.init_app(app)
    metrics.init_app(app)
    app.register_blueprint(metrics.bp)
    _template_loader(app)
    db.init_app(app)
    outbox.init_app(app)
    migrate.init_app(app)
    Mail().init_app(app)  # owns the MAIL_* settings; the sender's SMTP session uses them


def _http_edge(app: Flask) -> None:
    """Error answers, security headers and origin checks, the body guard, the API
    description and the health check."""
    from subscribe_service.web import body_guard, health, openapi, problems, security

    problems.init_app(app)
    security.init_app(app)
    body_guard.init_app(app)  # after the origin check, before any view or limit
    app.register_blueprint(openapi.bp)
    app.register_blueprint(health.bp)


def _subscriptions(app: Flask, registry: Registry) -> None:
    """Subscribe, confirm, manage, unsubscribe, export and erase; their three mails and
    OpenAPI paths."""
    from subscribe_service.subscribers import (
        api,
        confirm,
        export,
        lifecycle,
        mails,
        manage,
        openapi,
        retention,
        unsubscribe,
    )

    for part in (api, confirm, manage, unsubscribe, export):
        app.register_blueprint(part.bp)
    registry.mail_kind("confirm", mails.render_confirm, before_send=lifecycle.record_request)
    registry.mail_kind("manage", mails.render_manage)
    registry.mail_kind("export", mails.render_export)
    registry.mailing_endpoint("api.manage_link")
    registry.openapi(openapi.paths)  # built when asked for: the site's products
    registry.chore(retention.purge_stale)


def _notices(app: Flask, registry: Registry) -> None:
    """Change notices (`notify`), objections and their receipts."""
    from subscribe_service.notices import commands, objections, render, views

    app.register_blueprint(views.bp)
    registry.mail_kind(render.NOTICE_KIND, render.render_notice)
    registry.mail_kind(render.RECEIPT_KIND, render.render_receipt)
    registry.mail_kind(render.ALERT_KIND, render.render_alert)
    registry.export_section("objections", objections.export_objections)
    registry.erase_hook(objections.erase_objections)
    for command in (commands.notify_command, commands.notices_command, commands.objections_command):
        app.cli.add_command(command)


def _requests(app: Flask, registry: Registry) -> None:
    """DPA copies, data subject requests and gated security reports."""
    from subscribe_service.requests import (
        cli,
        mails,
        openapi,
        records,
        retention,
        settings,
        views,
    )
    from subscribe_service.requests.reports import cli as reports_cli
    from subscribe_service.requests.reports import gate as reports
    from subscribe_service.requests.reports import mails as reports_mails
    from subscribe_service.requests.reports import openapi as reports_openapi
    from subscribe_service.requests.reports import views as reports_views

    settings.init_settings(app)  # the built site's service.json
    app.register_blueprint(views.bp)
    app.register_blueprint(reports_views.bp)
    registry.mail_kind(records.DPA_COPY, mails.render_dpa_copy)
    registry.mail_kind(records.DPA_TEAM, mails.render_dpa_team)
    registry.mail_kind(records.SUBJECT_ACK, mails.render_subject_ack)
    registry.mail_kind(records.SUBJECT_REFERRAL, mails.render_subject_referral)
    registry.mail_kind(reports.REPORT_RECEIVED, reports_mails.render_received)
    registry.mail_kind(reports.REPORT_TEAM, reports_mails.render_team)
    registry.mail_kind(reports.REPORT_APPROVED, reports_mails.render_approved)
    registry.mail_kind(reports.REPORT_DECLINED, reports_mails.render_declined)
    registry.mailing_endpoint(
        "requests.dpa_request", "requests.subject_request", "reports.report_request"
    )
    registry.openapi(openapi.PATHS)
    registry.openapi(reports_openapi.report_paths)
    registry.chore(retention.purge_chore)
    registry.chore(reports_cli.purge_chore)
    app.cli.add_command(cli.requests_cli)


def _webhooks(app: Flask, registry: Registry) -> None:
    """Webhook endpoints: registration, owner pages, the owner's mails, the deliveries
    queued by `notify`, and the HTTP transport beside SMTP in the sender."""
    from subscribe_service.webhooks import (
        api,
        deliveries,
        mails,
        openapi,
        pages,
        privacy,
        transport,
    )

    app.register_blueprint(api.bp)
    app.register_blueprint(pages.bp)
    registry.mail_kind(api.CONFIRM_KIND, mails.render_confirm)
    registry.mail_kind(deliveries.PAUSED_KIND, mails.render_paused)
    registry.mailing_endpoint("webhooks.register")
    registry.notice_hook(deliveries.queue_for_notice)
    registry.sender(transport.make_sender)
    registry.export_section("webhooks", privacy.export_endpoints)
    registry.erase_hook(privacy.erase_endpoints)
    registry.openapi(openapi.PATHS)
    registry.chore(api.purge_pending)


def _sending(app: Flask) -> None:
    """`send`: the outbox sender, which runs the registered chores too."""
    from subscribe_service.mail import commands

    app.cli.add_command(commands.send_command)


def _checks_on_every_view(app: Flask, registry: Registry) -> None:
    """Limits and log redaction wrap or inspect the views registered before them."""
    from subscribe_service.infra import redaction
    from subscribe_service.subscribers import link_limits
    from subscribe_service.web import limits

    limits.init_app(app, registry.mailing_endpoints)
    link_limits.init_app(app)  # the personal links' POSTs, per token and per address
    redaction.init_app(app)  # every route with a <token> segment is redacted in logs


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
    # Alembic logs a line per built-in plugin when it is first imported (in create_app,
    # after the lines above): noise on every command's stderr.
    logging.getLogger("alembic.runtime.plugins").setLevel(logging.WARNING)
