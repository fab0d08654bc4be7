"""Whether a sub-processor's transfer mechanism fits where it processes data (GDPR Chapter V).

- `none` only when every processing location is inside the EEA;
- `adequacy` only for countries with an EU adequacy decision in force on the day the change
  takes effect (the dated list is data: `adequacy.yaml`, with its source);
- `DPF` (the EU-US Data Privacy Framework) only for the United States, from its decision on.

The countries that count are the processing locations outside the EEA; when all processing
is inside it, the corporate location (from where the data is reached) counts instead.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import cache
from importlib.resources import files

import yaml

from generator.load.countries import exists, shown
from generator.load.model import EEA_COUNTRIES, Subprocessor, TransferMechanism

_OTHERS = "name the transfer mechanism: SCCs, adequacy, DPF or BCRs"


@dataclass(frozen=True)
class Decision:
    country: str
    since: dt.date
    until: dt.date | None
    mechanism: str  # the transfer_mechanism the decision supports
    decision: str
    note: str | None = None


@cache
def decisions() -> dict[str, Decision]:
    raw = yaml.safe_load(files("generator.load").joinpath("adequacy.yaml").read_text("utf-8"))
    return {
        d["country"]: Decision(
            d["country"], d["since"], d.get("until"), d["mechanism"], d["decision"], d.get("note")
        )
        for d in raw["decisions"]
    }


def transfer_problems(entry: Subprocessor, effective: dt.date) -> list[str]:
    """What is wrong with `entry.transfer_mechanism` for a change effective on `effective`."""
    mechanism = entry.transfer_mechanism
    if mechanism == TransferMechanism.none:
        outside = [c for c in entry.outside_eea if exists(c)]
        if not outside:
            return []
        where = ", ".join(outside)
        return [f"'none', but {entry.entity} processes data in {where}, outside the EEA; {_OTHERS}"]
    targets = _targets(entry)
    if mechanism == TransferMechanism.adequacy:
        return [p for c in targets if (p := _adequacy_problem(entry, c, effective))]
    if mechanism == TransferMechanism.dpf:
        return _dpf_problems(entry, targets, effective)
    return []


def _targets(entry: Subprocessor) -> list[str]:
    outside = [c for c in entry.outside_eea if exists(c)]
    if outside:
        return outside
    corporate = entry.corporate_location
    return [corporate] if corporate not in EEA_COUNTRIES and exists(corporate) else []


def _adequacy_problem(entry: Subprocessor, country: str, effective: dt.date) -> str | None:
    decision = decisions().get(country)
    if decision is None:
        return (
            f"'adequacy', but {shown(country)} has no EU adequacy decision (the list is in "
            "generator/load/adequacy.yaml); use SCCs or BCRs"
        )
    if decision.mechanism != TransferMechanism.adequacy:
        return (
            f"'adequacy', but the EU adequacy decision for {shown(country)} covers only "
            f"{decision.note}; write {decision.mechanism} if {entry.entity} is certified, "
            "or SCCs"
        )
    return _in_force_problem(
        "adequacy", f"the EU adequacy decision for {shown(country)}", decision, effective
    )


def _dpf_problems(entry: Subprocessor, targets: list[str], effective: dt.date) -> list[str]:
    others = [c for c in targets if c != "US"]
    if others:
        where = ", ".join(shown(c) for c in others)
        return [
            f"'DPF', but the EU-US Data Privacy Framework covers transfers to the United "
            f"States only, and {entry.entity} processes data in {where}; use SCCs or BCRs"
        ]
    problem = _in_force_problem(
        "DPF", "the EU-US Data Privacy Framework", decisions()["US"], effective
    )
    return [problem] if problem else []


def _in_force_problem(
    written: str, what: str, decision: Decision, effective: dt.date
) -> str | None:
    if effective < decision.since:
        return (
            f"'{written}', but {what} applies from {decision.since}, after this change takes "
            f"effect ({effective}); use SCCs or BCRs"
        )
    if decision.until is not None and effective >= decision.until:
        return (
            f"'{written}', but {what} ended on {decision.until}, before this change takes "
            f"effect ({effective}); use SCCs or BCRs"
        )
    return None
