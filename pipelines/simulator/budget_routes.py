"""Handlers of the budget endpoints: the budget list (paged with `page`/`per_page` and
`has_next_page` in the body, not a Link header), one budget, and a multi-user budget's
per-user states."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pipelines.simulator import budgets
from pipelines.simulator.payloads import BadRequest, Response, error

if TYPE_CHECKING:
    from pipelines.simulator.server import Simulator

SCOPES = (
    "enterprise",
    "organization",
    "repository",
    "cost_center",
    "multi_user_customer",
    "multi_user_cost_center",
    "user",
)


def _page(query: dict[str, str], default_per_page: int) -> tuple[int, int]:
    from pipelines.simulator.routes import int_param

    page = int_param(query, "page", 1, 10**9) or 1
    per_page = min(int_param(query, "per_page", 1, 10**9) or default_per_page, 100)
    return page, per_page


def _paged(
    items: list[Any], query: dict[str, str], default_per_page: int
) -> tuple[list[Any], bool]:
    page, per_page = _page(query, default_per_page)
    return items[(page - 1) * per_page : page * per_page], page * per_page < len(items)


def list_budgets(sim: Simulator, req: Any, rest: str, query: dict[str, str], body: Any) -> Response:
    ent = sim.enterprise
    scope = query.get("scope")
    if scope is not None and scope not in SCOPES:
        raise BadRequest(f"Invalid scope: {scope}")
    chosen = [b for b in ent.budgets if scope is None or b.scope == scope]
    consumed = budgets.month_to_date(ent, ent.last_day)
    chunk, more = _paged(chosen, query, 10)
    payload: dict[str, Any] = {
        "budgets": [budgets.budget_json(b, consumed) for b in chunk],
        "has_next_page": more,
        "total_count": len(chosen),
    }
    return 200, payload, {}


def _budget(sim: Simulator, rest: str) -> budgets.Budget | None:
    wanted = rest.split("/budgets/", 1)[1].split("/", 1)[0]
    return next((b for b in sim.enterprise.budgets if b.id == wanted), None)


def get_budget(sim: Simulator, req: Any, rest: str, query: dict[str, str], body: Any) -> Response:
    budget = _budget(sim, rest)
    if budget is None:
        return error(404, "Budget not found")
    return (
        200,
        budgets.budget_json(budget, budgets.month_to_date(sim.enterprise, sim.enterprise.last_day)),
        {},
    )


def user_states(sim: Simulator, req: Any, rest: str, query: dict[str, str], body: Any) -> Response:
    budget = _budget(sim, rest)
    if budget is None:
        return error(404, "Budget not found")
    if not budget.scope.startswith("multi_user"):
        raise BadRequest("User states are only available for multi-user budgets")
    states = budgets.user_states(sim.enterprise, budget)
    if query.get("user"):
        states = [s for s in states if s["user"].lower() == query["user"].lower()]
    states.sort(
        key=lambda s: (s["consumed_amount"], s["user"]), reverse=query.get("sort_order", "0") == "0"
    )
    chunk, more = _paged(states, query, 30)
    return 200, {"user_states": chunk, "has_next_page": more, "total_count": len(states)}, {}
