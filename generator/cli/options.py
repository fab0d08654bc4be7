"""What every `trustsite` command shares: the `--data` and `--today` options, dates as
options, and how data errors are printed."""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

import click

from generator.load.errors import DataError


def parse_date(ctx: click.Context, param: click.Parameter, value: str | None) -> dt.date | None:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a date; write it as YYYY-MM-DD") from None


def common_options(f):
    """`--data` and `--today`, which every command takes."""
    f = click.option(
        "--today",
        callback=parse_date,
        metavar="YYYY-MM-DD",
        help="Build date deciding what is current or upcoming "
        "(default: SOURCE_DATE_EPOCH, else today).",
    )(f)
    f = click.option(
        "--data",
        "data_dir",
        type=click.Path(file_okay=False, path_type=Path),
        default=Path("data"),
        show_default=True,
        help="Folder holding site.yaml and one folder per topic.",
    )(f)
    return f


def fail_on_data_error(err: DataError, outcome: str = "nothing was built") -> None:
    for issue in err.issues:
        click.echo(str(issue), err=True)
    noun = "error" if len(err.issues) == 1 else "errors"
    click.echo(f"{len(err.issues)} {noun}; {outcome}.", err=True)
    sys.exit(1)
