"""The `data_files` fixture: the small data set of `datafiles.py` on disk, ready to break."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.datafiles import DataFiles


@pytest.fixture
def data_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> DataFiles:
    monkeypatch.chdir(tmp_path)
    return DataFiles(tmp_path / "data")
