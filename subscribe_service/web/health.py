"""/healthz: liveness (no database), and /healthz/ready: the database answers."""

from __future__ import annotations

from flask import Blueprint, Response, jsonify
from sqlalchemy import text

from subscribe_service.infra.db import get_session

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def live() -> Response:
    return jsonify(status="ok")


@bp.get("/healthz/ready")
def ready() -> Response:
    get_session().execute(text("SELECT 1"))  # OperationalError -> 503 problem
    return jsonify(status="ok", database="ok")
