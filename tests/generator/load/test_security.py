"""The security topic: validation of certifications against the build date, the /security/
page, changes.json, and /.well-known/security.txt checked against RFC 9116."""

from __future__ import annotations

import datetime as dt
import re
import shutil
from pathlib import Path

import lxml.html
import pytest
from click.testing import CliRunner

from generator.cli.commands import main
from generator.history.changes import build_changes
from generator.load.loader import load_data
from generator.site.pages import render_pages, site_outputs
from generator.site.security_pages import security_txt

REPO_DATA = Path(__file__).resolve().parents[3] / "data"
TODAY = dt.date(2026, 11, 29)
ISO = "data/security/1.1.yaml"


@pytest.fixture
def data(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of the demo data, with paths shown relative to tmp_path like an editor's."""
    shutil.copytree(REPO_DATA, tmp_path / "data")
    monkeypatch.chdir(tmp_path)
    return tmp_path / "data"


def edit(data: Path, old: str, new: str, name: str = "security/1.1.yaml") -> None:
    path = data / name
    text = path.read_text()
    assert old in text, old
    path.write_text(text.replace(old, new, 1))


def check(today: str):
    return CliRunner().invoke(main, ["check", "--today", today], catch_exceptions=False)


def test_demo_data_is_valid_today(data: Path) -> None:
    result = check(TODAY.isoformat())
    assert result.exit_code == 0, result.stderr
    assert result.stderr == ""


def test_lapsed_certificate_fails_with_what_to_do(data: Path) -> None:
    edit(data, "    renewal_expected: 2027-02-12\n", "")
    result = check("2027-03-01")
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        f"{ISO}:14:5: certifications[0].valid_until: ISO/IEC 27001 certificate ran out on "
        "2027-02-25, before the build date 2027-03-01; record the renewed certificate, "
        "announce the renewal with renewal_expected: YYYY-MM-DD, or remove it in a new version",
        "1 error; the data is not valid.",
    ]


def test_announced_renewal_shows_renewal_in_progress(data: Path) -> None:
    edit(data, "renewal_expected: 2027-02-12", "renewal_expected: 2027-04-30")
    today = dt.date(2027, 3, 1)
    assert check(today.isoformat()).exit_code == 0
    trust = load_data(data)
    page = render_pages(trust, build_changes(trust, today), today)["security/index.md"]
    row = lxml.html.fromstring(page.split("<tbody>")[1].split("</tbody>")[0]).xpath("//tr")[0]
    text = " ".join(row.text_content().split())
    assert "renewal in progress, expected by 30 April 2027" in text
    assert 'aria-label="ISO/IEC 27001: renewal in progress"' in page


def test_a_renewal_expected_in_the_past_fails(data: Path) -> None:
    result = check("2027-03-01")  # renewal expected by 2027-02-12, not recorded
    assert result.exit_code == 1
    assert "renewal_expected: the renewal of ISO/IEC 27001 certificate was expected by " in (
        result.stderr
    )


def test_warns_30_days_before_expiry_unless_renewal_announced(data: Path) -> None:
    assert check("2027-02-01").stderr == ""  # renewal announced: no warning
    edit(data, "    renewal_expected: 2027-02-12\n", "")
    result = check("2027-02-01")
    assert result.exit_code == 0
    assert result.stderr.splitlines() == [
        f"{ISO}:14:5: certifications[0].valid_until: warning: ISO/IEC 27001 certificate runs "
        "out in 24 days (2027-02-25); record the renewal or set renewal_expected"
    ]
    assert check("2027-01-26").stderr == ""  # 30 days before: no warning yet


def test_a_lapsed_certificate_stops_the_build(data: Path, tmp_path: Path) -> None:
    edit(data, "    renewal_expected: 2027-02-12\n", "")
    config = Path(__file__).resolve().parents[3] / "mkdocs.yml"
    result = CliRunner().invoke(
        main,
        [
            "build",
            "--today",
            "2027-03-01",
            "--site-dir",
            str(tmp_path / "site"),
            "--config",
            str(config),
        ],
        catch_exceptions=False,
    )
    assert result.exit_code == 1
    assert "ISO/IEC 27001 certificate ran out on 2027-02-25" in result.stderr
    assert not (tmp_path / "site").exists()


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        (
            "standard: ISO/IEC 27001",
            "standard: ISO 27001",
            ":10:5: certifications[0].standard: 'ISO 27001' is not a standard we know "
            "(did you mean 'ISO/IEC 27001'?)",
        ),
        (
            "    issuer: Nordmark Certification B.V.\n",
            "",
            ":8:5: certifications[0].issuer: is required but missing; add it",
        ),
        (
            "valid_until: 2027-02-25",
            "valid_until: 2027-02-30",
            "certifications[0].valid_until: '2027-02-30' is not a real date; write YYYY-MM-DD",
        ),
        (
            "valid_until: 2027-02-25",
            "valid_until: 2023-02-25",
            "certifications[0].valid_until: 2023-02-25 is not after issued (2024-02-26)",
        ),
        (
            "  - id: access-control",
            "  - id: access-controls",
            "sections[1].id: 'access-controls' is not a practice area "
            "(did you mean 'access-control'?)",
        ),
        (
            "    certificate_url: https://larkspur.example/security/iso-27001-certificate.pdf\n",
            "",
            "certifications[0].certificate_url: is required when report is public",
        ),
    ],
)
def test_certification_fields_are_checked(data: Path, old: str, new: str, message: str) -> None:
    edit(data, old, new)
    result = check(TODAY.isoformat())
    assert result.exit_code == 1
    assert message in result.stderr, result.stderr


@pytest.mark.parametrize(
    ("written", "meant"),
    [
        ("ISO 27001", "ISO/IEC 27001"),
        ("SOC 2 Type 2", "SOC 2 Type II"),
        ("SOC2 typ II", "SOC 2 Type II"),
    ],
)
def test_unknown_standard_suggests_the_close_one(data: Path, written: str, meant: str) -> None:
    edit(data, "standard: SOC 2 Type II", f"standard: {written}")
    assert f"'{written}' is not a standard we know (did you mean '{meant}'?)" in (
        check(TODAY.isoformat()).stderr
    )


def test_a_standard_nothing_like_ours_lists_them(data: Path) -> None:
    edit(data, "standard: SOC 2 Type II", "standard: Bank-grade")
    assert "'Bank-grade' is not a standard we know; write one of: ISO/IEC 27001," in (
        check(TODAY.isoformat()).stderr
    )


def test_security_needs_its_nda_and_disclosure_policy(data: Path) -> None:
    shutil.rmtree(data / "nda")
    result = check(TODAY.isoformat())
    assert result.exit_code == 1
    assert "folder nda/ is missing; create it with a file such as 1.0.yaml" in result.stderr


# --- the page and the changes ----------------------------------------------------------------


@pytest.fixture(scope="module")
def built() -> tuple[dict[str, str], dict[str, bytes]]:
    trust = load_data(REPO_DATA)
    records = build_changes(trust, TODAY)
    return render_pages(trust, records, TODAY), site_outputs(trust, TODAY, records, pdfs=False)


def test_security_page_badges_practices_and_request_form(built) -> None:
    page = built[0]["security/index.md"]
    body = lxml.html.fromstring(page.split("---", 2)[2])
    badges = body.xpath("//ul[@class='ts-badges']/li/svg")
    assert [b.get("aria-label") for b in badges] == [
        "ISO/IEC 27001: certified",
        "SOC 2 Type II: certified",
    ]
    assert not body.xpath("//img")  # inline drawings only: no request leaves the page
    for area in ("Encryption", "Access control", "Incident response"):
        assert f"## {area} {{#" in page
    assert "Last reviewed on" in page
    form = body.xpath("//form")[0]
    assert form.get("action") == "http://127.0.0.1:8000/api/report-requests"
    # Only the report shared on request is offered; the ISO certificate is public. The
    # required choice starts empty, so nobody requests the first report without choosing.
    assert [o.get("value") for o in form.xpath(".//select[@name='report']/option")] == [
        "",
        "soc-2-type-2",
    ]
    assert form.xpath(".//input[@name='nda_version']")[0].get("value") == "1.0"
    checkbox = form.xpath(".//input[@name='accept_nda']")[0]
    assert checkbox.get("required") is not None
    assert form.xpath(f".//label[@for='{checkbox.get('id')}']")


def test_versions_redline_nda_and_disclosure_pages(built) -> None:
    pages = built[0]
    for path in (
        "security/1.0/index.md",
        "security/1.1/index.md",
        "security/1.1/redline/index.md",
        "security/versions/index.md",
        "security/nda/1.0/index.md",
        "security/disclosure/index.md",
    ):
        assert path in pages
    redline = pages["security/1.1/redline/index.md"]
    assert "Certifications and attestations" in redline and "<ins" in redline


def test_changes_json_and_feeds_carry_the_security_topic(built) -> None:
    outputs = built[1]
    changes = outputs["changes.json"].decode()
    assert '"id": "security/1.1"' in changes and '"topic": "security"' in changes
    assert b"Security and compliance" in outputs["feeds/security.atom"]


# --- security.txt, against RFC 9116 ----------------------------------------------------------

FIELD = re.compile(r"^([A-Za-z0-9-]+): (.+)$")
KNOWN = {
    "acknowledgments",
    "canonical",
    "contact",
    "encryption",
    "expires",
    "hiring",
    "policy",
    "preferred-languages",
    "csaf",
}


def rfc9116_problems(text: str, today: dt.date) -> list[str]:
    """The RFC's requirements a security.txt breaks (section 2 and 3)."""
    problems = []
    fields: dict[str, list[str]] = {}
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        match = FIELD.match(line)
        if not match:
            problems.append(f"not a field: {line!r}")
            continue
        fields.setdefault(match[1].lower(), []).append(match[2])
    if not fields.get("contact"):
        problems.append("Contact is required (2.5.3)")
    for uri in fields.get("contact", []):
        if not uri.startswith(("mailto:", "https://", "tel:")):
            problems.append(f"Contact {uri} is not a mailto, https or tel URI")
    expires = fields.get("expires", [])
    if len(expires) != 1:
        problems.append("Expires must appear exactly once (2.5.5)")
    else:
        when = dt.datetime.strptime(expires[0], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=dt.UTC)
        start = dt.datetime.combine(today, dt.time(), dt.UTC)
        if not start < when < start + dt.timedelta(days=365):
            problems.append(f"Expires {expires[0]} is not within a year of {today}")
    for once in ("preferred-languages",):
        if len(fields.get(once, [])) > 1:
            problems.append(f"{once} must not repeat")
    for name in ("canonical", "policy", "encryption"):
        for uri in fields.get(name, []):
            if not uri.startswith("https://"):
                problems.append(f"{name} {uri} must be an https URI")
    problems += [f"unknown field {n}" for n in fields if n not in KNOWN]
    if not text.endswith("\n"):
        problems.append("the last line must end with a line break")
    return problems


def test_security_txt_meets_rfc_9116(data: Path) -> None:
    edit(
        data,
        "site_url: http://127.0.0.1:8000/",
        "site_url: https://trust.larkspur.example/",
        name="site.yaml",
    )
    # A public site's forms must post to a public service (generator.load.brand).
    edit(
        data,
        "service_url: http://127.0.0.1:8000/",
        "service_url: https://notices.larkspur.example/",
        name="site.yaml",
    )
    edit(
        data,
        "  dpo: dpo@larkspur.example\n",
        "  dpo: dpo@larkspur.example\n  encryption: https://trust.larkspur.example/pgp.asc\n",
        name="site.yaml",
    )
    text = security_txt(load_data(data), TODAY).decode()
    assert rfc9116_problems(text, TODAY) == []
    assert "Contact: mailto:security@larkspur.example\n" in text
    assert "Expires: 2027-05-28T00:00:00Z\n" in text
    assert "Canonical: https://trust.larkspur.example/.well-known/security.txt\n" in text
    assert "Policy: https://trust.larkspur.example/security/disclosure/\n" in text
    assert "Encryption: https://trust.larkspur.example/pgp.asc\n" in text
    assert "Preferred-Languages: en\n" in text


def test_the_rfc_check_can_fail() -> None:
    assert rfc9116_problems("Policy: http://x\n", TODAY) == [
        "Contact is required (2.5.3)",
        "Expires must appear exactly once (2.5.5)",
        "policy http://x must be an https URI",
    ]


def test_security_txt_is_written_by_the_build(built) -> None:
    assert ".well-known/security.txt" in built[1]


def test_a_corrected_version_keeps_one_certifications_section(data: Path) -> None:
    path = data / "security/1.1.yaml"
    # A file with a typo in it (this copy was never published), then its correction.
    path.write_text(
        path.read_text().replace("Every connection to", "Every conection to")
        + "corrections:\n"
        + "  - date: 2026-11-20\n"
        + "    by: Jane Doe, Legal\n"
        + "    why: A word was misspelt.\n"
        + "    place: encryption\n"
        + "    old: Every conection to the platform\n"
        + "    new: Every connection to the platform\n"
    )
    doc = next(d for d in load_data(data).texts["security"] if d.version == "1.1")
    assert [s.id for s in doc.sections].count("certifications") == 1
    assert "Every connection to the platform" in doc.sections[0].body
