"""The request plan: how many API requests a load of a window costs, stated as one function.

`/usage` answers for one cost-center partition at a time (no cost center, or one cost center,
active or deleted), and the premium-request / AI-credit endpoints likewise, one day per request
(the model endpoints sum a longer period, so a day is their finest grain). A load is therefore

    2 (cost centers: active, deleted) + days x partitions (usage)
      + days x partitions (premium requests to 2026-05-31, AI credits from 2026-06-01)
      + ceil(seats / per_page) (seat pages, at least one)
      + ceil(budgets / 100) (budget pages, at least one)
      + sum over multi-user budgets of ceil(users / 100) (user-state pages, at least one each)

and `github-billing check` adds 3 (rate_limit, cost centers, one seat). Tests hold the source to
this number; `make bench` reports the requests a run made against it (P2).

A later run reads its new days the same way, and checks each loaded day of its lookback window
with one `/usage/summary` request (every cost center at once), reading a day again, partition
by partition, only when its totals drifted (`drift.py`).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import date

from pipelines.github_billing.settings import (
    AI_CREDITS_START,
    BUDGETS_PER_PAGE,
    PREMIUM_REQUEST_REPORTS_FROM,
    REPORT_MAX_DAYS,
    SEATS_PER_PAGE,
    SUMMARIZED_MAX_DAYS,
)


def budget_requests(budgets: int, multi_user_budget_users: Sequence[int] = ()) -> int:
    """Requests of the budget snapshots: the budget list, then each multi-user budget's user
    states (`multi_user_budget_users`: the users each one covers)."""
    pages = max(1, math.ceil(budgets / BUDGETS_PER_PAGE))
    return pages + sum(
        max(1, math.ceil(users / BUDGETS_PER_PAGE)) for users in multi_user_budget_users
    )


def requests_per_load(
    days: int,
    cost_centers: int,
    seats: int,
    per_page: int = SEATS_PER_PAGE,
    budgets: int = 0,
    multi_user_budget_users: Sequence[int] = (),
) -> int:
    """Requests of one load of `days` days for an enterprise with `cost_centers` cost centers
    (active and deleted), `seats` seat assignments and `budgets` budgets."""
    partitions = cost_centers + 1  # usage in no cost center is a partition of its own
    return (
        2
        + 2 * days * partitions
        + max(1, math.ceil(seats / per_page))
        + budget_requests(budgets, multi_user_budget_users)
    )


CHECK_REQUESTS = 3  # rate_limit, cost centers, one seat


def requests_per_later_run(
    new_days: int,
    checked_days: int,
    drifted_days: int,
    cost_centers: int,
    seats: int,
    per_page: int = SEATS_PER_PAGE,
    budgets: int = 0,
    multi_user_budget_users: Sequence[int] = (),
) -> int:
    """Requests of a run after the first: its new days read in full, one summary request per
    looked-back day, and the days whose summary drifted read again in full."""
    load = requests_per_load(
        new_days + drifted_days, cost_centers, seats, per_page, budgets, multi_user_budget_users
    )
    return load + checked_days


def requests_per_export_backfill(
    report_days: list[date],
    json_days: int,
    cost_centers: int,
    seats: int,
    polls: int,
    files: int = 1,
    per_page: int = SEATS_PER_PAGE,
    budgets: int = 0,
    multi_user_budget_users: Sequence[int] = (),
) -> int:
    """Requests of a load whose `report_days` (new days older than the JSON window) come from
    usage-report exports (`backfill.py`) and whose `json_days` go through the JSON plan:

        2 (cost centers) + ceil(seats / per_page) + budget pages
          + (Rs + Rm) x (1 + polls + files)   summarized reports (a year each) for usage_items,
                                              premium_request / ai_credit reports (a calendar
                                              month each) for the by-model tables
          + M + P                             /usage/summary checks: M whole months, P days of
                                              the months covered in part
          + json_days x partitions x 2

    when every report completes and matches the summary (a day that does not is read again
    through JSON: partitions requests per table). Premium-request days before 2025-10-01,
    which GitHub's reports do not hold, stay on JSON."""
    from pipelines.github_billing.backfill import report_plan, summary_periods

    partitions = cost_centers + 1
    summarized = len(report_plan(report_days, SUMMARIZED_MAX_DAYS))
    premium = [d for d in report_days if PREMIUM_REQUEST_REPORTS_FROM <= d < AI_CREDITS_START]
    credits = [d for d in report_days if d >= AI_CREDITS_START]
    by_model = len(report_plan(premium, REPORT_MAX_DAYS)) + len(
        report_plan(credits, REPORT_MAX_DAYS)
    )
    premium_on_json = sum(1 for d in report_days if d < PREMIUM_REQUEST_REPORTS_FROM)
    return (
        2
        + max(1, math.ceil(seats / per_page))
        + budget_requests(budgets, multi_user_budget_users)
        + (summarized + by_model) * (1 + polls + files)
        + len(summary_periods(report_days))
        + (2 * json_days + premium_on_json) * partitions
    )
