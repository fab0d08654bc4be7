"""Products, regions and the WebSub hub of `site.yaml`, and the sub-processor entries that
name them.

A site may declare its products and its regions (`products:` and `regions:`, each a list
of `{id, name, notice_period_days?}`); an entry of the list names the products and the
regions it serves (`products: [ids]`, `regions: [ids]`, absent: every one). These rules
check that every id an entry names is declared, that one id means one thing (a filter or
a subscription names a product or a region by its id alone), and that a change gives the
notice promised for each product and region it touches: a part may promise a longer
notice than the site's `notice_period_days`, and a change adding or changing an entry
that serves it must then wait that long (the site's period stays the floor, checked in
`validate.check_dates`).
"""

from __future__ import annotations

import datetime as dt
import difflib
from collections.abc import Sequence

from generator.contract import SCOPE_FIELDS
from generator.load.errors import Issue
from generator.load.model import Product, Region, Site, SubprocessorChange
from generator.load.validate import Located

# What one kind of part is called in a message, singular.
_NOUN: dict[str, str] = {"products": "product", "regions": "region"}
# The feeds and exports of a region are named `subprocessors-region-<id>` beside a
# product's `subprocessors-<id>` (generator.history.urls): a product must not take that name.
REGION_PREFIX = "region-"

# The products and the regions one entry serves (None: every one).
Served = tuple[tuple[str, ...] | None, tuple[str, ...] | None]


def site_problems(item: Located[Site]) -> list[Issue]:
    """Product and region ids declared once, never the same id for both; a WebSub hub
    reached over https."""
    site = item.doc
    issues = _duplicates(item, "products") + _duplicates(item, "regions")
    region_ids = {r.id: index for index, r in enumerate(site.regions)}
    for index, product in enumerate(site.products):
        if product.id in region_ids:
            issues.append(
                item.issue(
                    ("regions", region_ids[product.id], "id"),
                    f"'{product.id}' is already a product (line "
                    f"{item.line(('products', index, 'id'))}); a filter or a subscription "
                    "names a product or a region by its id alone, so give the region "
                    "another id",
                )
            )
        elif product.id.startswith(REGION_PREFIX) and product.id[len(REGION_PREFIX) :] in (
            region_ids
        ):
            issues.append(
                item.issue(
                    ("products", index, "id"),
                    f"'{product.id}' is the name of the feeds of the region "
                    f"'{product.id[len(REGION_PREFIX) :]}' (subprocessors-{product.id}); "
                    "give the product another id",
                )
            )
    hub = site.websub_hub
    if hub is not None and hub.scheme != "https":
        issues.append(
            item.issue(
                ("websub_hub",),
                f"'{hub}' is not an https address; feed readers are told to subscribe at "
                "the hub, so it must be reached over https: write https://...",
            )
        )
    return issues


def _duplicates(item: Located[Site], field: str) -> list[Issue]:
    noun = _NOUN[field]
    issues = []
    first_index: dict[str, int] = {}
    for index, part in enumerate(getattr(item.doc, field)):
        seen = first_index.setdefault(part.id, index)
        if seen != index:
            issues.append(
                item.issue(
                    (field, index, "id"),
                    f"duplicate {noun} id '{part.id}' (first at line "
                    f"{item.line((field, seen, 'id'))}); each {noun} needs its own id",
                )
            )
    return issues


def entry_problems(items: Sequence[Located[SubprocessorChange]], site: Site) -> list[Issue]:
    """Every product (region) id an added or changed entry names is one of `site.products`
    (`site.regions`), named once."""
    issues = []
    for field in SCOPE_FIELDS:
        known = [p.id for p in getattr(site, field)]
        for item in items:
            named: list[tuple[tuple[str | int, ...], Sequence[str]]] = [
                (("add", index, field), getattr(entry, field))
                for index, entry in enumerate(item.doc.add)
                if getattr(entry, field)
            ]
            named += [
                (("change", entry_id, field), getattr(patch, field))
                for entry_id, patch in item.doc.change.items()
                if isinstance(getattr(patch, field), tuple)
            ]
            for key, ids in named:
                for index, part_id in enumerate(ids):
                    if part_id not in known:
                        issues.append(item.issue((*key, index), _unknown(field, part_id, known)))
                    elif part_id in ids[:index]:
                        issues.append(
                            item.issue((*key, index), f"'{part_id}' is listed twice; keep one")
                        )
    return issues


def _unknown(field: str, part_id: str, known: list[str]) -> str:
    noun = _NOUN[field]
    if not known:
        return (
            f"'{part_id}' is not a {noun}: site.yaml declares no {field}; declare it "
            f"under {field}: in site.yaml, or leave {field} out (the entry serves everything)"
        )
    close = difflib.get_close_matches(part_id, known, n=1)
    hint = f" (did you mean '{close[0]}'?)" if close else ""
    return f"'{part_id}' is not one of the {field} in site.yaml ({', '.join(known)}){hint}"


def notice_problems(ordered: Sequence[Located[SubprocessorChange]], site: Site) -> list[Issue]:
    """Each change that notifies gives the longest notice of the products and the regions
    it touches.

    `ordered`: the change files oldest first, as folded. What a changed entry serves
    depends on the list before the change, so the entries' products and regions are
    folded too.
    """
    serves: dict[str, Served] = {}
    issues = []
    for position, item in enumerate(ordered):
        doc = item.doc
        touched: list[Served] = [(e.products, e.regions) for e in doc.add]
        for entry_id, patch in doc.change.items():
            before = serves.get(entry_id, (None, None))
            touched += [before, _patched(before, patch.fields())]
        if position > 0 and not doc.editorial:
            issues += _notice_problem(item, site, touched)
        for entry_id in doc.remove:
            serves.pop(entry_id, None)
        for entry_id, patch in doc.change.items():
            serves[entry_id] = _patched(serves.get(entry_id, (None, None)), patch.fields())
        for entry in doc.add:
            serves[entry.id] = (entry.products, entry.regions)
    return issues


def _patched(before: Served, fields: dict[str, object]) -> Served:
    products = fields.get("products", before[0])
    regions = fields.get("regions", before[1])
    return products, regions  # type: ignore[return-value]


def longest_notice(
    site: Site, touched: Sequence[Served]
) -> tuple[int, Product | Region | None]:
    """The notice a change touching these (products, regions) pairs (None: every one) must
    give, and the product or region that asks for it (None when the site's own period is
    the longest)."""
    parts: list[Product | Region] = []
    for position, field in enumerate(SCOPE_FIELDS):
        scopes = [pair[position] for pair in touched]
        every = any(scope is None for scope in scopes)
        ids = {p for scope in scopes if scope for p in scope}
        parts += [p for p in getattr(site, field) if every or p.id in ids]
    longest = max(parts, key=site.notice_days_of, default=None)
    if longest is None or site.notice_days_of(longest) <= site.notice_period_days:
        return site.notice_period_days, None
    return site.notice_days_of(longest), longest


def _notice_problem(
    item: Located[SubprocessorChange], site: Site, touched: list[Served]
) -> list[Issue]:
    days, longest = longest_notice(site, touched)
    if longest is None:
        return []
    doc = item.doc
    earliest = doc.announced + dt.timedelta(days=days)
    if doc.effective >= earliest:
        return []
    where = "products" if isinstance(longest, Product) else "regions"
    return [
        item.issue(
            ("effective",),
            f"{doc.effective} is {(doc.effective - doc.announced).days} days after announced "
            f"({doc.announced}); this change touches {longest.name} ('{longest.id}'), which "
            f"promises {days} days' notice ({where} in site.yaml), so the earliest allowed "
            f"date is {earliest}",
        )
    ]
