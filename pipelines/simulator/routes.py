"""Which answer a request gets: the route table of GitHub's billing paths, and the handlers
that read a request's query and call the payload builders. A new endpoint is a handler here and
a line in `ROUTES`.

Follows `shared/reference/github-openapi-billing.json` and the notes beside it: `/usage` returns
only no-cost-center usage unless `cost_center_id` is given; the report endpoints default to the
current month; only the past 24 months are served; seats are paged with `Link` headers.
An organization account has the usage, summary, premium-request, AI-credit and seat endpoints
only (no cost centers, no report exports), takes no `cost_center_id`, and is refused the `user=`
filter when an enterprise owns it.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from pipelines.simulator import budget_routes, exports
from pipelines.simulator.gate import Admitted, admit
from pipelines.simulator.payloads import (
    BadRequest,
    Response,
    cost_center_json,
    cost_center_ref,
    error,
    model_usage_items,
    seat_json,
    summary_items,
)
from pipelines.simulator.usage import AI_CREDIT, NO_COST_CENTER, PREMIUM_REQUEST

if TYPE_CHECKING:
    from pipelines.simulator.server import SimulatedAccount

Handler = Callable[["SimulatedAccount", Any, str, dict[str, str], Any], Response]


def route(
    sim: SimulatedAccount, req: Any, method: str, path: str, query: dict[str, str], body: Any
) -> Response:
    if path == "/_simulator/ground-truth":
        return 200, sim.enterprise.ground_truth(), {}
    admitted = admit(sim, req.headers, path)
    if not isinstance(admitted, Admitted):
        return admitted
    rest, headers = admitted.rest, admitted.headers
    download = re.fullmatch(r"/metered_exports/([0-9a-f-]{36})/(\d+)\.csv", rest)
    if download and method == "GET":
        status, payload, extra = exports.download(sim, download.group(1), int(download.group(2)))
        return status, payload, {**headers, **extra}
    routes = ORGANIZATION_ROUTES if sim.enterprise.is_organization else ROUTES
    handler = routes.get((method, re.sub(r"/[0-9a-f-]{36}(?=/|$)", "/{id}", rest)))
    if handler is None:
        return error(404, "Not Found", headers)
    try:
        status, payload, extra = handler(sim, req, rest, query, body)
    except BadRequest as exc:
        return error(400, str(exc), headers)
    return status, payload, {**headers, **extra}


def int_param(query: dict[str, str], name: str, lo: int, hi: int) -> int | None:
    if name not in query:
        return None
    try:
        value = int(query[name])
    except ValueError as exc:
        raise BadRequest(f"Invalid {name}: {query[name]}") from exc
    if not lo <= value <= hi:
        raise BadRequest(f"Invalid {name}: {value}")
    return value


def period_days(sim: SimulatedAccount, query: dict[str, str], default_month: bool) -> list[date]:
    today = sim.enterprise.today
    year = int_param(query, "year", 1970, 9999) or today.year
    month = int_param(query, "month", 1, 12)
    day = int_param(query, "day", 1, 31)
    if month is None and (default_month or day is not None):
        month = today.month
    if month is None:
        start, end = date(year, 1, 1), date(year, 12, 31)
    elif day is None:
        start = date(year, month, 1)
        end = (start + timedelta(days=32)).replace(day=1) - timedelta(days=1)
    else:
        try:
            start = end = date(year, month, day)
        except ValueError as exc:
            raise BadRequest(f"Invalid day: {day}") from exc
    # Only the past 24 months are served; older periods come back empty, as GitHub does.
    oldest = date(today.year - 2, today.month, 1)
    start = max(start, oldest, sim.enterprise.first_day)
    end = min(end, sim.enterprise.last_day)
    return [start + timedelta(days=i) for i in range((end - start).days + 1)]


def time_period(query: dict[str, str], sim: SimulatedAccount) -> dict[str, int]:
    period = {"year": int(query.get("year") or sim.enterprise.today.year)}
    period["month"] = int(query.get("month") or sim.enterprise.today.month)
    if "day" in query:
        period["day"] = int(query["day"])
    return period


def _cost_centers(
    sim: SimulatedAccount, req: Any, rest: str, query: dict[str, str], body: Any
) -> Response:
    state = query.get("state")
    if state not in (None, "active", "deleted"):
        raise BadRequest(f"Invalid state: {state}")
    ent = sim.enterprise
    centers = [
        cost_center_json(ent, cc)
        for cc in ent.cost_centers
        if cc.created_on is None or cc.created_on <= ent.today  # not created yet
    ]
    if state:
        centers = [c for c in centers if c["state"] == state]
    return 200, {"costCenters": centers}, {}


def _cost_center(
    sim: SimulatedAccount, req: Any, rest: str, query: dict[str, str], body: Any
) -> Response:
    cc = sim.enterprise.cost_center_by_id(rest.rsplit("/", 1)[1])
    if cc is None:
        return error(404, "Not Found")
    return 200, cost_center_json(sim.enterprise, cc), {}


def _seats(
    sim: SimulatedAccount, req: Any, rest: str, query: dict[str, str], body: Any
) -> Response:
    page = int_param(query, "page", 1, 10**9) or 1
    per_page = min(int_param(query, "per_page", 1, 10**9) or 50, 100)
    seats = sim.enterprise.seats_today()
    last = max(1, -(-len(seats) // per_page))
    chunk = seats[(page - 1) * per_page : page * per_page]
    host = req.headers.get("Host", "127.0.0.1")
    prefix = "orgs" if sim.enterprise.is_organization else "enterprises"
    base = f"http://{host}/{prefix}/{sim.enterprise.slug}{rest}"

    def link(n: int, rel: str) -> str:
        return f'<{base}?{urlencode({"per_page": per_page, "page": n})}>; rel="{rel}"'

    links = []
    if page > 1:
        links += [link(page - 1, "prev"), link(1, "first")]
    if page < last:
        links += [link(page + 1, "next"), link(last, "last")]
    headers = {"Link": ", ".join(links)} if links else {}
    total = len({g.login for g in seats})
    return (
        200,
        {"total_seats": total, "seats": [seat_json(sim.enterprise, g) for g in chunk]},
        headers,
    )


def cost_center_filter(sim: SimulatedAccount, query: dict[str, str]) -> str | None:
    """The `cost_center_id` asked for; an organization's endpoints have no such parameter (and
    its usage is in no cost center), so GitHub ignores it there."""
    return None if sim.enterprise.is_organization else query.get("cost_center_id") or None


def _usage(
    sim: SimulatedAccount, req: Any, rest: str, query: dict[str, str], body: Any
) -> Response:
    partition = cost_center_filter(sim, query) or NO_COST_CENTER
    items: list[dict[str, Any]] = []
    for day in period_days(sim, query, default_month=False):
        items.extend(sim.enterprise.day_usage(day).items_by_partition.get(partition, []))
    return 200, {"usageItems": items}, {}


def _report(sim: SimulatedAccount, query: dict[str, str], items: list[dict[str, Any]]) -> Response:
    """The body of the report endpoints: period, account, items, and the cost center asked."""
    payload: dict[str, Any] = {
        "timePeriod": time_period(query, sim),
        sim.enterprise.kind: sim.enterprise.slug,
        "usageItems": items,
    }
    ref = cost_center_ref(sim.enterprise, cost_center_filter(sim, query))
    if ref:
        payload["costCenter"] = ref
    return 200, payload, {}


def _summary(
    sim: SimulatedAccount, req: Any, rest: str, query: dict[str, str], body: Any
) -> Response:
    days = period_days(sim, query, default_month=True)
    usages = (sim.enterprise.day_usage(day) for day in days)
    return _report(sim, query, summary_items(usages, cost_center_filter(sim, query)))


def _model_usage(sku: tuple[str, Any]) -> Handler:
    def handler(
        sim: SimulatedAccount, req: Any, rest: str, query: dict[str, str], body: Any
    ) -> Response:
        if query.get("user") and sim.enterprise.owner_enterprise:
            return error(
                403,
                "Organization admins for enterprise owned organizations cannot filter usage by "
                "user",
            )
        days = period_days(sim, query, default_month=True)
        items = model_usage_items(
            (sim.enterprise.day_usage(day) for day in days),
            sim.enterprise.spelling.sku(sku[0]),
            cost_center_filter(sim, query),
            query.get("user"),
            query.get("model"),
        )
        return _report(sim, query, items)

    return handler


ROUTES: dict[tuple[str, str], Handler] = {
    ("GET", "/settings/billing/usage"): _usage,
    ("GET", "/settings/billing/usage/summary"): _summary,
    ("GET", "/settings/billing/premium_request/usage"): _model_usage(PREMIUM_REQUEST),
    ("GET", "/settings/billing/ai_credit/usage"): _model_usage(AI_CREDIT),
    ("GET", "/settings/billing/cost-centers"): _cost_centers,
    ("GET", "/settings/billing/cost-centers/{id}"): _cost_center,
    ("GET", "/copilot/billing/seats"): _seats,
    ("GET", "/settings/billing/budgets"): budget_routes.list_budgets,
    ("GET", "/settings/billing/budgets/{id}"): budget_routes.get_budget,
    ("GET", "/settings/billing/budgets/{id}/user-states"): budget_routes.user_states,
    ("POST", "/settings/billing/reports"): exports.create_report,
    ("GET", "/settings/billing/reports"): exports.list_reports,
    ("GET", "/settings/billing/reports/{id}"): exports.get_report,
}
# GitHub's organization billing API: the same answers under /organizations/{org} (seats under
# /orgs/{org}), without cost centers or usage-report exports
ORGANIZATION_ROUTES = {
    key: handler
    for key, handler in ROUTES.items()
    if "/cost-centers" not in key[1] and "/reports" not in key[1]
}
