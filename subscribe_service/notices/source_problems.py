"""Problems found in a changes.json, gathered by kind: a few lines, however many entries.

A file with 10,000 broken changes must say so in a line, not in 150,000: each kind of
problem (the field path with list positions left out, and the message) is one line that
counts its occurrences and shows where the first one is.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

MAX_LINES = 20  # kinds of problem printed; the rest are counted in one more line


@dataclass
class _Kind:
    where: str  # of the first occurrence, e.g. "change #3 ('dpa/2.1')"
    field: str  # of the first occurrence, e.g. "diff.added[3].id"; may be ""
    message: str
    count: int = 1

    def line(self) -> str:
        if self.count == 1:
            field = f", field {self.field}" if self.field else ""
            return f"{self.where}{field}: {self.message}"
        general = _without_positions(self.field)
        field = f"field {general}: " if general else ""
        first = f"{self.where}, field {self.field}" if self.field != general else self.where
        return f"{self.count} times: {field}{self.message} (first at {first})"


class Problems:
    def __init__(self) -> None:
        self._kinds: dict[tuple[str, str], _Kind] = {}

    def __bool__(self) -> bool:
        return bool(self._kinds)

    def add(self, where: str, field: str, message: str) -> None:
        """One problem at `where`, in `field` (may be "")."""
        key = (_without_positions(field), message)
        if key in self._kinds:
            self._kinds[key].count += 1
        else:
            self._kinds[key] = _Kind(where, field, message)

    def add_pydantic(self, item: Any, *, where: str | None) -> None:
        """A pydantic error; `where` None means the document's top level (loc names the key)."""
        loc = list(item["loc"])
        if where is None:
            where = f"'{loc.pop(0)}'" if loc else "top level"
        # Drop the discriminator tag pydantic adds for the `diff` union ("list"/"text").
        if loc[:1] == ["diff"] and loc[1:2] in (["list"], ["text"]):
            del loc[1]
        self.add(where, _dotted(loc), str(item["msg"]).removeprefix("Value error, "))

    def lines(self) -> list[str]:
        kinds = list(self._kinds.values())
        out = [kind.line() for kind in kinds[:MAX_LINES]]
        if rest := kinds[MAX_LINES:]:
            count = sum(kind.count for kind in rest)
            out.append(f"and {count} more problems of {len(rest)} other kinds")
        return out


def _dotted(loc: list[Any]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def _without_positions(field: str) -> str:
    """`diff.added[3].id` -> `diff.added[*].id`: the same problem in another entry."""
    out, skipping = [], False
    for char in field:
        if char == "[":
            skipping = True
            out.append("[*")
        elif char == "]":
            skipping = False
            out.append("]")
        elif not skipping:
            out.append(char)
    return "".join(out)
