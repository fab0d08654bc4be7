"""The pages of a text document (privacy statement, FAQ, DPA): the current version, each
version at its permalink, the redline against the version before, and the version list."""

from __future__ import annotations

from collections.abc import Callable

from markupsafe import Markup

from generator.contract import TOPIC_TITLES, Status, page_path
from generator.history.changes import ChangeRecord
from generator.history.redline import redline_inline_html
from generator.history.urls import dpa_pdf_path, redline_path
from generator.load.model import Site, TextVersionDoc, TrustData
from generator.load.timeline import TopicTimeline
from generator.site.page_context import AddPage, version_context
from generator.site.rendered_redline import rendered_sections


def add_text_topic(
    add: AddPage,
    line: TopicTimeline,
    by_id: dict[str, ChangeRecord],
    data: TrustData,
) -> None:
    topic = line.topic
    pdf_path = _pdf_path_function(topic, data.site)
    docs: list[TextVersionDoc] = list(line.published)  # type: ignore[arg-type]
    versions = [version_context(line, by_id, doc, pdf_path) for doc in docs]
    current = next((v for v in versions if v["status"] is Status.current), None)
    add(
        f"{topic}/index.md",
        "text_current.md.j2",
        topic=topic,
        title=TOPIC_TITLES[topic],
        v=current,
        upcoming=[v for v in versions if v["status"] is Status.upcoming],
        request_versions=dpa_request_versions(line) if topic == "dpa" else [],
    )
    for v in versions:
        doc: TextVersionDoc = v["doc"]  # type: ignore[assignment]
        add(f"{page_path(topic, doc.version)}index.md", "text_version.md.j2", topic=topic, v=v)
        previous = line.previous(doc.version)
        if previous is not None:
            assert isinstance(previous, TextVersionDoc)
            add(
                f"{redline_path(topic, doc.version)}index.md",
                "redline.md.j2",
                topic=topic,
                v=v,
                previous=previous,
                title_redline=Markup(redline_inline_html(previous.title, doc.title)),
                sections=rendered_sections(previous, doc),
            )
    add(
        f"{topic}/versions/index.md",
        "versions.md.j2",
        topic=topic,
        title=TOPIC_TITLES[topic],
        versions=list(reversed(versions)),
    )


def dpa_request_versions(line: TopicTimeline) -> list[str]:
    """The choices of "version you signed" in the DPA request form, newest first: only
    versions already in force on the build date (current or past). Nobody has signed one
    that is still to take effect."""
    signable = (Status.current, Status.past)
    return [v.version for v in reversed(line.published) if line.statuses[v.version] in signable]


def _pdf_path_function(topic: str, site: Site) -> Callable[[str], str] | None:
    """Where the DPA's PDFs are, if this installation builds them (generator.outputs.pdf)."""
    if topic != "dpa":
        return None
    return lambda version: dpa_pdf_path(site, version)
