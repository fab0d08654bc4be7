"""The files a built site publishes, whichever generator built it.

`trustsite build` (MkDocs) and a generator fed by `trustsite render` (Zensical) must publish
the same files: readers, feed readers and `trustsite verify` fetch them by path. What may
differ is the theme's own machinery (its asset bundles and its search index), which no
one links to by a path of ours.

Generators copy a docs folder's static files but skip dot folders (Zensical drops
`.well-known/`), and not all of them write `sitemap.xml.gz`. `complete_site` adds what was
left out, from the rendered folder; `missing_files` says what one build lacks that the
other has, so CI can hold the two builds to the same list.
"""

from __future__ import annotations

import gzip
import shutil
from dataclasses import dataclass
from pathlib import Path

# The theme's machinery, named differently by each generator; never a path of ours.
THEME_ONLY = ("assets/",)
SEARCH_INDEXES = frozenset({"search/search_index.json", "search.json"})


@dataclass(frozen=True)
class Completion:
    copied: list[str]
    sitemap_gz: bool

    def __str__(self) -> str:
        parts = [f"{len(self.copied)} files from dot folders"]
        if self.sitemap_gz:
            parts.append("sitemap.xml.gz")
        return ", ".join(parts)


def published_files(site_dir: Path) -> set[str]:
    """Every file of a built site a reader may fetch by a path of ours, as POSIX paths."""
    files = set()
    for path in site_dir.rglob("*"):
        if not path.is_file():
            continue
        name = path.relative_to(site_dir).as_posix()
        if name.startswith(THEME_ONLY) or name in SEARCH_INDEXES:
            continue
        files.add(name)
    return files


def complete_site(rendered_dir: Path, site_dir: Path) -> Completion:
    """Copy into `site_dir` what a generator skipped from `rendered_dir`, and gzip the sitemap.

    Only files under dot folders are copied (`.well-known/security.txt`): everything else
    the generator did copy or render, and overwriting it would hide a real difference. The
    render marker is the one dot file that is not the site's.
    """
    copied = []
    for source in sorted(rendered_dir.rglob("*")):
        relative = source.relative_to(rendered_dir)
        if not source.is_file() or not _under_dot_folder(relative):
            continue
        target = site_dir / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, target)
        copied.append(relative.as_posix())
    return Completion(copied, _write_sitemap_gz(site_dir))


def missing_files(site_dir: Path, reference_dir: Path) -> tuple[list[str], list[str]]:
    """(files of `reference_dir` that `site_dir` lacks, files only `site_dir` has)."""
    ours, theirs = published_files(site_dir), published_files(reference_dir)
    return sorted(theirs - ours), sorted(ours - theirs)


def _under_dot_folder(relative: Path) -> bool:
    return any(part.startswith(".") for part in relative.parts[:-1])


def _write_sitemap_gz(site_dir: Path) -> bool:
    """`sitemap.xml.gz` beside `sitemap.xml`, as MkDocs writes it (mtime 0: reproducible)."""
    sitemap, packed = site_dir / "sitemap.xml", site_dir / "sitemap.xml.gz"
    if not sitemap.is_file() or packed.exists():
        return False
    with packed.open("wb") as raw, gzip.GzipFile("", "wb", fileobj=raw, mtime=0) as out:
        out.write(sitemap.read_bytes())
    return True
