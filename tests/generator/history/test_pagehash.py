"""The hash of a version page's document (generator.history.pagehash)."""

from __future__ import annotations

import json

import pytest

from generator.history.manifest import signed_message
from generator.history.pagehash import document_text, page_hash, page_of, seal_pages
from generator.history.signing import Signer, check_signature, generate, load_private

PAGE = b"""<html><body><nav>Menu <a href="/x">x</a></nav>
<article class="md-content__inner"><h1>DPA 2.0</h1>
<p>We tell you   within <strong>48 hours</strong>&#59; see <a href="tel:+3120">the desk</a>.</p>
<article>nested</article><p>after</p></article><footer>Footer</footer></body></html>"""


def test_the_document_is_the_article_with_link_targets() -> None:
    assert document_text(PAGE) == (
        "DPA 2.0 We tell you within 48 hours ; see \x00href=tel:+3120\x00the desk . nested after"
    )
    assert document_text(b"<html><p>no article</p></html>") is None


@pytest.mark.parametrize(
    "edit",
    [
        (b"48 hours", b"96 hours"),
        (b"&#59;", "\u037e".encode()),
        (b"tel:+3120", b"tel:not"),
        (b"<p>after</p>", b"<p>after</p><p>not</p>"),
    ],
)
def test_any_visible_change_changes_the_hash(edit: tuple[bytes, bytes]) -> None:
    assert page_hash(PAGE.replace(*edit)) != page_hash(PAGE)


def test_text_moved_between_elements_changes_the_hash() -> None:
    assert page_hash(PAGE.replace(b"nested</article><p>", b"</article><p>nested")) != page_hash(
        PAGE
    )


def test_layout_outside_the_article_and_whitespace_do_not() -> None:
    assert page_hash(PAGE.replace(b"Footer", b"Other footer")) == page_hash(PAGE)
    assert page_hash(PAGE.replace(b"We tell you", b"We\n  tell   you")) == page_hash(PAGE)


def test_sealing_records_every_version_page_and_signs_them() -> None:
    private, public = generate()
    links = [
        {"type": "version", "id": "dpa/2.0", "source": "dpa/2.0/source.json"},
        {"type": "correction", "id": "dpa/2.0", "source": "dpa/2.0/source.json"},
    ]
    history = {"site": "https://t.example/", "head": "ab", "links": links}
    outputs = {"history.json": json.dumps(history).encode()}
    sealed = seal_pages(outputs, {"dpa/2.0/index.html": PAGE}.get, Signer(load_private(private)))
    pages = json.loads(sealed["history.json"])["pages"]
    assert pages == {"dpa/2.0/index.html": page_hash(PAGE)}
    message = signed_message("https://t.example/", "ab", pages)
    assert check_signature(public, message, sealed["history.json.sig"]) is None
    assert page_of(links[0]) == "dpa/2.0/index.html"
    with pytest.raises(ValueError, match=r"the build wrote no document page for dpa/2\.0"):
        seal_pages(outputs, {}.get)
