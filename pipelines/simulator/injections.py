"""Events a test plants in the generated enterprise, each with its ground truth: a one-day cost
spike in a repository, a runaway Copilot user, a SKU never used before, a budget crossed on a
given day. Anomaly detection and budget alerts are proven against these.

`Enterprise(injections=[Spike(...), ...])`; `ground_truth(ent)` says, per injection, the day
and the series (`series_type`, `series_name`, as `fct_cost_anomalies` names them) that must
be flagged.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from pipelines.github_billing import catalogue
from pipelines.simulator.usage import AI_CREDIT, DayUsage, q9

if TYPE_CHECKING:
    from pipelines.simulator.budgets import Budget
    from pipelines.simulator.enterprise import Enterprise


@dataclass(frozen=True)
class Spike:
    """Extra Linux minutes worth `dollars` in one repository on one day (a stuck workflow)."""

    day: date
    repo: str
    dollars: Decimal = Decimal(400)
    sku: str = "actions_linux"


@dataclass(frozen=True)
class RunawayUser:
    """From `start` on, one seat holder spends `daily_dollars` a day of AI credits on one model
    (an agent left looping)."""

    login: str
    start: date
    daily_dollars: Decimal = Decimal(60)
    model: str = "Claude Opus 4.1"


@dataclass(frozen=True)
class NewSku:
    """From `start` on, a SKU the enterprise never used bills `daily_dollars` a day in `repo`."""

    start: date
    repo: str
    daily_dollars: Decimal = Decimal(30)
    sku: str = "codespaces_compute_d8"


@dataclass(frozen=True)
class BudgetCrossing:
    """An enterprise Actions budget sized so that the month's spend reaches it on `day`."""

    day: date


Injection = Spike | RunawayUser | NewSku | BudgetCrossing


# list prices of the SKUs injections bill (GitHub's per-minute and per-hour rates)
PRICES = {"actions_linux": Decimal("0.008"), "codespaces_compute_d8": Decimal("0.72")}


def _metered_line(
    usage: DayUsage, ent: Enterprise, day: date, repo: str, sku: str, dollars: Decimal
) -> None:
    spec = catalogue.skus()[sku]
    price = PRICES[sku]
    quantity = q9(dollars / price)
    org = repo.split("/")[0]
    cc = ent.usage_cost_center(org, repo, day)
    usage.add_item(
        day.isoformat(),
        cc.id if cc else "none",
        org,
        repo,
        spec.product,
        usage.dialect.sku(spec.sku),
        usage.dialect.unit(spec.unit_type),
        quantity,
        price,
        Decimal(0),
    )


def apply(ent: Enterprise, usage: DayUsage, day: date, date_text: str) -> None:
    """Add the injected usage of `day` (called while the day is generated)."""
    for event in ent.injections:
        if isinstance(event, Spike) and event.day == day:
            _metered_line(usage, ent, day, event.repo, event.sku, event.dollars)
        elif isinstance(event, NewSku) and day >= event.start:
            _metered_line(usage, ent, day, event.repo, event.sku, event.daily_dollars)
        elif isinstance(event, RunawayUser) and day >= event.start:
            grant = ent.billed_holders(day).get(event.login)
            if grant is None:
                continue
            cc = ent.user_cost_center(grant, day)
            price = AI_CREDIT[1]
            usage.add_user_usage(
                day,
                event.login,
                grant.organization or "",
                cc.id if cc else "none",
                cc.name if cc else "",
                event.model,
                AI_CREDIT,
                q9(event.daily_dollars / price),
                day.day <= 5,  # the month's included usage, as for everyone
            )


def crossing_budgets(ent: Enterprise) -> list[Budget]:
    from pipelines.simulator.budgets import Budget, budget_id, day_spend

    budgets = []
    for i, event in enumerate(e for e in ent.injections if isinstance(e, BudgetCrossing)):
        draft = Budget(
            budget_id(ent, "crossing", i), "ProductPricing", "actions", "enterprise", "", 1, True
        )
        spent = Decimal(0)
        before = Decimal(0)
        day = event.day.replace(day=1)
        while day <= event.day:
            before = spent
            spent += sum(day_spend(ent, [draft], day).values(), Decimal(0))
            day = date.fromordinal(day.toordinal() + 1)
        amount = math.floor(spent)
        if amount <= before:
            raise ValueError(
                f"Actions spend on {event.day} is under a dollar: no crossing that day"
            )
        budgets.append(
            Budget(draft.id, draft.budget_type, draft.product_sku, draft.scope, "", amount, True)
        )
    return budgets


def ground_truth(ent: Enterprise) -> list[dict[str, Any]]:
    """What each injection must raise: the series and the first day."""
    truth: list[dict[str, Any]] = []
    crossings = iter(crossing_budgets(ent))
    for event in ent.injections:
        if isinstance(event, Spike):
            truth.append(
                {
                    "kind": "spike",
                    "day": event.day.isoformat(),
                    "series_type": "repository",
                    "series_name": event.repo,
                    "dollars": str(event.dollars),
                }
            )
        elif isinstance(event, RunawayUser):
            truth.append(
                {
                    "kind": "runaway_user",
                    "day": event.start.isoformat(),
                    "series_type": "seat_holder",
                    "series_name": event.login,
                    "dollars": str(event.daily_dollars),
                }
            )
        elif isinstance(event, NewSku):
            truth.append(
                {
                    "kind": "new_sku",
                    "day": event.start.isoformat(),
                    "series_type": "sku",
                    "series_name": event.sku,
                    "dollars": str(event.daily_dollars),
                }
            )
        else:
            budget = next(crossings)
            truth.append(
                {
                    "kind": "budget_crossing",
                    "day": event.day.isoformat(),
                    "budget_id": budget.id,
                    "budget_amount": budget.amount,
                }
            )
    return truth
