"""The request plan is what the source actually sends, request for request."""

from __future__ import annotations

from pathlib import Path

from pipelines.github_billing.plan import requests_per_load
from pipelines.simulator import Simulator
from tests.conftest import TODAY, load_into


def test_a_load_sends_exactly_the_planned_requests(simulator: Simulator, tmp_path: Path) -> None:
    # three days on each side of the switch from premium requests to AI credits
    since, until = TODAY.replace(month=5, day=29), TODAY.replace(month=6, day=3)
    result = load_into(
        tmp_path / "plan.duckdb", simulator, since=since.isoformat(), until=until.isoformat()
    )
    ent = simulator.enterprise
    planned = requests_per_load(
        days=(until - since).days + 1,
        cost_centers=len(ent.cost_centers),
        seats=len(ent.seats_today()),
        per_page=100,
    )
    assert len(simulator.requests) == result.requests_made == planned  # type: ignore[attr-defined]
    assert planned == 2 + 2 * 6 * 5 + 1


def test_the_plan_grows_with_days_partitions_and_seat_pages() -> None:
    assert requests_per_load(days=1, cost_centers=0, seats=0) == 2 + 2 + 1
    # the README's nightly run: 8 days (7 lookback + 1), 50 cost centers, 10,000 seats
    assert requests_per_load(days=8, cost_centers=50, seats=10_000) == 2 + 816 + 100
    assert requests_per_load(days=365, cost_centers=50, seats=250, per_page=100) == 2 + 37_230 + 3
