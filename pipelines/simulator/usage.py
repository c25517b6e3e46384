"""One generated day of usage, and the table of SKUs it is generated from.

What a SKU is (product, display name, unit, list price) comes from the project's catalogue
(`pipelines/github_billing/catalogue.py`, the `github_skus` seed); `METERED` adds only how the
simulator generates it. A new metered SKU is one line of `METERED`.
"""

from __future__ import annotations

import random
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from pipelines.github_billing import catalogue
from pipelines.simulator.dialects import Dialect

NINE_PLACES = Decimal("0.000000001")
NO_COST_CENTER = "none"


def q9(value: Decimal) -> Decimal:
    """Round to the nine decimal places GitHub's billing amounts carry."""
    return value.quantize(NINE_PLACES, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class MeteredSku:
    """How the simulator generates one metered SKU: on each day, for each repository (`per`
    "repo") or organization ("org"), with `chance`, a line of `randint(low, high)` / 10^places
    units at `price`, fully discounted on the days and repositories `free` names."""

    sku: str  # a catalogue SKU
    per: str
    chance: float
    low: int
    high: int
    places: int
    price: Decimal
    # "included": days 1-3 of the month (included minutes and storage run out early);
    # "public": public repositories; "both": either; "never"
    free: str

    @property
    def spec(self) -> catalogue.Sku:
        return catalogue.skus()[self.sku]

    def quantity(self, rng: random.Random) -> Decimal:
        return q9(Decimal(rng.randint(self.low, self.high)).scaleb(-self.places))

    def is_free(self, public: bool, included: bool) -> bool:
        return {"included": included, "public": public, "both": public or included}.get(
            self.free, False
        )


D = Decimal
METERED = (
    MeteredSku("actions_linux", "repo", 0.6, 1, 600, 0, D("0.008"), "both"),
    MeteredSku("actions_linux_4_core", "repo", 0.05, 1, 300, 0, D("0.016"), "public"),
    MeteredSku("actions_windows", "repo", 0.12, 1, 200, 0, D("0.016"), "both"),
    MeteredSku("actions_macos_3_core", "repo", 0.03, 1, 60, 0, D("0.08"), "public"),
    MeteredSku("actions_storage", "repo", 0.5, 1, 50_000_000_000, 9, D("0.00033602"), "both"),
    MeteredSku("git_lfs_storage", "repo", 0.1, 1, 20_000_000, 6, D("0.0000958904"), "included"),
    MeteredSku("git_lfs_bandwidth", "repo", 0.03, 1, 2000, 2, D("0.0875"), "included"),
    MeteredSku("codespaces_compute_d4", "repo", 0.05, 1, 80, 1, D("0.36"), "never"),
    MeteredSku("packages_storage", "org", 1.0, 1, 9_000_000_000, 9, D("0.000336"), "included"),
    MeteredSku("packages_bandwidth", "org", 0.4, 1, 5000, 2, D("0.5"), "included"),
)
# seat licences by plan, priced at the catalogue's list price
SEAT_SKUS = {"business": "copilot_for_business", "enterprise": "copilot_enterprise"}
# Copilot usage by model: premium requests until 2026-05-31, AI credits from 2026-06-01
PREMIUM_REQUEST = ("copilot_premium_request", Decimal("0.04"))
AI_CREDIT = ("copilot_ai_credits", Decimal("0.01"))


def seat_price(plan: str) -> Decimal:
    price = catalogue.skus()[SEAT_SKUS[plan]].list_price_per_month
    assert price is not None, f"the catalogue has no list price for {SEAT_SKUS[plan]}"
    return price


@dataclass
class DayUsage:
    """One day of usage, grouped by cost-center partition the way GitHub's /usage splits it,
    spelled in the enterprise's dialect."""

    day: date
    dialect: Dialect
    items_by_partition: dict[str, list[dict]] = field(default_factory=lambda: defaultdict(list))
    # (partition, cost center name, model, sku, unit, price) -> [gross qty, gross, discount qty,
    # discount]
    model_usage: dict[tuple[str, str, str, str, str, Decimal], list[Decimal]] = field(
        default_factory=dict
    )
    # per-user rows, the grain of GitHub's premium-request / AI-credit report exports
    user_usage: list[dict] = field(default_factory=list)

    def add_item(
        self,
        date_text: str,
        partition: str,
        org: str,
        repo: str | None,
        product: str,
        sku: str,
        unit: str,
        quantity: Decimal,
        price: Decimal,
        discount: Decimal,
    ) -> None:
        gross = q9(quantity * price)
        item: dict = {
            "date": date_text,
            "product": product,
            "sku": sku,
            "quantity": quantity,
            "unitType": unit,
            "pricePerUnit": price,
            "grossAmount": gross,
            "discountAmount": min(discount, gross),
            "netAmount": gross - min(discount, gross),
            "organizationName": org,
        }
        if repo is not None:
            item["repositoryName"] = repo
        self.items_by_partition[partition].append(item)

    def add_metered(
        self,
        rng: random.Random,
        date_text: str,
        partition: str,
        org: str,
        repo: str | None,
        metered: MeteredSku,
        free: bool,
    ) -> None:
        spec = metered.spec
        quantity = metered.quantity(rng)
        self.add_item(
            date_text,
            partition,
            org,
            repo,
            self.dialect.product(spec.product, rng),
            self.dialect.sku(spec.sku),
            self.dialect.unit(spec.unit_type, rng),
            quantity,
            metered.price,
            q9(quantity * metered.price) if free else Decimal(0),
        )

    def add_seats(
        self, date_text: str, partition: str, org: str, plan: str, quantity: Decimal, product: str
    ) -> None:
        spec = catalogue.skus()[SEAT_SKUS[plan]]
        unit = self.dialect.unit(spec.unit_type)
        sku = self.dialect.sku(spec.sku)
        self.add_item(
            date_text, partition, org, "", product, sku, unit, quantity, seat_price(plan), D(0)
        )

    def add_user_usage(
        self,
        day: date,
        login: str,
        org: str,
        partition: str,
        cost_center_name: str,
        model: str,
        sku_and_price: tuple[str, Decimal],
        quantity: Decimal,
        discounted: bool,
    ) -> None:
        sku_id, price = sku_and_price
        sku = self.dialect.sku(sku_id)
        unit = self.dialect.unit(catalogue.skus()[sku_id].unit_type)
        gross = q9(quantity * price)
        discount = gross if discounted else Decimal(0)
        self.user_usage.append(
            {
                "date": day,
                "username": login,
                "organization": org,
                "cost_center_id": partition,
                "cost_center_name": cost_center_name,
                "model": model,
                "sku": sku,
                "unit_type": unit,
                "quantity": quantity,
                "price_per_unit": price,
                "gross_amount": gross,
                "discount_amount": discount,
                "net_amount": gross - discount,
                "discount_quantity": quantity if discounted else Decimal(0),
            }
        )
        key = (partition, cost_center_name, model, sku, unit, price)
        acc = self.model_usage.setdefault(key, [Decimal(0)] * 4)
        acc[0] += quantity
        acc[1] += gross
        acc[2] += quantity if discounted else Decimal(0)
        acc[3] += discount

    def add_copilot_usage_lines(self, date_text: str) -> None:
        """The /usage report carries one line per org and partition for premium requests or AI
        credits; its dollars are exactly the per-user rows summed."""
        lines: dict[tuple[str, str, str, str, Decimal], list[Decimal]] = {}
        for row in self.user_usage:
            key = (
                row["cost_center_id"],
                row["organization"],
                row["sku"],
                row["unit_type"],
                row["price_per_unit"],
            )
            acc = lines.setdefault(key, [Decimal(0)] * 3)
            acc[0] += row["quantity"]
            acc[1] += row["gross_amount"]
            acc[2] += row["discount_amount"]
        for (partition, org, sku, unit, price), (qty, gross, discount) in sorted(lines.items()):
            self.items_by_partition[partition].append(
                {
                    "date": date_text,
                    "product": "copilot",
                    "sku": sku,
                    "quantity": qty,
                    "unitType": unit,
                    "pricePerUnit": price,
                    "grossAmount": gross,
                    "discountAmount": discount,
                    "netAmount": gross - discount,
                    "organizationName": org,
                    "repositoryName": "",
                }
            )

    def withdraw(self, partitions: frozenset[str]) -> None:
        """GitHub withdrew every line of these partitions: /usage, the by-model endpoints and
        the report exports all answer without them."""
        if not partitions:
            return
        self.items_by_partition = defaultdict(
            list, {p: v for p, v in self.items_by_partition.items() if p not in partitions}
        )
        self.model_usage = {k: v for k, v in self.model_usage.items() if k[0] not in partitions}
        self.user_usage = [r for r in self.user_usage if r["cost_center_id"] not in partitions]

    def model_items(self, partition: str | None, sku: str) -> list[dict]:
        """Items of the premium_request / ai_credit endpoints for one partition (None = all)."""
        merged: dict[tuple[str, str, str, Decimal], list[Decimal]] = {}
        for (part, _name, model, item_sku, unit, price), acc in self.model_usage.items():
            if item_sku != sku or (partition is not None and part != partition):
                continue
            slot = merged.setdefault((model, item_sku, unit, price), [Decimal(0)] * 4)
            for i in range(4):
                slot[i] += acc[i]
        return _model_items_json(merged)

    def user_model_items(self, user: str, partition: str | None, sku: str) -> list[dict]:
        """Items of the premium_request / ai_credit endpoints filtered with `user=`, summed
        over every organization (and cost center unless one is given)."""
        merged: dict[tuple[str, str, str, Decimal], list[Decimal]] = {}
        for row in self.user_usage:
            if row["username"].lower() != user.lower() or row["sku"] != sku:
                continue
            if partition is not None and row["cost_center_id"] != partition:
                continue
            key = (row["model"], row["sku"], row["unit_type"], row["price_per_unit"])
            slot = merged.setdefault(key, [Decimal(0)] * 4)
            slot[0] += row["quantity"]
            slot[1] += row["gross_amount"]
            slot[2] += row["discount_quantity"]
            slot[3] += row["discount_amount"]
        return _model_items_json(merged)


def _model_items_json(merged: dict[tuple[str, str, str, Decimal], list[Decimal]]) -> list[dict]:
    return [
        {
            "product": "Copilot",
            "sku": sku,
            "model": model,
            "unitType": unit,
            "pricePerUnit": price,
            "grossQuantity": gq,
            "grossAmount": ga,
            "discountQuantity": dq,
            "discountAmount": da,
            "netQuantity": gq - dq,
            "netAmount": ga - da,
        }
        for (model, sku, unit, price), (gq, ga, dq, da) in sorted(merged.items())
    ]
