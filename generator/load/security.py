"""The security topic: certifications and practices, and the rules that depend on them.

`data/security/<version>.yaml` is a text version (sections are the practices, one per
area) with two more fields: `reviewed` and `certifications`. So that a new, renewed or
lapsed certification is a change like any other (permalink, redline, feed, changes.json,
notice), each version carries its certifications as one more section, written from the
data (`certifications`, always last, so the sections written in YAML keep their indexes).

Two documents belong to it without being topics: the click-through NDA a report request
accepts (`data/nda/<version>.yaml`) and the vulnerability disclosure policy
(`data/disclosure/<version>.yaml`), which security.txt names as its Policy.

Whether a certification has lapsed depends on the build date, so that rule is apart from
loading (`check_certifications`): `trustsite check` and the build call it with the date.
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
from collections.abc import Sequence
from enum import StrEnum
from pathlib import Path
from typing import Any

from pydantic import HttpUrl

from generator.contract import Slug
from generator.load.errors import DataError, Issue, display_path
from generator.load.model import (
    DpaVersionDoc,
    Section,
    ShortText,
    TextVersionDoc,
    TrustData,
    _Strict,
)
from generator.load.timeline import timeline
from generator.load.validate import Located
from generator.load.yamlsafe import KeyPath, load_yaml

SECURITY = "security"
# Text documents that are not topics: nobody subscribes to them, but they are versioned.
SECURITY_DOCUMENTS: dict[str, str] = {
    "nda": "Non-disclosure agreement for security reports",
    "disclosure": "Vulnerability disclosure policy",
}
CERTIFICATIONS_SECTION = "certifications"
EXPIRY_WARNING = dt.timedelta(days=30)

PRACTICE_AREAS: dict[str, str] = {
    "encryption": "Encryption",
    "access-control": "Access control",
    "logging-and-monitoring": "Logging and monitoring",
    "resilience-and-backups": "Resilience and backups",
    "secure-development": "Secure development",
    "people": "People",
    "incident-response": "Incident response",
}

STANDARDS: tuple[str, ...] = (
    "ISO/IEC 27001",
    "ISO/IEC 27017",
    "ISO/IEC 27018",
    "ISO/IEC 27701",
    "ISO 22301",
    "ISO 9001",
    "SOC 1 Type II",
    "SOC 2 Type I",
    "SOC 2 Type II",
    "SOC 3",
    "PCI DSS",
    "CSA STAR",
    "BSI C5",
    "TISAX",
    "Cyber Essentials",
    "Cyber Essentials Plus",
    "HIPAA",
    "FedRAMP",
)


class ReportAccess(StrEnum):
    public = "public"  # the certificate or report is linked from the page
    on_request = "on-request"  # under the click-through NDA, through the service
    none = "none"


class Certification(_Strict):
    """One certification or attestation report."""

    id: Slug  # also the report's file name in TRUSTSITE_REPORTS_DIR: <id>.pdf
    name: ShortText
    standard: ShortText  # one of STANDARDS; checked with a "did you mean" (below)
    issuer: ShortText  # the certification body or auditor
    scope: ShortText
    issued: dt.date
    valid_until: dt.date
    report: ReportAccess
    certificate_url: HttpUrl | None = None
    # The renewal audit is under way: after valid_until the page says "renewal in
    # progress" until this date instead of the build failing.
    renewal_expected: dt.date | None = None


class SecurityVersionDoc(TextVersionDoc):
    """One version of `data/security/<version>.yaml`."""

    reviewed: dt.date
    certifications: tuple[Certification, ...] = ()

    def model_post_init(self, context: Any) -> None:
        section = Section(
            id=CERTIFICATIONS_SECTION,
            title="Certifications and attestations",
            body=certifications_markdown(self.certifications),
        )
        # From the practices, not all sections: validating a dumped version again (as a
        # correction does) must not add a second certifications section.
        object.__setattr__(self, "sections", (*self.practices, section))

    @property
    def practices(self) -> tuple[Section, ...]:
        return tuple(s for s in self.sections if s.id != CERTIFICATIONS_SECTION)


def certifications_markdown(certifications: Sequence[Certification]) -> str:
    """The certifications as the redline and the version pages show them."""
    if not certifications:
        return "None at present."
    lines = []
    for c in certifications:
        line = (
            f"- **{c.name}** ({c.standard}), issued by {c.issuer} on {c.issued.isoformat()}, "
            f"valid until {c.valid_until.isoformat()}. Scope: {c.scope}. "
            f"Report: {c.report.value.replace('-', ' ')}."
        )
        if c.renewal_expected:
            line += f" Renewal expected by {c.renewal_expected.isoformat()}."
        lines.append(line)
    return "\n".join(lines)


# --- rules that need no date -----------------------------------------------------------------


def check_security_versions(items: Sequence[Located[SecurityVersionDoc]]) -> list[Issue]:
    issues: list[Issue] = []
    for item in items:
        for index, section in enumerate(item.doc.practices):
            if section.id not in PRACTICE_AREAS:
                close = difflib.get_close_matches(section.id, list(PRACTICE_AREAS), n=1)
                hint = (
                    f" (did you mean '{close[0]}'?)"
                    if close
                    else f"; the areas are: {', '.join(PRACTICE_AREAS)}"
                )
                issues.append(
                    item.issue(
                        ("sections", index, "id"), f"'{section.id}' is not a practice area{hint}"
                    )
                )
        seen: dict[str, int] = {}
        for index, cert in enumerate(item.doc.certifications):
            key = ("certifications", index)
            if cert.standard not in STANDARDS:
                issues.append(item.issue((*key, "standard"), _unknown_standard(cert.standard)))
            if seen.setdefault(cert.id, index) != index:
                issues.append(item.issue((*key, "id"), f"duplicate certification id '{cert.id}'"))
            if cert.valid_until <= cert.issued:
                issues.append(
                    item.issue(
                        (*key, "valid_until"),
                        f"{cert.valid_until} is not after issued ({cert.issued}); "
                        "a certificate is valid for some time after it is issued",
                    )
                )
            if cert.renewal_expected and cert.renewal_expected <= cert.issued:
                issues.append(
                    item.issue(
                        (*key, "renewal_expected"),
                        f"{cert.renewal_expected} is not after issued ({cert.issued}); "
                        "a renewal is expected after the certificate it renews",
                    )
                )
            if cert.report is ReportAccess.public and cert.certificate_url is None:
                issues.append(
                    item.issue(
                        (*key, "certificate_url"),
                        "is required when report is public; link the certificate or report",
                    )
                )
        if item.doc.reviewed > item.doc.announced:
            issues.append(
                item.issue(
                    ("reviewed",),
                    f"{item.doc.reviewed} is after announced ({item.doc.announced}); "
                    "a version is reviewed before it is announced",
                )
            )
    return issues


def _standard_key(name: str) -> str:
    """How editors write a standard's name loosely: "ISO 27001", "soc2 type 2"."""
    key = name.lower().replace("iso/iec", "iso").replace("type ii", "type 2")
    return re.sub(r"[^a-z0-9]", "", key.replace("type i", "type 1"))


def _unknown_standard(name: str) -> str:
    keys = {_standard_key(s): s for s in STANDARDS}
    close = keys.get(_standard_key(name)) or next(
        iter(difflib.get_close_matches(_standard_key(name), list(keys), n=1, cutoff=0.75)), None
    )
    if close:
        return f"'{name}' is not a standard we know (did you mean '{keys.get(close, close)}'?)"
    return f"'{name}' is not a standard we know; write one of: {', '.join(STANDARDS)}"


# --- the rule that depends on the build date -------------------------------------------------


class CertState(StrEnum):
    valid = "valid"
    expiring = "expiring"  # within EXPIRY_WARNING of valid_until
    renewal = "renewal in progress"
    lapsed = "lapsed"


def cert_state(cert: Certification, today: dt.date) -> CertState:
    if cert.valid_until >= today:
        return CertState.expiring if cert.valid_until - today < EXPIRY_WARNING else CertState.valid
    if cert.renewal_expected and cert.renewal_expected >= today:
        return CertState.renewal
    return CertState.lapsed


def current_security(data: TrustData, today: dt.date) -> SecurityVersionDoc | None:
    if not data.texts.get(SECURITY):
        return None
    current = timeline(data, SECURITY, today).current
    return current if isinstance(current, SecurityVersionDoc) else None


def check_certifications(
    data_dir: Path, data: TrustData, today: dt.date
) -> tuple[list[Issue], list[Issue]]:
    """(errors, warnings) for the certifications of the version in force on `today`."""
    doc = current_security(data, today)
    if doc is None:
        return [], []
    findings = _certificate_findings(doc, today)
    if not findings:  # every build gets here; the file is read only to point at a problem
        return [], []
    path = data_dir / SECURITY / f"{doc.version}.yaml"
    try:
        _, positions = load_yaml(path)
    except DataError:
        positions = {}
    item = Located(path=display_path(path), stem=doc.version, doc=doc, positions=positions)
    errors = [item.issue(key, message) for error, key, message in findings if error]
    warnings = [item.issue(key, message) for error, key, message in findings if not error]
    return errors, warnings


def _certificate_findings(
    doc: SecurityVersionDoc, today: dt.date
) -> list[tuple[bool, KeyPath, str]]:
    """(is an error, where, message) for each certification that is lapsed or expiring."""
    findings: list[tuple[bool, KeyPath, str]] = []
    for index, cert in enumerate(doc.certifications):
        key = ("certifications", index)
        state = cert_state(cert, today)
        if state is CertState.lapsed and cert.renewal_expected:
            findings.append(
                (
                    True,
                    (*key, "renewal_expected"),
                    f"the renewal of {cert.name} was expected by {cert.renewal_expected}, "
                    f"before the build date {today}; record the renewed certificate "
                    "(issued, valid_until) or announce a new expected date",
                )
            )
        elif state is CertState.lapsed:
            findings.append(
                (
                    True,
                    (*key, "valid_until"),
                    f"{cert.name} ran out on {cert.valid_until}, before the build date {today}; "
                    "record the renewed certificate, announce the renewal with "
                    "renewal_expected: YYYY-MM-DD, or remove it in a new version",
                )
            )
        elif state is CertState.expiring and not cert.renewal_expected:
            days = (cert.valid_until - today).days
            findings.append(
                (
                    False,
                    (*key, "valid_until"),
                    f"warning: {cert.name} runs out in {days} day{'s' * (days != 1)} "
                    f"({cert.valid_until}); record the renewal or set renewal_expected",
                )
            )
    return findings


def require_current_certifications(data_dir: Path, data: TrustData, today: dt.date) -> None:
    """For the build: a lapsed certification stops it, like invalid data."""
    errors, _ = check_certifications(data_dir, data, today)
    if errors:
        raise DataError(errors)


def document_model(topic: str) -> type[TextVersionDoc]:
    if topic == "dpa":
        return DpaVersionDoc  # may carry `processing:` for its annexes (docs/annexes.md)
    return SecurityVersionDoc if topic == SECURITY else TextVersionDoc


# Used by generator.load.loader for the folders a data set without a security section may lack.
OPTIONAL_FOLDERS: frozenset[str] = frozenset({SECURITY, *SECURITY_DOCUMENTS})
