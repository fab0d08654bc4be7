"""`trustsite-dev` / `make run`: the whole thing on localhost, nothing to configure.

One process: builds the site (`trustsite build`), starts a local SMTP server that keeps
what it receives (shown at http://127.0.0.1:8000/_dev/mail), the service on
http://127.0.0.1:8000 serving the built site at / and the API, and the outbox sender.
Ctrl-C stops everything. The site is built first because the service reads the company,
its contacts and the DPA versions from the built site's `service.json` (with `--no-build`
and no site yet, the request forms answer 503 until one is built).
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
@click.option("--smtp-port", default=8025, show_default=True, type=int)
@click.option(
    "--data", "data_dir", default="data", show_default=True, type=click.Path(path_type=Path)
)
@click.option("--site-dir", default="site", show_default=True, type=click.Path(path_type=Path))
@click.option("--no-build", is_flag=True, help="Serve the site as it is, without building.")
def main(
    host: str, port: int, smtp_port: int, data_dir: Path, site_dir: Path, no_build: bool
) -> None:
    """Run the trust site, the subscription service, a mail sink and the sender."""
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(name)-28s %(message)s", datefmt="%H:%M:%S"
    )
    # The SMTP server's per-command log drowns what matters (create_app quiets Alembic's).
    logging.getLogger("mail.log").setLevel(logging.WARNING)
    from subscribe_service import create_app
    from subscribe_service.dev import mailview as devmail
    from subscribe_service.dev.smtpsink import SmtpSink
    from subscribe_service.infra.migrate import upgrade
    from subscribe_service.mail.sender import poll

    url = f"http://{host}:{port}/"
    if not no_build:
        # Built for the address it is served at, so that the forms post to this port.
        from subscribe_service.dev.data import data_for_url

        work = site_dir.resolve().parent / ".cache" / "trustsite-dev"
        build_site(site_dir, data_for_url(data_dir, url, work), shown_as=data_dir)

    sink = SmtpSink(host, smtp_port)
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
            f"cannot start the SMTP sink on {host}:{smtp_port}: {err}"
        ) from None
    log.info("SMTP sink listening on %s:%d", host, smtp_port)

    os.environ.setdefault("TRUSTSITE_SITE_URL", url)
    app = create_app(
        {
            "SERVE_SITE": True,
            "DEVELOPMENT": True,  # the development secret is fine here, and only here
            "SITE_DIR": str(site_dir.resolve()),
            "MAIL_SERVER": host,
            "MAIL_PORT": smtp_port,
            "SEND_POLL_SECONDS": 1.0,
            "SEND_BACKOFF_SECONDS": 5.0,
        }
    )
    upgrade(app)
    log.info("database ready: %s", app.config["DATABASE_URL"])
    devmail.init_app(app, sink)

    stop = threading.Event()
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
