"""Budgets as data: GitHub's budgets, the per-user states of its multi-user budgets, and cost
centers' AI-credit pools, each kept as a dated daily snapshot so their history builds up run
after run (GitHub answers only with today's state).

`GET .../settings/billing/budgets` pages with `page`/`per_page` and says `has_next_page` in the
body (no Link header); so do `.../budgets/{id}/user-states`. GitHub's own examples send
`budget_product_skus` (a list) where the schema says `budget_product_sku` (a string): both are
read. Budgets are a public preview: an enterprise where the endpoint answers 403 or 404 loads
no budgets and the run says so in a note, rather than failing its usage load.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from pipelines.github_billing import rows
from pipelines.github_billing.client import GitHubApiError, GitHubClient
from pipelines.github_billing.resources import create_table
from pipelines.github_billing.settings import BUDGETS_PATH, BUDGETS_PER_PAGE, USER_STATES_PATH

logger = logging.getLogger(__name__)

MULTI_USER_SCOPES = ("multi_user_customer", "multi_user_cost_center")


def product_sku(budget: dict[str, Any]) -> str:
    """The one product or SKU a budget covers, from the schema's string or the examples' list."""
    single = budget.get("budget_product_sku")
    if single:
        return str(single).strip().lower()
    listed = budget.get("budget_product_skus") or []
    return str(listed[0]).strip().lower() if listed else ""


def budget_row(budget: dict[str, Any], day: date, extracted_at: datetime) -> dict[str, Any]:
    alerting = budget.get("budget_alerting") or {}
    listed = budget.get("budget_product_skus")
    consumed = budget.get("consumed_amount")
    return {
        "snapshot_date": day,
        "budget_id": str(budget["id"]),
        "budget_type": str(budget["budget_type"]),
        "budget_scope": str(budget["budget_scope"]).lower(),
        "budget_entity_name": budget.get("budget_entity_name") or "",
        "budget_user": budget.get("user"),
        "budget_product_sku": product_sku(budget),
        "budget_product_skus_raw": json.dumps(listed) if listed is not None else None,
        "budget_amount": rows.as_decimal(budget["budget_amount"]),
        "prevent_further_usage": bool(budget.get("prevent_further_usage")),
        "will_alert": bool(alerting.get("will_alert")),
        "alert_recipients": ",".join(alerting.get("alert_recipients") or []),
        "consumed_amount": None if consumed is None else rows.as_decimal(consumed),
        "expires_at": rows.parse_timestamp(budget.get("expires_at")),
        "extracted_at": extracted_at,
    }


def user_state_row(
    budget_id: str, state: dict[str, Any], day: date, extracted_at: datetime
) -> dict[str, Any]:
    return {
        "snapshot_date": day,
        "budget_id": budget_id,
        "user_login": str(state["user"]),
        "consumed_amount": rows.as_decimal(state.get("consumed_amount")),
        "target_amount": rows.as_decimal(state.get("target_amount")),
        "override_budget_id": state.get("override_budget_id"),
        "extracted_at": extracted_at,
    }


@dataclass
class BudgetDirectory:
    """The enterprise's budgets, fetched once per run and shared by the two budget resources."""

    client: GitHubClient
    _budgets: list[dict[str, Any]] | None = field(default=None, init=False)

    def _body_pages(self, path: str, key: str) -> Iterator[list[dict[str, Any]]]:
        page = 1
        while True:
            payload = self.client.get_json(
                path, params={"per_page": BUDGETS_PER_PAGE, "page": page}
            )
            if not isinstance(payload, dict) or not isinstance(payload.get(key), list):
                raise GitHubApiError(
                    f"GitHub sent an unreadable answer from {path} (no `{key}` list): no budgets "
                    "were loaded; run again, and report it if it persists.",
                    endpoint=path,
                )
            yield payload[key]
            if not payload.get("has_next_page") or not payload[key]:
                return
            page += 1

    def all(self) -> list[dict[str, Any]]:
        if self._budgets is None:
            path = self.client.path(BUDGETS_PATH)
            try:
                self._budgets = [b for page in self._body_pages(path, "budgets") for b in page]
            except GitHubApiError as exc:
                if exc.status not in (403, 404):
                    raise
                self._budgets = []
                self.client.notes.append(
                    f"budgets were not loaded: GitHub answered {exc.status} on {path} (budgets "
                    "need an enterprise owner's or billing manager's token, and the enhanced "
                    "billing platform)."
                )
        return self._budgets

    def user_states(self, budget_id: str) -> Iterator[list[dict[str, Any]]]:
        path = self.client.path(USER_STATES_PATH, budget_id=budget_id)
        return self._body_pages(path, "user_states")


def budgets(directory: BudgetDirectory, today: date, now: datetime) -> Iterator[Any]:
    """Today's budgets, one row per budget, as a dated snapshot."""
    yield from create_table()
    for budget in directory.all():
        try:
            yield budget_row(budget, today, now)
        except (KeyError, TypeError, ValueError, ArithmeticError) as exc:
            raise GitHubApiError(
                f"GitHub sent an unreadable budget (missing or bad {exc}) from "
                f"{directory.client.path(BUDGETS_PATH)}: no budgets were loaded; run again, and "
                "report it if it persists.",
                endpoint=BUDGETS_PATH,
            ) from None


def budget_user_states(
    directory: BudgetDirectory, today: date, now: datetime
) -> Iterator[list[dict[str, Any]]]:
    """Each user's spend and target under each multi-user budget, as a dated snapshot."""
    yield from create_table()
    for budget in directory.all():
        if str(budget.get("budget_scope", "")).lower() not in MULTI_USER_SCOPES:
            continue
        for page in directory.user_states(str(budget["id"])):
            yield [user_state_row(str(budget["id"]), state, today, now) for state in page]


def cost_center_pool_states(
    centers: list[dict[str, Any]], today: date, now: datetime
) -> Iterator[Any]:
    """Each cost center's AI-credit pool today (from the cost-center list: no request)."""
    yield from create_table()
    for center in centers:
        pool = center.get("ai_credit_pool_state") or {}
        target, current = pool.get("target_amount"), pool.get("current_amount")
        yield {
            "snapshot_date": today,
            "cost_center_id": center["id"],
            "ai_credit_pool_enabled": center.get("ai_credit_pool_enabled"),
            "ai_credit_pool_target_amount": None if target is None else rows.as_decimal(target),
            "ai_credit_pool_current_amount": None if current is None else rows.as_decimal(current),
            "extracted_at": now,
        }
