"""`trustsite-dev` / `make run`: the whole thing on localhost, nothing to configure.

One process: builds the site (`trustsite build`), starts a local SMTP server on a free
port that keeps what it receives under `var/dev-mail/` (shown at /_dev/mail, across
restarts), the service on http://127.0.0.1:8000 (or `--port N`) serving the built site at
/ and the API, and the outbox sender. The site is rebuilt when `data/` or `site_src/`
change. The demo's security reports are served from `var/dev-reports/`, where a sample
PDF is written for each one on first run. Ctrl-C stops everything. The site is built
first because the service reads the company, its contacts and the DPA versions from the
built site's `service.json` (with `--no-build` and no site yet, the request forms answer
503 until one is built).
"""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import threading
from pathlib import Path

import click
from werkzeug.serving import make_server

log = logging.getLogger("trustsite.dev")


def build_site(site_dir: Path, data_dir: Path, shown_as: Path | None = None) -> bool:
    """Run `trustsite build`; on failure say so and keep going (the API still works).

    `shown_as`: the folder the editor knows `data_dir` by (it may be a copy), named in
    the messages instead."""
    # The generator of this same interpreter, whether or not its venv is on PATH.
    command = [sys.executable, "-m", "generator.cli.commands"]
    log.info("building the site: trustsite build --data %s --site-dir %s", data_dir, site_dir)
    result = subprocess.run(
        [*command, "build", "--data", str(data_dir), "--site-dir", str(site_dir)],
        capture_output=True,
        text=True,
    )
    output = (result.stdout + result.stderr).strip()
    if shown_as is not None:
        output = output.replace(str(data_dir), str(shown_as))
    if result.returncode != 0:
        log.error(
            "the site did not build (exit %d); the service starts anyway and / explains "
            "what is missing.\n%s",
            result.returncode,
            output[-3000:],
        )
        return False
    log.info("site built: %s", output.splitlines()[-1] if output else site_dir)
    return True


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
@click.option(
    "--smtp-port",
    default=None,
    type=int,
    help="The local SMTP sink's port [default: a free one, so two instances can run].",
)
@click.option(
    "--data", "data_dir", default="data", show_default=True, type=click.Path(path_type=Path)
)
@click.option(
    "--site-dir",
    default=None,
    type=click.Path(path_type=Path),
    help="Where the site is built [default: site/ on port 8000, else a folder of the port's "
    "own under .cache/, so that two instances do not build over each other].",
)
@click.option("--no-build", is_flag=True, help="Serve the site as it is, without building.")
def main(
    host: str,
    port: int,
    smtp_port: int | None,
    data_dir: Path,
    site_dir: Path | None,
    no_build: bool,
) -> None:
    """Run the trust site, the subscription service, a mail sink and the sender."""
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(name)-28s %(message)s", datefmt="%H:%M:%S"
    )
    # The SMTP server's per-command log drowns what matters (create_app quiets Alembic's).
    logging.getLogger("mail.log").setLevel(logging.WARNING)
    from subscribe_service import create_app
    from subscribe_service.dev import mailview as devmail
    from subscribe_service.dev.mailstore import MailFolder
    from subscribe_service.dev.sample_reports import ensure_sample_reports
    from subscribe_service.dev.smtpsink import SmtpSink
    from subscribe_service.dev.watch import watch
    from subscribe_service.infra.migrate import upgrade
    from subscribe_service.mail.sender import poll

    url = f"http://{host}:{port}/"
    if site_dir is None:
        own = Path(".cache", "trustsite-dev", str(port), "site")
        site_dir = Path("site") if port == 8000 else own
    var = Path.cwd() / "var"
    # Another port, another instance: its own database and mail, so two can run at once.
    own = var if port == 8000 else var / f"dev-{port}"
    own.mkdir(parents=True, exist_ok=True)
    database = os.environ.get("TRUSTSITE_DATABASE_URL") or f"sqlite:///{own / 'trustsite.db'}"
    reports = Path(os.environ.get("TRUSTSITE_REPORTS_DIR") or var / "dev-reports")
    stop = threading.Event()

    def rebuild() -> None:
        # Built for the address it is served at, so that the forms post to this port.
        from subscribe_service.dev.data import data_for_url

        work = site_dir.resolve().parent / ".cache" / "trustsite-dev" / str(port)
        if build_site(site_dir, data_for_url(data_dir, url, work), shown_as=data_dir):
            ensure_sample_reports(site_dir, reports)

    if not no_build:
        rebuild()
        watched = [data_dir, Path("site_src"), Path("mkdocs.yml")]
        watch([p for p in watched if p.exists()], rebuild, stop)
    ensure_sample_reports(site_dir, reports)

    sink = SmtpSink(host, smtp_port)
    mailbox = MailFolder(own / "dev-mail", sink.port)
    sink.handler.listeners.append(mailbox.keep)
    sink.handler.listeners.append(
        lambda item: log.info(
            "mail received for %s: %s  -> http://%s:%d/_dev/mail",
            ", ".join(item.recipients),
            item.message["Subject"],
            host,
            port,
        )
    )
    try:
        sink.start()
    except OSError as err:
        raise click.ClickException(
            f"cannot start the SMTP sink on {host}:{sink.port}: {err}"
        ) from None
    log.info("SMTP sink listening on %s:%d, keeping mail in %s", host, sink.port, mailbox.folder)

    os.environ.setdefault("TRUSTSITE_SITE_URL", url)
    app = create_app(
        {
            "SERVE_SITE": True,
            "DEVELOPMENT": True,  # the development secret is fine here, and only here
            "SITE_DIR": str(site_dir.resolve()),
            "DATABASE_URL": database,
            "MAIL_SERVER": host,
            "MAIL_PORT": sink.port,
            "REPORTS_DIR": str(reports.resolve()),
            "SEND_POLL_SECONDS": 1.0,
            "SEND_BACKOFF_SECONDS": 5.0,
        }
    )
    upgrade(app)
    log.info("database ready: %s", app.config["DATABASE_URL"])
    devmail.init_app(app, mailbox)

    sender = threading.Thread(
        target=poll, args=(app, stop.is_set), kwargs={"owner": "dev-sender"}, daemon=True
    )
    sender.start()

    try:
        server = make_server(host, port, app, threaded=True)
    except OSError as err:
        stop.set()
        sink.stop()
        raise click.ClickException(f"cannot listen on {host}:{port}: {err}") from None
    signal.signal(signal.SIGTERM, lambda *_: threading.Thread(target=server.shutdown).start())
    log.info("ready: the site and the API at %s, mail at %s_dev/mail (Ctrl-C stops)", url, url)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        log.info("stopping")
        server.server_close()
        stop.set()
        sender.join(timeout=10)
        sink.stop()
        log.info("stopped")


if __name__ == "__main__":
    sys.exit(main())
