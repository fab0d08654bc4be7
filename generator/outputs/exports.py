"""Machine-readable exports of the sub-processor list: JSON, CSV, and the JSON Schema.

Procurement tools poll these files, so the bytes are deterministic (the build date is the
only date not taken from the data) and the JSON validates against the published schema.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Sequence

from generator.contract import SUBPROCESSOR_FIELDS, Status, entry_reaches
from generator.history.changes import (
    ChangeRecord,
    build_changes,
    diff_to_json,
    dump_json,
    record_touches,
)
from generator.history.parts import Part, site_parts
from generator.history.urls import absolute_url, page_url
from generator.load.model import (
    Relationship,
    Subprocessor,
    TransferMechanism,
    TrustData,
    entry_json,
)
from generator.load.register_fields import ICT_SERVICE_TYPES
from generator.load.timeline import timeline
from generator.outputs.registers import spreadsheet_safe

FORMAT = "trustsite-subprocessors/1"
JSON_PATH = "subprocessors.json"
CSV_PATH = "subprocessors.csv"
SCHEMA_PATH = "schema/subprocessors.schema.json"
CSV_COLUMNS: tuple[str, ...] = ("id", *SUBPROCESSOR_FIELDS)
LIST_SEPARATOR = "; "
LEI_PATTERN = "^[0-9A-Z]{18}[0-9]{2}$"


def _serves(entry: Subprocessor, part: Part | None) -> bool:
    return part is None or entry_reaches(entry, part.products, part.regions)


def subprocessors_document(
    data: TrustData,
    today: dt.date,
    records: Sequence[ChangeRecord] | None = None,
    part: Part | None = None,
) -> dict[str, object]:
    """The list in force on `today`, and the announced changes that are not yet in force;
    with `part` (a product or a region), only the entries serving it and the changes
    touching it.

    `records` are `build_changes(data, today)` when the caller has them already (the build
    does): computing every diff again costs as much as the exports themselves."""
    if records is None:
        records = build_changes(data, today)
    line = timeline(data, "subprocessors", today)
    current = line.current
    products, regions = (None, None) if part is None else (part.products, part.regions)
    upcoming = [
        {
            "id": r.id,
            "version": r.version,
            "announced": r.announced.isoformat(),
            "effective": r.effective.isoformat(),
            "objection_deadline": r.objection_deadline.isoformat()
            if r.objection_deadline
            else None,
            # The deadline and what applies until then, in the words the site and the
            # notices use (generator.contract), for the people reading the export.
            "objection_deadline_text": r.objection_deadline_text,
            "in_force_before_text": r.in_force_before_text,
            "editorial": r.editorial,
            "summary": r.summary,
            "url": r.url,
            "diff": diff_to_json(r.diff, products, regions),
        }
        for r in records
        if r.topic == "subprocessors"
        and r.status is Status.upcoming
        and record_touches(r, products, regions)
    ]
    entries = [entry_json(e) for e in current.entries if _serves(e, part)] if current else []
    # `product` or `region`: what the list is limited to.
    scoped = {} if part is None else {part.noun: {"id": part.id, "name": part.name}}
    return {
        "$schema": absolute_url(data.site, SCHEMA_PATH),
        "format": FORMAT,
        "as_of": today.isoformat(),
        "company": data.site.company.legal_name,
        "company_lei": data.site.company.lei,
        "url": page_url(data.site, "subprocessors"),
        "version": current.version if current else None,
        "effective": current.change.effective.isoformat() if current else None,
        **scoped,
        "subprocessors": entries,
        "upcoming": sorted(upcoming, key=lambda u: str(u["effective"])),
    }


def _csv_cell(value: object) -> str:
    if value is None:  # a register field not known for this entry
        return ""
    if isinstance(value, list):
        return spreadsheet_safe(LIST_SEPARATOR.join(str(v) for v in value))
    return spreadsheet_safe(str(value))


def subprocessors_csv(entries: list[dict[str, object]]) -> bytes:
    """One row per entry, list fields joined with "; ", RFC 4180 line endings."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for entry in entries:
        writer.writerow([_csv_cell(entry.get(column)) for column in CSV_COLUMNS])
    return buffer.getvalue().encode("utf-8")


def _subprocessor_schema() -> dict[str, object]:
    text = {"type": "string", "minLength": 1, "maxLength": 300}
    country = {"type": "string", "pattern": "^[A-Z]{2}$", "description": "ISO 3166-1 alpha-2"}
    properties: dict[str, object] = {
        "id": {
            "type": "string",
            "pattern": "^[a-z0-9][a-z0-9-]{0,62}$",
            "description": "Stable identifier; never reused for another entity.",
        },
        "entity": {**text, "description": "Legal name of the sub-processor."},
        "purpose": {**text, "description": "What it does with personal data for us."},
        "data_categories": {"type": "array", "items": text, "minItems": 1},
        "processing_locations": {
            "type": "array",
            "items": country,
            "minItems": 1,
            "description": "Countries where it processes personal data.",
        },
        "corporate_location": {**country, "description": "Country of incorporation."},
        "transfer_mechanism": {
            "enum": [m.value for m in TransferMechanism],
            "description": "GDPR Chapter V safeguard for processing outside the EEA.",
        },
        "website": {"type": "string", "format": "uri"},
        "relationship": {"enum": [r.value for r in Relationship]},
        "products": {
            "type": "array",
            "items": {"type": "string", "pattern": "^[a-z0-9][a-z0-9-]{0,62}$"},
            "minItems": 1,
            "description": "Ids of the products it serves; absent: every product.",
        },
        "regions": {
            "type": "array",
            "items": {"type": "string", "pattern": "^[a-z0-9][a-z0-9-]{0,62}$"},
            "minItems": 1,
            "description": "Ids of the regions it serves; absent: every region.",
        },
    }
    # Absent: every product, every region.
    required = [name for name in properties if name not in ("products", "regions")]
    # Register fields: present only where known (docs/registers.md).
    properties["lei"] = {
        "type": "string",
        "pattern": LEI_PATTERN,
        "description": "ISO 17442 Legal Entity Identifier, check digits verified.",
    }
    properties["ict_service_type"] = {
        "enum": list(ICT_SERVICE_TYPES),
        "description": "Type of ICT services: Annex III of Commission Implementing "
        "Regulation (EU) 2024/2956 (S01-S19).",
    }
    properties["parent"] = {
        "type": "string",
        "pattern": LEI_PATTERN,
        "description": "LEI of its ultimate parent undertaking.",
    }
    return {
        "type": "object",
        "properties": properties,
        "required": required,
        "additionalProperties": False,
    }


def subprocessors_schema(data: TrustData) -> dict[str, object]:
    """JSON Schema (draft 2020-12) of `subprocessors.json`, with its `$id` on this site."""
    date = {"type": "string", "format": "date"}
    diff = {
        "type": "object",
        "properties": {
            "kind": {"const": "list"},
            "added": {"type": "array", "items": {"$ref": "#/$defs/subprocessor"}},
            "removed": {"type": "array", "items": {"$ref": "#/$defs/subprocessor"}},
            "changed": {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {
                        "id": {"type": "string"},
                        "entity": {"type": "string"},
                        "products": {
                            "type": "array",
                            "items": {"type": "string"},
                            "description": "Products served before or after; absent: all.",
                        },
                        "regions": {
                            "type": "array",
                            "items": {"type": "string"},
                            "description": "Regions served before or after; absent: all.",
                        },
                        "fields": {
                            "type": "array",
                            "items": {
                                "type": "object",
                                "properties": {
                                    "field": {"enum": list(SUBPROCESSOR_FIELDS)},
                                    "old": {},
                                    "new": {},
                                },
                                "required": ["field", "old", "new"],
                                "additionalProperties": False,
                            },
                        },
                    },
                    "required": ["id", "entity", "fields"],
                    "additionalProperties": False,
                },
            },
        },
        "required": ["kind", "added", "removed", "changed"],
        "additionalProperties": False,
    }
    upcoming = {
        "type": "object",
        "properties": {
            "id": {"type": "string"},
            "version": {"type": "string"},
            "announced": date,
            "effective": date,
            "objection_deadline": {"type": ["string", "null"], "format": "date"},
            "objection_deadline_text": {"type": ["string", "null"]},
            "in_force_before_text": {"type": ["string", "null"]},
            "editorial": {"type": "boolean"},
            "summary": {"type": "string"},
            "url": {"type": "string", "format": "uri"},
            "diff": diff,
        },
        "required": [
            "id",
            "version",
            "announced",
            "effective",
            "objection_deadline",
            "editorial",
            "summary",
            "url",
            "diff",
        ],
        "additionalProperties": False,
    }
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": absolute_url(data.site, SCHEMA_PATH),
        "title": f"Sub-processors of {data.site.company.legal_name}",
        "description": "The sub-processor list in force on `as_of`, and announced changes.",
        "type": "object",
        "properties": {
            "$schema": {"type": "string", "format": "uri"},
            "format": {"const": FORMAT},
            "as_of": date,
            "company": {"type": "string"},
            "company_lei": {"type": ["string", "null"], "pattern": LEI_PATTERN},
            "url": {"type": "string", "format": "uri"},
            "version": {"type": ["string", "null"]},
            "effective": {"type": ["string", "null"], "format": "date"},
            "product": {
                "type": "object",
                "description": "In a product's export: the product its list is limited to.",
                "properties": {"id": {"type": "string"}, "name": {"type": "string"}},
                "required": ["id", "name"],
                "additionalProperties": False,
            },
            "region": {
                "type": "object",
                "description": "In a region's export: the region its list is limited to.",
                "properties": {"id": {"type": "string"}, "name": {"type": "string"}},
                "required": ["id", "name"],
                "additionalProperties": False,
            },
            "subprocessors": {"type": "array", "items": {"$ref": "#/$defs/subprocessor"}},
            "upcoming": {"type": "array", "items": upcoming},
        },
        "required": [
            "format",
            "as_of",
            "company",
            "company_lei",
            "url",
            "version",
            "effective",
            "subprocessors",
            "upcoming",
        ],
        "additionalProperties": False,
        "$defs": {"subprocessor": _subprocessor_schema()},
    }


def build_exports(
    data: TrustData, today: dt.date, records: Sequence[ChangeRecord] | None = None
) -> dict[str, bytes]:
    if records is None:
        records = build_changes(data, today)
    outputs = {SCHEMA_PATH: dump_json(subprocessors_schema(data))}
    scopes: list[tuple[Part | None, tuple[str, str]]] = [(None, (JSON_PATH, CSV_PATH))]
    scopes += [(part, part.export_paths) for part in site_parts(data.site)]
    for part, (json_path, csv_path) in scopes:
        document = subprocessors_document(data, today, records, part)
        entries = document["subprocessors"]
        assert isinstance(entries, list)
        outputs[json_path] = dump_json(document)
        outputs[csv_path] = subprocessors_csv(entries)
    return outputs
