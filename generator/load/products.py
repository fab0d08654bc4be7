"""Products and the WebSub hub of `site.yaml`, and the sub-processor entries that name them.

A site may declare its products (`products: [{id, name, notice_period_days?}]`); an entry of
the list names the products it serves (`products: [ids]`, absent: every product). These
rules check that every id an entry names is declared, and that a change gives the notice
promised for each product it touches: a product may promise a longer notice than the
site's `notice_period_days`, and a change adding or changing an entry that serves it must
then wait that long (the site's period stays the floor, checked in `validate.check_dates`).
"""

from __future__ import annotations

import datetime as dt
import difflib
from collections.abc import Sequence

from generator.load.errors import Issue
from generator.load.model import Product, Site, SubprocessorChange
from generator.load.validate import Located


def site_problems(item: Located[Site]) -> list[Issue]:
    """Product ids declared once; a WebSub hub reached over https."""
    issues = []
    first_index: dict[str, int] = {}
    for index, product in enumerate(item.doc.products):
        seen = first_index.setdefault(product.id, index)
        if seen != index:
            issues.append(
                item.issue(
                    ("products", index, "id"),
                    f"duplicate product id '{product.id}' (first at line "
                    f"{item.line(('products', seen, 'id'))}); each product needs its own id",
                )
            )
    hub = item.doc.websub_hub
    if hub is not None and hub.scheme != "https":
        issues.append(
            item.issue(
                ("websub_hub",),
                f"'{hub}' is not an https address; feed readers are told to subscribe at "
                "the hub, so it must be reached over https: write https://...",
            )
        )
    return issues


def entry_problems(items: Sequence[Located[SubprocessorChange]], site: Site) -> list[Issue]:
    """Every product id an added or changed entry names is one of `site.products`."""
    known = [p.id for p in site.products]
    issues = []
    for item in items:
        named: list[tuple[tuple[str | int, ...], Sequence[str]]] = [
            (("add", index, "products"), entry.products)
            for index, entry in enumerate(item.doc.add)
            if entry.products
        ]
        named += [
            (("change", entry_id, "products"), patch.products)
            for entry_id, patch in item.doc.change.items()
            if isinstance(patch.products, tuple)
        ]
        for key, products in named:
            for index, product_id in enumerate(products):
                if product_id not in known:
                    issues.append(item.issue((*key, index), _unknown(product_id, known)))
                elif product_id in products[:index]:
                    issues.append(
                        item.issue((*key, index), f"'{product_id}' is listed twice; keep one")
                    )
    return issues


def _unknown(product_id: str, known: list[str]) -> str:
    if not known:
        return (
            f"'{product_id}' is not a product: site.yaml declares no products; declare it "
            "under products: in site.yaml, or leave products out (the entry serves everything)"
        )
    close = difflib.get_close_matches(product_id, known, n=1)
    hint = f" (did you mean '{close[0]}'?)" if close else ""
    return (
        f"'{product_id}' is not one of the products in site.yaml ({', '.join(known)}){hint}"
    )


def notice_problems(ordered: Sequence[Located[SubprocessorChange]], site: Site) -> list[Issue]:
    """Each change that notifies gives the longest notice of the products it touches.

    `ordered`: the change files oldest first, as folded. Which products a changed entry
    serves depends on the list before the change, so the entries' products are folded too.
    """
    serves: dict[str, tuple[str, ...] | None] = {}
    issues = []
    for position, item in enumerate(ordered):
        doc = item.doc
        touched: list[tuple[str, ...] | None] = [e.products for e in doc.add]
        for entry_id, patch in doc.change.items():
            touched.append(serves.get(entry_id))
            if patch.products is not None:
                touched.append(patch.fields()["products"])  # type: ignore[arg-type]
        if position > 0 and not doc.editorial:
            issues += _notice_problem(item, site, touched)
        for entry_id in doc.remove:
            serves.pop(entry_id, None)
        for entry_id, patch in doc.change.items():
            if patch.products is not None:
                serves[entry_id] = patch.fields()["products"]  # type: ignore[assignment]
        for entry in doc.add:
            serves[entry.id] = entry.products
    return issues


def longest_notice(
    site: Site, touched: Sequence[Sequence[str] | None]
) -> tuple[int, Product | None]:
    """The notice a change touching these scopes (None: every product) must give, and the
    product that asks for it (None when the site's own period is the longest)."""
    every = any(scope is None for scope in touched)
    ids = {p for scope in touched if scope for p in scope}
    products = [p for p in site.products if every or p.id in ids]
    longest = max(products, key=site.product_notice_days, default=None)
    if longest is None or site.product_notice_days(longest) <= site.notice_period_days:
        return site.notice_period_days, None
    return site.product_notice_days(longest), longest


def _notice_problem(
    item: Located[SubprocessorChange], site: Site, touched: list[tuple[str, ...] | None]
) -> list[Issue]:
    days, longest = longest_notice(site, touched)
    if longest is None:
        return []
    doc = item.doc
    earliest = doc.announced + dt.timedelta(days=days)
    if doc.effective >= earliest:
        return []
    return [
        item.issue(
            ("effective",),
            f"{doc.effective} is {(doc.effective - doc.announced).days} days after announced "
            f"({doc.announced}); this change touches {longest.name} ('{longest.id}'), which "
            f"promises {days} days' notice (products in site.yaml), so the earliest allowed "
            f"date is {earliest}",
        )
    ]
