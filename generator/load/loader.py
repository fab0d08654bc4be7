"""Read `data/` into the typed model, reporting every problem at once.

Order of work: find the files, load each safely (`yamlsafe`), check each against its
pydantic model, then run the cross-file rules (`validate`) on the files that passed. Every
problem becomes an `Issue(path, line, col, message)` worded for a legal editor; if there
is any, `DataError` carries all of them and nothing is built.
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
import types
import typing
from collections.abc import Sequence
from pathlib import Path
from typing import TypeVar

from pydantic import BaseModel, ValidationError

from generator.contract import TEXT_TOPICS
from generator.load import scopes
from generator.load.brand import check_site_rules
from generator.load.corrections import CorrectionError, corrected
from generator.load.countries import code_problem
from generator.load.errors import DataError, Issue, display_path
from generator.load.markup_check import check_markup
from generator.load.model import Site, SubprocessorChange, TextVersionDoc, TrustData
from generator.load.security import (
    OPTIONAL_FOLDERS,
    SECURITY,
    SECURITY_DOCUMENTS,
    check_security_versions,
    document_model,
)
from generator.load.validate import Located, check_subprocessor_changes, check_text_topic
from generator.load.yamlsafe import KeyPath, field_name, load_yaml, locate

M = TypeVar("M", bound=BaseModel)

_EXAMPLE_NAMES = {
    "subprocessors": "2025-03-01.yaml",
    **dict.fromkeys((*TEXT_TOPICS, *SECURITY_DOCUMENTS), "1.0.yaml"),
}


def load_site(path: Path) -> Site:
    """Just `data/site.yaml`, validated; raises `DataError` if it is missing or invalid."""
    issues: list[Issue] = []
    site = _load_file(path, Site, issues)
    if site is None:
        raise DataError(issues)
    return site.doc


def load_data(data_dir: Path) -> TrustData:
    """Everything in `data_dir`, validated; raises `DataError` with every problem found."""
    issues: list[Issue] = []
    site = _load_file(data_dir / "site.yaml", Site, issues)
    notice_days = site.doc.notice_period_days if site else None
    if site is not None:
        issues += check_site_rules(site, data_dir)  # the brand's files, where forms post
        issues += scopes.site_problems(site)

    texts: dict[str, tuple[TextVersionDoc, ...]] = {}
    documents: dict[str, tuple[TextVersionDoc, ...]] = {}
    # The security section is optional as a whole; once data/security/ exists, the NDA and
    # the disclosure policy it relies on are required (generator.load.security).
    has_security = (data_dir / SECURITY).is_dir()
    for topic in (*TEXT_TOPICS, *SECURITY_DOCUMENTS):
        if topic in OPTIONAL_FOLDERS and not has_security:
            continue
        files = _topic_files(data_dir, topic, issues)
        loaded = [_load_file(f, document_model(topic), issues) for f in files]
        valid = [item for item in loaded if item is not None]
        # Security news takes effect when published: no notice period applies to it.
        notice = None if topic in OPTIONAL_FOLDERS else notice_days
        issues += check_text_topic(valid, notice_days=notice)
        if topic == SECURITY:
            issues += check_security_versions(valid)  # type: ignore[arg-type]
        target = texts if topic in TEXT_TOPICS else documents
        target[topic] = tuple(sorted((i.doc for i in valid), key=lambda d: d.sort_key))

    files = _topic_files(data_dir, "subprocessors", issues)
    loaded_changes = [_load_file(f, SubprocessorChange, issues) for f in files]
    failed = [f.stem for f, item in zip(files, loaded_changes, strict=True) if item is None]
    changes = [item for item in loaded_changes if item is not None]
    issues += check_subprocessor_changes(
        changes, notice_days=notice_days, fold_until=min(failed, default=None)
    )
    if site is not None:
        issues += scopes.entry_problems(changes, site.doc)
        ordered = sorted(changes, key=lambda i: (i.doc.effective, i.stem))
        issues += scopes.notice_problems(ordered, site.doc)

    if issues or site is None:
        raise DataError(issues)
    return TrustData(
        site=site.doc,
        texts=texts,
        subprocessor_changes=tuple(sorted((i.doc for i in changes), key=lambda c: c.effective)),
        documents=documents,
    )


def _topic_files(data_dir: Path, topic: str, issues: list[Issue]) -> list[Path]:
    """The `.yaml` files of one topic folder; anything else there is reported."""
    folder = data_dir / topic
    shown = display_path(folder)
    example = _EXAMPLE_NAMES[topic]
    if not folder.is_dir():
        issues.append(
            Issue(
                shown, 1, 1, f"folder {topic}/ is missing; create it with a file such as {example}"
            )
        )
        return []
    files = []
    for entry in sorted(folder.iterdir()):
        if entry.is_file() and entry.suffix == ".yaml":
            files.append(entry)
        else:
            kind = "folder" if entry.is_dir() else "file"
            issues.append(
                Issue(
                    display_path(entry),
                    1,
                    1,
                    f"{kind} {entry.name} does not belong in {topic}/, which holds only .yaml "
                    f"files named like {example}; rename or move it",
                )
            )
    if not files:
        issues.append(
            Issue(shown, 1, 1, f"folder {topic}/ has no versions; add a file such as {example}")
        )
    return files


def _load_file(path: Path, model: type[M], issues: list[Issue]) -> Located[M] | None:
    shown = display_path(path)
    if not path.is_file():
        issues.append(Issue(shown, 1, 1, f"file {path.name} is missing; create it"))
        return None
    try:
        data, positions = load_yaml(path)
    except DataError as err:
        issues += err.issues
        return None
    problems = _numeric_dates(data)
    try:
        doc = model.model_validate(data)
    except ValidationError as err:
        already = {key for key, _ in problems}
        problems += [p for p in _translate(err, model) if p[0] not in already]
    if problems:
        for key, message in problems:
            line, col = locate(positions, key)
            issues.append(Issue(shown, line, col, message))
        return None
    try:
        doc = corrected(doc)  # published text stays as written; corrections apply on top
    except CorrectionError as err:
        issues.append(Issue(shown, *locate(positions, err.key), err.message))
        # Still name a look-alike or invisible letter in the correction itself.
        issues += check_markup(
            Located(path=shown, stem=path.stem, doc=doc, positions=positions), path
        )
        return None
    located = Located(path=shown, stem=path.stem, doc=doc, positions=positions)
    issues += check_markup(located, path)  # HTML in plain text, raw HTML and unsafe links
    return located


def _numeric_dates(data: object) -> list[tuple[KeyPath, str]]:
    """pydantic reads a number as a Unix timestamp; an editor never means that."""
    if not isinstance(data, dict):
        return []
    return [
        ((key,), f"{key}: {data[key]} is not a date; write YYYY-MM-DD")
        for key in ("announced", "effective")
        if isinstance(data.get(key), int | float) and not isinstance(data.get(key), bool)
    ]


# ---------------------------------------------------------------------------------------
# pydantic's messages, reworded for someone who edits the YAML, not the code


def _translate(err: ValidationError, model: type[BaseModel]) -> list[tuple[KeyPath, str]]:
    errors = err.errors(include_url=False)
    locs = [tuple(e["loc"]) for e in errors]
    out = []
    for e, loc in zip(errors, locs, strict=True):
        # pydantic adds "list too short" after rejecting every item; the items say it better.
        if e["type"] == "too_short" and any(o[: len(loc)] == loc and o != loc for o in locs):
            continue
        key = tuple(p for p in loc if p != "[key]")
        prefix = f"{field_name(key)}: " if key else ""
        if _is_list_without_dashes(e):
            # Fields where a list belongs: the editor left out the `- ` that starts an item.
            first = next(iter(e["input"]))
            out.append(((*key, first), prefix + _missing_dash(first)))
            continue
        out.append((key, prefix + _message(e, key, model)))
    return out


_COUNTRY_PATTERN = r"^[A-Z]{2}$"


def _is_list_without_dashes(e: dict) -> bool:
    value = e.get("input")
    return e["type"] in ("tuple_type", "list_type") and isinstance(value, dict) and bool(value)


def _missing_dash(first: object) -> str:
    return (
        f"the items of this list each start with '- '; type '- ' before '{first}' and "
        "indent the fields below it to line up with it"
    )


_PATTERN_HINTS = {
    r"^[a-z0-9][a-z0-9-]{0,62}$": "is not a valid id; use lowercase letters, digits and dashes, "
    "like 'cloudnine-hosting'",
    r"^[A-Z]{2}$": "is not a country code; use the two capital letters of ISO 3166, like DE or US",
    r"^\d+(\.\d+){0,2}$": "is not a version number; use numbers with dots, like 2.1",
    r"^[^@\s]+@[^@\s]+\.[^@\s]+$": "is not an email address",
}


def _message(e: dict, key: KeyPath, model: type[BaseModel]) -> str:
    kind, value, ctx = e["type"], e.get("input"), e.get("ctx", {})
    name = next((p for p in reversed(key) if isinstance(p, str)), "")
    if kind == "missing":
        return "is required but missing; add it"
    if kind == "value_error" and "error" in ctx:
        return str(ctx["error"])  # the validator's own words (register_fields.check_lei)
    if kind == "extra_forbidden":
        return _unknown_field(key, model)
    if (
        name == "summary"
        and kind in ("string_too_short", "string_type")
        and not str(value or "").strip()
    ):
        return "write one sentence saying what changed"
    if kind.startswith("date"):
        text = str(value).strip()
        if isinstance(value, dt.datetime) or re.fullmatch(r"\d{4}-\d\d?-\d\d?[ Tt].+", text):
            return f"'{text}' has a time; write only the date, YYYY-MM-DD"
        if re.fullmatch(r"\d{4}-\d\d-\d\d", text):
            return f"'{text}' is not a real date; write YYYY-MM-DD"
        if re.fullmatch(r"\d{4}-\d\d?-\d\d?", text):
            return f"'{text}' is not written as YYYY-MM-DD; use two digits for month and day"
        return f"{_shown(value)} is not a date; write YYYY-MM-DD"
    if kind == "string_type":
        if value is None:
            return "is empty; write a value"
        if isinstance(value, float):
            return f'{value} must be written in quotes: "{value}"'
        if isinstance(value, bool):
            return f"{_shown(value)} was read as yes/no; put the text in quotes"
        return f"{_shown(value)} must be text; put it in quotes"
    if kind == "string_too_short":
        return "is empty; write a value"
    if kind == "string_too_long":
        return f"is too long ({len(value)} characters, at most {ctx['max_length']})"
    if kind == "string_pattern_mismatch" and ctx["pattern"] == _COUNTRY_PATTERN:
        return f"{_shown(value)} {code_problem(str(value), many=isinstance(key[-1], int))}"
    if kind == "string_pattern_mismatch":
        return f"{_shown(value)} {_PATTERN_HINTS.get(ctx['pattern'], 'is not valid here')}"
    if kind == "enum":
        return _not_one_of(value, ctx["expected"])
    if kind.startswith("url"):
        return f"{_shown(value)} is not a web address; write it like https://example.com"
    if kind in ("bool_type", "bool_parsing"):
        return f"{_shown(value)} is not yes or no; write true or false"
    if kind in ("int_type", "int_parsing", "int_from_float"):
        return f"{_shown(value)} is not a whole number"
    if kind in ("greater_than_equal", "less_than_equal"):
        bound = ctx.get("ge", ctx.get("le"))
        return f"{value} must be {'at least' if 'ge' in ctx else 'at most'} {bound}"
    if kind == "too_short":
        return "is empty; list at least one item"
    if kind in ("tuple_type", "list_type"):
        return f"{_shown(value)} must be a list, like [first, second]"
    if kind in ("model_type", "dict_type", "model_attributes_type"):
        if not key:
            return "must hold fields (name: value lines), such as summary: ..."
        return f"{_shown(value)} must hold fields (name: value lines, indented below it)"
    return e["msg"]


def _unknown_field(key: KeyPath, model: type[BaseModel]) -> str:
    allowed = _fields_at(model, key[:-1])
    typed = str(key[-1])
    close = difflib.get_close_matches(typed, allowed, n=1, cutoff=0.6) or [
        name for name in allowed if name.startswith(typed) or typed.startswith(name)
    ]
    if close:
        return f"unknown field '{key[-1]}' (did you mean '{close[0]}'?)"
    return f"unknown field '{key[-1]}'; the fields here are: {', '.join(allowed)}"


def _fields_at(model: type[BaseModel], path: Sequence[str | int]) -> list[str]:
    """The field names allowed at `path` inside `model`, following lists and mappings."""
    annotation: object = model
    for part in path:
        annotation = _inner(annotation)
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            if not isinstance(part, str) or part not in annotation.model_fields:
                return []
            annotation = annotation.model_fields[part].annotation
        else:
            args = typing.get_args(annotation)
            annotation = args[-1] if typing.get_origin(annotation) is dict else args[0]
    annotation = _inner(annotation)
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return list(annotation.model_fields)
    return []


def _inner(annotation: object) -> object:
    """Strip `X | None` and `Annotated[X, ...]` down to X."""
    while True:
        origin = typing.get_origin(annotation)
        args = typing.get_args(annotation)
        if origin is typing.Annotated:
            annotation = args[0]
        elif origin in (typing.Union, types.UnionType):
            annotation = next(a for a in args if a is not type(None))
        else:
            return annotation


def _not_one_of(value: object, expected: str) -> str:
    choices = re.findall(r"'([^']*)'", expected)
    close = difflib.get_close_matches(str(value), choices, n=1, cutoff=0.5)
    hint = f" (did you mean '{close[0]}'?)" if close else ""
    return f"{_shown(value)} is not one of {', '.join(choices)}{hint}"


def _shown(value: object) -> str:
    """A value as the editor wrote it, short."""
    if value is None:
        return "nothing"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return repr(value if len(value) <= 60 else value[:57] + "...")
    if isinstance(value, dict):
        return "a group of fields"
    if isinstance(value, list | tuple):
        return "a list"
    return str(value)
