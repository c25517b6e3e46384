"""The `github_billing` dlt source: GitHub Enterprise Cloud's Enhanced Billing Platform.

Resources: `billing_accounts` (the enterprise itself), `usage_items` (daily, per cost-center
partition), `premium_request_usage` and `ai_credit_usage` (daily, per partition, by model),
`copilot_seats` (daily snapshots), `cost_centers` and `cost_center_resources` (active and
deleted); from GitHub's usage-report exports, `copilot_user_usage` (per user and model) and
`detailed_usage` (per user, repository and workflow); daily snapshots of `budgets`,
`budget_user_states` and `cost_center_pool_states` (budgets.py).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta

import dlt
from dlt.sources import DltResource

from pipelines.github_billing import budgets as b
from pipelines.github_billing import resources as r
from pipelines.github_billing.client import GitHubApiError, GitHubClient
from pipelines.github_billing.config import (
    GitHubBillingConfiguration,
    validated_base_url,
    validated_slug,
)
from pipelines.github_billing.drift import DailySummaries
from pipelines.github_billing.exports import UsageExports
from pipelines.github_billing.rows import parallel_requests
from pipelines.github_billing.settings import (
    DEFAULT_BASE_URL,
    DEFAULT_LOOKBACK_DAYS,
    DEFAULT_MAX_PARALLEL_REQUESTS,
    EXPORT_POLL_SECONDS,
    EXPORT_TIMEOUT_SECONDS,
    SEATS_PER_PAGE,
)

__all__ = ["GitHubApiError", "GitHubClient", "default_start_date", "github_billing"]


def default_start_date(today: date) -> date:
    """First run: the previous and the current month, the invoices GitHub may still revise."""
    first_of_month = today.replace(day=1)
    return (first_of_month - timedelta(days=1)).replace(day=1)


def _as_date(value: str | date | None) -> date | None:
    if value is None or value == "":
        return None
    return value if isinstance(value, date) else date.fromisoformat(str(value))


@dlt.source(name="github_billing", max_table_nesting=0, spec=GitHubBillingConfiguration)
def github_billing(
    enterprise: str | None = dlt.config.value,
    access_token: str | None = dlt.secrets.value,
    base_url: str = DEFAULT_BASE_URL,
    start_date: str | None = None,
    lookback_days: int = DEFAULT_LOOKBACK_DAYS,
    since: str | None = None,
    until: str | None = None,
    today: str | None = None,
    seats_per_page: int = SEATS_PER_PAGE,
    usage_exports: bool = True,
    max_parallel_requests: int = DEFAULT_MAX_PARALLEL_REQUESTS,
    load_budgets: bool = True,
    export_poll_seconds: float = EXPORT_POLL_SECONDS,
    export_timeout_seconds: float = EXPORT_TIMEOUT_SECONDS,
    rate_limit_floor_seconds: float = 60.0,
    client: GitHubClient | None = None,
) -> Sequence[DltResource]:
    """GitHub billing for one enterprise.

    Args:
        enterprise: the slug, or the enterprise URL `https://github.com/enterprises/<slug>`.
        access_token: a classic personal access token (`ghp_...`); not needed with `client`,
            which holds its own.
        base_url: `https://api.github.com`, or a GHE.com host such as `https://api.acme.ghe.com`.
        start_date: first day of the first load (default: first day of the previous month).
        lookback_days: days before the last loaded one that every run re-reads (restatements).
        since / until: an explicit backfill window; it does not move the incremental cursor.
        today: the UTC day the run treats as today (tests pin it).
        seats_per_page: page size of the seats list (GitHub's maximum, 100, by default).
        usage_exports: also load per-user Copilot usage and per-workflow usage through GitHub's
            usage-report export API (one report at a time, at most 31 days each).
        max_parallel_requests: day and cost-center requests (usage, premium requests, AI
            credits) out at once, 1 to 4; 1 (the default) sends them one at a time.
        load_budgets: also snapshot budgets, multi-user budgets' user states and cost centers'
            AI-credit pools (1 request per 100 budgets, 1 per 100 users of each multi-user
            budget).
        export_poll_seconds / export_timeout_seconds: the first wait between polls of a
            usage report (doubling to a minute), and how long a report may take.
        rate_limit_floor_seconds: the first wait after a rate limit with no reset time (the
            client's retries read it; here so that dlt knows the key).
        client: an already-built client (the CLI shares one between check and run).
    """
    today_date = _as_date(today) or datetime.now(UTC).date()
    window = r.LoadWindow(
        today=today_date,
        start_date=_as_date(start_date) or default_start_date(today_date),
        lookback_days=int(lookback_days),
        since=_as_date(since),
        until=_as_date(until),
    )
    parallel = parallel_requests(max_parallel_requests)
    api = client or GitHubClient(
        validated_base_url(base_url), access_token or "", validated_slug(enterprise)
    )
    api.max_in_flight = parallel  # the client holds every thread of the run to it
    directory = r.CostCenterDirectory(api)
    summaries = DailySummaries(api)  # one summary request per re-checked day, shared
    daily_merge = {"disposition": "merge", "strategy": "delete-insert"}

    usage = dlt.resource(
        r.usage_items,
        name="usage_items",
        write_disposition=daily_merge,  # type: ignore[arg-type]
        merge_key=["usage_date", "cost_center_id"],
        columns=r.USAGE_ITEM_COLUMNS,
    )(api, directory, window, window.incremental("usage_date"), summaries, parallel)

    def model_resource(name: str, ai_credits: bool) -> DltResource:
        return dlt.resource(
            r.model_usage,
            name=name,
            write_disposition=daily_merge,  # type: ignore[arg-type]
            merge_key=["usage_date", "cost_center_id"],
            columns=r.MODEL_USAGE_COLUMNS,
        )(
            api,
            directory,
            window,
            window.incremental("usage_date"),
            ai_credits,
            summaries,
            parallel,
        )

    seats = dlt.resource(
        r.copilot_seats,
        name="copilot_seats",
        write_disposition=daily_merge,  # type: ignore[arg-type]
        merge_key="snapshot_date",
        columns=r.SEAT_COLUMNS,
    )(api, window, int(seats_per_page))
    centers = dlt.resource(
        r.cost_centers,
        name="cost_centers",
        write_disposition="merge",
        primary_key="id",
        columns=r.COST_CENTER_COLUMNS,
    )(directory)
    center_resources = dlt.resource(
        r.cost_center_resources,
        name="cost_center_resources",
        write_disposition={"disposition": "merge", "strategy": "scd2"},  # type: ignore[arg-type]
    )(directory)
    accounts = dlt.resource(
        r.billing_accounts,
        name="billing_accounts",
        write_disposition="merge",
        primary_key="billing_account_id",
        columns=r.BILLING_ACCOUNT_COLUMNS,
    )(api)
    resources = [
        accounts,
        centers,
        center_resources,
        usage,
        model_resource("premium_request_usage", ai_credits=False),
        model_resource("ai_credit_usage", ai_credits=True),
        seats,
    ]
    if load_budgets:
        resources += _budget_resources(api, directory, today_date)
    if usage_exports:
        exports = UsageExports(
            api, poll_seconds=export_poll_seconds, timeout_seconds=export_timeout_seconds
        )

        def report_resource(name: str, family: str, columns: object) -> DltResource:
            # Each report covers whole days for every user: a re-read day replaces the day.
            return dlt.resource(
                r.report_usage,
                name=name,
                write_disposition=daily_merge,  # type: ignore[arg-type]
                merge_key="usage_date",
                columns=columns,  # type: ignore[arg-type]
            )(api, exports, window, window.incremental("usage_date"), family)

        resources += [
            report_resource("copilot_user_usage", "copilot", r.COPILOT_USER_USAGE_COLUMNS),
            report_resource("detailed_usage", "detailed", r.DETAILED_USAGE_COLUMNS),
        ]
    return resources


def _budget_resources(
    api: GitHubClient, directory: r.CostCenterDirectory, today: date
) -> list[DltResource]:
    """Daily snapshots (merged on snapshot_date): a re-run the same day replaces that day."""
    budgets = b.BudgetDirectory(api)
    now = datetime.now(UTC)
    snapshot = {"write_disposition": "merge", "merge_key": "snapshot_date"}
    return [
        dlt.resource(b.budgets, name="budgets", columns=b.BUDGET_COLUMNS, **snapshot)(  # type: ignore[call-overload]
            budgets, today, now
        ),
        dlt.resource(
            b.budget_user_states,
            name="budget_user_states",
            columns=b.USER_STATE_COLUMNS,
            **snapshot,  # type: ignore[arg-type]
        )(budgets, today, now),
        dlt.resource(
            lambda: b.cost_center_pool_states(directory.all(), today, now),
            name="cost_center_pool_states",
            columns=b.POOL_STATE_COLUMNS,
            **snapshot,  # type: ignore[arg-type]
        )(),
    ]
