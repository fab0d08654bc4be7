"""Development only: serve the built static site (TRUSTSITE_SITE_DIR) at /.

With the site and the API on one origin, the subscribe form works in a browser with
nothing to configure. In production a static host serves the site.
"""

from __future__ import annotations

import re
from pathlib import Path

from flask import Blueprint, Flask, Response, current_app, redirect, send_from_directory
from werkzeug.exceptions import NotFound
from werkzeug.routing import PathConverter
from werkzeug.wrappers import Response as WerkzeugResponse

bp = Blueprint("devsite", __name__)


def _site_dir() -> Path:
    return Path(current_app.config["SITE_DIR"]).resolve()


@bp.get("/", defaults={"path": ""})
@bp.get("/<site:path>")
def serve(path: str) -> Response | WerkzeugResponse:
    root = _site_dir()
    if not (root / "index.html").is_file():
        return Response(
            "<!doctype html><title>Site not built</title><h1>The static site is not built yet</h1>"
            f"<p>Run <code>trustsite build --site-dir {root}</code>; the service API works "
            "meanwhile at <a href='/api/openapi.json'>/api/openapi.json</a>.</p>",
            status=503,
            mimetype="text/html",
        )
    target = root / path
    if path and not path.endswith("/") and target.is_dir():
        return redirect("/" + path + "/", code=308)  # relative links need the slash
    if path == "" or path.endswith("/"):
        path = (path.rstrip("/") + "/index.html").lstrip("/")
    try:
        return send_from_directory(root, path, max_age=0)
    except NotFound:
        custom = root / "404.html"
        if custom.is_file():
            return Response(custom.read_bytes(), status=404, mimetype="text/html")
        raise


def init_app(app: Flask) -> None:
    """Serve the site at every path but the service's own (registered before this).

    A catch-all GET would also match /api/subscriptions or /manage/<token>/erase: their
    OPTIONS would then advertise GET and HEAD, which the service does not offer there
    (and which its OpenAPI document rightly does not list).
    """
    owned = sorted({rule.rule.split("/")[1] for rule in app.url_map.iter_rules()} - {""})
    taken = "|".join(re.escape(segment.split("<")[0]) for segment in owned if segment.split("<")[0])

    class SitePath(PathConverter):
        regex = rf"(?!(?:{taken})(?:/|$))[^/].*?"

    app.url_map.converters["site"] = SitePath
    app.register_blueprint(bp)
