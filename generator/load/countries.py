"""Country codes that exist: ISO 3166-1 alpha-2, as pycountry keeps it, and their names.

The model checks only the shape of a code (two capital letters); this module knows which
codes are countries. The slips it answers are the ones a legal editor makes: `UK` for the
United Kingdom (ISO calls it GB), `EL` for Greece (the EU's own abbreviation), a group of
countries such as `EU` or `EEA` where each country must be named, and a name written out
in full (`Germany`).
"""

from __future__ import annotations

from functools import cache

import pycountry

from generator import contract
from generator.load.model import SubprocessorChange
from generator.load.yamlsafe import KeyPath

# Codes that look like countries but are not ISO 3166-1 codes, and the code meant.
_MISTAKEN = {"UK": "GB", "EL": "GR"}

# Groups of countries an editor may write instead of the countries themselves.
_GROUPS = {
    "EU": "the European Union",
    "EEA": "the European Economic Area",
    "EFTA": "the European Free Trade Association",
    "EZ": "the euro area",
    "UN": "the United Nations",
    "WW": "the whole world",
}

_LIKE = "use the two capital letters of ISO 3166, like DE or US"


@cache
def _country(code: str) -> object | None:
    return pycountry.countries.get(alpha_2=code)


def exists(code: str) -> bool:
    return _country(code) is not None


# A country's name and its label are the contract's, which the service's mails use too.
display_name = contract.country_name
shown = contract.country_label


def code_problem(value: str, *, many: bool) -> str | None:
    """What is wrong with `value` as a country code, worded after the quoted value, or None.

    `many` is true for a list of locations (a group can be replaced by its countries) and
    false for the one country an entity is registered in.
    """
    code = value.strip().upper()
    if value == code and exists(code):
        return None
    if code in _MISTAKEN:
        meant = _MISTAKEN[code]
        return f"is not an ISO 3166 country code; use {meant} ({display_name(meant)})"
    if code in _GROUPS:
        if many:
            return (
                f"is {_GROUPS[code]}, a group of countries; list each country where the "
                "data is processed, like [DE, IE]"
            )
        return (
            f"is {_GROUPS[code]}, a group of countries; write the one country the entity "
            "is registered in, like DE"
        )
    if exists(code):
        return f"is not a country code as written; use {code} ({display_name(code)})"
    named = _by_name(value)
    if named:
        return f"is not a country code; use {named} ({display_name(named)})"
    return f"is not an ISO 3166 country code; {_LIKE}"


def _by_name(value: str) -> str | None:
    if len(value.strip()) < 4:  # "XX", "ABC": a typo'd code, not a name
        return None
    try:
        return pycountry.countries.lookup(value.strip()).alpha_2
    except LookupError:
        return None


def location_problems(doc: SubprocessorChange) -> list[tuple[KeyPath, str]]:
    """Every location in a change file that is not a country, keyed where it was written."""
    found: list[tuple[KeyPath, str]] = []
    places: list[tuple[KeyPath, tuple[str, ...] | None, str | None]] = [
        (("add", i), e.processing_locations, e.corporate_location) for i, e in enumerate(doc.add)
    ]
    places += [
        (("change", entry_id), p.processing_locations, p.corporate_location)
        for entry_id, p in doc.change.items()
    ]
    for key, processing, corporate in places:
        for index, code in enumerate(processing or ()):
            problem = code_problem(code, many=True)
            if problem:
                found.append(((*key, "processing_locations", index), f"'{code}' {problem}"))
        problem = code_problem(corporate, many=False) if corporate else None
        if problem:
            found.append(((*key, "corporate_location"), f"'{corporate}' {problem}"))
    return found
