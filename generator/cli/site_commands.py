"""The `trustsite` commands that publish a site built elsewhere: `render` (the pages as
Markdown for another generator), `complete-site` (what that generator skipped) and
`websub-publish` (tell the hub after a deploy). `commands.main` adds them."""

from __future__ import annotations

import datetime as dt
import sys
import urllib.parse
from pathlib import Path

import click

from generator.cli.options import common_options, fail_on_data_error
from generator.load.clock import resolve_today
from generator.load.errors import DataError


@click.command()
@common_options
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
        fail_on_data_error(err, "nothing was written")
    except FileExistsError as err:
        raise click.ClickException(str(err)) from None
    if config_out is not None:
        write_config(config_file, config_out, out_dir, site_dir, load_data(data_dir))
    click.echo(f"wrote {out_dir}: {summary}")



@click.command("complete-site")
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


@click.command("websub-publish")
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
        fail_on_data_error(err, "no hub was notified")
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
