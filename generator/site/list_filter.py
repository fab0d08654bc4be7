"""What the sub-processor filter (javascripts/subprocessor-filter.js) filters on.

Each row of the list carries its facets as JSON in `data-ts-facets`: the countries where
the entry processes data or is incorporated, its purpose, its data categories and, on a
site with products (regions), the products (regions) it serves (all of them for an entry
that names none), each as the reader sees it. The script builds its choices from the rows
themselves, so the page needs no second copy of the list; without JavaScript the
attribute is unused.
"""

from __future__ import annotations

import json

from generator.load import countries
from generator.load.model import Site, Subprocessor


def filter_facets(entry: Subprocessor, site: Site | None = None) -> str:
    codes = sorted({*map(str, entry.processing_locations), str(entry.corporate_location)})
    facets = {
        "country": [countries.shown(code) for code in codes],
        "purpose": [entry.purpose],
        "category": list(entry.data_categories),
    }
    if site is not None and site.products:
        facets["product"] = [
            p.name for p in site.products if entry.products is None or p.id in entry.products
        ]
    if site is not None and site.regions:
        facets["region"] = [
            r.name for r in site.regions if entry.regions is None or r.id in entry.regions
        ]
    return json.dumps(facets, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
