"""`trustsite verify` on a real signed build of data in a real git repository; provenance
links; the signing key's configuration."""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import subprocess
import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner

from generator.cli.commands import main
from generator.history.manifest import signed_message
from generator.history.signing import ENV_VAR, Signer, fingerprint, generate, load_private
from generator.load.errors import BuildError
from generator.site.build import build_site

from tests.support.datafiles import FILES  # isort: skip

ROOT = Path(__file__).resolve().parents[3]
CONFIG = ROOT / "mkdocs.yml"
TODAY = dt.date(2025, 1, 15)
REPOSITORY = "https://git.example/larkspur/trust"
PRIVATE, PUBLIC = generate()
GIT_ENV = {
    "GIT_AUTHOR_NAME": "Legal",
    "GIT_AUTHOR_EMAIL": "legal@larkspur.example",
    "GIT_COMMITTER_NAME": "Legal",
    "GIT_COMMITTER_EMAIL": "legal@larkspur.example",
}


def git(root: Path, *args: str) -> str:
    env = {**os.environ, **GIT_ENV}
    return subprocess.run(
        ["git", *args], cwd=root, env=env, check=True, capture_output=True
    ).stdout.decode()


def write_data(root: Path, site_extra: str) -> Path:
    data = root / "data"
    for name, text in FILES.items():
        path = data / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text), encoding="utf-8")
    with (data / "site.yaml").open("a", encoding="utf-8") as f:
        f.write(site_extra)
    return data


@pytest.fixture(scope="module")
def repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("repo")
    write_data(root, f"signing_key: {PUBLIC}\nrepository_url: {REPOSITORY}\n")
    git(root, "init", "-q", "-b", "main")
    git(root, "add", "data")
    git(root, "commit", "-q", "-m", "Trust center data")
    return root


@pytest.fixture(scope="module")
def signed_site(repo: Path) -> Path:
    site = repo / "site"
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv(ENV_VAR, PRIVATE)
        build_site(repo / "data", site, TODAY, config_file=CONFIG)
    return site


@pytest.fixture
def site(signed_site: Path, tmp_path: Path) -> Path:
    """A copy of the signed site a test may tamper with."""
    return Path(shutil.copytree(signed_site, tmp_path / "site"))


def verify(*args: str):
    return CliRunner().invoke(main, ["verify", *args], catch_exceptions=False)


def test_a_fresh_build_verifies_with_a_one_line_summary(site: Path) -> None:
    result = verify(str(site))
    assert result.exit_code == 0, result.output
    head = json.loads((site / "history.json").read_text())["head"]
    assert result.stdout == (
        f"{site}: 6 versions and 0 corrections verified, head {head[:16]}, "
        f"signed by {fingerprint(PUBLIC)}\n"
    )
    assert verify(str(site), "--key", PUBLIC).exit_code == 0


def test_a_page_source_edited_after_the_build_fails(site: Path) -> None:
    source = site / "dpa/2.0/source.json"
    source.write_text(source.read_text().replace("within 48 hours", "within 96 hours"))
    result = verify(str(site))
    assert result.exit_code == 1
    assert (
        result.stderr.startswith("dpa/2.0: the content in source.json hashes to ")
        and "history.json says" in result.stderr
    )
    assert result.stderr.endswith("1 discrepancies; the history does not verify.\n")


def test_an_older_manifest_whose_entry_was_altered_fails(site: Path, tmp_path: Path) -> None:
    older = json.loads((site / "history.json").read_text())
    assert verify(str(site), "--against", str(site / "history.json")).exit_code == 0
    older["links"][4]["content_hash"] = "0" * 64  # what dpa/2.0 said when it was published
    (tmp_path / "old.json").write_text(json.dumps(older))
    result = verify(str(site), "--against", str(tmp_path / "old.json"))
    assert result.exit_code == 1
    assert f"dpa/2.0: content_hash differ from {tmp_path / 'old.json'}" in result.stderr


def test_a_version_removed_since_the_older_manifest_fails(site: Path, tmp_path: Path) -> None:
    older = json.loads((site / "history.json").read_text())
    extra = {**older["links"][0], "id": "faq/0.9", "version": "0.9"}
    older["links"].insert(0, extra)
    (tmp_path / "old.json").write_text(json.dumps(older))
    result = verify(str(site), "--against", str(tmp_path / "old.json"))
    assert result.exit_code == 1
    assert f"faq/0.9: in {tmp_path / 'old.json'} but no longer published" in result.stderr


def test_a_rewritten_chain_fails(site: Path) -> None:
    history = json.loads((site / "history.json").read_text())
    history["links"][1]["why"] = "inserted"
    (site / "history.json").write_text(json.dumps(history))
    result = verify(str(site))
    assert result.exit_code == 1
    assert "link 2 (faq/1.0): its hash does not match its content" in result.stderr


def test_a_bad_signature_fails(site: Path) -> None:
    other_private, other_public = generate()
    history = json.loads((site / "history.json").read_text())
    forged = Signer(load_private(other_private)).sign(
        signed_message(history["site"], history["head"])
    )
    (site / "history.json.sig").write_bytes(forged)
    result = verify(str(site))
    assert result.exit_code == 1
    assert (
        "history.json.sig: the signature does not match the chain head and the key" in result.stderr
    )
    (site / "history.json.sig").unlink()
    assert "but has no signature" in verify(str(site)).stderr
    # Pinning another key: the site's own signature no longer suffices.
    assert verify(str(site), "--key", other_public).exit_code == 1


def test_the_home_page_shows_the_key_fingerprint(signed_site: Path) -> None:
    assert fingerprint(PUBLIC) in (signed_site / "index.html").read_text()


def test_each_version_links_to_the_commit_that_added_its_file(
    repo: Path, signed_site: Path
) -> None:
    commit = git(repo, "log", "--format=%H", "-1").strip()
    page = (signed_site / "subprocessors/2024-09-01/index.html").read_text()
    assert f'href="{REPOSITORY}/commit/{commit}"' in page
    assert f'href="{REPOSITORY}/blob/{commit}/data/subprocessors/2024-09-01.yaml"' in page


def test_a_key_that_does_not_match_site_yaml_stops_the_build(
    repo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(ENV_VAR, generate()[0])
    with pytest.raises(BuildError, match=r"does not match signing_key in data/site\.yaml"):
        build_site(repo / "data", tmp_path / "site", TODAY, config_file=CONFIG)
    monkeypatch.setenv(ENV_VAR, "not a key")
    with pytest.raises(BuildError, match="holds no Ed25519 private key"):
        build_site(repo / "data", tmp_path / "site", TODAY, config_file=CONFIG)
    assert not (tmp_path / "site").exists()


def test_a_hostile_history_is_reported_not_a_traceback(site: Path, tmp_path: Path) -> None:
    history = json.loads((site / "history.json").read_text())
    history["links"][0]["content_hash"] = 1.5  # no canonical form
    history["links"][1].update(topic="../../etc", version="passwd", id="../../etc/passwd")
    (site / "history.json").write_text(json.dumps(history))
    result = verify(str(site))
    assert result.exit_code == 1
    assert "link 1 (dpa/1.0): float has no canonical form" in result.stderr
    assert "../../etc/passwd: not a valid version id" in result.stderr
    (site / "history.json").write_text("[1, 2]")
    result = verify(str(site))
    assert result.exit_code == 1
    assert result.stderr == (
        f"verify failed: {site / 'history.json'}: not a trustsite history "
        "(format trustsite-history/1)\n"
    )
    data = write_data(tmp_path / "repo", "")
    result = CliRunner().invoke(main, ["check", "--data", str(data), "--published", str(site)])
    assert result.exit_code == 1
    assert "is not a trustsite history" in result.stderr


# --- issue 19: what a motivated adversary tried -------------------------------------------------

TYPO_FIX = """\
corrections:
  - date: 2025-01-10
    by: Jane Doe, Legal
    why: A word was misspelt.
    place: audits
    old: We recieve auditors
    new: We receive auditors
"""


@pytest.fixture(scope="module")
def corrected_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An unsigned build whose DPA 2.0 carries one correction."""
    root = tmp_path_factory.mktemp("corrected")
    data = write_data(root, "")
    with (data / "dpa/2.0.yaml").open("a", encoding="utf-8") as f:
        f.write(TYPO_FIX)
    build_site(data, root / "site", TODAY, config_file=CONFIG)
    return root / "site"


def _edit_json(path: Path, change) -> None:  # type: ignore[no-untyped-def]
    document = json.loads(path.read_text())
    change(document)
    path.write_text(json.dumps(document, ensure_ascii=False))


def _refused(result, *fragments: str) -> None:  # type: ignore[no-untyped-def]
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    for fragment in fragments:
        assert fragment in result.stderr, result.stderr


def test_a_page_edited_after_the_build_fails(site: Path) -> None:
    page = site / "dpa/2.0/index.html"
    assert "within 48 hours" in page.read_text()
    page.write_text(page.read_text().replace("within 48 hours", "within 96 hours"))
    _refused(
        verify(str(site)),
        "dpa/2.0: /dpa/2.0/index.html does not show the document history.json records for it",
    )


def test_a_page_with_a_greek_question_mark_for_a_semicolon_fails(site: Path) -> None:
    page = site / "dpa/2.0/index.html"
    text = page.read_text()
    start = text.index("<article")
    at = text.index(".", text.index("within 48 hours", start))
    page.write_text(text[:at] + "\u037e" + text[at + 1 :])
    _refused(verify(str(site)), "dpa/2.0: /dpa/2.0/index.html does not show the document")


def test_identical_builds_record_identical_page_hashes(signed_site: Path, tmp_path: Path) -> None:
    other = tmp_path / "again"
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv(ENV_VAR, PRIVATE)
        build_site(signed_site.parent / "data", other, TODAY, config_file=CONFIG)
    assert (other / "history.json").read_bytes() == (signed_site / "history.json").read_bytes()
    pages = json.loads((other / "history.json").read_text())["pages"]
    assert sorted(pages) == [
        "dpa/1.0/index.html",
        "dpa/2.0/index.html",
        "faq/1.0/index.html",
        "privacy/1.0/index.html",
        "subprocessors/2024-01-10/index.html",
        "subprocessors/2024-09-01/index.html",
    ]


def test_the_page_hashes_are_signed(site: Path) -> None:
    def change(history: dict) -> None:
        history["pages"]["dpa/2.0/index.html"] = "0" * 64

    _edit_json(site / "history.json", change)
    _refused(
        verify(str(site)),
        "history.json.sig: the signature does not match the chain head and the key",
    )


def test_the_top_level_dates_of_a_source_are_covered(site: Path) -> None:
    def change(source: dict) -> None:
        source["announced"] = "2024-05-01"

    _edit_json(site / "dpa/2.0/source.json", change)
    _refused(
        verify(str(site)),
        "dpa/2.0: source.json says announced '2024-05-01', history.json '2024-06-01'",
        "dpa/2.0: source.json says announced '2024-05-01', its content '2024-06-01'",
    )


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("date", "2025-01-11", "correction 1: source.json says date '2025-01-11', history.json"),
        ("date", ["2025-01-10"], "correction 1: source.json says date ['2025-01-10']"),
        ("by", "Someone Else", "correction 1: source.json says by 'Someone Else'"),
        ("why", "Nothing.", "correction 1: source.json says why 'Nothing.'"),
        ("place", "breach", "correction 1: place 'breach' does not name the text at"),
        ("extra", 1, "correction 1 in source.json has unknown fields: extra"),
    ],
)
def test_every_field_of_a_correction_is_covered(
    corrected_site: Path, tmp_path: Path, field: str, value: object, message: str
) -> None:
    site = Path(shutil.copytree(corrected_site, tmp_path / "site"))
    assert verify(str(site)).exit_code == 0

    def change(source: dict) -> None:
        source["corrections"][0][field] = value

    _edit_json(site / "dpa/2.0/source.json", change)
    _refused(verify(str(site)), f"dpa/2.0: {message}")


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (1, "dpa/2.0: source.json: corrections is 1, not a list"),
        ([1], "dpa/2.0: correction 1 in source.json is 1, not an object"),
        ([{"path": 5}], "dpa/2.0: correction 1 in source.json: path, old, new or place"),
    ],
)
def test_a_malformed_correction_is_a_message_not_a_traceback(
    corrected_site: Path, tmp_path: Path, value: object, message: str
) -> None:
    site = Path(shutil.copytree(corrected_site, tmp_path / "site"))

    def change(source: dict) -> None:
        source["corrections"] = value

    _edit_json(site / "dpa/2.0/source.json", change)
    _refused(verify(str(site)), message)


def test_unknown_and_duplicate_keys_are_refused(site: Path) -> None:
    source = site / "dpa/2.0/source.json"
    text = source.read_text()
    source.write_text(text.replace('"format":', '"note": "x",\n  "format":'))
    _refused(verify(str(site)), "dpa/2.0: source.json has unknown fields: note")
    source.write_text(text.replace('"format":', '"version": "9.9",\n  "format":', 1))
    _refused(verify(str(site)), "dpa/2.0: source.json cannot be read (duplicate key 'version')")
    history = site / "history.json"
    history.write_text(history.read_text().replace('"head":', '"head": null,\n  "head":', 1))
    _refused(verify(str(site)), "not JSON (duplicate key 'head')")


def test_a_greek_question_mark_in_a_source_is_refused(site: Path) -> None:
    source = site / "dpa/1.0/source.json"
    text = source.read_text()
    assert "." in text
    _edit_json(
        source,
        lambda s: s["content"]["sections"][0].update(
            body=s["content"]["sections"][0]["body"] + "\u037e"
        ),
    )
    _refused(
        verify(str(site)),
        "dpa/1.0: source.json holds U+037E GREEK QUESTION MARK, which is not in canonical form",
    )


def test_junk_links_and_unknown_fields_are_refused(site: Path) -> None:
    _edit_json(site / "history.json", lambda h: h["links"].append(5))
    _refused(verify(str(site)), "link 7 is '5', not an object")
    _edit_json(site / "history.json", lambda h: h.update(links=h["links"][:-1], note="x"))
    _refused(verify(str(site)), "history.json has unknown fields: note")


def _without_last_link(history: dict) -> dict:
    links = history["links"][:-1]
    return {**history, "links": links, "head": links[-1]["hash"]}


def test_reordered_links_are_refused_under_against(site: Path, tmp_path: Path) -> None:
    older = json.loads((site / "history.json").read_text())
    older["links"][1], older["links"][2] = older["links"][2], older["links"][1]
    (tmp_path / "old.json").write_text(json.dumps(older))
    _refused(
        verify(str(site), "--against", str(tmp_path / "old.json")),
        "comes before an entry it followed in",
    )


def test_the_summary_says_what_was_added_since_the_older_history(
    site: Path, tmp_path: Path
) -> None:
    older = _without_last_link(json.loads((site / "history.json").read_text()))
    (tmp_path / "old.json").write_text(json.dumps(older))
    result = verify(str(site), "--against", str(tmp_path / "old.json"))
    assert result.exit_code == 0, result.output
    assert result.stdout.endswith(
        f", 1 link added since {tmp_path / 'old.json'}: subprocessors 2024-09-01\n"
    )


def _forge(site: Path, signing_key: str | None, private: str | None) -> None:
    """A history extended by someone without the publisher's key: a forged version, the
    chain recomputed, then re-signed with another key or not at all."""
    from generator.history.manifest import link_hash

    history = json.loads((site / "history.json").read_text())
    forged = {**history["links"][-1], "date": "2025-01-14", "announced": "2025-01-14"}
    forged["previous"] = history["links"][-1]["hash"]
    forged["hash"] = link_hash(forged)
    history["links"].append(forged)
    history["head"] = forged["hash"]
    history["signing_key"] = signing_key
    (site / "history.json").write_text(json.dumps(history))
    if private is None:
        (site / "history.json.sig").unlink()
    else:
        message = signed_message(history["site"], history["head"], history["pages"])
        (site / "history.json.sig").write_bytes(Signer(load_private(private)).sign(message))


def test_an_older_signed_history_binds_the_newer_one_to_its_key(site: Path, tmp_path: Path) -> None:
    old = tmp_path / "old.json"
    old.write_text((site / "history.json").read_text())
    _forge(site, None, None)
    _refused(
        verify(str(site), "--against", str(old)),
        f"{old} is signed by {fingerprint(PUBLIC)}, but this history declares no signing key",
    )


def test_a_newer_history_signed_by_another_key_fails(site: Path, tmp_path: Path) -> None:
    old = tmp_path / "old.json"
    old.write_text((site / "history.json").read_text())
    other_private, other_public = generate()
    _forge(site, other_public, other_private)
    _refused(
        verify(str(site), "--against", str(old)),
        f"this history declares {fingerprint(other_public)} and no key rotation signed by "
        "the old key names it",
    )
    (site / "history.json.sig").unlink()
    _refused(verify(str(site), "--against", str(old)), "but has no signature")


def test_a_rotation_signed_by_the_old_key_carries_the_binding(
    repo: Path, signed_site: Path, tmp_path: Path
) -> None:
    old = tmp_path / "old.json"
    old.write_text((signed_site / "history.json").read_text())
    env = {ENV_VAR: PRIVATE}
    made = CliRunner(env=env).invoke(
        main, ["keygen", "--rotate", "--data", str(repo / "data"), "--today", "2025-01-15"]
    )
    assert made.exit_code == 0, made.output
    lines = made.stdout.splitlines()
    new_private, new_public = lines[1], lines[3].removeprefix("signing_key: ")
    rotation = "\n".join(lines[lines.index(next(x for x in lines if "key_rotations" in x)) + 1 :])
    data = Path(shutil.copytree(repo / "data", tmp_path / "data"))
    site_yaml = data / "site.yaml"
    site_yaml.write_text(
        site_yaml.read_text().replace(PUBLIC, new_public) + "key_rotations:\n" + rotation + "\n"
    )
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv(ENV_VAR, new_private)
        build_site(data, tmp_path / "site", TODAY, config_file=CONFIG)
    result = verify(str(tmp_path / "site"), "--against", str(old))
    assert result.exit_code == 0, result.output
    assert f"signed by {fingerprint(new_public)}" in result.stdout
    # A rotation record that the old key did not sign carries nothing.
    _edit_json(
        tmp_path / "site/history.json",
        lambda h: h["key_rotations"][0].update(new_key=generate()[1]),
    )
    _refused(
        verify(str(tmp_path / "site"), "--against", str(old)),
        "history.json: key rotation 1 is not signed by its old key",
    )


def test_keygen_rotate_needs_the_current_key(repo: Path) -> None:
    result = CliRunner(env={ENV_VAR: ""}).invoke(
        main, ["keygen", "--rotate", "--data", str(repo / "data")]
    )
    assert result.exit_code == 1
    assert "--rotate signs the rotation with the current key" in result.output


def test_malformed_page_hashes_are_messages(site: Path) -> None:
    _edit_json(site / "history.json", lambda h: h["pages"].update({"dpa/2.0/index.html": 1.5}))
    _refused(
        verify(str(site)),
        "dpa/2.0: /dpa/2.0/index.html does not show the document",
        "history.json.sig: float has no canonical form",
    )
    _edit_json(site / "history.json", lambda h: h.update(pages=[1]))
    _refused(verify(str(site)), "history.json records no hash of the version pages")
