"""Both generators publish the same files: `trustsite complete-site` and its comparison.

The end-to-end test builds the rendered folder with Zensical itself (a test dependency),
completes it and compares it with `trustsite build`'s site, as the Zensical CI job does.
"""

from __future__ import annotations

import gzip
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from generator.cli.commands import main
from generator.site.site_files import complete_site, missing_files, published_files
from tests.generator.site.test_build import ROOT


def _write(root: Path, name: str, content: str = "x") -> None:
    path = root / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(content, encoding="utf-8")


def test_theme_assets_and_search_indexes_are_not_compared(tmp_path: Path) -> None:
    for name in ("assets/bundle.1.js", "search/search_index.json", "search.json", "dpa/index.html"):
        _write(tmp_path, name)
    assert published_files(tmp_path) == {"dpa/index.html"}


def test_dot_folders_are_copied_and_nothing_else(tmp_path: Path) -> None:
    rendered, site = tmp_path / "docs", tmp_path / "site"
    _write(rendered, ".well-known/security.txt", "Contact: mailto:security@example.com\n")
    _write(rendered, "changes.json", "from the rendered folder")
    _write(rendered, ".trustsite-render")
    _write(site, "changes.json", "as the generator copied it")
    _write(site, "sitemap.xml", "<urlset/>")

    done = complete_site(rendered, site)

    assert done.copied == [".well-known/security.txt"]
    assert (site / ".well-known/security.txt").read_text().startswith("Contact:")
    assert (site / "changes.json").read_text() == "as the generator copied it"
    assert not (site / ".trustsite-render").exists()
    assert gzip.decompress((site / "sitemap.xml.gz").read_bytes()) == b"<urlset/>"


def test_an_existing_sitemap_gz_is_left_alone(tmp_path: Path) -> None:
    _write(tmp_path, "sitemap.xml", "<urlset/>")
    _write(tmp_path, "sitemap.xml.gz", "the generator's own")
    assert not complete_site(tmp_path / "none", tmp_path).sitemap_gz
    assert (tmp_path / "sitemap.xml.gz").read_text() == "the generator's own"


def test_the_comparison_names_each_missing_file(tmp_path: Path) -> None:
    ours, reference = tmp_path / "ours", tmp_path / "reference"
    _write(reference, ".well-known/security.txt")
    _write(reference, "feeds/all.atom")
    _write(ours, "feeds/all.atom")
    _write(ours, "stray.html")

    assert missing_files(ours, reference) == ([".well-known/security.txt"], ["stray.html"])

    result = CliRunner().invoke(
        main, ["complete-site", str(ours), "--rendered", str(ours), "--compare", str(reference)]
    )
    assert result.exit_code == 1
    assert "lacks .well-known/security.txt" in result.output
    assert "has stray.html" in result.output


def _zensical() -> str | None:
    beside = Path(sys.executable).parent / "zensical"
    return str(beside) if beside.exists() else shutil.which("zensical")


def test_zensical_publishes_every_file_trustsite_build_does(tmp_path: Path) -> None:
    zensical = _zensical()
    if zensical is None:
        pytest.skip("zensical is not installed (pip install -e '.[test]' installs it)")
    runner = CliRunner()
    # The demo data: the small fixture set has no security section, so no security.txt.
    common = ["--data", str(ROOT / "data"), "--today", "2026-12-01"]
    docs, site, reference = tmp_path / "docs", tmp_path / "site", tmp_path / "mkdocs-site"
    config = tmp_path / "zensical.yml"
    rendered = runner.invoke(
        main,
        ["render", *common, "--out", str(docs), "--docs-dir", str(ROOT / "site_src"),
         "--outputs", "--config", str(ROOT / "mkdocs.yml"), "--write-config", str(config),
         "--site-dir", str(site)],
    )  # fmt: skip
    assert rendered.exit_code == 0, rendered.output
    subprocess.run([zensical, "build", "-f", str(config)], cwd=tmp_path, check=True)
    built = runner.invoke(
        main,
        ["build", *common, "--site-dir", str(reference), "--config", str(ROOT / "mkdocs.yml")],
    )
    assert built.exit_code == 0, built.output
    assert not (site / ".well-known" / "security.txt").exists()  # what this command is for

    result = runner.invoke(
        main, ["complete-site", str(site), "--rendered", str(docs), "--compare", str(reference)]
    )

    assert result.exit_code == 0, result.output
    assert "publish the same files" in result.output
    assert (site / ".well-known" / "security.txt").read_bytes() == (
        reference / ".well-known" / "security.txt"
    ).read_bytes()
