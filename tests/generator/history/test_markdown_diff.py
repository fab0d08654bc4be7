"""The Markdown of a list change (`trustsite diff`, the PR comment): a value that is not
set reads as what it means, never as Python's `None`."""

from __future__ import annotations

from generator.history.diff import EntryChange, FieldChange, ListDiff
from generator.history.markdown_diff import list_diff_markdown


def test_an_unset_value_reads_as_what_it_means_for_its_field() -> None:
    lei = "5493004NIMBUSFIELD58"
    change = EntryChange(
        id="tallowbird-sms",
        entity="Tallowbird SMS",
        fields=(
            FieldChange("lei", None, lei),  # a register field learned: it was not known
            FieldChange("products", ("sms",), None),  # `products: all` again
        ),
    )
    text = "\n".join(list_diff_markdown(ListDiff((), (), (change,)), "##"))
    assert f"LEI: (none) → {lei}" in text
    assert "products: sms → every product" in text
    assert "None" not in text
