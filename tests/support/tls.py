"""A self-signed certificate for 127.0.0.1, for tests that talk TLS to a local server."""

from __future__ import annotations

import subprocess
from pathlib import Path


def loopback_certificate(folder: Path) -> tuple[Path, Path]:
    """(certificate, key) as PEM files in `folder`, made with the openssl command; the
    certificate names 127.0.0.1, so a client trusting it checks the name as for any host."""
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        [
            "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
            "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
            "-keyout", str(key), "-out", str(cert),
        ],
        check=True,
        capture_output=True,
    )  # fmt: skip
    return cert, key
