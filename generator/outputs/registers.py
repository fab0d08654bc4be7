"""The DORA register of information, as far as we can fill it in for our clients.

Financial entities keep a register of their ICT third-party providers in the templates of
Commission Implementing Regulation (EU) 2024/2956 (the ITS on the register of
information, Annex I). Two of them are about us and our sub-processors:

- B_05.01 (ICT third-party service providers): one row per provider, us and every
  sub-processor, identified by LEI;
- B_05.02 (ICT service supply chains): us as the rank-1 provider of the service, and each
  sub-processor that supports it as rank 2 with us as the recipient.

Each CSV has the template's column codes as its header row and one row per provider. The
columns only the client knows (its contract reference, its currency and costs) stay empty
for it to fill in; docs/registers.md and the `/registers/` page say where every other
value comes from. The list is the one in force on the build date.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass

from generator.load.model import Subprocessor, SubprocessorVersion, TrustData
from generator.load.register_fields import ICT_SERVICE_TYPES
from generator.load.timeline import timeline

B_05_01_PATH = "registers/b_05.01.csv"
B_05_02_PATH = "registers/b_05.02.csv"
TEMPLATE_SOURCE = (
    "Commission Implementing Regulation (EU) 2024/2956 of 29 November 2024, Annex I "
    "(templates B_05.01 and B_05.02) and Annex III (types of ICT services)"
)
LEGAL_PERSON = "Legal person, excluding individuals acting in a business capacity"


@dataclass(frozen=True)
class Column:
    code: str
    name: str
    source: str  # where the value comes from, or what the client writes
    client: bool = False  # the client fills it in


B_05_01: tuple[Column, ...] = (
    Column(
        "c0010",
        "Identification code of the ICT third-party service provider",
        "`lei` of the company (site.yaml) or of the sub-processor entry; empty where not known",
    ),
    Column(
        "c0020",
        "Type of code to identify the ICT third-party service provider",
        "`LEI` when c0010 holds an LEI",
    ),
    Column(
        "c0030",
        "Additional identification code of the ICT third-party service provider",
        "not published; the client may add one",
        client=True,
    ),
    Column("c0040", "Type of additional identification code", "with c0030", client=True),
    Column(
        "c0050",
        "Legal name of the ICT third-party service provider",
        "`company.legal_name` (site.yaml) or the entry's `entity`",
    ),
    Column(
        "c0060",
        "Name of the ICT third-party service provider in Latin alphabet",
        "the same name (written in Latin letters in our data)",
    ),
    Column(
        "c0070",
        "Type of person of the ICT third-party service provider",
        f"always “{LEGAL_PERSON}”",
    ),
    Column(
        "c0080",
        "Country of the ICT third-party service provider's headquarters",
        "`company.country` (site.yaml) or the entry's `corporate_location`",
    ),
    Column(
        "c0090",
        "Currency of the amount reported in B_05.01.0100",
        "the client's own figure",
        client=True,
    ),
    Column(
        "c0100",
        "Total annual expense or estimated cost of the ICT third-party service provider",
        "the client's own figure (for us, the direct provider)",
        client=True,
    ),
    Column(
        "c0110",
        "Identification code of the ICT third-party service provider's ultimate parent undertaking",
        "the entry's `parent`; empty where the provider is its own ultimate parent "
        "or the parent is not known",
    ),
    Column(
        "c0120",
        "Type of code to identify the ultimate parent undertaking",
        "`LEI` when c0110 holds an LEI",
    ),
)

B_05_02: tuple[Column, ...] = (
    Column(
        "c0010",
        "Contractual arrangement reference number",
        "the client's own reference of its contract with us (B_02.01)",
        client=True,
    ),
    Column(
        "c0020",
        "Type of ICT services",
        "`company.ict_service_type` (site.yaml): the service the client receives, "
        "on every row of its chain",
    ),
    Column(
        "c0030", "Identification code of the ICT third-party service provider", "as B_05.01 c0010"
    ),
    Column(
        "c0040", "Type of code to identify the ICT third-party service provider", "as B_05.01 c0020"
    ),
    Column("c0050", "Rank", "1 for us (the direct provider), 2 for each sub-processor"),
    Column(
        "c0060",
        "Identification code of the recipient of sub-contracted ICT services",
        "our LEI on rank-2 rows; empty on our own row",
    ),
    Column(
        "c0070",
        "Type of code to identify the recipient of sub-contracted ICT services",
        "`LEI` on rank-2 rows",
    ),
)


@dataclass(frozen=True)
class Provider:
    lei: str | None
    legal_name: str
    country: str
    parent: str | None


def _code_type(code: str | None) -> str:
    return "LEI" if code else ""


def providers(data: TrustData, today: dt.date) -> tuple[Provider, tuple[Provider, ...], str | None]:
    """Us, the sub-processors in force on `today`, and the version of that list."""
    company = data.site.company
    us = Provider(company.lei, company.legal_name, company.country or "", None)
    line = timeline(data, "subprocessors", today)
    current = line.current if isinstance(line.current, SubprocessorVersion) else None
    entries: tuple[Subprocessor, ...] = current.entries if current else ()
    subs = tuple(Provider(e.lei, e.entity, e.corporate_location, e.parent) for e in entries)
    return us, subs, current.version if current else None


def b_05_01_rows(us: Provider, subs: tuple[Provider, ...]) -> list[dict[str, str]]:
    return [
        {
            "c0010": p.lei or "",
            "c0020": _code_type(p.lei),
            "c0030": "",
            "c0040": "",
            "c0050": p.legal_name,
            "c0060": p.legal_name,
            "c0070": LEGAL_PERSON,
            "c0080": p.country,
            "c0090": "",
            "c0100": "",
            "c0110": p.parent or "",
            "c0120": _code_type(p.parent),
        }
        for p in (us, *subs)
    ]


def b_05_02_rows(
    us: Provider, subs: tuple[Provider, ...], service_type: str | None
) -> list[dict[str, str]]:
    first = {
        "c0010": "",
        "c0020": service_type or "",
        "c0030": us.lei or "",
        "c0040": _code_type(us.lei),
        "c0050": "1",
        "c0060": "",
        "c0070": "",
    }
    rest = [
        {
            **first,
            "c0030": p.lei or "",
            "c0040": _code_type(p.lei),
            "c0050": "2",
            "c0060": us.lei or "",
            "c0070": _code_type(us.lei),
        }
        for p in subs
    ]
    return [first, *rest]


def to_csv(columns: tuple[Column, ...], rows: list[dict[str, str]]) -> bytes:
    """The column codes as the header row, RFC 4180 line endings, UTF-8."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([c.code for c in columns])
    for row in rows:
        writer.writerow([spreadsheet_safe(row[c.code]) for c in columns])
    return buffer.getvalue().encode("utf-8")


def spreadsheet_safe(cell: str) -> str:
    """A cell a spreadsheet will not run: one starting like a formula gets a leading
    apostrophe (OWASP, CSV injection). No LEI, code or real legal name starts that way."""
    return "'" + cell if cell[:1] in ("=", "+", "-", "@", "\t", "\r") else cell


def _service_type(data: TrustData) -> str | None:
    kind = data.site.company.ict_service_type
    return kind.value if kind else None


def register_outputs(data: TrustData, today: dt.date) -> dict[str, bytes]:
    us, subs, _ = providers(data, today)
    return {
        B_05_01_PATH: to_csv(B_05_01, b_05_01_rows(us, subs)),
        B_05_02_PATH: to_csv(B_05_02, b_05_02_rows(us, subs, _service_type(data))),
    }


def register_context(data: TrustData, today: dt.date) -> dict[str, object]:
    """What the `/registers/` page shows: the files, their columns and their first rows."""
    us, subs, version = providers(data, today)
    kind = _service_type(data)
    return {
        "b_05_01": B_05_01,
        "b_05_02": B_05_02,
        "b_05_01_path": B_05_01_PATH,
        "b_05_02_path": B_05_02_PATH,
        "b_05_01_head": _head(to_csv(B_05_01, b_05_01_rows(us, subs))),
        "b_05_02_head": _head(to_csv(B_05_02, b_05_02_rows(us, subs, kind))),
        "list_version": version,
        "service_type": kind,
        "service_label": ICT_SERVICE_TYPES.get(kind or "", ""),
        "template_source": TEMPLATE_SOURCE,
        "missing_lei": [p.legal_name for p in (us, *subs) if not p.lei],
        "as_of": today,
    }


def _head(content: bytes, lines: int = 3) -> str:
    """The header row and the first rows, as the page's example shows them."""
    return "\n".join(content.decode("utf-8").split("\r\n")[:lines])
