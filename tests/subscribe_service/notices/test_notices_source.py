"""Reading changes.json: from a file, a site folder or an URL, with errors that say what to fix."""

from __future__ import annotations

import copy
import http.server
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from subscribe_service.notices.source import SourceError, load_changes, parse_changes
from tests.support.changes_data import (
    DPA_21,
    FAQ_EDITORIAL,
    NEW_SUBPROCESSOR,
    changes_doc,
    write_changes,
)


def test_reads_a_file_and_a_site_folder(tmp_path: Path) -> None:
    write_changes(tmp_path / "changes.json", NEW_SUBPROCESSOR, DPA_21, FAQ_EDITORIAL)
    for source in (tmp_path / "changes.json", tmp_path):
        loaded = load_changes(str(source))
        assert [c.id for c in loaded.doc.changes] == [
            "faq/1.1",
            "dpa/2.1",
            "subprocessors/2025-03-01",
        ]
        assert loaded.doc.site.privacy_contact == "privacy@larkspur.example"
        # The record is kept exactly as published, unknown keys included.
        assert loaded.records["dpa/2.1"] == DPA_21


def test_unknown_keys_are_kept_and_ignored() -> None:
    record = {**DPA_21, "reviewed_by": "legal"}
    loaded = parse_changes(changes_doc(record))
    assert loaded.records["dpa/2.1"]["reviewed_by"] == "legal"


@pytest.mark.parametrize(
    ("mutate", "expected"),
    [
        (
            lambda c: c.pop("effective"),
            "change #1 ('subprocessors/2025-03-01'), field effective: Field required",
        ),
        (
            lambda c: c.update(announced="2025-13-40"),
            "change #1 ('subprocessors/2025-03-01'), field announced:",
        ),
        (
            lambda c: c["diff"]["changed"][0]["fields"][0].update(field="colour"),
            "field diff.changed[0].fields[0].field: Input should be 'entity'",
        ),
        (
            lambda c: c.update(id="subprocessors/2025-04-01"),
            "must be 'subprocessors/2025-03-01' (topic/version)",
        ),
        (lambda c: c.update(topic="cookies"), "field topic: Input should be 'subprocessors'"),
        (lambda c: c["diff"].update(kind="text"), "diff.kind must be 'list' for topic"),
        (lambda c: c.update(editorial="maybe"), "field editorial: Input should be a valid boolean"),
    ],
)
def test_invalid_change_names_the_change_and_the_field(mutate, expected: str) -> None:
    record = copy.deepcopy(NEW_SUBPROCESSOR)
    mutate(record)
    with pytest.raises(SourceError) as err:
        parse_changes(changes_doc(record))
    assert any(expected in problem for problem in err.value.problems), err.value.problems


def test_every_problem_is_reported_at_once() -> None:
    bad_dpa = {**DPA_21, "summary": ""}
    bad_list = {**NEW_SUBPROCESSOR, "url": "not a url"}
    with pytest.raises(SourceError) as err:
        parse_changes(changes_doc(bad_dpa, bad_list))
    text = "\n".join(err.value.problems)
    assert "change #1 ('dpa/2.1'), field summary" in text
    assert "change #2 ('subprocessors/2025-03-01'), field url" in text


def test_duplicate_ids_and_wrong_format_are_refused() -> None:
    with pytest.raises(SourceError, match="appears twice"):
        parse_changes(changes_doc(DPA_21, DPA_21))
    doc = changes_doc(DPA_21)
    doc["format"] = "trustsite-changes/9"
    with pytest.raises(SourceError, match="this service reads 'trustsite-changes/1'"):
        parse_changes(doc)
    with pytest.raises(SourceError, match="field privacy_contact"):
        parse_changes({**changes_doc(), "site": {"url": "https://x.example/", "company": "X"}})


def test_unreadable_files_give_one_clear_line(tmp_path: Path) -> None:
    with pytest.raises(SourceError, match="cannot read"):
        load_changes(str(tmp_path / "missing.json"))
    (tmp_path / "broken.json").write_text('{"format": ', "utf-8")
    with pytest.raises(SourceError, match=r"not valid JSON: .* line 1 column 12"):
        load_changes(str(tmp_path / "broken.json"))
    (tmp_path / "latin1.json").write_bytes(b'{"a": "\xe9"}')
    with pytest.raises(SourceError, match="not UTF-8"):
        load_changes(str(tmp_path / "latin1.json"))
    write_changes(tmp_path / "big.json", NEW_SUBPROCESSOR)
    with pytest.raises(SourceError, match="over the limit of 100"):
        load_changes(str(tmp_path / "big.json"), max_bytes=100)


@pytest.fixture
def http_site(tmp_path: Path) -> Iterator[str]:
    """A real HTTP server on localhost serving tmp_path, plus a path that never answers."""
    release = threading.Event()

    class Handler(http.server.SimpleHTTPRequestHandler):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, directory=str(tmp_path), **kwargs)

        def do_GET(self) -> None:
            if self.path == "/slow.json":
                release.wait(5)
            super().do_GET()

        def log_message(self, *args) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    release.set()
    server.shutdown()
    server.server_close()


def test_reads_an_url_with_timeout_and_size_limit(tmp_path: Path, http_site: str) -> None:
    write_changes(tmp_path / "changes.json", NEW_SUBPROCESSOR)
    local = {"allow_hosts": ["127.0.0.1"]}  # the operator's override for a local server
    loaded = load_changes(f"{http_site}/changes.json", **local)
    assert list(loaded.records) == ["subprocessors/2025-03-01"]

    with pytest.raises(SourceError, match="404"):
        load_changes(f"{http_site}/nothing.json", **local)
    with pytest.raises(SourceError, match=r"no complete answer within 0\.3 seconds"):
        load_changes(f"{http_site}/slow.json", timeout=0.3, **local)
    with pytest.raises(SourceError, match=r"announces \d+ bytes, over the limit of 50 bytes"):
        load_changes(f"{http_site}/changes.json", max_bytes=50, **local)
    with pytest.raises(SourceError, match=r"127\.0\.0\.1 is a loopback address; .*--allow-host"):
        load_changes(f"{http_site}/changes.json")


def test_plain_http_is_refused_for_other_hosts() -> None:
    with pytest.raises(SourceError, match="use an https:// URL"):
        load_changes("http://trust.larkspur.example/changes.json")
    with pytest.raises(SourceError, match="use an https:// URL"):
        load_changes("ftp://127.0.0.1/changes.json")
