"""The request plan is what the source actually sends, request for request."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from pipelines.github_billing.plan import requests_per_later_run, requests_per_load
from pipelines.simulator import Simulator
from pipelines.simulator.budgets import plan_shape
from tests.conftest import TODAY, load_into


@pytest.mark.parametrize("parallel", [1, 4], ids=["serial", "parallel"])
def test_a_load_sends_exactly_the_planned_requests(
    simulator: Simulator, tmp_path: Path, parallel: int
) -> None:
    # three days on each side of the switch from premium requests to AI credits
    since, until = TODAY.replace(month=5, day=29), TODAY.replace(month=6, day=3)
    result = load_into(
        tmp_path / "plan.duckdb",
        simulator,
        since=since.isoformat(),
        until=until.isoformat(),
        max_parallel_requests=parallel,
    )
    ent = simulator.enterprise
    planned = requests_per_load(
        days=(until - since).days + 1,
        cost_centers=len(ent.cost_centers),
        seats=len(ent.seats_today()),
        per_page=100,
        **plan_shape(ent),
    )
    assert len(simulator.requests) == result.requests_made == planned  # type: ignore[attr-defined]
    # ... + 1 seat page + 1 budget page + the user states of 2 multi-user budgets
    assert planned == 2 + 2 * 6 * 5 + 1 + 1 + 2


def test_the_plan_grows_with_days_partitions_and_seat_pages() -> None:
    # one budget page even when there is no budget
    assert requests_per_load(days=1, cost_centers=0, seats=0) == 2 + 2 + 1 + 1
    # the README's nightly run: 8 days (7 lookback + 1), 50 cost centers, 10,000 seats
    assert requests_per_load(days=8, cost_centers=50, seats=10_000) == 2 + 816 + 100 + 1
    assert requests_per_load(days=365, cost_centers=50, seats=250, per_page=100) == (
        2 + 37_230 + 3 + 1
    )
    # 150 budgets (2 pages), two multi-user ones over 250 and 40 users (3 + 1 pages)
    assert requests_per_load(1, 0, 0, budgets=150, multi_user_budget_users=[250, 40]) == (
        2 + 2 + 1 + 2 + 4
    )


@pytest.mark.parametrize("parallel", [1, 4], ids=["serial", "parallel"])
def test_a_later_run_sends_the_new_days_the_checks_and_the_drifted_days(
    simulator: Simulator, tmp_path: Path, parallel: int
) -> None:
    db = tmp_path / "later.duckdb"
    ent = simulator.enterprise
    start, earlier = TODAY - timedelta(days=12), TODAY - timedelta(days=4)
    load_into(db, simulator, start_date=str(start), today=str(earlier), lookback_days=3)
    ent.restate(earlier - timedelta(days=2))  # GitHub revises one loaded day
    simulator.clear_requests()
    result = load_into(
        db, simulator, start_date=str(start), lookback_days=3, max_parallel_requests=parallel
    )
    planned = requests_per_later_run(
        new_days=4,
        checked_days=4,
        drifted_days=1,
        cost_centers=len(ent.cost_centers),
        seats=len(ent.seats_today()),
        **plan_shape(ent),
    )
    assert len(simulator.requests) == result.requests_made == planned  # type: ignore[attr-defined]
    # the README's nightly run at 50 cost centers: 1 new day, the newest loaded day and the 7
    # before it checked, none drifted, one budget page (plus the 3 requests of `check`: 216)
    assert requests_per_later_run(1, 8, 0, 50, 10_000) == 2 + 102 + 100 + 8 + 1
