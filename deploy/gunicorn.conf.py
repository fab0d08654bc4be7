"""gunicorn settings for the subscription service, behind nginx.

    gunicorn -c deploy/gunicorn.conf.py 'subscribe_service:create_app()'

Read from the environment (the systemd unit sets them, see deploy/systemd/):
TRUSTSITE_BIND (127.0.0.1:8001), WEB_CONCURRENCY (workers: one per core),
TRUSTSITE_WORKER_CLASS (gevent; gthread is the choice without gevent),
TRUSTSITE_WORKER_CONNECTIONS (requests a gevent worker holds at once: 1000),
TRUSTSITE_WEB_THREADS (threads of a gthread worker: 4), TRUSTSITE_MAX_REQUESTS (a worker is
replaced after this many requests: 50,000),
PROMETHEUS_MULTIPROC_DIR (where the workers share their request counters; a private
temporary folder when unset), TRUSTSITE_LOG_FORMAT=json (gunicorn's own lines as JSON too).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any


def _whole_number(name: str, default: int) -> int:
    """A count from the environment; anything else stops gunicorn saying what to fix."""
    value = os.environ.get(name) or str(default)
    if not value.strip().isdigit() or int(value) < 1:
        raise SystemExit(f"{name} must be a whole number of at least 1, not {value!r}")
    return int(value)


bind = [os.environ.get("TRUSTSITE_BIND", "127.0.0.1:8001")]
# A request mostly waits: for the database and Redis (mail is sent by the senders). gevent
# workers wait for many requests at once in one thread each, where threaded workers spent
# much of their CPU handing the interpreter lock from thread to thread, and their requests
# sat idle waiting for it; requests of one worker share their outbox commits
# (subscribe_service/mail/groupcommit.py), so the more a worker holds, the fewer commits.
# psycopg and the Redis client cooperate with gevent; SQLite's calls are short and local.
# One worker per core keeps the cores busy.
workers = _whole_number("WEB_CONCURRENCY", os.cpu_count() or 1)
worker_class: Any = os.environ.get("TRUSTSITE_WORKER_CLASS") or "gevent"
if worker_class not in ("gevent", "gthread"):
    raise SystemExit(f"TRUSTSITE_WORKER_CLASS must be gevent or gthread, not {worker_class!r}")
worker_connections = _whole_number("TRUSTSITE_WORKER_CONNECTIONS", 1000)
threads = _whole_number("TRUSTSITE_WEB_THREADS", 4)  # gthread workers only
timeout = 30
graceful_timeout = 30
# nginx keeps connections to us open; longer than nginx's upstream keepalive_timeout (60s
# default) would let nginx reuse a connection gunicorn is closing.
keepalive = 75
# Recycle workers now and then so a slow leak never becomes an outage. A new worker spends
# a second or two starting the app: at 5,000 requests it did so every few seconds under
# load (benchmarks/service.py lost half its throughput); 50,000 is minutes even when busy.
max_requests = _whole_number("TRUSTSITE_MAX_REQUESTS", 50_000)
max_requests_jitter = max_requests // 10
# nginx logs every request and the app writes its own line per request (with the request
# id, without tokens); gunicorn's access log would be a third copy. Were it turned on, its
# lines would lose their tokens too (subscribe_service/infra/redaction.py redacts every record).
accesslog = None
errorlog = "-"
# X-Forwarded-* is handled by the app (TRUSTSITE_PROXY_FIX_X_FOR, werkzeug's ProxyFix).
forwarded_allow_ips = "127.0.0.1,::1"
proc_name = "trustsite-service"
# gunicorn 24+ opens a control socket in $HOME by default, which two instances on one
# host would share; systemd's signals (reload = HUP) are all this service needs.
control_socket_disable = True

# Workers share request counters through files in this folder. prometheus_client decides
# when it is first imported, so the variable is set here, in the master, before any
# worker imports the app.
_own_metrics_dir = not os.environ.get("PROMETHEUS_MULTIPROC_DIR")
if _own_metrics_dir:
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="trustsite-metrics-")

if os.environ.get("TRUSTSITE_LOG_FORMAT", "").lower() == "json":
    logconfig_dict = {
        "version": 1,
        "disable_existing_loggers": False,
        "root": {"level": "INFO", "handlers": ["json"]},
        "loggers": {
            "gunicorn.error": {"level": "INFO", "handlers": [], "propagate": True},
            # An access line would hold the token of a mailed link (/confirm/<token>);
            # the app logs each request by its route instead.
            "gunicorn.access": {"level": "WARNING", "handlers": [], "propagate": False},
        },
        "handlers": {
            "json": {
                "class": "logging.StreamHandler",
                "formatter": "json",
                "stream": "ext://sys.stderr",
            }
        },
        "formatters": {"json": {"()": "subscribe_service.infra.logging_setup.JsonFormatter"}},
    }


def _gevent_worker() -> type:
    """gunicorn's gevent worker, with two changes.

    - After each request it lets the worker's other connections go first. A keep-alive
      client whose next request has already arrived would otherwise be served again and
      again while the others wait: under load the bare /healthz answered in 0.6 ms at
      the median but in 250 ms and more at the 99th percentile.
    - When told to stop, it closes the connections that are between requests (nginx
      keeps some open to every worker) instead of waiting graceful_timeout for them to
      time out; requests under way still finish.
    """
    import socket

    import gevent
    from gunicorn.workers.ggevent import GeventWorker

    class TrustsiteGeventWorker(GeventWorker):  # type: ignore[misc]
        def init_process(self) -> None:
            self.between_requests: set[socket.socket] = set()
            super().init_process()

        def handle(self, listener: Any, client: socket.socket, addr: Any) -> None:
            self.between_requests.add(client)
            try:
                super().handle(listener, client, addr)
            finally:
                self.between_requests.discard(client)

        def handle_request(self, listener_name: Any, req: Any, sock: Any, addr: Any) -> None:
            self.between_requests.discard(sock)
            try:
                super().handle_request(listener_name, req, sock, addr)
            finally:
                self.between_requests.add(sock)
            gevent.sleep(0)  # the worker's other connections first
            if not self.alive:
                # Told to stop while this request ran (too early to find the connection
                # idle): the connection ends here instead of waiting for another request.
                raise StopIteration

        def handle_exit(self, sig: int, frame: Any) -> None:
            super().handle_exit(sig, frame)
            for sock in list(self.between_requests):
                with contextlib.suppress(OSError):  # closed meanwhile
                    sock.shutdown(socket.SHUT_RDWR)  # its handler reads the end and returns

    return TrustsiteGeventWorker


if worker_class == "gevent":
    worker_class = _gevent_worker()


def on_starting(server: Any) -> None:
    """Counters of a previous run must not be added to this one's."""
    folder = Path(os.environ["PROMETHEUS_MULTIPROC_DIR"])
    folder.mkdir(parents=True, exist_ok=True)
    for stale in folder.glob("*.db"):
        stale.unlink()


def child_exit(server: Any, worker: Any) -> None:
    """A worker that exits (recycled or crashed) keeps its counts but drops its gauges."""
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)


def on_exit(server: Any) -> None:
    if _own_metrics_dir:
        shutil.rmtree(os.environ["PROMETHEUS_MULTIPROC_DIR"], ignore_errors=True)
