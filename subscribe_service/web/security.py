"""Cross-site safety and response headers.

State-changing requests must come from an allowed origin (the site and the service
itself): checked with `Origin`, else `Sec-Fetch-Site`; clients that send neither (curl,
servers) are not browsers and cannot be tricked into cross-site posts. CORS is granted to
the site's origin only, for the API. The RFC 8058 one-click endpoint is exempt: mail
providers post to it from their own servers.
"""

from __future__ import annotations

from flask import Flask, Response, current_app, request

from subscribe_service.web.problems import problem

SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}
# Endpoints any origin may POST to (authenticated by the signed token in their URL).
ORIGIN_EXEMPT = {"unsubscribe.one_click"}
CSP = (
    "default-src 'none'; style-src 'self'; img-src 'self' data:; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)
# Responses that may be cached: public, personal-data-free documents.
CACHEABLE = {"openapi.document_view": "public, max-age=300", "static": "public, max-age=3600"}


def _origin_allowed(origin: str) -> bool:
    return origin.rstrip("/").lower() in current_app.config["ORIGIN_ALLOW_LIST"]


def check_origin() -> Response | None:
    if request.method in SAFE_METHODS or request.endpoint in ORIGIN_EXEMPT:
        return None
    origin = request.headers.get("Origin")
    fetch_site = request.headers.get("Sec-Fetch-Site", "none")
    if origin is not None:
        if _origin_allowed(origin):
            return None
        # The service's own pages send `Referrer-Policy: no-referrer`, under which browsers
        # post their forms with `Origin: null`; Sec-Fetch-Site still says same-origin.
        if origin == "null" and fetch_site == "same-origin":
            return None
        return problem(403, "Forbidden origin", "Posts are accepted from this site's pages only.")
    if fetch_site == "cross-site":
        return problem(403, "Forbidden origin", "Posts are accepted from this site's pages only.")
    return None


def add_headers(response: Response) -> Response:
    if request.blueprint == "devsite":
        return response  # the static site brings its own policy (development only)
    headers = response.headers
    headers.setdefault("Content-Security-Policy", CSP)
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("Referrer-Policy", "no-referrer")
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("Cache-Control", CACHEABLE.get(request.endpoint or "", "no-store"))
    _cors(response)
    return response


def _cors(response: Response) -> None:
    origin = request.headers.get("Origin")
    if not request.path.startswith("/api/") or origin is None:
        return
    response.headers.add("Vary", "Origin")
    if origin.rstrip("/").lower() != current_app.config["SITE_ORIGIN"]:
        return
    response.headers["Access-Control-Allow-Origin"] = origin
    if request.method == "OPTIONS":
        response.headers["Access-Control-Allow-Methods"] = "POST, GET, OPTIONS"
        response.headers["Access-Control-Allow-Headers"] = "Content-Type, Accept"
        response.headers["Access-Control-Max-Age"] = "600"


def init_app(app: Flask) -> None:
    app.before_request(check_origin)
    app.after_request(add_headers)
    if app.config["PROXY_FIX_X_FOR"]:
        from werkzeug.middleware.proxy_fix import ProxyFix

        hops = int(app.config["PROXY_FIX_X_FOR"])
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)  # type: ignore[method-assign]
