"""Development only: rebuild the site when `data/` or `site_src/` change.

A polling thread (no extra dependency, works on every file system): once a second it
compares the modification times and sizes of the files under the watched folders, and
after a change has settled it calls `rebuild`. `trustsite build` is atomic, so the
server keeps serving the previous site until the new one is complete.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable
from pathlib import Path

log = logging.getLogger("trustsite.dev")
Snapshot = dict[str, tuple[int, int]]


def snapshot(folders: Iterable[Path]) -> Snapshot:
    """(mtime, size) of every file under `folders`, hidden files and caches left out."""
    seen: Snapshot = {}
    for folder in folders:
        if folder.is_file():
            files: Iterable[Path] = [folder]
        else:
            files = folder.rglob("*") if folder.is_dir() else []
        for path in files:
            if any(part.startswith(".") or part == "__pycache__" for part in path.parts[-3:]):
                continue
            try:
                stat = path.stat()
            except OSError:
                continue  # removed while looking
            if path.is_file():
                seen[str(path)] = (stat.st_mtime_ns, stat.st_size)
    return seen


def watch(
    folders: list[Path],
    rebuild: Callable[[], object],
    stop: threading.Event,
    interval: float = 1.0,
) -> threading.Thread:
    """Start the watcher thread; it ends when `stop` is set."""

    def run() -> None:
        last = snapshot(folders)
        while not stop.wait(interval):
            now = snapshot(folders)
            if now == last:
                continue
            # An editor may write several files: wait until nothing moved for a moment.
            while not stop.wait(interval / 2):
                settled = snapshot(folders)
                if settled == now:
                    break
                now = settled
            changed = sorted(set(now.items()) ^ set(last.items()))
            log.info(
                "%s changed: rebuilding the site", Path(changed[0][0]).name if changed else "a file"
            )
            last = now
            try:
                rebuild()
            except Exception:  # the watcher must outlive a failed build
                log.exception("the rebuild failed; the previous site is still served")

    thread = threading.Thread(target=run, name="trustsite-dev-watch", daemon=True)
    thread.start()
    return thread
