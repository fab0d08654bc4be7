"""YAML syntax errors in plain words, at the place where the editor must type.

The parsers (libyaml and PyYAML's own) report where they *noticed* a problem, in their
own terms: a missing colon is "could not find expected ':' while scanning a simple key"
on the line after it, an unclosed quote is reported at the end of the file. The editor
needs where the fix goes and what to type. So the parser's marks are only clues: the
explanation reads the text itself (the line the parser blamed and the lines above it)
and names one cause, in one sentence, at one `(line, col)`. Both parsers give the same
explanation for the same text (tests/generator/test_yamlsyntax.py).

Every message is listed in docs/data-format.md and CONTRIBUTING.md ("When the check
fails"); tests/generator/golden/syntax_messages.txt holds each one as printed.
"""

from __future__ import annotations

import re

import yaml

from generator.load import yamlhints
from generator.load.yamltext import _KEY, _WORD, Explained, _Mark, _Text

# A value that opens a quote: after `key: `, after `- `, or inside a flow list.
_OPENING_QUOTE = re.compile(r"(?:^[ ]*(?:-[ ]+)*(?:[^\s#:][^:#]*?:[ ]+)?|[\[,][ ]*)([\"'])")



def explain(err: yaml.YAMLError, text: str) -> Explained:
    """One plain sentence, and the 1-based position it is about, for a parser's error."""
    try:
        return _explain(err, text)
    except Exception:  # a reading this module did not foresee: still no traceback
        mark = getattr(err, "problem_mark", None) or getattr(err, "context_mark", None)
        line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        return Explained(
            line,
            col,
            "the file's layout breaks here; compare it with the example in CONTRIBUTING.md",
        )


def _explain(err: yaml.YAMLError, text: str) -> Explained:
    lines = _Text(text)
    mark = getattr(err, "problem_mark", None) or getattr(err, "context_mark", None)
    problem = str(getattr(err, "problem", "") or "")
    context = str(getattr(err, "context", "") or "")
    context_mark = getattr(err, "context_mark", None)
    if isinstance(err, yaml.reader.ReaderError):
        return _control_character(err, text)
    error_line = mark.line if mark else len(lines.lines) - 1
    for explanation in (
        _tab(lines, error_line),
        _unclosed_quote(lines, error_line),
        _unclosed_bracket(lines, context, context_mark),
    ):
        if explanation is not None:
            return explanation
    assert mark is not None
    hint = _text_hint(lines, text, problem, mark, context_mark)
    if hint is not None:
        return Explained(*hint)
    if "could not find expected ':'" in problem and context_mark is not None:
        return _missing_colon(lines, context_mark.line)
    if "mapping values are not allowed" in problem:
        return _colon_in_the_wrong_place(lines, mark.line, mark.column)
    if "sequence entries are not allowed" in problem:
        return _dash_after_key(lines, mark.line, mark.column)
    if "block collection" in context and context_mark is not None:
        return _list_item_out_of_line(lines, mark.line, context_mark)
    if "escape character" in problem:
        return _bad_escape(lines, mark.line, mark.column)
    if "cannot start any token" in problem:
        return _bad_first_character(lines, mark.line, mark.column)
    if "another document" in problem or "expected a single document" in context:
        return Explained(
            mark.line + 1, 1, "a second document starts here ('---'); keep one per file"
        )
    return _out_of_line(lines, mark.line, mark.column, context_mark)


def _text_hint(
    lines: _Text, text: str, problem: str, mark: _Mark, context_mark: _Mark | None
) -> yamlhints.Hint | None:
    """A mistake the parser misnames, read from the text (generator.load.yamlhints)."""
    if "unicode character escape" in problem.lower():
        return yamlhints.lone_surrogate(text)
    no_colon = "could not find expected ':'" in problem and context_mark is not None
    blamed = context_mark.line if no_colon and context_mark else mark.line
    return (
        yamlhints.curly_quotes(lines.lines, mark.line)
        or yamlhints.no_space_after_colon(lines.lines, blamed)
        or (
            yamlhints.block_text_without_bar(lines.lines, mark.line)
            if "mapping values are not allowed" in problem
            else None
        )
    )


def _tab(lines: _Text, error_line: int) -> Explained | None:
    """A tab in the indentation of a line up to the one the parser stopped at."""
    for index in range(min(error_line + 1, len(lines.lines))):
        line = lines.line(index)
        lead = line[: len(line) - len(line.lstrip(" \t-"))]
        if "\t" in lead:
            return Explained(
                index + 1,
                lead.index("\t") + 1,
                "a tab character indents this line; indent with spaces only (delete the tab "
                "and type spaces)",
            )
    return None


def _unclosed_quote(lines: _Text, error_line: int) -> Explained | None:
    """A value opening a quote that is not closed before a line that looks like a field:
    the quote swallowed the fields below it (a value may legitimately go on over several
    lines, indented, before its closing quote)."""
    index = 0
    while index <= min(error_line, len(lines.lines) - 1):
        line = lines.line(index)
        for match in _OPENING_QUOTE.finditer(line):
            quote, start = match.group(1), match.start(1)
            if _quote_end(line, start, quote) is not None:
                continue
            closed_on = _closing_line(lines, index, quote)
            if closed_on is None:
                return Explained(
                    index + 1,
                    lines.end_col(index) + 1,
                    f"the quote {quote} opened in column {start + 1} is never closed; "
                    f"type the closing {quote} at the end of the value",
                )
            index = closed_on  # a value over several lines: go on after it
            break
        index += 1
    return None


def _closing_line(lines: _Text, index: int, quote: str) -> int | None:
    """The line below `index` that closes its open quote, unless a line that looks like
    a field (no deeper than the quote's own line) comes first."""
    own_col = lines.content_col(index)
    for later in range(index + 1, len(lines.lines)):
        line = lines.line(later)
        if lines.key(later) is not None and lines.content_col(later) <= own_col:
            return None
        if _quote_end(line, -1, quote) is not None:
            return later
    return None


def _quote_end(line: str, start: int, quote: str) -> int | None:
    """Where the quote opened at `start` closes on the same line, or None."""
    index = start + 1
    while index < len(line):
        char = line[index]
        if quote == '"' and char == "\\":
            index += 2
            continue
        if char == quote:
            if quote == "'" and line[index + 1 : index + 2] == "'":
                index += 2  # '' is a quote inside single quotes
                continue
            return index
        index += 1
    return None


def _unclosed_bracket(lines: _Text, context: str, context_mark: _Mark | None) -> Explained | None:
    if "flow sequence" in context:
        opening, closing = "[", "]"
    elif "flow mapping" in context:
        opening, closing = "{", "}"
    else:
        return None
    if context_mark is None:
        return None
    index = context_mark.line
    line = lines.line(index)
    if closing in line[context_mark.column :]:
        return None  # closed on its line: the problem is inside it, see _out_of_line
    return Explained(
        index + 1,
        lines.end_col(index) + 1,
        f"the {opening} opened in column {context_mark.column + 1} is never closed; type "
        f"{closing} after the last item",
    )


def _missing_colon(lines: _Text, index: int) -> Explained:
    """A line that is neither `name: value` nor indented under the line above it."""
    line = lines.line(index)
    start = lines.content_col(index)
    above = lines.previous_lines(index)
    if (
        above
        and not lines.line(above[0])[:start].strip()
        and lines.line(above[0])[start:].startswith("- ")
        and start == len(line) - len(line.lstrip())
    ):
        return Explained(
            index + 1,
            start + 1,
            f"this line is under a list but has no '- '; type '- ' before "
            f"'{line.strip()}' (or, if it is a field, type a colon after its name)",
        )
    word = _WORD.match(line, start)
    rest = line[word.end() :].strip() if word else ""
    if word and (len(rest.split()) <= 1 or "_" in word.group()):
        name = word.group()
        shown = f"{name}: {rest}".rstrip()
        return Explained(
            index + 1, word.end() + 1, f"a colon is missing after '{name}'; write '{shown}'"
        )
    return Explained(
        index + 1,
        start + 1,
        "this line is not 'name: value'; if it continues the text above, indent it more "
        "than that field's name, otherwise type a colon after the field name",
    )


def _colon_in_the_wrong_place(lines: _Text, index: int, column: int) -> Explained:
    """`: ` where the parser cannot start a field: inside a value, or on a line indented
    under a field that already has a value (or under a name without its colon)."""
    key = lines.key(index)
    start = lines.content_col(index)
    first_colon = lines.line(index).find(":", start)
    if key is not None and column > first_colon:
        value_col = _KEY.match(lines.line(index), start).end()  # type: ignore[union-attr]
        return Explained(
            index + 1,
            value_col + 1,
            f"the value of '{key}' contains ': ', which would start another field; put the "
            'whole value in double quotes, like "Fixes: a typo."',
        )
    above = lines.previous_lines(index)
    parent = above[0] if above else None
    if parent is not None and lines.key(parent) is None:
        word = _WORD.match(lines.line(parent), lines.content_col(parent))
        if word and word.end() == lines.end_col(parent):
            name = word.group()
            return Explained(
                parent + 1,
                word.end() + 1,
                f"a colon is missing after '{name}'; write '{name}:'",
            )
    sibling = next((i for i in above if lines.key(i) is not None), None)
    if key is not None and sibling is not None and lines.content_col(sibling) < start:
        extra = start - lines.content_col(sibling)
        return Explained(
            index + 1,
            start + 1,
            f"'{key}' is indented {extra} space{'s' if extra > 1 else ''} more than "
            f"'{lines.key(sibling)}' on line {sibling + 1}; remove {extra} "
            f"space{'s' if extra > 1 else ''} before it so that they line up",
        )
    return _out_of_line(lines, index, column, None)


def _dash_after_key(lines: _Text, index: int, column: int) -> Explained:
    key = lines.key(index) or "the field"
    return Explained(
        index + 1,
        column + 1,
        f"a list item ('- ') cannot follow '{key}:' on the same line; write it on the next "
        f"line, indented, or write the list as {key}: [first, second]",
    )


def _list_item_out_of_line(lines: _Text, index: int, list_mark: _Mark) -> Explained:
    """A line under a `- ` list that is neither an item nor a field of the item above."""
    start = lines.content_col(index)
    dash_col = list_mark.column
    item_col = lines.content_col(list_mark.line)
    name = lines.key(index)
    shown = f"'{name}'" if name else "this line"
    if start == dash_col and lines.line(index)[start : start + 1] != "-":
        return Explained(
            index + 1,
            start + 1,
            f"{shown} starts a new item of the list on line {list_mark.line + 1} but has no "
            f"'- '; type '- ' before it, or indent it {item_col - dash_col} spaces more if "
            "it belongs to the item above",
        )
    if dash_col < start < item_col:
        missing = item_col - start
        return Explained(
            index + 1,
            start + 1,
            f"{shown} is indented {missing} space{'s' if missing > 1 else ''} less than "
            f"'{lines.key(list_mark.line)}' on line {list_mark.line + 1}; add {missing} "
            f"space{'s' if missing > 1 else ''} before it so that they line up",
        )
    return _out_of_line(lines, index, lines.content_col(index), list_mark)


def _bad_escape(lines: _Text, index: int, column: int) -> Explained:
    line = lines.line(index)
    backslash = line.rfind("\\", 0, column + 1)
    shown = line[backslash : backslash + 2] if backslash >= 0 else "\\"
    return Explained(
        index + 1,
        (backslash if backslash >= 0 else column) + 1,
        f"'{shown}' is not allowed inside double quotes; use single quotes around the value, "
        "or write the backslash twice",
    )


def _bad_first_character(lines: _Text, index: int, column: int) -> Explained:
    char = lines.line(index)[column : column + 1] or "this character"
    return Explained(
        index + 1,
        column + 1,
        f"a value cannot start with '{char}'; put the whole value in double quotes",
    )


def _control_character(err: yaml.reader.ReaderError, text: str) -> Explained:
    before = text[: err.position]
    line = before.count("\n") + 1
    col = err.position - (before.rfind("\n") + 1) + 1
    code = err.character if isinstance(err.character, int) else ord(str(err.character)[:1])
    return Explained(
        line,
        col,
        f"an invisible control character (U+{code:04X}) is here; delete it (it often comes "
        "with text pasted from another program)",
    )


def _out_of_line(lines: _Text, index: int, column: int, block_mark: _Mark | None) -> Explained:
    """The last resort: the line does not fit the structure above it."""
    start = lines.content_col(index)
    name = lines.key(index)
    shown = f"'{name}'" if name else "this line"
    before = lines.line(index)[:column].rstrip()
    if column > start and before[-1:] in ("'", '"'):
        return Explained(
            index + 1,
            column + 1,
            "text follows the closing quote; put the whole value inside the quotes",
        )
    if column > start:
        return Explained(
            index + 1,
            column + 1,
            f"'{lines.line(index)[column]}' does not belong here; compare this line with the "
            "example in CONTRIBUTING.md",
        )
    if block_mark is not None and block_mark.line != index:
        expected = lines.content_col(block_mark.line) + 1
        return Explained(
            index + 1,
            start + 1,
            f"{shown} does not line up with the lines above it: it starts in column "
            f"{start + 1}, the fields of the group that starts on line {block_mark.line + 1} "
            f"in column {expected}; compare the spaces at the start of these lines",
        )
    return Explained(
        index + 1,
        start + 1,
        f"{shown} does not fit the lines above it; compare its spaces, dashes and colons "
        "with the example in CONTRIBUTING.md",
    )
