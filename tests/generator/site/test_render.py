"""`trustsite render`: the generated pages on disk, buildable without the trustsite plugin.

The rendered folder is built here by plain MkDocs from the configuration `render` writes
(no trustsite plugin in it): every generated page must read exactly as in the golden build
made through the plugin. CI builds the same folder with Zensical (.github/workflows).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from generator.cli.commands import main
from generator.site.render import MARKER
from tests.generator.site.test_build import GOLDEN, ROOT, SMALL, TODAY, generated_pages, main_text


def render(tmp_path: Path, *extra: str) -> tuple[Path, str]:
    out = tmp_path / "docs"
    result = CliRunner().invoke(
        main,
        ["render", "--data", str(SMALL), "--today", TODAY.isoformat(), "--out", str(out), *extra],
    )
    assert result.exit_code == 0, result.output
    return out, result.output


def test_every_generated_page_is_written_as_markdown(tmp_path: Path) -> None:
    out, output = render(tmp_path)
    pages = [p for p in generated_pages() if p != "subscribe/check-email/index.md"]
    written = sorted(p.relative_to(out).as_posix() for p in out.rglob("*.md"))
    assert written == sorted(pages)
    assert f"{len(pages)} generated pages" in output
    assert "# " in (out / "dpa" / "index.md").read_text(encoding="utf-8")


def test_plain_mkdocs_builds_the_rendered_folder_as_the_plugin_does(tmp_path: Path) -> None:
    config = tmp_path / "plain.yml"
    render(
        tmp_path,
        "--docs-dir", str(ROOT / "site_src"), "--outputs",
        "--config", str(ROOT / "mkdocs.yml"),
        "--write-config", str(config), "--site-dir", str(tmp_path / "site"),
    )  # fmt: skip
    written = yaml.safe_load(config.read_text(encoding="utf-8"))
    assert "trustsite" not in str(written["plugins"])
    assert written["docs_dir"] == "docs"  # relative: Zensical refuses absolute paths

    subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--quiet", "-f", str(config)],
        check=True,
        cwd=tmp_path,
    )
    site = tmp_path / "site"
    assert (site / "feeds" / "all.atom").is_file()
    assert (site / "changes.json").read_bytes() == (GOLDEN / "changes.json").read_bytes()
    for page in generated_pages():
        folder = page.removesuffix("index.md")
        expected = (GOLDEN / "pages" / folder / "index.txt").read_text(encoding="utf-8")
        html = (site / folder / "index.html").read_text(encoding="utf-8")
        assert main_text(html) == expected, page


def test_a_hand_written_page_wins_over_the_generated_one(tmp_path: Path) -> None:
    docs = tmp_path / "hand"
    (docs / "dpa").mkdir(parents=True)
    (docs / "dpa" / "index.md").write_text("# Our own DPA page\n", encoding="utf-8")
    out, output = render(tmp_path, "--docs-dir", str(docs))
    assert (out / "dpa" / "index.md").read_text(encoding="utf-8") == "# Our own DPA page\n"
    assert "1 hand-written files" in output


def test_a_folder_it_did_not_make_is_never_emptied(tmp_path: Path) -> None:
    precious = tmp_path / "docs"
    precious.mkdir()
    (precious / "notes.md").write_text("mine\n", encoding="utf-8")
    result = CliRunner().invoke(
        main, ["render", "--data", str(SMALL), "--today", TODAY.isoformat(), "--out", str(precious)]
    )
    assert result.exit_code == 1
    assert "was not made by `trustsite render`" in result.output
    assert (precious / "notes.md").read_text(encoding="utf-8") == "mine\n"


def test_rendering_again_replaces_its_own_folder(tmp_path: Path) -> None:
    out, _ = render(tmp_path)
    (out / "stale.md").write_text("from an older run\n", encoding="utf-8")
    render(tmp_path)
    assert not (out / "stale.md").exists()
    assert (out / MARKER).is_file()


def test_invalid_data_writes_nothing(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    (data / "site.yaml").write_text("company: [\n", encoding="utf-8")
    result = CliRunner().invoke(
        main, ["render", "--data", str(data), "--out", str(tmp_path / "out")]
    )
    assert result.exit_code == 1
    assert "nothing was written" in result.output
    assert not (tmp_path / "out").exists()


if __name__ == "__main__":  # pragma: no cover
    pytest.main([__file__])
