"""The simulated enterprise's budgets, the per-user states of its multi-user budgets and its cost
centers' AI-credit pools, computed from the generated usage the way GitHub computes them.

GitHub counts a budget's spend as the month's net dollars (after included usage) of the usage
its scope and product or SKU cover; per-user budgets count a user's Copilot AI credits, and a
user's own budget overrides the multi-user budget that covers them. These rules are the
simulator's ground truth: the dbt marts implement them again, independently, from loaded data.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_CEILING, Decimal
from typing import TYPE_CHECKING, Any

from pipelines.github_billing import catalogue

if TYPE_CHECKING:
    from pipelines.simulator.enterprise import CostCenter, Enterprise

USER_SCOPES = ("multi_user_customer", "multi_user_cost_center", "user")
THRESHOLDS = (75, 90, 100)
# included AI credits each seat brings to its cost center's pool, in dollars a month
POOL_DOLLARS_PER_SEAT = Decimal(60)


@dataclass(frozen=True)
class Budget:
    id: str
    budget_type: str  # ProductPricing | SkuPricing | BundlePricing
    product_sku: str  # a product id, or a catalogue SKU for SkuPricing
    scope: str
    entity_name: str  # org, repository, cost-center name or user login; '' for the enterprise
    amount: int  # whole dollars
    prevent_further_usage: bool
    will_alert: bool = True

    @property
    def is_per_user(self) -> bool:
        return self.scope in USER_SCOPES

    def covers(self, product: str, sku: str) -> bool:
        """Whether a usage line of this (display-spelled) product and SKU counts."""
        canonical = catalogue.canonical_sku(sku)
        if self.budget_type == "SkuPricing":
            return canonical == self.product_sku
        return catalogue.canonical_product(product, sku) == self.product_sku


def budget_id(ent: Enterprise, *parts: object) -> str:
    return str(uuid.UUID(int=ent._rng("budget", *parts).getrandbits(128), version=4))


def _month_days(ent: Enterprise, month_start: date, through: date) -> Iterator[date]:
    day = max(month_start, ent.first_day)
    while day <= min(through, ent.last_day):
        yield day
        day += timedelta(days=1)


def _previous_month_net(ent: Enterprise, budgets: list[Budget]) -> dict[str, Decimal]:
    first = (ent.today.replace(day=1) - timedelta(days=1)).replace(day=1)
    last = ent.today.replace(day=1) - timedelta(days=1)
    totals: dict[str, Decimal] = defaultdict(Decimal)
    for day in _month_days(ent, first, last):
        for key, amount in day_spend(ent, budgets, day).items():
            totals[key[0]] += amount
    return totals


def standard_budgets(ent: Enterprise) -> list[Budget]:
    """One budget of each scope and type, sized at 1.3x last month's spend (whole dollars) so
    an ordinary month stays under them; per-user budgets get fixed amounts."""
    active = [cc for cc in ent.cost_centers if cc.deleted_on is None]
    drafts: list[Budget] = [
        Budget(budget_id(ent, 0), "ProductPricing", "actions", "enterprise", "", 0, True),
        Budget(
            budget_id(ent, 1), "SkuPricing", "actions_linux", "organization", ent.orgs[0], 0, False
        ),
        Budget(
            budget_id(ent, 2), "ProductPricing", "actions", "repository", ent.repos[0], 0, False
        ),
        Budget(budget_id(ent, 3), "BundlePricing", "packages", "enterprise", "", 0, False),
    ]
    if active:
        drafts.append(
            Budget(
                budget_id(ent, 4),
                "ProductPricing",
                "copilot",
                "cost_center",
                active[0].name,
                0,
                True,
            )
        )
    sized = []
    previous = _previous_month_net(ent, drafts)
    for draft in drafts:
        amount = int(
            (previous.get(draft.id, Decimal(0)) * Decimal("1.3")).to_integral(ROUND_CEILING)
        )
        sized.append(_with_amount(draft, max(amount, 10)))
    sized.append(
        Budget(
            budget_id(ent, 5),
            "SkuPricing",
            "copilot_ai_credits",
            "multi_user_customer",
            "",
            75,
            False,
        )
    )
    if active:
        sized.append(
            Budget(
                budget_id(ent, 6),
                "SkuPricing",
                "copilot_ai_credits",
                "multi_user_cost_center",
                active[0].name,
                60,
                True,
            )
        )
    sized.append(
        Budget(
            budget_id(ent, 7), "SkuPricing", "copilot_ai_credits", "user", ent.users[1], 90, True
        )
    )
    return sized


def _with_amount(budget: Budget, amount: int) -> Budget:
    return Budget(
        budget.id,
        budget.budget_type,
        budget.product_sku,
        budget.scope,
        budget.entity_name,
        amount,
        budget.prevent_further_usage,
        budget.will_alert,
    )


def _cost_center_named(ent: Enterprise, name: str) -> CostCenter | None:
    return next((cc for cc in ent.cost_centers if cc.name == name), None)


def day_spend(ent: Enterprise, budgets: list[Budget], day: date) -> dict[tuple[str, str], Decimal]:
    """Net dollars each budget's scope spent on `day`: (budget id, '') for scope budgets,
    (budget id, login) for every user a per-user budget covers."""
    usage = ent.day_usage(day)
    spend: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    for budget in budgets:
        if budget.is_per_user:
            center = _cost_center_named(ent, budget.entity_name)
            for row in usage.user_usage:
                if not budget.covers("copilot", row["sku"]):
                    continue
                if budget.scope == "user" and row["username"] != budget.entity_name:
                    continue
                if budget.scope == "multi_user_cost_center" and (
                    center is None or row["cost_center_id"] != center.id
                ):
                    continue
                spend[(budget.id, row["username"])] += row["net_amount"]
            continue
        center = (
            _cost_center_named(ent, budget.entity_name) if budget.scope == "cost_center" else None
        )
        for partition, items in usage.items_by_partition.items():
            if budget.scope == "cost_center" and (center is None or partition != center.id):
                continue
            for item in items:
                if (
                    budget.scope == "organization"
                    and item["organizationName"] != budget.entity_name
                ):
                    continue
                if (
                    budget.scope == "repository"
                    and item.get("repositoryName") != budget.entity_name
                ):
                    continue
                if budget.covers(item["product"], item["sku"]):
                    spend[(budget.id, "")] += item["netAmount"]
    return spend


def month_to_date(ent: Enterprise, through: date) -> dict[tuple[str, str], Decimal]:
    """Each budget's (and each covered user's) net spend from the 1st of `through`'s month."""
    return ent.derived(("month_to_date", through), lambda: _month_to_date(ent, through))


def _month_to_date(ent: Enterprise, through: date) -> dict[tuple[str, str], Decimal]:
    totals: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    for day in _month_days(ent, through.replace(day=1), through):
        for key, amount in day_spend(ent, ent.budgets, day).items():
            totals[key] += amount
    return totals


def covered_users(ent: Enterprise, budget: Budget) -> list[str]:
    """The seat holders a multi-user budget covers today."""
    return ent.derived(("covered_users", budget.id), lambda: _covered_users(ent, budget))


def _covered_users(ent: Enterprise, budget: Budget) -> list[str]:
    billed = ent.billed_holders(ent.last_day)
    if budget.scope == "multi_user_customer":
        return sorted(billed)
    center = _cost_center_named(ent, budget.entity_name)
    return sorted(
        login
        for login, grant in billed.items()
        if center is not None and ent.user_cost_center(grant, ent.last_day) == center
    )


def budget_json(budget: Budget, consumed: dict[tuple[str, str], Decimal]) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": budget.id,
        "budget_type": budget.budget_type,
        "budget_amount": budget.amount,
        "prevent_further_usage": budget.prevent_further_usage,
        "budget_scope": budget.scope,
        "budget_product_sku": budget.product_sku,
        "budget_alerting": {
            "will_alert": budget.will_alert and budget.scope != "user",
            "alert_recipients": ["billing-manager"] if budget.will_alert else [],
        },
    }
    if budget.entity_name and budget.scope != "user":
        body["budget_entity_name"] = budget.entity_name
    if budget.scope == "user":
        body["user"] = budget.entity_name
        body["consumed_amount"] = consumed.get((budget.id, budget.entity_name), Decimal(0))
    return body


def user_states(ent: Enterprise, budget: Budget) -> list[dict[str, Any]]:
    """`/budgets/{id}/user-states`: every covered user's month-to-date spend and target; a user
    with a budget of their own is held to it (`override_budget_id`)."""
    # a copy, because the route sorts and filters what it is given
    return list(ent.derived(("user_states", budget.id), lambda: _user_states(ent, budget)))


def _user_states(ent: Enterprise, budget: Budget) -> list[dict[str, Any]]:
    consumed = month_to_date(ent, ent.last_day)
    overrides = {b.entity_name: b for b in ent.budgets if b.scope == "user"}
    states = []
    for login in covered_users(ent, budget):
        override = overrides.get(login)
        state: dict[str, Any] = {
            "user": login,
            "consumed_amount": consumed.get(((override or budget).id, login), Decimal(0)),
            "target_amount": (override or budget).amount,
        }
        if override is not None:
            state["override_budget_id"] = override.id
        states.append(state)
    return states


def pool_cost_centers(ent: Enterprise) -> list[CostCenter]:
    """Cost centers with a pooled AI-credit allowance: the first two active ones."""
    return [cc for cc in ent.cost_centers if cc.deleted_on is None][:2]


def pool_state(ent: Enterprise, cc: CostCenter) -> dict[str, Any]:
    """`ai_credit_pool_state` of a cost center: the month's pooled included AI credits in
    dollars (target) and how much of it the cost center's users consumed so far (current)."""
    return ent.derived(("pool_state", cc.id), lambda: _pool_state(ent, cc))


def _pool_state(ent: Enterprise, cc: CostCenter) -> dict[str, Any]:
    if cc not in pool_cost_centers(ent):
        return {
            "ai_credit_pool_enabled": False,
            "ai_credit_pool_state": {"target_amount": None, "current_amount": None},
        }
    seats = sum(
        1
        for grant in ent.billed_holders(ent.last_day).values()
        if ent.seat_cost_center(grant, ent.last_day) == cc
    )
    target = POOL_DOLLARS_PER_SEAT * max(seats, 1)
    used = Decimal(0)
    for day in _month_days(ent, ent.last_day.replace(day=1), ent.last_day):
        for row in ent.day_usage(day).user_usage:
            if (
                row["cost_center_id"] == cc.id
                and catalogue.canonical_sku(row["sku"]) == "copilot_ai_credits"
            ):
                used += row["gross_amount"]
    return {
        "ai_credit_pool_enabled": True,
        "ai_credit_pool_state": {"target_amount": target, "current_amount": min(used, target)},
    }


def crossing_days(ent: Enterprise, budget: Budget, month_start: date) -> dict[int, date | None]:
    """Ground truth: the first day of the month each threshold (percent) was reached."""
    found: dict[int, date | None] = dict.fromkeys(THRESHOLDS)
    total = Decimal(0)
    month_end = (month_start + timedelta(days=32)).replace(day=1) - timedelta(days=1)
    for day in _month_days(ent, month_start, month_end):
        total += sum(
            (v for (bid, _), v in day_spend(ent, [budget], day).items() if bid == budget.id),
            Decimal(0),
        )
        for pct in THRESHOLDS:
            if found[pct] is None and total * 100 >= budget.amount * pct:
                found[pct] = day
    return found


def plan_shape(ent: Enterprise) -> dict[str, Any]:
    """The budget figures of the request plan (`plan.requests_per_load`'s keyword arguments)."""
    return {
        "budgets": len(ent.budgets),
        "multi_user_budget_users": [
            len(covered_users(ent, b)) for b in ent.budgets if b.scope.startswith("multi_user")
        ],
    }
