"""The request tests run the real app against a "built" site that holds the service.json
and the DPA PDFs the generator made from a small data folder."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.support.requests_data import SITE_URL, dpa_pdfs_of, write_data, write_site


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    return write_data(tmp_path)


@pytest.fixture(scope="session")
def built_pdfs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, bytes]:
    """Made once per session: the fixture data never changes."""
    return dpa_pdfs_of(write_data(tmp_path_factory.mktemp("pdf-data")))


@pytest.fixture
def site_dir(tmp_path: Path, data_dir: Path, built_pdfs: dict[str, bytes]) -> Path:
    site = tmp_path / "site"
    write_site(site, built_pdfs, data_dir)
    return site


@pytest.fixture
def app_config(site_dir: Path) -> dict[str, Any]:
    return {"SITE_DIR": str(site_dir), "SITE_URL": SITE_URL}
