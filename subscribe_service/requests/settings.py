"""What the request forms need, from the built site's `service.json`: the company and the
privacy team's address, the retention period, the DPA versions with their PDFs, the NDA
versions and the reports on request (generator.contract.ServiceInfo).

The file is re-read when the build replaces it (infra/published_site.py), and the DPA in
force is worked out from today's date on every request from the published versions and
their effective dates, so a version that becomes effective overnight is the one sent the
next morning, without a restart and before the daily build has run. A site that is not
built never takes the rest of the service down: the request endpoints answer 503 and the
log says why.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from flask import Flask, current_app

from generator.contract import DocumentVersion, ServiceInfo, current_on
from subscribe_service.infra.published_site import PublishedSite, SiteNotPublished, published_site

EXTENSION = "trustsite.requests"


class NotConfigured(RuntimeError):
    """The built site's service.json could not be read, so nobody can be told about a request."""


@dataclass
class RequestSettings:
    published: PublishedSite

    def require_site(self) -> ServiceInfo:
        try:
            return self.published.info()
        except SiteNotPublished as err:
            raise NotConfigured(str(err)) from None

    def current_dpa(self, today: dt.date) -> DocumentVersion | None:
        """The DPA version in force on `today`, or None when there is none."""
        return current_on(self.require_site().dpa, today)

    def dpa_doc(self, version: str) -> DocumentVersion | None:
        return self.require_site().dpa_version(version)

    def report_name(self, report: str) -> str | None:
        """The certification's name as the site shows it, if the report is on offer."""
        return self.require_site().report_name(report)


def init_settings(app: Flask) -> RequestSettings:
    settings = RequestSettings(published=published_site(app))
    app.extensions[EXTENSION] = settings
    return settings


def get_settings(app: Flask | None = None) -> RequestSettings:
    return (app or current_app).extensions[EXTENSION]
