"""How fast `trustsite build` is, against the fastest MkDocs build of the same pages.

Generates a large synthetic data set into a work folder (by default 2,000 sub-processors
over 40 list versions, 30 DPA versions of 40 sections, 30 privacy statement versions of 20
sections, 10 FAQ versions), then measures, each as a child process (wall time, CPU time
and peak RSS from os.wait4, which include the PDF worker the build starts):

- `trustsite build` of that data;
- the lower bound: a plain `mkdocs build` (Material, search, no trustsite plugin) of the
  very same pages, already rendered to Markdown and written as real files;
- `trustsite build` of the data doubled: twice the sub-processors and twice the text
  versions. The list keeps 40 versions: each version's permalink shows the whole list, so
  doubling the versions as well would quadruple the pages' size for any generator.

"Cold" builds start with an empty PDF cache (one run each); "warm" builds find the PDFs
of unchanged DPA versions in `.cache/` (medians of --runs runs, interleaved with the lower
bound so background load hits each alike). CPU time is the steadier figure on a shared
machine. Targets: ratio <= 1.15, doubling <= 2.1, peak < 1 GiB.

    python benchmarks/build.py [--runs 3] [--smoke] [--keep DIR]
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
TODAY = dt.date(2026, 1, 1)
COUNTRIES = ("DE", "NL", "IE", "FR", "US", "GB", "CA", "JP", "SE", "PL", "IN", "BR")
WORDS = (
    "personal",
    "data",
    "processor",
    "controller",
    "client",
    "service",
    "notice",
    "breach",
    "transfer",
    "audit",
    "security",
    "measures",
    "encryption",
    "access",
    "retention",
    "deletion",
    "request",
    "subject",
    "rights",
    "agreement",
    "term",
    "support",
    "hosting",
    "message",
    "platform",
    "customer",
    "records",
    "law",
)


@dataclass(frozen=True)
class Size:
    subprocessors: int = 2000
    list_versions: int = 40
    dpa_versions: int = 30
    dpa_sections: int = 40
    privacy_versions: int = 30
    privacy_sections: int = 20
    faq_versions: int = 10

    def doubled(self) -> Size:
        return Size(
            subprocessors=self.subprocessors * 2,
            list_versions=self.list_versions,
            dpa_versions=self.dpa_versions * 2,
            dpa_sections=self.dpa_sections,
            privacy_versions=self.privacy_versions * 2,
            privacy_sections=self.privacy_sections,
            faq_versions=self.faq_versions * 2,
        )


SMOKE = Size(40, 4, 3, 4, 2, 3, 2)


# --- synthetic data ------------------------------------------------------------------------


def _sentence(seed: int, words: int = 28) -> str:
    return " ".join(WORDS[(seed * 7 + i * 3) % len(WORDS)] for i in range(words)).capitalize()


def _entry(n: int) -> dict[str, object]:
    where = COUNTRIES[n % len(COUNTRIES)]
    return {
        "id": f"vendor-{n:05d}",
        "entity": f"Vendor {n:05d} {'GmbH' if n % 2 else 'Inc.'}",
        "purpose": f"Provides service number {n} for the platform ({WORDS[n % len(WORDS)]})",
        "data_categories": ["Email address", "Name", WORDS[n % len(WORDS)].capitalize()],
        "processing_locations": [where, COUNTRIES[(n + 1) % len(COUNTRIES)]],
        "corporate_location": where,
        "transfer_mechanism": "SCCs",
        "website": f"https://vendor-{n}.example",
        "relationship": "affiliate" if n % 25 == 0 else "third-party",
    }


def _dates(index: int, count: int) -> tuple[dt.date, dt.date]:
    """Versions 60 days apart, ending just before TODAY; the last one upcoming."""
    effective = TODAY - dt.timedelta(days=60 * (count - 1 - index)) + dt.timedelta(days=20)
    return effective - dt.timedelta(days=45), effective


def _write(path: Path, document: object) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(document, sort_keys=False, allow_unicode=True))


def write_data(root: Path, size: Size) -> None:
    _write(
        root / "site.yaml",
        {
            "company": {
                "name": "Larkspur Relay",
                "legal_name": "Larkspur Relay B.V.",
                "address": "Keizersgracht 1, 1015 CN Amsterdam, the Netherlands",
            },
            "contacts": {"privacy": "privacy@larkspur.example"},
            "site_url": "https://trust.larkspur.example/",
            "service_url": "https://notices.larkspur.example/",
            "notice_period_days": 30,
        },
    )
    _write_list(root, size)
    for topic, versions, sections in (
        ("dpa", size.dpa_versions, size.dpa_sections),
        ("privacy", size.privacy_versions, size.privacy_sections),
        ("faq", size.faq_versions, 8),
    ):
        _write_texts(root, topic, versions, sections)


def _write_list(root: Path, size: Size) -> None:
    """The first change adds 60% of all entries; each later one adds, removes, changes some."""
    first = size.subprocessors * 6 // 10
    later = max(1, (size.subprocessors - first) // max(1, size.list_versions - 1))
    next_id, alive = 0, []
    for index in range(size.list_versions):
        announced, effective = _dates(index, size.list_versions)
        adds = first if index == 0 else later
        added = [_entry(next_id + i) for i in range(adds)]
        next_id += adds
        change: dict[str, object] = {
            "announced": announced.isoformat(),
            "effective": effective.isoformat(),
            "summary": f"Change {index} of the list.",
            "add": added,
        }
        if index:
            removed = alive[index::97][:3]
            alive = [i for i in alive if i not in set(removed)]
            change["remove"] = removed
            change["change"] = {
                i: {"purpose": f"Purpose revised in change {index}"} for i in alive[index::53][:8]
            }
        alive += [e["id"] for e in added]
        _write(root / "subprocessors" / f"{effective.isoformat()}.yaml", change)


def _write_texts(root: Path, topic: str, versions: int, sections: int) -> None:
    for index in range(versions):
        announced, effective = _dates(index, versions)
        editorial = index % 7 == 6
        # An editorial version keeps the wording of the one before (trustsite check refuses
        # an editorial version that rewrites sections); the others revise a few sections.
        revision = index - 1 if editorial else index
        body = {
            "version": f"{index + 1}.0",
            "title": {"dpa": "Data Processing Addendum", "privacy": "Privacy statement"}.get(
                topic, "GDPR and CCPA FAQ"
            ),
            "announced": announced.isoformat(),
            "effective": effective.isoformat(),
            "summary": f"Version {index + 1}.0 revises a few sections.",
            "editorial": editorial,
            "sections": [
                {
                    "id": f"section-{s}",
                    "title": f"Section {s}: {WORDS[s % len(WORDS)]}",
                    # Each version revises a few sections; the rest carry over unchanged.
                    "body": "\n\n".join(
                        _sentence(s * 31 + p + (revision if (s + revision) % 8 == 0 else 0))
                        for p in range(3)
                    )
                    + "\n",
                }
                for s in range(sections)
            ],
        }
        _write(root / topic / f"{index + 1}.0.yaml", body)


# --- measuring -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Run:
    seconds: float  # wall time
    cpu: float  # user + system time of the child: steadier on a shared machine
    max_rss_mib: float


def run_child(argv: list[str], cwd: Path) -> Run:
    """Wall time and peak memory of one child process (os.wait4 gives its own rusage)."""
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    started = time.perf_counter()
    child = subprocess.Popen(
        argv, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
    )
    output = child.stdout.read() if child.stdout else b""
    _, status, usage = os.wait4(child.pid, 0)
    seconds = time.perf_counter() - started
    child.returncode = os.waitstatus_to_exitcode(status)
    if child.returncode != 0:
        sys.exit(f"{' '.join(argv)} failed:\n{output.decode(errors='replace')[-3000:]}")
    cpu = usage.ru_utime + usage.ru_stime
    return Run(seconds, cpu, usage.ru_maxrss / 1024)  # ru_maxrss is in KiB on Linux


def trustsite_config(work: Path) -> Path:
    """The project's mkdocs.yml, placed in `work` so its PDF cache (.cache/) lives there."""
    config = yaml.safe_load((ROOT / "mkdocs.yml").read_text())
    config["docs_dir"] = str(ROOT / "site_src")
    config["theme"]["custom_dir"] = str(ROOT / "site_src" / "overrides")
    config_file = work / "mkdocs.yml"
    config_file.write_text(yaml.safe_dump(config, sort_keys=False))
    return config_file


def trustsite_build(work: Path, data: Path, *, cold: bool = False) -> Run:
    """One build of `data`, with its own configuration folder and so its own PDF cache.

    Each data set keeps a cache of its own: with one shared cache, the cold build of the
    doubled data emptied the cache the next warm build of the base data needed, and with
    --runs 1 that cold build was reported as warm.
    """
    place = work / f"build-{data.name}"
    if not (place / "mkdocs.yml").is_file():
        place.mkdir(parents=True, exist_ok=True)
        trustsite_config(place)
    if cold:
        shutil.rmtree(place / ".cache", ignore_errors=True)
    site = place / "site"
    argv = [sys.executable, "-m", "generator.cli.commands", "build", "--data", str(data),
            "--site-dir", str(site), "--today", TODAY.isoformat(),
            "--config", str(place / "mkdocs.yml")]  # fmt: skip
    return run_child(argv, ROOT)


def prepare_lower_bound(work: Path, data: Path) -> Path:
    """The same pages as real Markdown files, with a config that has no trustsite plugin."""
    from generator.history.changes import build_changes
    from generator.load.loader import load_data
    from generator.site.pages import render_pages

    docs = work / "plain-docs"
    shutil.rmtree(docs, ignore_errors=True)
    shutil.copytree(ROOT / "site_src", docs)
    loaded = load_data(data)
    for path, markdown in render_pages(loaded, build_changes(loaded, TODAY), TODAY).items():
        target = docs / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(markdown, encoding="utf-8")
    config = yaml.safe_load((ROOT / "mkdocs.yml").read_text())
    config["plugins"] = [p for p in config["plugins"] if p != "trustsite" and "trustsite" not in p]
    config["docs_dir"] = str(docs)
    config["theme"]["custom_dir"] = str(docs / "overrides")
    config_file = work / "plain-mkdocs.yml"
    config_file.write_text(yaml.safe_dump(config, sort_keys=False))
    return config_file


def plain_build(work: Path, config_file: Path) -> Run:
    argv = [sys.executable, "-m", "mkdocs", "build", "--strict", "-q",
            "-f", str(config_file), "-d", str(work / "site-plain")]  # fmt: skip
    return run_child(argv, ROOT)


def median(runs: list[Run]) -> Run:
    return Run(
        statistics.median(r.seconds for r in runs),
        statistics.median(r.cpu for r in runs),
        statistics.median(r.max_rss_mib for r in runs),
    )


def measure(work: Path, size: Size, runs: int, *, cold: bool = True) -> dict[str, Run]:
    """Cold builds (empty PDF cache) once, then `runs` interleaved warm runs of each kind."""
    data, data2 = work / "data", work / "data-doubled"
    write_data(data, size)
    write_data(data2, size.doubled())
    plain_config = prepare_lower_bound(work, data)
    figures = {}
    if cold:
        figures["cold"] = trustsite_build(work, data, cold=True)
        figures["doubled cold"] = trustsite_build(work, data2, cold=True)
    else:  # warm runs must find the PDFs: fill each cache once, untimed
        trustsite_build(work, data)
        trustsite_build(work, data2)
    results: dict[str, list[Run]] = {"trustsite": [], "plain": [], "doubled": []}
    for _ in range(runs):  # interleaved, so background load hits every kind alike
        results["trustsite"].append(trustsite_build(work, data))
        results["plain"].append(plain_build(work, plain_config))
        results["doubled"].append(trustsite_build(work, data2))
    figures.update({name: median(values) for name, values in results.items()})
    return figures


def _line(label: str, run: Run) -> str:
    return (
        f"{label:<32} {run.seconds:8.2f} s wall {run.cpu:8.2f} s cpu"
        f"   peak {run.max_rss_mib:7.1f} MiB"
    )


def report(size: Size, runs: int, f: dict[str, Run]) -> str:
    ts, plain, doubled = f["trustsite"], f["plain"], f["doubled"]
    peak = max(r.max_rss_mib for r in f.values() if r is not plain)
    lines = [
        f"data: {size.subprocessors} sub-processors over {size.list_versions} list versions, "
        f"{size.dpa_versions} DPA versions x {size.dpa_sections} sections, "
        f"{size.privacy_versions} privacy versions; doubled: "
        f"{size.doubled().subprocessors} sub-processors, {size.doubled().dpa_versions} DPA "
        f"and {size.doubled().privacy_versions} privacy versions",
        f"warm = PDFs from the cache; medians of {runs} run(s)",
        _line("trustsite build (warm)", ts),
        _line("plain mkdocs, same pages (bound)", plain),
        _line("trustsite build, doubled (warm)", doubled),
        f"ratio to lower bound, warm     {ts.seconds / plain.seconds:6.3f} wall "
        f"{ts.cpu / plain.cpu:6.3f} cpu  (target <= 1.15)",
        f"doubling factor, warm          {doubled.seconds / ts.seconds:6.3f} wall "
        f"{doubled.cpu / ts.cpu:6.3f} cpu  (target <= 2.1)",
        f"peak memory (trustsite)        {peak:7.1f} MiB (target < 1024)",
    ]
    if "cold" in f:
        cold, cold2 = f["cold"], f["doubled cold"]
        lines += [
            _line("trustsite build (cold, 1 run)", cold),
            _line("trustsite, doubled (cold, 1 run)", cold2),
            f"ratio to lower bound, cold     {cold.seconds / plain.seconds:6.3f} wall "
            f"{cold.cpu / plain.cpu:6.3f} cpu",
            f"doubling factor, cold          {cold2.seconds / cold.seconds:6.3f} wall "
            f"{cold2.cpu / cold.cpu:6.3f} cpu",
        ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=3, help="runs per measurement (median)")
    parser.add_argument("--smoke", action="store_true", help="tiny data, one run (for tests)")
    parser.add_argument("--keep", type=Path, help="work in this folder and keep it")
    args = parser.parse_args(argv)
    size, runs = (SMOKE, 1) if args.smoke else (Size(), args.runs)
    if args.keep:
        args.keep.mkdir(parents=True, exist_ok=True)
        print(report(size, runs, measure(args.keep, size, runs, cold=not args.smoke)))
        return
    with tempfile.TemporaryDirectory(prefix="trustsite-bench-") as work:
        print(report(size, runs, measure(Path(work), size, runs, cold=not args.smoke)))


if __name__ == "__main__":
    main()
