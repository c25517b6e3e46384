"""How one enterprise's GitHub spells SKUs, units and products in its JSON answers.

GitHub is not consistent with itself: `/usage` names Copilot Business `Copilot Business` in
live answers and `Copilot for Business` in its documented example (with `UserMonths`); units
come as `GigabyteHours` or `gigabyte-hours`, `UserMonths` or `user-months`, AI credits as
`credits` (the docs' example) or `ai-credits` (a live answer, go-github#4262); product casing
and `minutes` / `Minutes` drift from line to line. Each generated enterprise speaks one dialect
(chosen from its seed unless given), so the test suite runs against several; what never varies
is GitHub's own split: `/usage` and the by-model endpoints use display names, `/usage/summary`
snake ids (`actions_linux`, see tests/fixtures/real/).
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from dataclasses import dataclass, field

from pipelines.github_billing import catalogue

# /usage display names where GitHub's differ from the catalogue's (tests/fixtures/real/)
USAGE_DISPLAY_NAMES = {
    "copilot_premium_request": "Copilot Premium Request",
    "copilot_ai_credits": "Copilot AI Credits",
}
# Share of lines whose casing drifts from the dialect's (GitHub's answers drift the same way).
DRIFT = 0.3


@dataclass(frozen=True)
class Dialect:
    name: str
    display_names: Mapping[str, str] = field(default_factory=dict)  # sku -> /usage name
    units: Mapping[str, str] = field(default_factory=dict)  # catalogue unit -> spelling
    capitalised_products: bool = False  # `Actions` rather than `actions` on most lines

    def sku(self, sku: str) -> str:
        """The SKU as `/usage` and the by-model endpoints spell it."""
        names = {**USAGE_DISPLAY_NAMES, **self.display_names}
        return names.get(sku) or catalogue.skus()[sku].display_name

    def unit(self, unit: str, rng: random.Random | None = None) -> str:
        spelled = self.units.get(unit, unit)
        if spelled == "minutes" and rng is not None and rng.random() < DRIFT:
            return "Minutes"
        return spelled

    def product(self, product: str, rng: random.Random | None = None) -> str:
        capitalised = self.capitalised_products
        if rng is not None and rng.random() < DRIFT:
            capitalised = not capitalised
        return product.capitalize() if capitalised else product


DIALECTS = {
    d.name: d
    for d in (
        # what the simulator spoke first: live /usage display names, CamelCase units
        Dialect(
            "display",
            units={"user_months": "UserMonths", "gigabyte_hours": "GigabyteHours",
                   "ai_credits": "credits"},
        ),
        # GitHub's documented examples: `"sku": "Copilot for Business"`, `"unitType": "UserMonths"`
        Dialect(
            "documented",
            display_names={"copilot_for_business": "Copilot for Business"},
            units={"user_months": "UserMonths", "gigabyte_hours": "GigabyteHours",
                   "ai_credits": "ai-credits"},
            capitalised_products=True,
        ),
        # the report CSVs' spellings in JSON: kebab-case units
        Dialect(
            "kebab",
            units={"user_months": "user-months", "gigabyte_hours": "gigabyte-hours",
                   "ai_credits": "ai-credits"},
        ),
    )
}  # fmt: skip


def dialect_for(name: str | None, seed: int) -> Dialect:
    """The named dialect, or one picked by the seed (so each seed speaks one, always)."""
    if name is None:
        return list(DIALECTS.values())[seed % len(DIALECTS)]
    if name not in DIALECTS:
        raise ValueError(f"unknown dialect '{name}': choose one of {', '.join(DIALECTS)}")
    return DIALECTS[name]
