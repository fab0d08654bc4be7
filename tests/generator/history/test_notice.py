"""Notice counts from when clients can see a version (`check --base`, `--published`).

A real git repository and a real published history, as in test_immutability: a version
merged after the `announced` date written in it gives clients less notice than it says.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from tests.generator.history.test_immutability import (  # noqa: F401  (fixtures)
    check,
    published_site,
    refused,
    repo,
)

if TYPE_CHECKING:
    from tests.support.datafiles import DataFiles

# Today is 2025-01-15 (test_immutability.TODAY); the notice period is 30 days.
LATE = """\
announced: 2025-01-05
effective: {effective}
summary: Removes Quillpost.
remove: [quillpost]
"""
SHORT = (
    "data/subprocessors/{name}.yaml:2:1: 2025-02-04 gives clients only 20 days' notice: they "
    "see this version from 2025-01-15, when it is published, not from announced (2025-01-05); "
    "notice_period_days in site.yaml asks for 30, so the earliest allowed date is 2025-02-14"
)
WARNED = (
    "data/subprocessors/{name}.yaml:1:1: warning: announced: 2025-01-05 is in the past, but "
    "clients see this version only once it is published (it is not {where}); notice counts "
    "from today (2025-01-15): write the day it will be merged"
)


def test_a_late_merge_that_shortens_the_notice_is_refused_with_the_earliest_date(
    repo: DataFiles, published_site: Path  # noqa: F811  (the fixtures imported above)
) -> None:
    repo.write("subprocessors/2025-02-04.yaml", LATE.format(effective="2025-02-04"))
    # `check` alone counts from `announced` (30 days): it cannot know when the merge is.
    assert check().exit_code == 0
    refused(check("--base", "main"), SHORT.format(name="2025-02-04"))
    refused(check("--published", str(published_site)), SHORT.format(name="2025-02-04"))


def test_the_earliest_allowed_date_passes_with_a_warning_about_announced(
    repo: DataFiles, published_site: Path  # noqa: F811  (the fixtures imported above)
) -> None:
    repo.write("subprocessors/2025-02-14.yaml", LATE.format(effective="2025-02-14"))
    result = check("--base", "main")
    assert result.exit_code == 0, result.output
    assert WARNED.format(name="2025-02-14", where="at main") in result.stderr.splitlines()
    result = check("--base", "main", "--published", str(published_site))
    assert result.exit_code == 0, result.output
    assert WARNED.format(name="2025-02-14", where=f"in {published_site}") in result.stderr


def test_a_version_announced_today_with_the_full_period_passes_without_warning(
    repo: DataFiles,  # noqa: F811
) -> None:
    text = LATE.format(effective="2025-02-14").replace("2025-01-05", "2025-01-15")
    repo.write("subprocessors/2025-02-14.yaml", text)
    result = check("--base", "main")
    assert result.exit_code == 0, result.output
    assert "warning" not in result.stderr
    # One day short is refused, with the date that would do.
    (repo.root / "subprocessors/2025-02-14.yaml").unlink()
    repo.write("subprocessors/2025-02-13.yaml", text.replace("2025-02-14", "2025-02-13"))
    result = check("--base", "main")
    assert result.exit_code == 1
    assert "the earliest allowed date is 2025-02-14" in result.stderr
