"""Measure a JSON text's nesting and size before json.loads builds it.

json.loads recurses once per level (2,000 levels is a RecursionError) and builds every
value at once (800 KB of `{},` is 200,000 dicts). Both are checked here on the bytes, in
linear time and without building anything: escapes are removed first, so that every
string is then a plain `"..."` run; what remains outside strings is the structure.
On text that is not valid JSON the figures describe only a prefix of it, and json.loads
stops at the first error: it never goes deeper than what was measured.
"""

from __future__ import annotations

import re

MAX_DEPTH = 32  # changes.json needs about 10 levels
MAX_VALUES = 1_000_000  # objects, arrays and items; a few thousand changes need ~300,000

_ESCAPE = re.compile(rb"\\.", re.DOTALL)
_STRING = re.compile(rb'"[^"]*"')
_OTHER_BYTES = bytes(b for b in range(256) if b not in b"[]{},")


def limit_problem(
    data: bytes, *, max_depth: int = MAX_DEPTH, max_values: int = MAX_VALUES
) -> str | None:
    """Why `data` is refused before parsing (too many values, too deep), or None."""
    structure = _STRING.sub(b"", _ESCAPE.sub(b"", data)).translate(None, _OTHER_BYTES)
    # Containers plus commas bound what json.loads would build; counted first, so that
    # the depth walk below (a Python loop) only ever sees a bounded number of brackets.
    values = structure.count(b"[") + structure.count(b"{") + structure.count(b",") + 1
    if values > max_values:
        return f"holds about {values} JSON values, over the limit of {max_values}"
    if _deeper_than(structure.replace(b",", b""), max_depth):
        return f"nested more than {max_depth} levels deep, over the limit"
    return None


def _deeper_than(brackets: bytes, max_depth: int) -> bool:
    depth = 0
    for byte in brackets:
        if byte in b"[{":
            depth += 1
            if depth > max_depth:
                return True
        else:
            depth -= 1
    return False
