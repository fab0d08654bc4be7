"""Configuration: defaults that work on a laptop, then TRUSTSITE_* variables, then tests'.

The operator sets how the service runs (secret key, database, mail server, the site's and
the service's URLs, limits). Who the company is comes from one place, `data/site.yaml`,
through the built site's `service.json` (infra/published_site.py): `COMPANY_NAME` is
derived from it, like `MAIL_DOMAIN` from the site URL, and is not a setting.
"""

from __future__ import annotations

import logging
import math
import sys
from collections.abc import Mapping
from email.utils import formataddr
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

from flask import Flask

from generator.contract import ServiceInfo
from subscribe_service.infra.published_site import init_published_site

DEV_SECRET = "trustsite-dev-secret-do-not-use-in-production"
MIN_SECRET_BYTES = 32
PLACEHOLDER_SECRETS = ("replace-with-a-long-random-value",)  # deploy/trustsite.env.example
WEAK_SECRET_EXIT = 3
# Settings of earlier versions whose values now come from the built site (service.json).
NO_LONGER_SETTINGS = ("COMPANY_NAME", "DATA_DIR")

log = logging.getLogger("subscribe_service")


def defaults() -> dict[str, Any]:
    var = Path.cwd() / "var"
    return {
        "SECRET_KEY": None,
        "OLD_SECRET_KEYS": "",
        "DATABASE_URL": f"sqlite:///{var / 'trustsite.db'}",
        "MAIL_SERVER": "localhost",
        "MAIL_PORT": 8025,
        "MAIL_USE_TLS": False,
        "MAIL_USE_SSL": False,
        "MAIL_USERNAME": None,
        "MAIL_PASSWORD": None,
        "MAIL_DEFAULT_SENDER": None,  # derived: "<company> <notices@<site host>>"
        "MAIL_DOMAIN": None,  # derived: the site's host
        "SITE_URL": "http://127.0.0.1:8000/",
        "SERVICE_URL": None,  # derived: the site URL (one origin in development)
        "SITE_DIR": "site",
        "SERVE_SITE": False,  # serve SITE_DIR at / (development; on with --debug too)
        "DEVELOPMENT": False,  # the local stack of `make run`: the development secret is fine
        "TEMPLATE_DIR": None,  # searched before the built-in templates
        "ALLOWED_ORIGINS": "",  # extra origins allowed to post, comma-separated
        "RATELIMIT_STORAGE_URI": "memory://",
        "RATELIMIT_ENABLED": True,
        "RATELIMIT_KEY_PREFIX": "trustsite",
        "RATELIMIT_HEADERS_ENABLED": False,
        "LIMIT_PER_IP": "30 per minute; 300 per hour",
        "LIMIT_PER_ADDRESS": "5 per hour; 20 per day",
        "LIMIT_PER_TOKEN": "3 per minute; 10 per hour",  # POSTs through one personal link
        # Gated security reports (requests/reports.py): the private folder they are served
        # from (never the static site), how long a download link works, stamped PDFs.
        "REPORTS_DIR": None,
        "REPORT_LINK_DAYS": 7,
        "REPORTS_STAMP": True,
        "SEND_BATCH_SIZE": 100,
        "SEND_MAX_ATTEMPTS": 8,
        "SEND_BACKOFF_SECONDS": 30.0,
        "SEND_RATE": 50.0,  # messages per second; 0 = no limit
        "SEND_LEASE_SECONDS": 300.0,
        "SEND_POLL_SECONDS": 2.0,
        "SMTP_TIMEOUT": 30.0,
        "SEND_CONNECTIONS": 2,  # SMTP sessions per sender, one mail in flight on each
        "NOTIFY_ALLOW_HOSTS": "",  # non-public hosts/networks notify may read, comma-separated
        # Webhooks (webhooks/): hosts that may be reached although not public, and over
        # http:// (comma-separated); timeouts; the retry schedule and the pause.
        "WEBHOOK_ALLOW_HOSTS": "",
        "WEBHOOK_CONNECT_TIMEOUT": 5.0,
        "WEBHOOK_TIMEOUT": 15.0,
        "WEBHOOK_CONCURRENCY": 8,  # POSTs under way at once per sender
        "WEBHOOK_BACKOFF_SECONDS": 60.0,
        "WEBHOOK_RETRY_SECONDS": 3 * 86400.0,
        "WEBHOOK_PAUSE_AFTER_SECONDS": 3 * 86400.0,
        "WEBHOOK_MAX_PER_ADDRESS": 10,
        "WEBHOOK_REDELIVER_PER_HOUR": 10,
        "PENDING_RETENTION_DAYS": 30,  # unconfirmed addresses are forgotten after this
        "PROXY_FIX_X_FOR": 0,  # trusted proxies in front (X-Forwarded-For / -Proto / -Host)
        "MAX_CONTENT_LENGTH": 64 * 1024,
        "CONSENT_TEXT": (
            "Email me when {company} changes the documents I picked ({topics}). "
            "I can change this or unsubscribe with the link in every email."
        ),
    }


def _slash(url: str) -> str:
    return url if url.endswith("/") else url + "/"


def configure(app: Flask, test_config: dict[str, Any] | None) -> None:
    app.config.from_mapping(defaults())
    app.config.from_prefixed_env("TRUSTSITE")
    if test_config:
        app.config.from_mapping(test_config)
    _check_numbers(app.config)
    cfg = app.config
    for name in NO_LONGER_SETTINGS:
        if cfg.pop(name, None) is not None:
            log.warning(
                "TRUSTSITE_%s is no longer read: the service takes the company and its data "
                "from the built site's service.json (TRUSTSITE_SITE_DIR)",
                name,
            )
    cfg["SITE_URL"] = _slash(str(cfg["SITE_URL"]))
    cfg["SERVICE_URL"] = _slash(str(cfg["SERVICE_URL"] or cfg["SITE_URL"]))
    cfg["MAIL_DOMAIN"] = cfg["MAIL_DOMAIN"] or mail_domain(cfg)
    _follow_the_published_company(app)
    cfg["SITE_ORIGIN"] = origin_of(cfg["SITE_URL"])
    cfg["SERVICE_ORIGIN"] = origin_of(cfg["SERVICE_URL"])
    extra = [o.strip().rstrip("/") for o in str(cfg["ALLOWED_ORIGINS"]).split(",") if o.strip()]
    cfg["ORIGIN_ALLOW_LIST"] = sorted({cfg["SITE_ORIGIN"], cfg["SERVICE_ORIGIN"], *extra})
    # Flask-Limiter reads these names.
    cfg["RATELIMIT_STORAGE_URI"] = cfg["RATELIMIT_STORAGE_URI"] or "memory://"
    _check_the_secret(app)


# Numbers that count something, and timeouts: zero would stop the sender or hang it.
AT_LEAST_ONE = frozenset(
    {
        "MAIL_PORT",
        "MAX_CONTENT_LENGTH",
        "SEND_BATCH_SIZE",
        "SEND_CONNECTIONS",
        "SEND_MAX_ATTEMPTS",
        "WEBHOOK_CONCURRENCY",
    }
)
MORE_THAN_ZERO = frozenset({"SMTP_TIMEOUT", "WEBHOOK_CONNECT_TIMEOUT", "WEBHOOK_TIMEOUT"})
# 3, as for a weak secret: gunicorn's "worker failed to boot", on which it stops.
BAD_SETTING_EXIT = WEAK_SECRET_EXIT


def _check_numbers(cfg: dict[str, Any]) -> None:
    """Every numeric setting as the number its default is (a whole one where the default
    is), never negative, counts at least 1. A careless value in the env file stops the
    start with the setting's name and what it must be, instead of a traceback from
    deep in the sender when the value is first used."""
    problems = []
    for name, default in defaults().items():
        if isinstance(default, bool) or not isinstance(default, int | float):
            continue
        number, problem = _number(cfg.get(name), whole=isinstance(default, int))
        problem = problem or _out_of_range(name, number)
        if problem is not None:
            problems.append(f"TRUSTSITE_{name} must be {problem} (it is {cfg.get(name)!r})")
        else:
            cfg[name] = number
    if problems:
        print("trustsite: refusing to start: " + "; ".join(problems), file=sys.stderr)
        raise SystemExit(BAD_SETTING_EXIT)  # no traceback


def _out_of_range(name: str, number: float) -> str | None:
    if name in AT_LEAST_ONE:
        return "at least 1" if number < 1 else None
    if name in MORE_THAN_ZERO:
        return "more than 0" if number <= 0 else None
    return "0 or more" if number < 0 else None


def _number(value: Any, *, whole: bool) -> tuple[float, str | None]:
    """The value as an int (`whole`) or a float, or what it must be instead."""
    wanted = "a whole number" if whole else "a number"
    if isinstance(value, bool):
        return 0, wanted
    try:
        number = float(value.strip() if isinstance(value, str) else value)
    except (TypeError, ValueError):
        return 0, wanted
    if not math.isfinite(number) or (whole and not number.is_integer()):
        return 0, wanted
    return (int(number) if whole else number), None


def _check_the_secret(app: Flask) -> None:
    """Every link in every mail is signed with SECRET_KEY: with a known or short one,
    anyone can forge a link for someone else's subscription or report. Outside debug,
    tests and the local development stack (`make run`), such a secret stops the start
    with what to do, rather than a warning in a log nobody reads."""
    cfg = app.config
    if not cfg["SECRET_KEY"]:
        cfg["SECRET_KEY"] = DEV_SECRET
    problems = [
        problem
        for name, key in [("TRUSTSITE_SECRET_KEY", cfg["SECRET_KEY"])]
        + [("TRUSTSITE_OLD_SECRET_KEYS", old) for old in _old_keys(cfg["OLD_SECRET_KEYS"])]
        if (problem := _weakness(name, str(key)))
    ]
    if not problems:
        return
    if app.debug or app.testing or cfg.get("DEVELOPMENT"):
        log.warning("%s; fine for development only, never in production", problems[0])
        return
    print(
        f"trustsite: refusing to start: {problems[0]}. Anyone could forge the links the "
        "service mails. Set TRUSTSITE_SECRET_KEY to a long random value, made with\n"
        "  python3 -c 'import secrets; print(secrets.token_urlsafe(48))'\n"
        "(the development secret is only accepted with --debug, or by `make run`).",
        file=sys.stderr,
    )
    # No traceback; and 3 is gunicorn's "worker failed to boot", on which its master
    # stops instead of starting the worker again and again.
    raise SystemExit(WEAK_SECRET_EXIT)


def _old_keys(value: object) -> list[str]:
    if isinstance(value, str):
        return [key.strip() for key in value.split(",") if key.strip()]
    return [str(key) for key in value or []]


def _weakness(name: str, key: str) -> str | None:
    if key == DEV_SECRET:
        return f"{name} is the development secret (or not set)"
    if key in PLACEHOLDER_SECRETS:
        return f"{name} is the example's placeholder"
    if len(key.encode("utf-8")) < MIN_SECRET_BYTES:
        return f"{name} is shorter than {MIN_SECRET_BYTES} bytes"
    return None


def _follow_the_published_company(app: Flask) -> None:
    """COMPANY_NAME (and the sender's name, unless MAIL_DEFAULT_SENDER is set) from the
    built site's service.json, now and whenever a new build is read. Until the site is
    built they use the site's host name; what is missing is logged when something needs
    the file (the request endpoints, which answer 503)."""
    cfg = app.config
    sender_is_derived = not cfg["MAIL_DEFAULT_SENDER"]

    def name_the_company(company: str) -> None:
        cfg["COMPANY_NAME"] = company
        if sender_is_derived:
            cfg["MAIL_DEFAULT_SENDER"] = default_sender(company, cfg["MAIL_DOMAIN"])

    def follow(info: ServiceInfo) -> None:
        name_the_company(info.company.name)
        # The logo at its address on the published site, for the mails' header.
        brand = info.brand
        cfg["BRAND_LOGO_URL"] = urljoin(_slash(info.site_url), brand.logo) if brand else None
        cfg["BRAND_COLOR"] = brand.color if brand else None

    cfg["BRAND_LOGO_URL"] = cfg["BRAND_COLOR"] = None
    name_the_company(urlsplit(cfg["SITE_URL"]).hostname or "trust center")
    init_published_site(app, on_change=follow).peek()


def origin_of(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}".lower()


def mail_domain(config: Mapping[str, Any]) -> str:
    """The domain for Message-IDs and List-Ids: MAIL_DOMAIN, else the site's host."""
    return config.get("MAIL_DOMAIN") or urlsplit(config["SITE_URL"]).hostname or "localhost"


def default_sender(company: str, domain: str) -> str:
    return formataddr((company, f"notices@{domain}"))
