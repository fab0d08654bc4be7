"""One source.json against its links (generator.history.sourcecheck), without a build."""

from __future__ import annotations

import copy

import pytest

from generator.history.sitefetch import strict_json
from generator.history.sourcecheck import check_source
from generator.load.canonical import sha256_of

CONTENT = {
    "version": "1.0",
    "announced": "2024-01-10",
    "effective": "2024-02-10",
    "title": "DPA",
    "summary": "First.",
    "sections": [{"id": "breach", "title": "Breaches", "body": "We recieve reports; always."}],
}
AFTER = copy.deepcopy(CONTENT)
AFTER["sections"][0]["body"] = "We receive reports; always."
LINK = {
    "id": "dpa/1.0",
    "topic": "dpa",
    "version": "1.0",
    "announced": "2024-01-10",
    "effective": "2024-02-10",
    "content_hash": sha256_of(CONTENT),
}
CORRECTION_LINK = {
    "date": "2025-01-10",
    "by": "Jane",
    "why": "Typo.",
    "content_hash": sha256_of(AFTER),
}
SOURCE = {
    "format": "trustsite-source/1",
    **{k: LINK[k] for k in ("id", "topic", "version", "announced", "effective", "content_hash")},
    "content": CONTENT,
    "corrections": [
        {
            **CORRECTION_LINK,
            "place": "breach",
            "old": "recieve",
            "new": "receive",
            "path": ["sections", 0, "body"],
        }
    ],
}


def test_a_source_as_built_passes() -> None:
    assert check_source(copy.deepcopy(SOURCE), LINK, [CORRECTION_LINK]) == []


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda s: s.update(effective="2024-03-01"), "source.json says effective '2024-03-01'"),
        (lambda s: s.pop("id"), "source.json lacks fields: id"),
        (lambda s: s["corrections"][0].update(place="summary"), "place 'summary' does not name"),
        (lambda s: s["corrections"][0].update(old=""), "correction 1 cannot be applied"),
        (lambda s: s.update(corrections=None), "corrections is None, not a list"),
        (
            lambda s: s["content"]["sections"][0].update(body="We recieve reports\u037e always."),
            "source.json holds U+037E GREEK QUESTION MARK",
        ),
    ],
)
def test_each_field_is_covered(change, message: str) -> None:  # type: ignore[no-untyped-def]
    source = copy.deepcopy(SOURCE)
    change(source)
    problems = check_source(source, LINK, [CORRECTION_LINK])
    assert any(message in p for p in problems), problems


def test_strict_json_refuses_duplicate_keys_and_constants() -> None:
    with pytest.raises(ValueError, match="duplicate key 'a'"):
        strict_json(b'{"a": 1, "b": {"c": 2}, "a": 3}')
    with pytest.raises(ValueError, match="NaN is not JSON"):
        strict_json(b'{"a": NaN}')
    with pytest.raises(ValueError, match="nested too deeply"):
        strict_json(b"[" * 100_000 + b"]" * 100_000)
