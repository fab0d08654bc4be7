"""The parts of the company's offer a reader may follow alone: each product and each region
of site.yaml, with its own page, feeds and exports of the sub-processor list.

A product's files are named by its id (`subprocessors-<id>`), as they were before the
site had regions; a region's carry `region-` (`subprocessors-region-<id>`), and
`generator.load.scopes` refuses a product id that would take that name. Which entries a
part shows is the contract's one rule (`contract.entry_reaches`): a product's readers are
those of that product in every region, a region's those of every product in that region.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from generator.contract import Scope
from generator.load.model import Product, Region, Site
from generator.load.scopes import REGION_PREFIX


@dataclass(frozen=True)
class Part:
    field: Literal["products", "regions"]
    item: Product | Region

    @property
    def id(self) -> str:
        return self.item.id

    @property
    def name(self) -> str:
        return self.item.name

    @property
    def noun(self) -> str:
        """`product` or `region`, for the words of a page."""
        return self.field[:-1]

    @property
    def label(self) -> str:
        """`Shared Inbox`, `the European Union region`: the part inside a sentence."""
        return self.name if self.field == "products" else f"the {self.name} region"

    @property
    def title(self) -> str:
        """The heading of its page and of its feeds."""
        return f"Sub-processors for {self.label}"

    @property
    def products(self) -> Scope:
        """The products a reader of this part follows (None: every one)."""
        return [self.id] if self.field == "products" else None

    @property
    def regions(self) -> Scope:
        return [self.id] if self.field == "regions" else None

    @property
    def feed_name(self) -> str:
        """`subprocessors-<id>` (a product), `subprocessors-region-<id>` (a region)."""
        prefix = "" if self.field == "products" else REGION_PREFIX
        return f"subprocessors-{prefix}{self.id}"

    @property
    def page_path(self) -> str:
        """`subprocessors/products/<id>/`, `subprocessors/regions/<id>/`."""
        return f"subprocessors/{self.field}/{self.id}/"

    @property
    def export_paths(self) -> tuple[str, str]:
        """Its JSON and CSV exports, named as its feeds."""
        return f"{self.feed_name}.json", f"{self.feed_name}.csv"


def site_parts(site: Site) -> list[Part]:
    """Every product, then every region, in site.yaml's order."""
    return [Part("products", p) for p in site.products] + [
        Part("regions", r) for r in site.regions
    ]
