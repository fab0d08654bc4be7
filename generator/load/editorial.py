"""`editorial: true` is verified, not trusted.

An editorial change notifies nobody and skips the notice period, so it may only change
wording. GDPR Art. 28(2) requires a processor to tell its clients of any intended change
of sub-processors and let them object; a change of a DPA's substance needs the same notice.
These rules refuse an editorial claim for anything else, and say how to announce it:

- a change of the sub-processor list may only reword `purpose` or `website`, or add or
  correct a register field (`lei`, `ict_service_type`, `parent`); adding or
  removing an entry, or changing any other field, must be announced;
- a text version may not add, remove or reorder sections, may not change a protected word
  (see `generator.load.wording`), and may reword at most `SECTION_SHARE` of any section (or
  `SECTION_FREE_WORDS` words, whichever is more) and `DOCUMENT_SHARE` of the document.

Each rule returns (key path, message) pairs; `validate` turns them into issues at the field.
"""

from __future__ import annotations

import datetime as dt
from difflib import SequenceMatcher

from generator.load.fields import field_label, format_value
from generator.load.model import SubprocessorChange, TextVersionDoc
from generator.load.wording import (
    DESCRIBED,
    compare,
    defined_terms,
)
from generator.load.yamlsafe import KeyPath

# Fields of a sub-processor whose change is wording: what a client could object to stays.
# The register fields (LEI, ICT service type, parent's LEI) identify the same entity doing
# the same thing: adding or correcting one is editorial (docs/registers.md).
WORDING_FIELDS = ("purpose", "website")
REGISTER_FIELDS = ("lei", "ict_service_type", "parent")

SECTION_SHARE = 0.20
SECTION_FREE_WORDS = 5
DOCUMENT_SHARE = 0.10


Problem = tuple[KeyPath, str]


def how_to_announce(doc: SubprocessorChange | TextVersionDoc, notice_days: int | None) -> str:
    if notice_days is None:
        return (
            "to announce it, remove editorial: true and set effective at least "
            "notice_period_days (site.yaml) after announced"
        )
    earliest = doc.announced + dt.timedelta(days=notice_days)
    return (
        f"to announce it, remove editorial: true and set effective at least {notice_days} "
        f"days after announced ({doc.announced}): {earliest} or later"
    )


# ---------------------------------------------------------------------------------------
# The sub-processor list


def list_editorial_problems(doc: SubprocessorChange, notice_days: int | None) -> list[Problem]:
    if not doc.editorial:
        return []
    why = "which clients must be told about and may object to, so it cannot be editorial"
    how = how_to_announce(doc, notice_days)
    problems: list[Problem] = [
        (("add", index), f"adds {entry.entity} ('{entry.id}') to the list, {why}; {how}")
        for index, entry in enumerate(doc.add)
    ]
    problems += [
        (("remove", index), f"removes '{entry_id}' from the list, {why}; {how}")
        for index, entry_id in enumerate(doc.remove)
    ]
    for entry_id, patch in doc.change.items():
        for name, value in patch.fields().items():
            if name not in WORDING_FIELDS + REGISTER_FIELDS:
                label = field_label(name)
                problems.append(
                    (
                        ("change", entry_id, name),
                        f"changes the {label} of '{entry_id}' to {format_value(value, name)}, "
                        f"{why} (only {' and '.join(WORDING_FIELDS)} may be reworded); {how}",
                    )
                )
    return problems


# ---------------------------------------------------------------------------------------
# Text documents


def text_editorial_problems(
    previous: TextVersionDoc, doc: TextVersionDoc, notice_days: int | None
) -> list[Problem]:
    """An editorial `doc` compared with the version before it."""
    if not doc.editorial:
        return []
    how = how_to_announce(doc, notice_days)
    problems = _structure_problems(previous, doc, how)
    if getattr(previous, "processing", None) != getattr(doc, "processing", None):
        # Annex I of the SCCs the client signs: any change there is substance.
        problems.append(
            (
                ("processing",),
                "changes the description of the processing (Annex I of the Standard "
                f"Contractual Clauses), which clients must be told about; {how}",
            )
        )
    terms = defined_terms(*(s.body for s in previous.sections), *(s.body for s in doc.sections))
    old_sections = {s.id: s for s in previous.sections}
    words = changed = 0
    for index, section in enumerate(doc.sections):
        old = old_sections.get(section.id)
        if old is None:
            continue
        section_words = section_changed = 0
        for field in ("title", "body"):
            result = compare(getattr(old, field), getattr(section, field), terms)
            section_words += result.words
            section_changed += result.changed
            problems += [
                (
                    ("sections", index, field),
                    f'"{t.before}" became "{t.after}": an editorial version may not change '
                    f"{DESCRIBED[t.category]}; {how}",
                )
                for t in result.touches
            ]
        words += section_words
        changed += section_changed
        limit = max(SECTION_FREE_WORDS, SECTION_SHARE * section_words)
        if section_changed > limit:
            problems.append(
                (
                    ("sections", index),
                    f"rewords {_share(section_changed, section_words)} of section "
                    f"'{section.id}'; an editorial version may reword at most "
                    f"{SECTION_SHARE:.0%} of a section (or {SECTION_FREE_WORDS} words); "
                    f"a larger rewrite is not editorial: {how}",
                )
            )
    if changed > DOCUMENT_SHARE * words and changed > SECTION_FREE_WORDS:
        problems.append(
            (
                ("editorial",),
                f"the sections shared with version {previous.version} are reworded by "
                f"{_share(changed, words)}; an editorial version may reword at most "
                f"{DOCUMENT_SHARE:.0%} of the document; a larger rewrite is not editorial: {how}",
            )
        )
    return problems


def _share(changed: int, words: int) -> str:
    return f"{changed} of {words} words ({changed / max(words, 1):.0%})"


def _structure_problems(previous: TextVersionDoc, doc: TextVersionDoc, how: str) -> list[Problem]:
    """Sections added, removed or moved: a change of what the document covers."""
    old_ids = [s.id for s in previous.sections]
    new_ids = [s.id for s in doc.sections]
    problems: list[Problem] = []
    for index, section_id in enumerate(new_ids):
        if section_id not in old_ids:
            problems.append(
                (
                    ("sections", index, "id"),
                    f"section '{section_id}' is not in version {previous.version}; "
                    f"an editorial version may not add sections; {how}",
                )
            )
    for section in previous.sections:
        if section.id not in new_ids:
            problems.append(
                (
                    ("editorial",),
                    f"section '{section.id}' ({section.title}) of version {previous.version} "
                    f"is removed; an editorial version may not remove sections; {how}",
                )
            )
    kept_old = [i for i in old_ids if i in new_ids]
    kept_new = [i for i in new_ids if i in old_ids]
    matcher = SequenceMatcher(None, kept_old, kept_new, autojunk=False)
    in_place = {
        kept_new[j]
        for block in matcher.get_matching_blocks()
        for j in range(block.b, block.b + block.size)
    }
    for index, section_id in enumerate(new_ids):
        if section_id in old_ids and section_id not in in_place:
            problems.append(
                (
                    ("sections", index, "id"),
                    f"section '{section_id}' has moved (it was number "
                    f"{old_ids.index(section_id) + 1} in version {previous.version}, now "
                    f"{index + 1}); an editorial version may not reorder sections; {how}",
                )
            )
    return problems
