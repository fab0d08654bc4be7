"""`trustsite build`: the whole static site, swapped in atomically.

The data is validated first (a `DataError` reaches the command untouched, so the editor
sees every problem). MkDocs then builds into a fresh temporary folder next to the site
folder, in strict mode; only when that build has fully succeeded is the old site renamed
away and the new one renamed in. Any failure before that point deletes the temporary
folder and leaves the previous site exactly as it was.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import shutil
import tempfile
import time
from pathlib import Path

from mkdocs.commands.build import build as mkdocs_build
from mkdocs.config import load_config
from mkdocs.exceptions import MkDocsException

from generator.load.errors import BuildError
from generator.load.loader import load_data
from generator.load.security import require_current_certifications
from generator.site.mkdocs_plugin import TrustsitePlugin

log = logging.getLogger(__name__)


def build_site(data_dir: Path, site_dir: Path, today: dt.date, *, config_file: Path) -> str:
    """Validate, build with MkDocs into a temporary folder, swap it in; a one-line summary."""
    started = time.perf_counter()
    data = load_data(data_dir)  # DataError propagates: nothing is built from invalid data
    require_current_certifications(data_dir, data, today)
    if not config_file.is_file():
        raise BuildError(f"{config_file}: no MkDocs configuration there (use --config)")

    site_dir = site_dir.resolve()
    site_dir.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{site_dir.name}.new-", dir=site_dir.parent))
    # mkdtemp makes the folder private (0700); the web server's user must read the site.
    staging.chmod(0o755)
    try:
        plugin = _run_mkdocs(config_file, data_dir, staging, today, data)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    _swap_in(staging, site_dir)

    seconds = time.perf_counter() - started
    feeds = sum(1 for path in plugin.outputs if path.endswith((".atom", ".rss")))
    pages = plugin.page_count
    summary = (
        f"built {site_dir} for {today.isoformat()}: {pages} pages, {feeds} feeds, "
        f"{len(plugin.outputs) - feeds} other files in {seconds:.1f}s"
    )
    log.info(summary)
    return summary


def _run_mkdocs(
    config_file: Path, data_dir: Path, site_dir: Path, today: dt.date, data: object
) -> TrustsitePlugin:
    """One strict MkDocs build into `site_dir`, with the plugin pointed at our data and date."""
    try:
        config = load_config(str(config_file), site_dir=str(site_dir), strict=True)
        plugin = config.plugins.get("trustsite")
        if not isinstance(plugin, TrustsitePlugin):
            raise BuildError(f"{config_file}: the `trustsite` plugin is not enabled under plugins")
        plugin.config.data_dir = str(data_dir.resolve())
        plugin.config.today = today.isoformat()
        plugin.preloaded = data  # type: ignore[assignment]  # validated above: load once
        config.plugins.on_startup(command="build", dirty=False)
        try:
            log.info("building %s with MkDocs into %s", config_file, site_dir)
            mkdocs_build(config)
        finally:
            config.plugins.on_shutdown()
    except MkDocsException as err:  # Abort, ConfigurationError, PluginError
        raise BuildError(f"MkDocs build failed: {err}") from err
    return plugin


def _swap_in(staging: Path, site_dir: Path) -> None:
    """Rename the old site away, the new one in, then delete the old one."""
    old: Path | None = None
    if site_dir.exists():
        old = Path(tempfile.mkdtemp(prefix=f".{site_dir.name}.old-", dir=site_dir.parent))
        os.rename(site_dir, old / "site")
    try:
        os.rename(staging, site_dir)
    except OSError:
        if old is not None:
            os.rename(old / "site", site_dir)  # put the previous site back
        shutil.rmtree(staging, ignore_errors=True)
        raise
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)
    log.info("site swapped in at %s", site_dir)
