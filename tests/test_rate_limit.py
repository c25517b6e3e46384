"""The client paces itself on x-ratelimit-remaining / x-ratelimit-reset: a backfill larger than
the hourly budget waits for the reset and never receives a rate-limit error."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from pipelines.github_billing import GitHubClient
from pipelines.github_billing.plan import requests_per_load
from pipelines.runner import load
from pipelines.simulator import Simulator
from pipelines.simulator.budgets import plan_shape
from pipelines.simulator.server import DEMO_TOKEN, RateLimit
from tests.conftest import TODAY, make_enterprise


class FakeClock:
    """Time that only moves when someone sleeps: the test never waits."""

    def __init__(self) -> None:
        self.now = 1_800_000_000.0
        self.slept: list[float] = []

    def time(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


def backfill(db: Path, client: GitHubClient, days: int, **source_args: object) -> None:
    """The last `days` days, as `github-billing run --since ... --until ...` loads them."""
    until = TODAY - timedelta(days=1)
    since = until - timedelta(days=days - 1)
    load(
        db,
        client,
        since=str(since),
        until=str(until),
        today=str(TODAY),
        usage_exports=False,  # the JSON request plan; exports have their own (test_exports)
        **source_args,
    )


def test_a_backfill_beyond_the_budget_waits_for_the_reset_instead_of_failing(
    tmp_path: Path,
) -> None:
    clock = FakeClock()
    budget = RateLimit(limit=30, window_seconds=3600, clock=clock.time)
    with Simulator(make_enterprise(), rate_limit=budget) as sim:
        client = GitHubClient(sim.base_url, DEMO_TOKEN, sim.enterprise.slug, clock, low_water=5)
        backfill(tmp_path / "paced.duckdb", client, days=3)
        statuses = [r.status for r in sim.requests]
    planned = requests_per_load(
        3,
        len(sim.enterprise.cost_centers),
        len(sim.enterprise.seats_today()),
        **plan_shape(sim.enterprise),
    )
    assert len(statuses) == planned > budget.limit
    assert set(statuses) == {200}  # no 403: the client never ran the budget dry
    assert len(clock.slept) == 1 and 3500 < clock.slept[0] <= 3601  # one wait, until the reset
    assert client.paced_seconds == clock.slept[0]


def test_no_wait_while_the_budget_lasts(tmp_path: Path) -> None:
    clock = FakeClock()
    with Simulator(make_enterprise(), rate_limit=RateLimit(clock=clock.time)) as sim:
        client = GitHubClient(sim.base_url, DEMO_TOKEN, sim.enterprise.slug, clock)
        backfill(tmp_path / "free.duckdb", client, days=1)
    assert clock.slept == [] and client.rate_limit_remaining is not None
