"""Typing mistakes the YAML parsers misname, recognised from the text itself.

generator.load.yamlsyntax explains a parser's error by reading the lines around it; these
are the mistakes whose parser error points somewhere else or says something else: a field
name and its value with no space after the colon (`entity:Quillpost`), a value in curly
quotes (`“...”`, which word processors type and YAML does not read as quotes), a text over
several lines without `|`, and the escape of a lone surrogate (`"\\ud800"`), which is not a
character. Each gives one sentence at the place to type, as (line, col, message), 1-based.
"""

from __future__ import annotations

import re

Hint = tuple[int, int, str]

# `name:value` at the start of a line's content: a field name, a colon, no space.
_GLUED = re.compile(r"^(?P<lead>[ ]*(?:-[ ]+)*)(?P<key>[A-Za-z_][\w-]*):(?P<value>[^\s/:][^\n]*)$")
_KEY_VALUE = re.compile(r"^(?P<lead>[ ]*(?:-[ ]+)*)(?P<key>[A-Za-z_][\w-]*):[ ]+(?P<value>\S.*)?$")
_CURLY = "“”„‘’‚«»"
_SURROGATE = re.compile(r"\\(?:u[dD][89a-fA-F][0-9a-fA-F]{2}|U0000[dD][89a-fA-F][0-9a-fA-F]{2})")


def no_space_after_colon(lines: list[str], index: int) -> Hint | None:
    """`entity:Quillpost B.V.`: the parser sees one word and no field."""
    match = _GLUED.match(lines[index] if 0 <= index < len(lines) else "")
    if match is None:
        return None
    key, value = match["key"], match["value"].rstrip()
    col = match.end("key") + 2  # just after the colon, where the space goes
    return (
        index + 1,
        col,
        f"a space is missing after the colon of '{key}'; write '{key}: {value}'",
    )


def curly_quotes(lines: list[str], index: int) -> Hint | None:
    """`summary: “Fixes: a typo.”`: curly quotes are letters to YAML, not quotes."""
    line = lines[index] if 0 <= index < len(lines) else ""
    match = _KEY_VALUE.match(line)
    value = match["value"] if match else None
    if not value or value[0] not in _CURLY:
        return None
    return (
        index + 1,
        match.start("value") + 1,  # type: ignore[union-attr]
        f"curly quotes are not quotes: {value[0]} is a letter in this file; type straight "
        'double quotes " around the whole value instead (a word processor makes them curly)',
    )


def block_text_without_bar(lines: list[str], index: int) -> Hint | None:
    """A field whose text starts on the next lines without `|`: any `: ` in the text
    then reads as another field."""
    line = lines[index] if 0 <= index < len(lines) else ""
    indent = len(line) - len(line.lstrip(" "))
    for above in range(index - 1, -1, -1):
        text = lines[above]
        if not text.strip() or text.lstrip().startswith("#"):
            continue
        own = len(text) - len(text.lstrip(" "))
        if own >= indent:
            if _KEY_VALUE.match(text) or text.rstrip().endswith(":"):
                return None  # a field among fields: another mistake
            continue  # a line of the text
        field = re.match(r"^(?P<lead>[ ]*(?:-[ ]+)*)(?P<key>[A-Za-z_][\w-]*):[ ]*$", text)
        if field is None:
            return None
        key = field["key"]
        return (
            above + 1,
            len(text.rstrip()) + 1,
            f"a multi-line text needs '|': write '{key}: |' and keep the lines of the text "
            "below it, indented",
        )
    return None


def lone_surrogate(text: str) -> Hint | None:
    """`"\\ud800"`: half of a UTF-16 pair, which no text can hold on its own."""
    match = _SURROGATE.search(text)
    if match is None:
        return None
    before = text[: match.start()]
    line = before.count("\n") + 1
    col = match.start() - (before.rfind("\n") + 1) + 1
    return (
        line,
        col,
        f"'{match.group()}' is a lone surrogate, which is not a character; delete it, or "
        "type the character itself",
    )
