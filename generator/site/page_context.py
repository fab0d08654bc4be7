"""What the page templates are given: value formatting, links between pages, the context of
one version, and the Jinja environment that ties them together.

Shared by every module that renders pages (generator.site.pages, generator.site.text_pages,
generator.site.subprocessor_pages), so that a date or a country reads the same everywhere.
"""

from __future__ import annotations

import datetime as dt
import html
import posixpath
from collections.abc import Callable, Mapping
from functools import cache

from jinja2 import Environment, PackageLoader, StrictUndefined, pass_context
from jinja2.runtime import Context
from markupsafe import Markup

from generator import contract
from generator.contract import FIELD_LABELS, SCOPE_FIELDS, TOPIC_TITLES, page_path
from generator.history.changes import ChangeRecord
from generator.history.correction_words import place_name
from generator.history.substance import substance_of
from generator.history.urls import list_change_path, redline_path
from generator.load import countries
from generator.load.clock import long_date
from generator.load.model import Site, Subprocessor, SubprocessorVersion, TextVersionDoc
from generator.load.timeline import TopicTimeline
from generator.outputs.markdown_render import escape_inline, render_markdown
from generator.site.list_filter import filter_facets

MECHANISMS: dict[str, str] = contract.MECHANISM_LABELS
# The documents whose header box points to the data subject request page: the ones a person
# whose data reached us through a client is likely to read first.
DATA_SUBJECT_TOPICS: tuple[str, ...] = ("privacy", "faq")


# --- formatting helpers, exposed to the templates as filters -------------------------------


def time_tag(day: dt.date | None) -> Markup:
    if day is None:
        return Markup("—")
    return Markup('<time datetime="{}">{}</time>').format(day.isoformat(), long_date(day))


def country(code: str) -> str:
    """`Germany (DE)`: the name lets site search find a sub-processor by country."""
    return countries.shown(code)


def field_value(field: str, value: object, names: Mapping[str, str] | None = None) -> str:
    """A sub-processor field as a reader should see it (the contract's words for people;
    products and regions by their `names` in site.yaml)."""
    if field in SCOPE_FIELDS and value is None:
        return SCOPE_FIELDS[field].capitalize()  # "Every product"
    return contract.value_words(field, value, names)


@pass_context
def _field_value_filter(context: Context, field: str, value: object) -> str:
    """`field|field_value(value)` in a template: with the names of the page's site."""
    site = context.get("site")
    return field_value(field, value, site.part_names() if isinstance(site, Site) else None)


def subprocessor_row(
    entry: Subprocessor, anchor: bool = True, extra: str = "", site: Site | None = None
) -> str:
    """One table row of the list. Built here rather than in Jinja: a large list repeats
    the same rows on every version's page, and render_pages memoises them. Only the list
    itself carries the `#sp-<id>` anchors: an entry also shown in a change's table on the
    same page would otherwise repeat the id."""
    cells = (
        ("purpose", entry.purpose),
        ("data_categories", ", ".join(entry.data_categories)),
        ("processing_locations", field_value("processing_locations", entry.processing_locations)),
        ("corporate_location", country(entry.corporate_location)),
        ("transfer_mechanism", MECHANISMS[entry.transfer_mechanism.value]),
    )
    # data-label: the column's name, shown beside each value when a row is a card (phone).
    tds = "".join(
        f'<td data-label="{FIELD_LABELS[f]}">{html.escape(c, quote=False)}</td>' for f, c in cells
    )
    link = f'<a href="{html.escape(str(entry.website))}" rel="noopener">'
    name = html.escape(entry.entity, quote=False)
    row_id = f' id="sp-{entry.id}"' if anchor else ""
    facets = html.escape(filter_facets(entry, site), quote=True)
    return (
        f'<tr{row_id} data-ts-facets="{facets}"><th scope="row">{link}{name}</a>{extra}</th>'
        f"{tds}</tr>"
    )


# --- links -----------------------------------------------------------------------------------


def relative_url(here: str, target: str) -> str:
    """The link from the page at `here` (`dpa/2.1/`) to `target` (`dpa/versions/`)."""
    rel = posixpath.relpath(target or ".", here or ".")
    if target.endswith("/") or target == "":
        rel = "./" if rel == "." else rel + "/"
    return rel


def version_path(record: ChangeRecord) -> str:
    return page_path(record.topic, record.version)


def diff_path(record: ChangeRecord) -> str:
    """Where a change is shown: the list's `#what-changed`, a text's redline, or a first page."""
    if record.topic == "subprocessors":
        return list_change_path(record.version)
    if record.previous_version is None:
        return page_path(record.topic, record.version)
    return redline_path(record.topic, record.version)


def service_action(site: Site, endpoint: str) -> str:
    """The absolute address a form posts to (`subscriptions` -> `<service_url>api/...`).

    Absolute, from site.yaml, because the static site and the service may be served from
    different origins; the forms are plain posts and work without JavaScript."""
    return str(site.service_url).rstrip("/") + "/api/" + endpoint


# --- one version ---------------------------------------------------------------------------


def version_context(
    line: TopicTimeline,
    by_id: dict[str, ChangeRecord],
    version: TextVersionDoc | SubprocessorVersion,
    pdf_path: Callable[[str], str] | None,
) -> dict[str, object]:
    """What every page about one version shows: dates, status, neighbours, links."""
    labels = [v.version for v in line.published]
    index = labels.index(version.version)
    later = line.published[index + 1] if index + 1 < len(labels) else None
    current = line.current
    return {
        "doc": version,
        "version": version.version,
        "record": by_id[f"{line.topic}/{version.version}"],
        "status": line.statuses[version.version],
        "previous": line.published[index - 1].version if index > 0 else None,
        "replaced_on": _effective(later) if later is not None else None,
        "replaced_until": _effective(later) - dt.timedelta(days=1) if later else None,
        "current_version": current.version if current is not None else None,
        "today": line.today,
        "in_force_before": line.in_force_before(version.version),
        "path": page_path(line.topic, version.version),
        "pdf": pdf_path(version.version) if pdf_path else None,
        # An editorial version leads with the change in substance before it.
        "substance": substance_of(by_id, by_id[f"{line.topic}/{version.version}"]),
    }


def _effective(version: TextVersionDoc | SubprocessorVersion) -> dt.date:
    return (
        version.change.effective if isinstance(version, SubprocessorVersion) else version.effective
    )


# --- the Jinja environment -----------------------------------------------------------------


@cache
def template_env() -> Environment:
    env = Environment(
        loader=PackageLoader("generator.site", "templates/pages"),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters.update(
        md=lambda text: Markup(escape_inline(str(text))),
        date=time_tag,
        long_date=long_date,
        country=country,
        field_value=_field_value_filter,
        markdown=lambda text: Markup(render_markdown(text)),
        version_path=version_path,
        diff_path=diff_path,
    )
    env.globals.update(
        topic_titles=TOPIC_TITLES,
        mechanisms=MECHANISMS,
        field_labels=FIELD_LABELS,
        place_name=place_name,
        data_subject_topics=DATA_SUBJECT_TOPICS,
        # `{#id}` after a Markdown heading (attr_list); Jinja would read `{#` as a comment.
        anchor=lambda anchor_id: Markup("{#%s}") % anchor_id,
    )
    return env


# `add(path, template, **context)`: renders one page into the build's pages (see render_pages).
AddPage = Callable[..., None]
