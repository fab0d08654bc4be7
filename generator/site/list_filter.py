"""What the sub-processor filter (javascripts/subprocessor-filter.js) filters on.

Each row of the list carries its facets as JSON in `data-ts-facets`: the countries where
the entry processes data or is incorporated, its purpose and its data categories, each
as the reader sees it. The script builds its choices from the rows themselves, so the
page needs no second copy of the list; without JavaScript the attribute is unused.
"""

from __future__ import annotations

import json

from generator.load import countries
from generator.load.model import Subprocessor


def filter_facets(entry: Subprocessor) -> str:
    codes = sorted({*map(str, entry.processing_locations), str(entry.corporate_location)})
    facets = {
        "country": [countries.shown(code) for code in codes],
        "purpose": [entry.purpose],
        "category": list(entry.data_categories),
    }
    return json.dumps(facets, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
