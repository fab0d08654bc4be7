"""`make run` on the first try: any port, a sink port of its own, mail kept across
restarts with its attachments, a sample report to request, and a rebuild on every edit."""

from __future__ import annotations

import datetime as dt
import os
import re
import signal
import smtplib
import subprocess
import sys
import threading
from email.message import EmailMessage
from pathlib import Path

from flask import Flask

from generator import contract
from subscribe_service.dev import mailview
from subscribe_service.dev.mailstore import MailFolder
from subscribe_service.dev.sample_reports import ensure_sample_reports
from subscribe_service.dev.smtpsink import SmtpSink, free_port
from subscribe_service.dev.watch import watch
from tests.subscribe_service.dev.test_devserver import request, wait_for

ROOT = Path(__file__).resolve().parents[3]


def test_make_run_passes_the_port_to_the_dev_server() -> None:
    dry = subprocess.run(
        ["make", "-n", "run", "PORT=8123"], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert re.search(r"trustsite-dev --port 8123$", dry.stdout, re.M), dry.stdout


def _start(tmp_path: Path, site: Path, port: int) -> subprocess.Popen[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TRUSTSITE_")}
    return subprocess.Popen(
        [sys.executable, "-m", "subscribe_service.dev.server", "--port", str(port),
         "--site-dir", str(site), "--no-build"],
        cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip


def _stop(proc: subprocess.Popen[str]) -> str:
    proc.send_signal(signal.SIGINT)
    output = proc.communicate(timeout=30)[0]
    assert proc.returncode == 0, output
    return output


def test_two_instances_run_side_by_side_and_keep_their_mail_across_a_restart(tmp_path: Path):
    site = tmp_path / "site"
    site.mkdir()
    (site / "index.html").write_text("<!doctype html><title>Trust center</title>")
    first, second = free_port(), free_port()
    a, b = _start(tmp_path, site, first), _start(tmp_path, site, second)
    try:
        for port in (first, second):  # each with an SMTP sink on a free port of its own
            wait_for(lambda port=port: request(port, "GET", "/healthz")[0].status == 200)
        response, _ = request(
            first, "POST", "/api/subscriptions", '{"email": "dana@example.com", "topics": ["dpa"]}',
            {"Content-Type": "application/json", "Origin": f"http://127.0.0.1:{first}"},
        )  # fmt: skip
        assert response.status == 202
        wait_for(lambda: "Confirm your subscription" in request(first, "GET", "/_dev/mail")[1])
    finally:
        output = _stop(a)
        _stop(b)
    assert "SMTP sink listening on 127.0.0.1:" in output
    # Each instance has its own database and mail beside the default one's.
    assert list((tmp_path / "var" / f"dev-{first}" / "dev-mail").glob("*.eml"))
    assert not list((tmp_path / "var" / f"dev-{second}" / "dev-mail").glob("*.eml"))
    again = _start(tmp_path, site, first)
    try:
        wait_for(lambda: request(first, "GET", "/healthz")[0].status == 200)
        assert "Confirm your subscription" in request(first, "GET", "/_dev/mail")[1]
    finally:
        _stop(again)


def test_the_mail_viewer_lists_and_opens_attachments(tmp_path: Path, make_app) -> None:
    sink = SmtpSink().start()
    folder = MailFolder(tmp_path / "dev-mail", sink.port)
    sink.handler.listeners.append(folder.keep)
    try:
        message = EmailMessage()
        message["From"], message["To"], message["Subject"] = "a@x.example", "b@y.example", "DPA"
        message.set_content("The DPA is attached.")
        message.add_attachment(b"%PDF-1.4 dpa", maintype="application", subtype="pdf",
                               filename="dpa-2.0.pdf")  # fmt: skip
        message.add_attachment(b"a,b\n", maintype="text", subtype="csv", filename="list.csv")
        with smtplib.SMTP(sink.host, sink.port, timeout=10) as smtp:
            smtp.send_message(message)
    finally:
        sink.stop()
    app: Flask = make_app()
    mailview.init_app(app, MailFolder(tmp_path / "dev-mail", sink.port))  # as after a restart
    client = app.test_client()
    assert "2 attachments" in client.get("/_dev/mail").get_data(as_text=True)
    page = client.get("/_dev/mail/1").get_data(as_text=True)
    assert "dpa-2.0.pdf" in page and "application/pdf, 12 bytes" in page
    pdf = client.get("/_dev/mail/1/attachments/1")
    assert pdf.data == b"%PDF-1.4 dpa" and pdf.headers["Content-Type"] == "application/pdf"
    assert pdf.headers["Content-Disposition"] == "inline"
    assert "sandbox" in pdf.headers["Content-Security-Policy"]
    csv = client.get("/_dev/mail/1/attachments/2")
    assert csv.headers["Content-Disposition"] == "attachment"
    assert client.get("/_dev/mail/1/attachments/3").status_code == 404
    assert client.get("/_dev/mail/2").status_code == 404


def test_a_sample_report_is_written_once_for_each_report_on_request(tmp_path: Path) -> None:
    site = tmp_path / "site"
    site.mkdir()
    info = contract.ServiceInfo(
        format=contract.SERVICE_FORMAT, as_of=dt.date(2026, 12, 7),
        site_url="http://127.0.0.1:8000/", service_url="http://127.0.0.1:8000/",
        company=contract.Company(name="L", legal_name="L B.V.", address="Amsterdam"),
        contacts=contract.Contacts(privacy="privacy@l.example"), request_retention_days=90,
        reports=[contract.Report(id="soc-2-type-2", name="SOC 2 Type II report")],
    )  # fmt: skip
    (site / "service.json").write_text(info.model_dump_json())
    reports = tmp_path / "var" / "dev-reports"
    (written,) = ensure_sample_reports(site, reports)
    assert written == reports / "soc-2-type-2.pdf" and written.read_bytes().startswith(b"%PDF")
    written.write_bytes(b"%PDF the operator's own")
    assert ensure_sample_reports(site, reports) == []  # never overwritten
    assert ensure_sample_reports(tmp_path / "not-built", reports) == []


def test_the_watcher_rebuilds_after_an_edit(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    (data / "site.yaml").write_text("company: {}\n")
    rebuilt = threading.Event()
    stop = threading.Event()
    watch([data], rebuilt.set, stop, interval=0.1)
    try:
        assert not rebuilt.wait(0.5)  # nothing changed, nothing built
        (data / "site.yaml").write_text("company: {name: Larkspur}\n")
        assert rebuilt.wait(10)
    finally:
        stop.set()
