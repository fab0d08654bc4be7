"""Safe YAML loading: unsafe constructs refused with their position, positions kept."""

from __future__ import annotations

import datetime as dt
import time
from pathlib import Path

import pytest

from generator.load import yamlsafe
from generator.load.errors import DataError
from generator.load.yamlsafe import MAX_BYTES, field_name, load_yaml, locate


def write(tmp_path: Path, text: str, name: str = "doc.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def refusal(path: Path) -> list[str]:
    with pytest.raises(DataError) as caught:
        load_yaml(path)
    return [str(i) for i in caught.value.issues]


@pytest.fixture(autouse=True, params=yamlsafe.LOADERS, ids=lambda c: c.__name__)
def _each_loader(
    request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every test runs with libyaml's parser (when built) and with the pure-Python one."""
    monkeypatch.setattr(yamlsafe, "LOADERS", [request.param])
    monkeypatch.chdir(tmp_path)


def test_plain_values_and_the_position_of_every_key_and_item(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        'version: "2.1"\n'
        "effective: 2025-02-15\n"
        "editorial: false\n"
        "sections:\n"
        "  - id: breach\n"
        "    title: Breaches\n"
        "locations: [DE, IE]\n",
    )
    data, positions = load_yaml(path)
    assert data == {
        "version": "2.1",
        "effective": dt.date(2025, 2, 15),
        "editorial": False,
        "sections": [{"id": "breach", "title": "Breaches"}],
        "locations": ["DE", "IE"],
    }
    assert positions[("effective",)] == (2, 1)
    assert positions[("sections", 0)] == (5, 5)
    assert positions[("sections", 0, "title")] == (6, 5)
    assert positions[("locations", 1)] == (7, 17)


def test_python_object_tag_is_refused_not_executed(tmp_path: Path) -> None:
    marker = tmp_path / "pwned"
    path = write(tmp_path, f'title: ok\nx: !!python/object/apply:os.system ["touch {marker}"]\n')
    assert refusal(path) == [
        "doc.yaml:2:4: '!!python/object/apply:os.system' is a YAML tag; "
        "tags are not allowed, write plain values"
    ]
    assert not marker.exists()


def test_local_and_harmless_tags_are_refused_too(tmp_path: Path) -> None:
    assert refusal(write(tmp_path, "a: !!str 12\n")) == [
        "doc.yaml:1:4: '!!str' is a YAML tag; tags are not allowed, write plain values"
    ]
    assert refusal(write(tmp_path, "a: !custom x\n"))[0].startswith("doc.yaml:1:4: '!custom'")


def test_anchor_is_refused_at_the_anchor(tmp_path: Path) -> None:
    path = write(tmp_path, "a: 1\nb: &shared [x, y]\nc: *shared\n")
    assert refusal(path) == [
        "doc.yaml:2:4: '&shared' marks a value for reuse (a YAML anchor); "
        "anchors are not allowed, write each value where it is used"
    ]


def test_alias_without_anchor_is_refused(tmp_path: Path) -> None:
    assert refusal(write(tmp_path, "a:\n  - *elsewhere\n")) == [
        "doc.yaml:2:5: '*elsewhere' repeats a value from elsewhere (a YAML alias); "
        "write the value out in full"
    ]


def test_billion_laughs_fails_fast_without_expanding(tmp_path: Path) -> None:
    lines = ['l0: &l0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for n in range(1, 10):
        refs = ",".join([f"*l{n - 1}"] * 9)
        lines.append(f"l{n}: &l{n} [{refs}]")
    path = write(tmp_path, "\n".join(lines) + "\n")
    started = time.perf_counter()
    issues = refusal(path)
    assert time.perf_counter() - started < 1.0
    assert issues[0].startswith("doc.yaml:1:5: '&l0' marks a value for reuse")


def test_every_duplicate_key_is_reported_with_the_first_line(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "summary: one\nsections:\n  - id: a\n    id: b\nsummary: two\n",
    )
    assert refusal(path) == [
        "doc.yaml:4:5: sections[0].id: written twice (first at line 3); keep only one, or "
        "type '- ' before it if a new item of the list starts here",
        "doc.yaml:5:1: summary: written twice (first at line 1); keep only one",
    ]


def test_keys_that_are_not_text_are_refused(tmp_path: Path) -> None:
    path = write(tmp_path, "1: one\nchange:\n  true: x\n  ~: y\n")
    assert refusal(path) == [
        "doc.yaml:1:1: '1' is not text, so it cannot be a field name (put an id in quotes)",
        "doc.yaml:3:3: change: 'true' is not text, so it cannot be a field name "
        "(put an id in quotes)",
        "doc.yaml:4:3: change: '~' is not text, so it cannot be a field name (put an id in quotes)",
    ]


def test_file_over_one_megabyte_is_refused_before_parsing(tmp_path: Path) -> None:
    path = write(tmp_path, "a: " + "x" * MAX_BYTES + "\n")
    assert refusal(path) == ["doc.yaml:1:1: file is larger than 1 MB; split it or shorten it"]


def test_only_true_and_false_are_booleans(tmp_path: Path) -> None:
    # YAML 1.1 reads NO (Norway), yes and on as booleans; an editor means the text.
    data, _ = load_yaml(write(tmp_path, "countries: [NO, DE]\nwords: [yes, on, off]\nflag: true\n"))
    assert data == {"countries": ["NO", "DE"], "words": ["yes", "on", "off"], "flag": True}


def test_impossible_date_is_kept_as_text_for_validation_to_name(tmp_path: Path) -> None:
    data, _ = load_yaml(write(tmp_path, "effective: 2025-02-30\n"))
    assert data == {"effective": "2025-02-30"}


def test_syntax_error_points_at_the_problem_in_plain_words(tmp_path: Path) -> None:
    # Every syntax message is in tests/generator/test_yamlsyntax.py; two of them here.
    issues = refusal(write(tmp_path, "title: ok\nsections:\n\t- id: a\n"))
    assert issues == [
        "doc.yaml:3:1: a tab character indents this line; indent with spaces only (delete "
        "the tab and type spaces)"
    ]
    assert refusal(write(tmp_path, "summary: Adds a vendor: Quillpost\n")) == [
        "doc.yaml:1:10: the value of 'summary' contains ': ', which would start another "
        'field; put the whole value in double quotes, like "Fixes: a typo."'
    ]


def test_deep_nesting_is_refused(tmp_path: Path) -> None:
    issues = refusal(write(tmp_path, "a: " + "[" * 100 + "]" * 100 + "\n"))
    assert issues == ["doc.yaml:1:43: nested more than 40 levels deep; flatten it"]


def test_text_that_is_not_utf8_is_refused_with_its_line(tmp_path: Path) -> None:
    path = tmp_path / "doc.yaml"
    path.write_bytes(b"title: ok\nbody: caf\xe9\n")
    assert refusal(path) == ["doc.yaml:2:1: is not UTF-8 text; save the file as UTF-8"]


def test_two_documents_in_one_file_are_refused(tmp_path: Path) -> None:
    issues = refusal(write(tmp_path, "a: 1\n---\nb: 2\n"))
    assert issues == ["doc.yaml:2:1: a second document starts here ('---'); keep one per file"]


def test_empty_file_is_refused_as_empty(tmp_path: Path) -> None:
    assert refusal(write(tmp_path, "# nothing yet\n")) == [
        "doc.yaml:1:1: the file is empty; write the fields of a version in it (copy an "
        "example from CONTRIBUTING.md), or delete the file"
    ]


def test_field_name_and_locate_fall_back_to_the_nearest_parent() -> None:
    assert field_name(("sections", 2, "id")) == "sections[2].id"
    assert field_name(("change", "cloudnine-hosting", "website")) == (
        "change.cloudnine-hosting.website"
    )
    positions = {(): (1, 1), ("sections",): (6, 1), ("sections", 0): (7, 5)}
    assert locate(positions, ("sections", 0, "title")) == (7, 5)
    assert locate(positions, ("missing",)) == (1, 1)
