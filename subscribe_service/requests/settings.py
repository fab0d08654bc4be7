"""What the request forms need from `data/`: the privacy team's address, the retention
period, and which DPA version is current.

`site.yaml` is read once when the app starts (TRUSTSITE_DATA_DIR, default `data`). The DPA
versions are loaded on first use and kept: the current version is then worked out from
today's date on every request, so a version that becomes effective overnight is the one
sent the next morning without a restart. A data folder that cannot be read never takes the
rest of the service down: the request endpoints answer 503 and say why.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from dataclasses import dataclass, field
from pathlib import Path

from flask import Flask, current_app

from generator.load.errors import DataError
from generator.load.loader import load_data, load_site
from generator.load.model import Site, TextVersionDoc, TrustData
from generator.load.timeline import timeline

log = logging.getLogger("subscribe_service.requests")

EXTENSION = "trustsite.requests"


class NotConfigured(RuntimeError):
    """`data/site.yaml` could not be read, so nobody can be told about a request."""


@dataclass
class RequestSettings:
    data_dir: Path
    site: Site | None
    problem: str | None = None
    _data: TrustData | None = None
    _data_problem: str | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def require_site(self) -> Site:
        if self.site is None:
            raise NotConfigured(self.problem or "site.yaml was not loaded")
        return self.site

    def current_dpa_version(self, today: dt.date) -> str | None:
        """The DPA version in force on `today`, or None when there is none (or no data)."""
        data = self._trust_data()
        if data is None or not data.texts.get("dpa"):
            return None
        current = timeline(data, "dpa", today).current
        return current.version if current is not None else None

    def dpa_doc(self, version: str) -> TextVersionDoc | None:
        data = self._trust_data()
        docs = data.texts.get("dpa", ()) if data is not None else ()
        return next((doc for doc in docs if doc.version == version), None)

    def _trust_data(self) -> TrustData | None:
        with self._lock:
            if self._data is None and self._data_problem is None:
                try:
                    self._data = load_data(self.data_dir)
                except (DataError, OSError) as err:
                    self._data_problem = str(err)
                    log.error("cannot read %s for the current DPA: %s", self.data_dir, err)
            return self._data


def init_settings(app: Flask) -> RequestSettings:
    data_dir = Path(app.config.setdefault("DATA_DIR", "data"))
    site_file = data_dir / "site.yaml"
    try:
        settings = RequestSettings(data_dir=data_dir, site=load_site(site_file))
    except (DataError, OSError) as err:
        problem = f"{site_file} could not be read: {err}"
        log.error("request forms disabled: %s", problem)
        settings = RequestSettings(data_dir=data_dir, site=None, problem=problem)
    app.extensions[EXTENSION] = settings
    return settings


def get_settings(app: Flask | None = None) -> RequestSettings:
    return (app or current_app).extensions[EXTENSION]
