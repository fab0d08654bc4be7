"""The `trustsite` command: check, build, diff and new-version over `data/`."""

from __future__ import annotations

import datetime as dt
import logging
import sys
import urllib.parse
from pathlib import Path

import click

from generator.contract import TOPICS
from generator.load.clock import resolve_today
from generator.load.errors import BuildError, DataError, Issue


def _parse_date(ctx: click.Context, param: click.Parameter, value: str | None) -> dt.date | None:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a date; write it as YYYY-MM-DD") from None


def _common(f):
    """`--data` and `--today`, which every command takes."""
    f = click.option(
        "--today",
        callback=_parse_date,
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


def _fail_on_data_error(err: DataError, outcome: str = "nothing was built") -> None:
    for issue in err.issues:
        click.echo(str(issue), err=True)
    noun = "error" if len(err.issues) == 1 else "errors"
    click.echo(f"{len(err.issues)} {noun}; {outcome}.", err=True)
    sys.exit(1)


@click.group()
@click.option("-v", "--verbose", is_flag=True, help="Log what each step does.")
def main(verbose: bool) -> None:
    """Publish a trust center from versioned YAML."""
    logging.basicConfig(
        level=logging.INFO if verbose else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
    )


@main.command()
@_common
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
        _fail_on_data_error(DataError(err.issues + issues), "the data is not valid")
    if issues:
        _fail_on_data_error(DataError(issues), "published history must stay as published")
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
@_common
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
        _fail_on_data_error(err, "no key was made")
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
@_common
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
        _fail_on_data_error(err)
    except BuildError as err:
        click.echo(f"build failed: {err}", err=True)
        sys.exit(1)
    click.echo(summary)


@main.command()
@_common
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
        _fail_on_data_error(err)
    except ValueError as err:
        raise click.UsageError(str(err)) from None
    click.echo(text)


@main.command("new-version")
@_common
@click.argument("topic", type=click.Choice(TOPICS))
@click.option(
    "--effective",
    required=True,
    callback=_parse_date,
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
        _fail_on_data_error(err, "no file was written")
    except (FileExistsError, ValueError) as err:
        raise click.ClickException(str(err)) from None
    click.echo(f"created {path}; edit it, then run: trustsite check")


@main.command()
@_common
@click.option(
    "--out",
    "out_dir",
    required=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder to write the Markdown pages to (made by this command; replaced on re-runs).",
)
@click.option(
    "--docs-dir",
    type=click.Path(file_okay=False, exists=True, path_type=Path),
    help="Copy these hand-written pages first (e.g. site_src); they win over generated ones.",
)
@click.option(
    "--outputs", is_flag=True, help="Also write the feeds, JSON and CSV exports and PDFs."
)
@click.option(
    "--write-config",
    "config_out",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Also write a copy of --config that builds --out without the trustsite plugin.",
)
@click.option(
    "--config",
    "config_file",
    type=click.Path(dir_okay=False, exists=True, path_type=Path),
    default=Path("mkdocs.yml"),
    show_default=True,
    help="The MkDocs configuration the copy is made from.",
)
@click.option(
    "--site-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("site"),
    show_default=True,
    help="With --write-config: where that configuration builds the site.",
)
def render(
    data_dir: Path,
    today: dt.date | None,
    out_dir: Path,
    docs_dir: Path | None,
    outputs: bool,
    config_out: Path | None,
    config_file: Path,
    site_dir: Path,
) -> None:
    """Write every generated page as Markdown, for any MkDocs-compatible generator.

    For example, to build with Zensical:
    trustsite render --out build/docs --docs-dir site_src --outputs --write-config
    build/zensical.yml && zensical build -f build/zensical.yml
    """
    from generator.load.loader import load_data
    from generator.site.render import render_sources, write_config

    try:
        summary = render_sources(
            data_dir, out_dir, resolve_today(today), docs_dir=docs_dir, outputs=outputs
        )
    except DataError as err:
        _fail_on_data_error(err, "nothing was written")
    except FileExistsError as err:
        raise click.ClickException(str(err)) from None
    if config_out is not None:
        write_config(config_file, config_out, out_dir, site_dir, load_data(data_dir))
    click.echo(f"wrote {out_dir}: {summary}")



@main.command("complete-site")
@click.argument("site_dir", type=click.Path(file_okay=False, exists=True, path_type=Path))
@click.option(
    "--rendered",
    "rendered_dir",
    required=True,
    type=click.Path(file_okay=False, exists=True, path_type=Path),
    help="The folder `trustsite render --outputs` wrote and the generator built.",
)
@click.option(
    "--compare",
    "reference_dir",
    type=click.Path(file_okay=False, exists=True, path_type=Path),
    help="A site built by `trustsite build`: exit 1 unless both publish the same files.",
)
def complete_site(site_dir: Path, rendered_dir: Path, reference_dir: Path | None) -> None:
    """Add to a site another generator built what it skipped (dot folders, sitemap.xml.gz).

    For example, after `zensical build`:
    trustsite complete-site build/zensical/site --rendered build/zensical/docs --compare site
    """
    from generator.site.site_files import complete_site as complete
    from generator.site.site_files import missing_files

    click.echo(f"completed {site_dir}: {complete(rendered_dir, site_dir)}")
    if reference_dir is None:
        return
    lacking, extra = missing_files(site_dir, reference_dir)
    for name in lacking:
        click.echo(f"{site_dir}: lacks {name} (published by {reference_dir})", err=True)
    for name in extra:
        click.echo(f"{site_dir}: has {name} ({reference_dir} does not)", err=True)
    if lacking or extra:
        sys.exit(1)
    click.echo(f"{site_dir} and {reference_dir} publish the same files")


@main.command("websub-publish")
@click.argument("site_url")
@click.option(
    "--data",
    "data_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("data"),
    show_default=True,
    help="Folder holding site.yaml, which names the hub (websub_hub).",
)
@click.option(
    "--allow-host",
    "allow_hosts",
    multiple=True,
    metavar="HOST",
    help="Let this host (or network, like 10.0.0.0/8) past the public-address check, "
    "and allow http:// for it: a hub on this machine or inside the network.",
)
def websub_publish(site_url: str, data_dir: Path, allow_hosts: tuple[str, ...]) -> None:
    """Tell the WebSub hub of site.yaml that every feed of the site at SITE_URL changed.

    Run it after each deploy: the hub then fetches the feeds and pushes the new entries
    to their subscribers. Exits 1 if the hub refused or could not be reached for a feed.
    """
    from generator.cli.outbound import OutboundError
    from generator.cli.websub import publish
    from generator.load.loader import load_site

    try:
        site = load_site(data_dir / "site.yaml")
    except DataError as err:
        _fail_on_data_error(err, "no hub was notified")
    if urllib.parse.urlsplit(site_url).scheme not in ("http", "https"):
        raise click.BadParameter(f"{site_url!r} is not a web address", param_hint="SITE_URL")
    if site_url.rstrip("/") != str(site.site_url).rstrip("/"):
        click.echo(
            f"note: the feeds name {site.site_url} as their address (site_url in site.yaml), "
            f"not {site_url}; the hub's subscribers follow the address in the feeds",
            err=True,
        )
    try:
        pings = publish(site, site_url, allow_hosts=allow_hosts)
    except OutboundError as err:
        raise click.ClickException(f"{site.websub_hub}: {err}") from None
    for ping in pings:
        click.echo(f"{ping.feed}: {ping.said}", err=not ping.ok)
    failed = sum(not p.ok for p in pings)
    if failed:
        click.echo(f"{failed} of {len(pings)} feeds were not accepted by the hub.", err=True)
        sys.exit(1)
    click.echo(f"{len(pings)} feeds published to {site.websub_hub}.")


if __name__ == "__main__":
    main()
