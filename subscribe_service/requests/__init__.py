"""Requests the trust center takes besides subscriptions: a copy of the current DPA, and
data subject requests to be referred to the controller.

`init_app` attaches the settings (the built site's service.json), registers the blueprint,
its rate limits and OpenAPI paths, the mail renderers, the retention purge (a chore of the
polling sender) and the `requests` command; the security report requests (`reports*.py`)
the same way.
"""

from __future__ import annotations

from flask import Flask

from subscribe_service.mail.sender import HOUSEKEEPING_KEY
from subscribe_service.requests import mails, reports_mails  # noqa: F401  (mail renderers)
from subscribe_service.requests.cli import requests_cli
from subscribe_service.requests.openapi import PATHS
from subscribe_service.requests.reports import init_reports_config
from subscribe_service.requests.reports_cli import purge_chore as purge_reports_chore
from subscribe_service.requests.reports_openapi import REPORT_PATHS
from subscribe_service.requests.reports_views import bp as reports_bp
from subscribe_service.requests.retention import purge_chore
from subscribe_service.requests.settings import init_settings
from subscribe_service.requests.views import bp
from subscribe_service.web.limits import EXTRA_ENDPOINTS_KEY
from subscribe_service.web.openapi import EXTRA_PATHS_KEY


def init_app(app: Flask) -> None:
    init_settings(app)
    init_reports_config(app)
    app.register_blueprint(bp)
    app.register_blueprint(reports_bp)
    app.extensions.setdefault(EXTRA_ENDPOINTS_KEY, []).extend(
        ["requests.dpa_request", "requests.subject_request", "reports.report_request"]
    )
    app.extensions.setdefault(EXTRA_PATHS_KEY, {}).update({**PATHS, **REPORT_PATHS})
    app.extensions.setdefault(HOUSEKEEPING_KEY, []).extend([purge_chore, purge_reports_chore])
    app.cli.add_command(requests_cli)
