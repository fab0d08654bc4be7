"""The production arrangement of docs/deploy.md, started on localhost for a test.

nginx (its own prefix in a temporary folder, free ports, the config files of deploy/nginx/
with only the host-specific lines replaced) serving the built site and proxying to
gunicorn (deploy/gunicorn.conf.py, 2 workers) on a fresh PostgreSQL database with rate
limits in Redis, two `flask send` processes, and a real aiosmtpd server receiving the mail.
"""

from __future__ import annotations

import grp
import os
import pwd
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import requests

from subscribe_service.dev.smtpsink import SmtpSink, free_port

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
FIXTURE_DATA = ROOT / "tests" / "fixtures" / "data-small"
BIN = Path(sys.executable).parent
PG_ADMIN = os.environ.get("TRUSTSITE_TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/test")
REDIS_URL = os.environ.get("TRUSTSITE_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
TODAY = "2025-06-01"
UNPRIVILEGED = "nobody"


@contextmanager
def work_folder(private: Path) -> Iterator[Path]:
    """Where the arrangement lives. Run as root, nginx's workers are `nobody`, who cannot
    enter pytest's private temporary folders: then a world-readable folder of its own."""
    if os.geteuid() != 0:
        yield private
        return
    folder = Path(tempfile.mkdtemp(prefix="trustsite-deploy-"))
    folder.chmod(0o755)
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def missing_requirement() -> str | None:
    """Why the arrangement cannot start on this machine, or None."""
    if shutil.which("nginx") is None:
        return "nginx is not installed (apt-get install nginx-light)"
    reason = pg_reason()
    if reason:
        return reason
    try:
        import redis

        redis.Redis.from_url(REDIS_URL, socket_timeout=3).ping()
    except Exception as err:
        return f"Redis not reachable at {REDIS_URL}: {err}"
    return None


def pg_reason() -> str | None:
    """Why PostgreSQL cannot be used here, or None."""
    try:
        import psycopg

        with psycopg.connect(PG_ADMIN, connect_timeout=3):
            return None
    except Exception as err:  # any failure: skip and say why
        return f"PostgreSQL not reachable at {PG_ADMIN}: {err}"


@dataclass
class Stack:
    work: Path
    data: Path
    site: Path
    http_port: int
    tls_port: int
    redirect_port: int
    gunicorn_port: int
    env: dict[str, str]
    sink: SmtpSink
    nginx_prefix: Path
    metrics_token: str
    rate_limit_prefix: str
    logs: dict[str, Path] = field(default_factory=dict)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.http_port}"

    def flask(self, *args: str) -> subprocess.CompletedProcess[str]:
        """`flask --app subscribe_service ARGS`, as an operator runs it on the host."""
        return run([str(BIN / "flask"), "--app", "subscribe_service", *args], self)

    def build(self) -> None:
        run(
            [
                str(BIN / "trustsite"),
                "build",
                "--data",
                str(self.data),
                "--site-dir",
                str(self.site),
                "--today",
                TODAY,
                "--config",
                str(ROOT / "mkdocs.yml"),
            ],
            self,
        )

    def log_lines(self, name: str) -> list[str]:
        return self.logs[name].read_text(encoding="utf-8").splitlines()


def run(argv: list[str], stack: Stack) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(
        argv, cwd=stack.work, env=stack.env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, f"{' '.join(argv)} failed:\n{done.stdout}\n{done.stderr}"
    return done


def prepare_data(work: Path, site_url: str) -> Path:
    """The small fixture data set, published at `site_url` (this test's nginx)."""
    data = work / "data"
    shutil.copytree(FIXTURE_DATA, data)
    site_yaml = data / "site.yaml"
    text = site_yaml.read_text(encoding="utf-8")
    text = re.sub(r"(?m)^(site_url|service_url): .*$", rf"\1: {site_url}/", text)
    site_yaml.write_text(text, encoding="utf-8")
    return data


def forget_rate_limits(prefix: str) -> None:
    import redis

    client = redis.Redis.from_url(REDIS_URL)
    for key in client.scan_iter(f"*{prefix}/*"):
        client.delete(key)


@contextmanager
def fresh_database() -> Iterator[str]:
    import psycopg

    name = f"trustsite_deploy_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield re.sub(r"^postgresql://", "postgresql+psycopg://", PG_ADMIN.rsplit("/", 1)[0]) + (
            f"/{name}"
        )
    finally:
        with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def service_env(stack_work: Path, db_url: str, sink: SmtpSink, site_url: str, **extra: str):
    env = {k: v for k, v in os.environ.items() if not k.startswith("TRUSTSITE_")}
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)
    env.update(
        {
            "PATH": f"{BIN}{os.pathsep}{env.get('PATH', '')}",
            "TRUSTSITE_SECRET_KEY": uuid.uuid4().hex * 2,
            "TRUSTSITE_DATABASE_URL": db_url,
            "TRUSTSITE_MAIL_SERVER": sink.host,
            "TRUSTSITE_MAIL_PORT": str(sink.port),
            "TRUSTSITE_SITE_URL": f"{site_url}/",
            "TRUSTSITE_SITE_DIR": str(stack_work / "site"),
            "TRUSTSITE_PROXY_FIX_X_FOR": "1",
            "TRUSTSITE_LOG_FORMAT": "json",
            "TRUSTSITE_SEND_POLL_SECONDS": "0.2",
            **extra,
        }
    )
    return env


def write_nginx_config(stack: Stack) -> Path:
    """deploy/nginx/* under the prefix; host-specific lines of trustsite.conf replaced."""
    prefix = stack.nginx_prefix
    conf = prefix / "conf"
    (conf / "trustsite").mkdir(parents=True)
    for name in ("logs", "temp"):
        (prefix / name).mkdir()
    for name in ("locations.conf", "proxy.conf", "static-headers.conf"):
        shutil.copy(DEPLOY / "nginx" / name, conf / "trustsite" / name)
    certificate, key = self_signed_certificate(prefix)
    site_conf = (DEPLOY / "nginx" / "trustsite.conf").read_text(encoding="utf-8")
    for old, new in {
        "server 127.0.0.1:8001;": f"server 127.0.0.1:{stack.gunicorn_port};",
        "listen 80;": f"listen 127.0.0.1:{stack.redirect_port};",
        "listen [::]:80;": "",
        "listen 443 ssl http2;": f"listen 127.0.0.1:{stack.tls_port} ssl http2;",
        "listen [::]:443 ssl http2;": "",
        "/etc/letsencrypt/live/trust.larkspur.example/fullchain.pem": str(certificate),
        "/etc/letsencrypt/live/trust.larkspur.example/privkey.pem": str(key),
        "root /srv/trustsite/site;": f"root {stack.site};",
        "/var/log/nginx/trustsite.access.log": str(prefix / "logs" / "tls.access.log"),
    }.items():
        assert site_conf.count(old) == 1, f"deploy/nginx/trustsite.conf: expected {old!r} once"
        site_conf = site_conf.replace(old, new)
    (conf / "trustsite.conf").write_text(site_conf, encoding="utf-8")
    temp = prefix / "temp"
    # As in production, the workers of a root master run as an unprivileged user, who
    # must be able to read the built site (see work_folder).
    user = f"user {UNPRIVILEGED} {grp.getgrgid(pwd.getpwnam(UNPRIVILEGED).pw_gid).gr_name};"
    if os.geteuid() != 0:
        user = ""  # started unprivileged: the workers stay this user
    main = f"""{user}
worker_processes 1;
pid {prefix}/nginx.pid;
error_log {prefix}/logs/error.log warn;
events {{ worker_connections 256; }}
http {{
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    client_body_temp_path {temp}/body;
    proxy_temp_path {temp}/proxy;
    fastcgi_temp_path {temp}/fastcgi;
    uwsgi_temp_path {temp}/uwsgi;
    scgi_temp_path {temp}/scgi;
    include trustsite.conf;
    # Plain http in front of the service, as behind a TLS-terminating load balancer.
    server {{
        listen 127.0.0.1:{stack.http_port};
        server_name _;
        root {stack.site};
        access_log {prefix}/logs/access.log trustsite_json;
        include trustsite/locations.conf;
    }}
}}
"""
    path = conf / "nginx.conf"
    path.write_text(main, encoding="utf-8")
    stack.logs["nginx_access"] = prefix / "logs" / "access.log"
    return path


def self_signed_certificate(prefix: Path) -> tuple[Path, Path]:
    certificate, key = prefix / "cert.pem", prefix / "key.pem"
    subprocess.run(
        [
            *("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1"),
            *("-keyout", str(key), "-out", str(certificate), "-subj", "/CN=127.0.0.1"),
            *("-addext", "subjectAltName=IP:127.0.0.1"),
        ],
        check=True,
        capture_output=True,
    )
    return certificate, key


def wait_for(url: str, process: subprocess.Popen[bytes], what: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while True:
        if process.poll() is not None:
            raise AssertionError(f"{what} exited with {process.returncode} while starting")
        try:
            if requests.get(url, timeout=5).status_code < 500:
                return
        except requests.RequestException:
            pass  # not listening yet, or the worker is still importing the app
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} did not answer {url} within {timeout:.0f}s")
        time.sleep(0.2)


@contextmanager
def process(
    stack: Stack, name: str, argv: list[str], env: dict[str, str] | None = None
) -> Iterator[subprocess.Popen[bytes]]:
    """A long-running process with its stderr (the JSON log) in a file; stopped at the end."""
    log = stack.work / f"{name}.log"
    stack.logs[name] = log
    with log.open("wb") as sink:
        proc = subprocess.Popen(
            argv, cwd=stack.work, env=env or stack.env, stdout=sink, stderr=subprocess.STDOUT
        )
        try:
            yield proc
        finally:
            if proc.poll() is None:
                proc.send_signal(signal.SIGINT if "sender" in name else signal.SIGTERM)
                try:
                    proc.wait(15)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait(5)


@contextmanager
def production_stack(work: Path) -> Iterator[Stack]:
    """Everything of docs/deploy.md, running; torn down in reverse order."""
    with ExitStack() as stack_exit:
        sink = SmtpSink().start()
        stack_exit.callback(sink.stop)
        http_port = free_port()
        site_url = f"http://127.0.0.1:{http_port}"
        db_url = stack_exit.enter_context(fresh_database())
        prefix = f"trustsite-deploy-{uuid.uuid4().hex[:8]}"
        stack = Stack(
            work=work,
            data=prepare_data(work, site_url),
            site=work / "site",
            http_port=http_port,
            tls_port=free_port(),
            redirect_port=free_port(),
            gunicorn_port=free_port(),
            env={},
            sink=sink,
            nginx_prefix=work / "nginx",
            metrics_token=uuid.uuid4().hex,
            rate_limit_prefix=prefix,
        )
        stack_exit.callback(forget_rate_limits, prefix)
        stack.env = service_env(
            work,
            db_url,
            sink,
            site_url,
            TRUSTSITE_RATELIMIT_STORAGE_URI=REDIS_URL,
            TRUSTSITE_RATELIMIT_KEY_PREFIX=prefix,
            TRUSTSITE_LIMIT_PER_IP="200 per minute",
            TRUSTSITE_LIMIT_PER_ADDRESS="3 per hour",
            TRUSTSITE_METRICS_TOKEN=stack.metrics_token,
            TRUSTSITE_SEND_BATCH_SIZE="2",
            TRUSTSITE_SEND_RATE="20",
            # A mail the sink could not take at once (a loaded CI machine) is tried again
            # within the test's wait, not after the default 30 s backoff.
            TRUSTSITE_SEND_BACKOFF_SECONDS="1",
            TRUSTSITE_BIND=f"127.0.0.1:{stack.gunicorn_port}",
            # notify reads changes.json through nginx on this machine (docs/deploy.md).
            TRUSTSITE_NOTIFY_ALLOW_HOSTS="127.0.0.1",
            WEB_CONCURRENCY="2",
        )
        stack.build()
        stack.flask("db", "upgrade")
        # First run on a site with a history: record it, mail nobody (docs/deploy.md).
        stack.flask("notify", str(stack.site / "changes.json"), "--baseline")

        web_env = {**stack.env, "PROMETHEUS_MULTIPROC_DIR": str(work / "metrics")}
        gunicorn = stack_exit.enter_context(
            process(
                stack,
                "gunicorn",
                [
                    str(BIN / "gunicorn"),
                    *("-c", str(DEPLOY / "gunicorn.conf.py")),
                    "subscribe_service:create_app()",
                ],
                env=web_env,
            )
        )
        wait_for(f"http://127.0.0.1:{stack.gunicorn_port}/healthz", gunicorn, "gunicorn")
        for number in (1, 2):
            stack_exit.enter_context(
                process(
                    stack,
                    f"sender{number}",
                    [str(BIN / "flask"), "--app", "subscribe_service", "send"],
                )
            )
        nginx_conf = write_nginx_config(stack)
        nginx_argv = ["nginx", "-p", str(stack.nginx_prefix), "-c", str(nginx_conf)]
        checked = subprocess.run([*nginx_argv, "-t"], capture_output=True, text=True)
        assert checked.returncode == 0, f"nginx -t refused the configuration:\n{checked.stderr}"
        nginx = stack_exit.enter_context(
            process(stack, "nginx", [*nginx_argv, "-g", "daemon off;"])
        )
        wait_for(f"{stack.url}/", nginx, "nginx")
        yield stack
