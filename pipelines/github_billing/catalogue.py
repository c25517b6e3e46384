"""GitHub's products, SKUs and units: every spelling GitHub uses, mapped to one canonical name.

GitHub spells the same thing differently in each place: display names in `/usage`
(`Copilot for Business`, `GigabyteHours`), snake ids in the docs and `/usage/summary`
(`copilot_for_business`), and report CSVs (`copilot_ai_credit`, `ai-credits`, `user-months`).
The catalogue is two dbt seeds, so the loader, the CSV parser and the dbt models read the same
file: `github_skus.csv` (one row per canonical SKU: product, billing unit, canonical unit, seat
licence, plan, list price, FOCUS service name and category) and `github_spellings.csv` (a
spelling, after `normalise_key`, and what it means). A spelling the catalogue does not know is
kept as GitHub spelled it (normalised) and flagged, never dropped and never guessed.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from pathlib import Path

SEEDS_DIR = Path(__file__).resolve().parents[2] / "dbt_project" / "seeds"
SKUS_FILE = SEEDS_DIR / "github_skus.csv"
SPELLINGS_FILE = SEEDS_DIR / "github_spellings.csv"

_NON_WORD = re.compile(r"[^0-9a-z]+")


def normalise_key(value: str | None) -> str:
    """`Actions Linux` / `actions_linux` / ` ACTIONS-linux ` -> `actions_linux`: the form every
    spelling is matched in (the same rule as the dbt macro `normalise_key`)."""
    return _NON_WORD.sub("_", (value or "").strip().lower()).strip("_")


# billing_unit values that are Copilot usage by model (the by-model tables and per-user rows)
PREMIUM_REQUESTS = "premium_requests"
AI_CREDITS = "ai_credits"


@dataclass(frozen=True)
class Sku:
    sku: str
    product: str
    display_name: str
    billing_unit: str
    unit_type: str
    is_seat_licence: bool
    plan_type: str | None
    list_price_per_month: Decimal | None
    service_name: str
    service_category: str
    service_subcategory: str


@cache
def skus() -> dict[str, Sku]:
    with SKUS_FILE.open(newline="") as handle:
        return {
            row["sku"]: Sku(
                sku=row["sku"],
                product=row["product"],
                display_name=row["display_name"],
                billing_unit=row["billing_unit"],
                unit_type=row["unit_type"],
                is_seat_licence=row["is_seat_licence"] == "true",
                plan_type=row["plan_type"] or None,
                list_price_per_month=(
                    Decimal(row["list_price_per_month"]) if row["list_price_per_month"] else None
                ),
                service_name=row["service_name"],
                service_category=row["service_category"],
                service_subcategory=row["service_subcategory"],
            )
            for row in csv.DictReader(handle)
        }


@cache
def _spellings() -> dict[tuple[str, str], str]:
    with SPELLINGS_FILE.open(newline="") as handle:
        return {(row["kind"], row["spelling"]): row["canonical"] for row in csv.DictReader(handle)}


@cache
def known_units() -> frozenset[str]:
    return frozenset(s.unit_type for s in skus().values()) | frozenset(
        canonical for (kind, _), canonical in _spellings().items() if kind == "unit"
    )


def canonical(kind: str, value: str | None) -> str:
    """The canonical `sku`, `product` or `unit` for any of GitHub's spellings of it; a spelling
    the catalogue does not know comes back normalised (`Actions Linux` -> `actions_linux`)."""
    key = normalise_key(value)
    return _spellings().get((kind, key), key)


def canonical_sku(value: str | None) -> str:
    return canonical("sku", value)


def canonical_unit(value: str | None) -> str:
    return canonical("unit", value)


def product_of_sku(sku: str | None) -> str | None:
    known = skus().get(canonical_sku(sku))
    return known.product if known else None


def canonical_product(product: str | None, sku: str | None) -> str:
    """The product of a known SKU is the catalogue's (the docs list Git LFS under no product of
    its own, `/usage` says `git_lfs`); otherwise GitHub's spelling, canonicalised."""
    return product_of_sku(sku) or canonical("product", product)


def billing_unit(sku: str | None, unit: str | None = None) -> str | None:
    """What a line bills (`licence`, `minutes`, `premium_requests`, `ai_credits`, ...); for a SKU
    the catalogue does not know, what its unit says about Copilot usage, else None."""
    known = skus().get(canonical_sku(sku))
    if known:
        return known.billing_unit
    return {"ai_credits": AI_CREDITS, "requests": PREMIUM_REQUESTS}.get(canonical_unit(unit))


def skus_billed_in(unit: str) -> frozenset[str]:
    """Every canonical SKU of one billing unit (e.g. all AI-credit SKUs)."""
    return frozenset(s.sku for s in skus().values() if s.billing_unit == unit)


def is_known(sku: str | None, unit: str | None = None) -> bool:
    return canonical_sku(sku) in skus() and (unit is None or canonical_unit(unit) in known_units())


def product_columns(product: str | None, sku: str | None, unit: str | None) -> dict[str, object]:
    """Canonical product, SKU and unit type beside GitHub's raw spellings."""
    return {
        "product": canonical_product(product, sku),
        "product_raw": product,
        "sku": canonical_sku(sku),
        "sku_raw": sku,
        "unit_type": canonical_unit(unit),
        "unit_type_raw": unit,
    }
