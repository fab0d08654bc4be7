"""/export/<token>: download your data as JSON (the link in the export mail)."""

from __future__ import annotations

from flask import Blueprint, Response, json

from subscribe_service.identity import tokens
from subscribe_service.infra.db import get_session
from subscribe_service.subscribers import lifecycle as subscriptions
from subscribe_service.subscribers import privacy

bp = Blueprint("export", __name__)


@bp.get("/export/<token>")
def download(token: str) -> Response:
    data = tokens.read_token("export", token)
    session = get_session()
    subscriber = subscriptions.load_subscriber(session, data)
    body = json.dumps(privacy.export_data(session, subscriber), indent=2, sort_keys=True)
    response = Response(body + "\n", mimetype="application/json")
    response.headers["Content-Disposition"] = (
        'attachment; filename="trustsite-subscriber-data.json"'
    )
    return response
