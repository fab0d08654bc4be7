"""Shared by every test folder.

The tests mirror the packages' folders, and helpers (factories, service_mail, the data of
one folder's tests used by another's) are imported by module name: every test folder is
on sys.path, after the test file's own folder.
"""

from __future__ import annotations

import sys
from pathlib import Path

_HERE = Path(__file__).resolve().parent
for _folder in sorted({p.parent for p in _HERE.rglob("*.py")}):
    if "fixtures" not in _folder.parts and str(_folder) not in sys.path:
        sys.path.append(str(_folder))
