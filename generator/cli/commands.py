"""The `trustsite` command: check, build, diff and new-version over `data/`."""

from __future__ import annotations

import datetime as dt
import logging
import sys
from pathlib import Path

import click

from generator.cli import site_commands
from generator.cli.options import common_options, fail_on_data_error, parse_date
from generator.contract import TOPICS
from generator.load.clock import resolve_today
from generator.load.errors import BuildError, DataError, Issue


@click.group()
@click.option("-v", "--verbose", is_flag=True, help="Log what each step does.")
def main(verbose: bool) -> None:
    """Publish a trust center from versioned YAML."""
    logging.basicConfig(
        level=logging.INFO if verbose else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
    )


@main.command()
@common_options
@click.option(
    "--base",
    metavar="REF",
    help="Also refuse changes to what was published at this git revision "
    "(a pull request's base branch).",
)
@click.option(
    "--published",
    "published_site",
    metavar="SITE",
    help="Also refuse changes to what a published site's history.json lists "
    "(a folder or an https address).",
)
def check(
    data_dir: Path, today: dt.date | None, base: str | None, published_site: str | None
) -> None:
    """Validate the data; print every error as path:line:col: message."""
    from generator.load.loader import load_data
    from generator.load.security import check_certifications

    issues = []
    if base is not None or published_site is not None:
        warned: list[Issue] = []
        issues = _published_issues(data_dir, resolve_today(today), base, published_site, warned)
        for warning in warned:
            click.echo(str(warning), err=True)
    try:
        data = load_data(data_dir)
        errors, warnings = check_certifications(data_dir, data, resolve_today(today))
        for warning in warnings:
            click.echo(str(warning), err=True)
        if errors:
            raise DataError(errors)
    except DataError as err:
        fail_on_data_error(DataError(err.issues + issues), "the data is not valid")
    if issues:
        fail_on_data_error(DataError(issues), "published history must stay as published")
    n_text = sum(len(v) for v in data.texts.values())
    click.echo(
        f"{data_dir}: valid ({n_text} document versions, "
        f"{len(data.subprocessor_changes)} sub-processor list changes)"
    )


def _published_issues(
    data_dir: Path, today: dt.date, base: str | None, site: str | None, warnings: list[Issue]
) -> list[Issue]:
    from generator.history.immutability import check_published
    from generator.history.sitefetch import FetchError

    try:
        return check_published(data_dir, today, base=base, site=site, warnings=warnings)
    except (ValueError, FetchError) as err:
        raise click.ClickException(str(err)) from None


@main.command()
@click.argument("site")
@click.option(
    "--against",
    metavar="OLD_HISTORY_JSON",
    help="An older history.json (path or address): nothing it lists may have changed.",
)
@click.option(
    "--key", metavar="ed25519:BASE64", help="The public key the site must be signed with."
)
def verify(site: str, against: str | None, key: str | None) -> None:
    """Check a published site's history: hashes, chain, signature (SITE: folder or URL)."""
    from generator.history.sitefetch import FetchError
    from generator.history.verify import verify as run

    try:
        report = run(site, against, key)
    except (ValueError, FetchError) as err:
        click.echo(f"verify failed: {err}", err=True)
        sys.exit(1)
    if report.problems:
        for problem in report.problems:
            click.echo(problem, err=True)
        click.echo(f"{len(report.problems)} discrepancies; the history does not verify.", err=True)
        sys.exit(1)
    click.echo(report.summary)


@main.command()
@common_options
@click.option(
    "--rotate",
    is_flag=True,
    help="Replace the current key: sign a rotation to the new key with the current one "
    "(read from TRUSTSITE_SIGNING_KEY).",
)
def keygen(data_dir: Path, today: dt.date | None, rotate: bool) -> None:
    """Make an Ed25519 key pair for signing history.json (docs/history.md)."""
    from generator.history.signing import ENV_VAR, fingerprint, generate

    private, public = generate()
    rotation = _rotation(data_dir, today, public) if rotate else None
    click.echo(f"# the private key: store it as the CI secret {ENV_VAR}, never in the repository")
    click.echo(private)
    click.echo(f"# in data/site.yaml (fingerprint {fingerprint(public)}):")
    click.echo(f"signing_key: {public}")
    if rotation:
        click.echo("# and append to key_rotations: in data/site.yaml (signed by the old key):")
        click.echo(rotation)


def _rotation(data_dir: Path, today: dt.date | None, new_key: str) -> str:
    """The key_rotations entry for site.yaml, signed by the key in the environment."""
    from generator.history.continuity import sign_rotation
    from generator.history.signing import ENV_VAR, SigningError, signer_from_environment
    from generator.history.urls import site_root
    from generator.load.clock import resolve_today
    from generator.load.loader import load_site

    try:
        site = load_site(data_dir / "site.yaml")
    except DataError as err:
        fail_on_data_error(err, "no key was made")
        raise
    try:
        old = signer_from_environment(site.signing_key)
    except SigningError as err:
        raise click.ClickException(str(err)) from None
    if old is None:
        raise click.ClickException(
            f"--rotate signs the rotation with the current key: set {ENV_VAR} to it"
        )
    date = (today or resolve_today(None)).isoformat()
    record = sign_rotation(old, site_root(site), date, new_key)
    return "\n".join(
        [f"  - date: {record['date']}"]
        + [f'    {k}: "{record[k]}"' for k in ("old_key", "new_key", "signature")]
    )


@main.command()
@common_options
@click.option(
    "--site-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("site"),
    show_default=True,
    help="Where the static site is written (replaced atomically).",
)
@click.option(
    "--config",
    "config_file",
    type=click.Path(dir_okay=False, path_type=Path),
    default=Path("mkdocs.yml"),
    show_default=True,
    help="The MkDocs configuration.",
)
def build(data_dir: Path, today: dt.date | None, site_dir: Path, config_file: Path) -> None:
    """Build the whole static site; a failed build leaves the previous site untouched."""
    from generator.site.build import build_site

    try:
        summary = build_site(data_dir, site_dir, resolve_today(today), config_file=config_file)
    except DataError as err:
        fail_on_data_error(err)
    except BuildError as err:
        click.echo(f"build failed: {err}", err=True)
        sys.exit(1)
    click.echo(summary)


@main.command()
@common_options
@click.argument("topic", required=False, type=click.Choice(TOPICS))
@click.option("--from", "from_version", metavar="V", help="Older version (default: see below).")
@click.option("--to", "to_version", metavar="V", help="Newer version (default: see below).")
@click.option(
    "--base",
    default="HEAD",
    show_default=True,
    help="Without --from/--to: the git revision the working tree is compared with.",
)
def diff(
    data_dir: Path,
    today: dt.date | None,
    topic: str | None,
    from_version: str | None,
    to_version: str | None,
    base: str,
) -> None:
    """Show the change between two versions as Markdown.

    With --from/--to, compare two versions of TOPIC. Without them, show what the
    working tree adds to the data compared with the git revision --base, which is
    what a pull request proposes.
    """
    from generator.cli.diffcmd import diff_markdown

    try:
        text = diff_markdown(
            data_dir,
            topic=topic,
            from_version=from_version,
            to_version=to_version,
            base=base,
            today=resolve_today(today),
        )
    except DataError as err:
        fail_on_data_error(err)
    except ValueError as err:
        raise click.UsageError(str(err)) from None
    click.echo(text)


@main.command("new-version")
@common_options
@click.argument("topic", type=click.Choice(TOPICS))
@click.option(
    "--effective",
    required=True,
    callback=parse_date,
    metavar="YYYY-MM-DD",
    help="The date the new version takes effect.",
)
@click.option(
    "--editorial",
    is_flag=True,
    help="A wording-only change: notifies nobody and needs no notice period.",
)
def new_version(
    data_dir: Path, today: dt.date | None, topic: str, effective: dt.date, editorial: bool
) -> None:
    """Scaffold the next version file of TOPIC, announced today, ready to edit.

    Text topics copy the latest version to the next minor number; sub-processors get a
    change file named after --effective. The new file has an empty summary, which
    `trustsite check` refuses until it is written.
    """
    from generator.cli.scaffold import new_version as scaffold

    try:
        path = scaffold(
            data_dir, topic, effective=effective, today=resolve_today(today), editorial=editorial
        )
    except DataError as err:
        fail_on_data_error(err, "no file was written")
    except (FileExistsError, ValueError) as err:
        raise click.ClickException(str(err)) from None
    click.echo(f"created {path}; edit it, then run: trustsite check")


main.add_command(site_commands.render)
main.add_command(site_commands.complete_site)
main.add_command(site_commands.websub_publish)


if __name__ == "__main__":
    main()
