"""The wording of a DPA version's SCC annexes: Markdown sections the page and the PDF share.

`generator.load.annexes` decides what each annex holds; this module writes it down, once,
so the web page, the PDF and the comparison of two versions' annexes read the same words.
Values from the data are Markdown-escaped where they are not Markdown themselves (a
sub-processor's name is text, a security practice's body is Markdown).
"""

from __future__ import annotations

from dataclasses import dataclass

from generator.contract import SUBPROCESSOR_FIELDS
from generator.load.annexes import Annexes
from generator.load.clock import long_date
from generator.load.countries import display_name
from generator.load.fields import field_label
from generator.load.model import Section, Subprocessor
from generator.load.register_fields import ICT_SERVICE_TYPES
from generator.outputs.markdown_render import escape_inline

ANNEX_TITLES = {
    "annex-i": "Annex I: Parties, description of the processing, supervisory authority",
    "annex-ii": "Annex II: Technical and organisational measures",
    "annex-iii": "Annex III: List of sub-processors",
}
DECISION = "Commission Implementing Decision (EU) 2021/914"


@dataclass(frozen=True)
class Signer:
    """One signature line of the PDF: a party, and who signs for it where known."""

    party: str
    name: str | None
    role: str | None


def escape(text: str) -> str:
    """Plain text inside Markdown, shown exactly as written (the site's own escaping)."""
    return escape_inline(text)


def annex_sections(annexes: Annexes) -> tuple[Section, ...]:
    """Annexes I, II and III as sections (id, title, Markdown body)."""
    return (
        Section(id="annex-i", title=ANNEX_TITLES["annex-i"], body=_annex_i(annexes)),
        Section(id="annex-ii", title=ANNEX_TITLES["annex-ii"], body=_annex_ii(annexes)),
        Section(id="annex-iii", title=ANNEX_TITLES["annex-iii"], body=_annex_iii(annexes)),
    )


def signers(annexes: Annexes) -> tuple[Signer, ...]:
    """The data exporter (the client, filled in by hand) and the data importer (us)."""
    who = annexes.processing.signatory if annexes.processing else None
    company = annexes.site.company.legal_name
    return (
        Signer("Data exporter: the Client", None, None),
        Signer(f"Data importer: {company}", who.name if who else None, who.role if who else None),
    )


def _annex_i(annexes: Annexes) -> str:
    site, p = annexes.site, annexes.processing
    company = site.company
    contact = site.contacts.dpo or site.contacts.privacy
    lines = [
        f"These annexes complete the Standard Contractual Clauses ({DECISION}) that version "
        f"{annexes.dpa.version} of the Data Processing Addendum incorporates, as of "
        f"{long_date(annexes.effective)}, the day it takes effect.",
        "",
        "**A. List of parties**",
        "",
        "- **Data exporter**: the Client named in the Agreement; its name, address, contact "
        "person and role (controller) are those the Agreement states.",
        f"- **Data importer**: {escape(company.legal_name)}, {escape(company.address)}"
        + (f", LEI {company.lei}" if company.lei else "")
        + f". Contact: {contact}. Activities: providing the Service under the Agreement. "
        "Role: processor.",
        "",
        "**B. Description of the processing**",
        "",
    ]
    if p is not None:
        lines += [
            "- **Categories of data subjects**: " + "; ".join(escape(s) for s in p.data_subjects),
            "- **Categories of personal data**: "
            + "; ".join(escape(c) for c in p.data_categories),
            f"- **Sensitive data**: {escape(p.sensitive_data)}",
            f"- **Frequency of the transfer**: {escape(p.frequency)}",
            f"- **Nature of the processing**: {escape(p.nature)}",
            f"- **Purpose of the processing**: {escape(p.purpose)}",
            f"- **Retention**: {escape(p.retention)}",
            "- **Transfers to sub-processors**: as listed in Annex III, for the purposes and "
            "data stated there.",
            "",
            "**C. Competent supervisory authority**",
            "",
            escape(p.supervisory_authority),
        ]
    else:
        lines += [
            "This version describes the processing in its own section, quoted here:",
            "",
            *(s.body for s in annexes.processing_sections),
            "",
            "**C. Competent supervisory authority**",
            "",
            "Not named in this version of the Addendum: the supervisory authority competent "
            "under Clause 13 of the Clauses.",
        ]
    return "\n".join(lines).strip() + "\n"


def _annex_ii(annexes: Annexes) -> str:
    if annexes.security is None:
        return "No security practices were published on that date.\n"
    parts = [
        f"The measures described in version {annexes.security.version} of the security "
        f"page, in force on {long_date(annexes.effective)}:",
    ]
    for section in annexes.measures:
        parts += ["", f"**{escape(section.title)}**", "", section.body.strip()]
    return "\n".join(parts) + "\n"


def _annex_iii(annexes: Annexes) -> str:
    listed = annexes.subprocessors
    if listed is None or not listed.entries:
        return "No sub-processors were engaged on that date.\n"
    intro = (
        f"The Client authorises the sub-processors on the list in force on "
        f"{long_date(annexes.effective)} (version {listed.version} of the list):"
    )
    return "\n".join([intro, "", *(_entry(e) for e in listed.entries)]) + "\n"


def _entry(e: Subprocessor) -> str:
    places = ", ".join(display_name(c) for c in e.processing_locations)
    line = f"- **{escape(e.entity)}**"
    if e.lei:
        line += f" (LEI {e.lei})"
    line += (
        f", {display_name(e.corporate_location)}: {escape(e.purpose)}. "
        f"Data: {'; '.join(escape(c) for c in e.data_categories)}. "
        f"Processed in: {places}. Transfer mechanism: {e.transfer_mechanism.value}."
    )
    if e.ict_service_type:
        line += f" ICT service: {ICT_SERVICE_TYPES[e.ict_service_type.value]}."
    return line


# --- what changed between two versions' annexes ---------------------------------------------

PROCESSING_LABELS = {
    "data_subjects": "categories of data subjects",
    "data_categories": "categories of personal data",
    "sensitive_data": "sensitive data",
    "frequency": "frequency",
    "nature": "nature",
    "purpose": "purpose",
    "retention": "retention",
    "supervisory_authority": "competent supervisory authority",
    "signatory": "who signs for the data importer",
}


def annex_changes(old: Annexes, new: Annexes) -> list[str]:
    """One plain sentence per change from `old`'s annexes to `new`'s, Annex I to III."""
    return [*_processing_changes(old, new), *_measure_changes(old, new), *_list_changes(old, new)]


def _processing_changes(old: Annexes, new: Annexes) -> list[str]:
    if old.processing is None and new.processing is not None:
        return ["Annex I: the processing is now described field by field, with the competent "
                "supervisory authority."]
    if old.processing is None or new.processing is None:
        quoted = [s.body for s in old.processing_sections] != [
            s.body for s in new.processing_sections
        ]
        return ["Annex I: the description of the processing changed."] if quoted else []
    changed = [
        label
        for name, label in PROCESSING_LABELS.items()
        if getattr(old.processing, name) != getattr(new.processing, name)
    ]
    return [f"Annex I: changed {', '.join(changed)}."] if changed else []


def _measure_changes(old: Annexes, new: Annexes) -> list[str]:
    before = {s.id: s for s in old.measures}
    after = {s.id: s for s in new.measures}
    if before == after:
        return []
    added = [s.title for i, s in after.items() if i not in before]
    removed = [s.title for i, s in before.items() if i not in after]
    changed = [s.title for i, s in after.items() if i in before and before[i] != s]
    versions = (
        f" (security version {old.security.version} to {new.security.version})"
        if old.security and new.security
        else ""
    )
    parts = [f"added {', '.join(added)}"] if added else []
    parts += [f"removed {', '.join(removed)}"] if removed else []
    parts += [f"changed {', '.join(changed)}"] if changed else []
    return [f"Annex II{versions}: {'; '.join(parts)}."]


def _list_changes(old: Annexes, new: Annexes) -> list[str]:
    before = {e.id: e for e in (old.subprocessors.entries if old.subprocessors else ())}
    after = {e.id: e for e in (new.subprocessors.entries if new.subprocessors else ())}
    lines = [_sentence(f"Annex III: adds {e.entity}") for i, e in after.items() if i not in before]
    lines += [
        _sentence(f"Annex III: removes {e.entity}") for i, e in before.items() if i not in after
    ]
    for entry_id, entry in after.items():
        if entry_id in before and before[entry_id] != entry:
            fields = [
                field_label(f)
                for f in SUBPROCESSOR_FIELDS
                if getattr(before[entry_id], f) != getattr(entry, f)
            ]
            lines.append(f"Annex III: {entry.entity}: changed {', '.join(fields)}.")
    return lines


def _sentence(text: str) -> str:
    return text if text.endswith(".") else text + "."
