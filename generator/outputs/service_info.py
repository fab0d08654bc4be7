"""`service.json`: what the subscription service needs from `data/`, published by the build.

The service never reads `data/`: the company's identity and contacts, the retention period
of requests, the published DPA versions (with their PDFs) and NDA versions, and the reports
that can be requested reach it through this file in the built site (TRUSTSITE_SITE_DIR),
validated by `generator.contract.ServiceInfo` on both sides. See docs/changes-json.md.

Versions are listed with their dates rather than as "the current one", so that the service
works out which is in force from the day of each request: a version that takes effect
today is the one sent today, before the daily build has moved it on the site.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from generator import contract
from generator.history.changes import dump_json
from generator.history.urls import dpa_pdf_path, site_root
from generator.load.brand import built_path
from generator.load.model import Site, TextVersionDoc, TrustData
from generator.load.security import ReportAccess, SecurityVersionDoc
from generator.load.timeline import timeline

PATH = "service.json"


def service_info(data: TrustData, today: dt.date) -> contract.ServiceInfo:
    site = data.site
    dpa = timeline(data, "dpa", today).published if data.texts.get("dpa") else ()
    return contract.ServiceInfo(
        format=contract.SERVICE_FORMAT,
        as_of=today,
        site_url=site_root(site),
        service_url=str(site.service_url),
        company=contract.Company(
            name=site.company.name,
            legal_name=site.company.legal_name,
            address=site.company.address,
        ),
        contacts=contract.Contacts(
            privacy=site.contacts.privacy,
            security=site.contacts.security,
            dpo=site.contacts.dpo,
        ),
        request_retention_days=site.request_retention_days,
        dpa=[
            _version(doc, pdf=dpa_pdf_path(site, doc.version))
            for doc in dpa
            if isinstance(doc, TextVersionDoc)
        ],
        nda=[_version(doc) for doc in _published(data.documents.get("nda", ()), today)],
        reports=_reports(data, today),
        brand=_brand(site),
        products=[
            contract.Product(id=p.id, name=p.name, notice_period_days=site.notice_days_of(p))
            for p in site.products
        ],
        regions=[
            contract.Region(id=r.id, name=r.name, notice_period_days=site.notice_days_of(r))
            for r in site.regions
        ],
    )


def _brand(site: Site) -> contract.Brand | None:
    if site.brand is None:
        return None
    return contract.Brand(logo=built_path("logo", site.brand.logo), color=site.brand.color)


def service_json(data: TrustData, today: dt.date) -> bytes:
    """The bytes of `service.json`, in the one JSON style of every export."""
    return dump_json(service_info(data, today).model_dump(mode="json"))


def _version(doc: TextVersionDoc, *, pdf: str | None = None) -> contract.DocumentVersion:
    return contract.DocumentVersion(
        version=doc.version, announced=doc.announced, effective=doc.effective, pdf=pdf
    )


def _published(docs: Sequence[TextVersionDoc], today: dt.date) -> list[TextVersionDoc]:
    return [doc for doc in docs if doc.announced <= today]


def _reports(data: TrustData, today: dt.date) -> list[contract.Report]:
    """The reports on request in the security version in force on `today`."""
    current = timeline(data, "security", today).current if data.texts.get("security") else None
    if not isinstance(current, SecurityVersionDoc):
        return []
    return [
        contract.Report(id=cert.id, name=cert.name)
        for cert in current.certifications
        if cert.report is ReportAccess.on_request
    ]
