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

from datafiles import FILES  # isort: skip

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
    assert "declares signing key" in verify(str(site)).stderr
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
