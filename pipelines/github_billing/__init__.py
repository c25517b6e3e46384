"""The `github_billing` dlt source: GitHub Enterprise Cloud's Enhanced Billing Platform, for an
enterprise or an organization-scoped billing account.

Resources: `billing_accounts` (the account itself), `usage_items` (daily, per cost-center
partition), `premium_request_usage` and `ai_credit_usage` (daily, per partition, by model),
`copilot_seats` (daily snapshots), `cost_centers` and `cost_center_resources` (active and
deleted); from GitHub's usage-report exports, `copilot_user_usage` (per user and model) and
`detailed_usage` (per user, repository and workflow); daily snapshots of `budgets`,
`budget_user_states` and `cost_center_pool_states` (budgets.py). An organization account has
no cost centers, exports or budgets API: its `copilot_user_usage` comes from the `user=` filter.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta

import dlt
from dlt.sources import DltResource

from pipelines.github_billing import budgets as b
from pipelines.github_billing import resources as r
from pipelines.github_billing.accounts import BillingAccount
from pipelines.github_billing.backfill import Backfill
from pipelines.github_billing.client import GitHubApiError, GitHubClient
from pipelines.github_billing.config import (
    GitHubBillingConfiguration,
    validated_account,
    validated_base_url,
)
from pipelines.github_billing.contract import resource
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

__all__ = [
    "BillingAccount",
    "GitHubApiError",
    "GitHubClient",
    "default_start_date",
    "github_billing",
]


def default_start_date(today: date) -> date:
    """First run: the previous and the current month, the invoices GitHub may still revise."""
    first_of_month = today.replace(day=1)
    return (first_of_month - timedelta(days=1)).replace(day=1)


def _as_date(value: str | date | None) -> date | None:
    if value is None or value == "":
        return None
    return value if isinstance(value, date) else date.fromisoformat(str(value))


def _exports_on_clock(exports: UsageExports) -> UsageExports:
    """The backfill's reports wait on the client's clock (a benchmark's virtual one)."""
    api = exports.client
    return UsageExports(
        api,
        sleep=api.clock.sleep,
        clock=api.clock.time,
        poll_seconds=exports.poll_seconds,
        timeout_seconds=exports.timeout_seconds,
    )


@dlt.source(name="github_billing", max_table_nesting=0, spec=GitHubBillingConfiguration)
def github_billing(
    enterprise: str | None = None,
    access_token: str | None = dlt.secrets.value,
    base_url: str = DEFAULT_BASE_URL,
    start_date: str | None = None,
    lookback_days: int = DEFAULT_LOOKBACK_DAYS,
    since: str | None = None,
    until: str | None = None,
    today: str | None = None,
    seats_per_page: int = SEATS_PER_PAGE,
    usage_exports: bool = True,
    backfill_via_exports: bool = True,
    max_parallel_requests: int = DEFAULT_MAX_PARALLEL_REQUESTS,
    load_budgets: bool = True,
    export_poll_seconds: float = EXPORT_POLL_SECONDS,
    export_timeout_seconds: float = EXPORT_TIMEOUT_SECONDS,
    rate_limit_floor_seconds: float = 60.0,
    organization: str | None = None,
    account_name: str | None = None,
    client: GitHubClient | None = None,
) -> Sequence[DltResource]:
    """GitHub billing for one enterprise or one organization-scoped billing account.

    Args:
        enterprise: the slug, or the enterprise URL `https://github.com/enterprises/<slug>`.
        access_token: a classic personal access token (`ghp_...`); for an organization also a
            fine-grained one with the organization permission Administration (read). Not
            needed with `client`, which holds its own.
        base_url: `https://api.github.com`, or a GHE.com host such as `https://api.acme.ghe.com`.
        start_date: first day of the first load (default: first day of the previous month).
        lookback_days: days before the last loaded one that every run re-reads (restatements).
        since / until: an explicit backfill window; it does not move the incremental cursor.
        today: the UTC day the run treats as today (tests pin it).
        seats_per_page: page size of the seats list (GitHub's maximum, 100, by default).
        usage_exports: also load per-user Copilot usage and per-workflow usage through GitHub's
            usage-report export API (one report at a time, at most 31 days each).
        backfill_via_exports: read the new days older than the JSON window (`lookback_days`
            before yesterday) from usage-report exports: `usage_items` from summarized
            reports (a year each), the by-model tables from the per-user reports (`backfill`).
            Off, or without the export API (403/404), every day goes through the JSON plan.
        max_parallel_requests: day and cost-center requests (usage, premium requests, AI
            credits) out at once, 1 to 4; 1 (the default) sends them one at a time.
        load_budgets: also snapshot budgets, multi-user budgets' user states and cost centers'
            AI-credit pools (1 request per 100 budgets, 1 per 100 users of each multi-user
            budget).
        export_poll_seconds / export_timeout_seconds: the first wait between polls of a
            usage report (doubling to a minute), and how long a report may take.
        rate_limit_floor_seconds: the first wait after a rate limit with no reset time (the
            client's retries read it; here so that dlt knows the key).
        organization: instead of `enterprise`, an organization that pays GitHub itself: its
            login or URL. It has no cost centers and no usage-report exports (those resources
            are left out); `usage_exports` then loads per-user Copilot usage with `user=`.
        account_name: the account's name in the store, every raw row's `billing_account_id`
            (default: the enterprise slug or the organization login; the client's account's
            own name with `client`). A load replaces only this account's rows.
        client: an already-built client (the CLI shares one between check and run); its
            account is the one loaded, whatever `enterprise` or `organization` say.
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
        validated_base_url(base_url),
        access_token or "",
        validated_account(enterprise, organization),
    )
    account = api.account.named(account_name)
    name = account.name
    api.max_in_flight = parallel  # the client holds every thread of the run to it
    directory = r.CostCenterDirectory(api)
    summaries = DailySummaries(api)  # one summary request per re-checked day, shared
    exports = (
        UsageExports(api, poll_seconds=export_poll_seconds, timeout_seconds=export_timeout_seconds)
        if usage_exports or backfill_via_exports
        else None
    )
    # Organizations have no usage-report exports: every day of theirs goes through JSON.
    backfill = (
        Backfill(
            api, directory, summaries, _exports_on_clock(exports), today_date, int(lookback_days)
        )
        if backfill_via_exports and exports and account.has_exports
        else None
    )

    def model_usage(table: str, ai_credits: bool) -> DltResource:
        cursor = window.incremental("usage_date")
        return resource(r.model_usage, table, name)(
            api, directory, window, cursor, ai_credits, summaries, parallel, backfill
        )

    resources = [
        resource(r.billing_accounts, "billing_accounts", name)(api, account),
        resource(r.cost_centers, "cost_centers", name)(directory),
        resource(r.cost_center_resources, "cost_center_resources", name)(directory),
        resource(r.usage_items, "usage_items", name)(
            api, directory, window, window.incremental("usage_date"), summaries, parallel, backfill
        ),
        model_usage("premium_request_usage", ai_credits=False),
        model_usage("ai_credit_usage", ai_credits=True),
        resource(r.copilot_seats, "copilot_seats", name)(api, window, int(seats_per_page)),
    ]
    # Budgets are an enterprise API; an organization's tables stay empty.
    budget_tables = _budget_resources(
        api, directory, today_date, load_budgets and not account.is_organization, name
    )
    resources += budget_tables
    for table, family in (("copilot_user_usage", "copilot"), ("detailed_usage", "detailed")):
        # Per-workflow usage exists in the detailed exports only, which organizations lack;
        # their per-user Copilot usage comes through user= (report_usage knows).
        if usage_exports and exports and (family == "copilot" or account.has_exports):
            # Each report covers whole days for every user: a re-read day replaces the day.
            resources.append(
                resource(r.report_usage, table, name)(
                    api, exports, window, window.incremental("usage_date"), family
                )
            )
        else:  # the tables still exist, for dbt and for `github-billing import`
            resources.append(resource(r.empty_table, table, name)())
    return resources


def _budget_resources(
    api: GitHubClient, directory: r.CostCenterDirectory, today: date, load: bool, account: str
) -> list[DltResource]:
    """Daily snapshots (merged on snapshot_date): a re-run the same day replaces that day. Off
    (`load_budgets`), the tables are still created, empty, for dbt."""
    names = ("budgets", "budget_user_states", "cost_center_pool_states")
    if not load:
        return [resource(r.empty_table, name, account)() for name in names]
    budgets = b.BudgetDirectory(api)
    now = datetime.now(UTC)
    return [
        resource(b.budgets, "budgets", account)(budgets, today, now),
        resource(b.budget_user_states, "budget_user_states", account)(budgets, today, now),
        resource(
            lambda: b.cost_center_pool_states(directory.all(), today, now),
            "cost_center_pool_states",
            account,
        )(),
    ]
