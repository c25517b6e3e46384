"""`max_parallel_requests`: the day and cost-center requests of a run go out a few at a time,
and nothing else changes: the same raw tables, the same requests, the same pacing on the rate
limit, the same sentences when GitHub fails."""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest

from pipelines.github_billing import GitHubClient
from pipelines.github_billing import resources as r
from pipelines.github_billing.plan import requests_per_load
from pipelines.runner import RunFailed, make_pipeline
from pipelines.simulator import Simulator
from pipelines.simulator import faults as f
from pipelines.simulator.budgets import plan_shape
from pipelines.simulator.server import DEMO_TOKEN, RateLimit
from tests.conftest import TODAY, load_into, make_enterprise, query
from tests.test_rate_limit import FakeClock, backfill
from tests.test_source import raw_net_by_day_and_partition, truth_by_day_and_partition

RAW = "github_billing_raw"
DAILY_TABLES = ("usage_items", "premium_request_usage", "ai_credit_usage")
# six days across the switch from premium requests to AI credits, so both model tables load
SINCE, UNTIL = date(2026, 5, 29), date(2026, 6, 3)


def window(**kw: object) -> dict[str, object]:
    return {"since": SINCE.isoformat(), "until": UNTIL.isoformat(), **kw}


def raw_rows(db: Path, table: str) -> list[tuple]:
    """Every row of a raw table, without what differs between any two loads (dlt's ids, the
    extraction time)."""
    return query(
        db,
        f"select * exclude (_dlt_load_id, _dlt_id, extracted_at) from {RAW}.{table} order by all",
    )


def loaded_totals(db: Path) -> dict[str, Any]:
    """The drift bookkeeping each daily resource keeps in its dlt state."""
    resources = make_pipeline(db, "acme-corp").state["sources"]["github_billing"]["resources"]
    return {table: resources[table]["net_by_day"] for table in DAILY_TABLES}


# -- the helper that runs the fetches -----------------------------------------------------------


def test_fetch_in_order_hands_answers_out_in_the_order_asked_with_a_bounded_number_out() -> None:
    out, most = 0, 0
    lock = threading.Lock()
    jitter = random.Random(6)
    delays = [jitter.uniform(0, 0.01) for _ in range(40)]

    def fetch(n: int) -> int:
        nonlocal out, most
        with lock:
            out += 1
            most = max(most, out)
        time.sleep(delays[n])  # later keys often finish first
        with lock:
            out -= 1
        return n * n

    assert list(r.fetch_in_order(fetch, range(40), parallel=3)) == [(n, n * n) for n in range(40)]
    assert most == 3


def test_fetch_in_order_with_one_is_a_plain_loop_in_the_calling_thread() -> None:
    threads = set()

    def fetch(n: int) -> int:
        threads.add(threading.current_thread())
        return n

    assert list(r.fetch_in_order(fetch, iter(range(5)), parallel=1)) == [(n, n) for n in range(5)]
    assert threads == {threading.current_thread()}


def test_fetch_in_order_raises_a_failed_fetch_at_its_turn() -> None:
    def fetch(n: int) -> int:
        if n == 4:
            raise ValueError("four")
        return n

    got = []
    with pytest.raises(ValueError, match="four"):
        for key, _ in r.fetch_in_order(fetch, range(10), parallel=3):
            got.append(key)
    assert got == [0, 1, 2, 3]  # everything before the failure, nothing after it


def test_fetch_in_order_takes_only_parallel_keys_ahead_of_the_caller() -> None:
    taken = []

    def keys() -> Iterator[int]:
        for n in range(100):
            taken.append(n)
            yield n

    fetched = r.fetch_in_order(lambda n: n, keys(), parallel=4)
    assert next(fetched) == (0, 0)
    assert len(taken) == 4  # memory stays bounded: the rest is not even asked for
    fetched.close()


# -- a load with parallel requests --------------------------------------------------------------


@pytest.fixture
def batches(monkeypatch: pytest.MonkeyPatch) -> list[list[tuple[str, date]]]:
    """The (partition, day) of every /usage response in each Arrow batch, in order; batches are
    made small so that a load has several."""
    seen: list[list[tuple[str, date]]] = []
    flush = r._UsageBatch.flush

    def recorded_flush(self: r._UsageBatch) -> Iterator[Any]:
        if self.bodies:
            seen.append([(cc, day) for _, cc, day in self.bodies])
        return flush(self)

    monkeypatch.setattr(r, "USAGE_BATCH_BYTES", 4096)
    monkeypatch.setattr(r._UsageBatch, "flush", recorded_flush)
    return seen


def test_a_parallel_load_gives_the_same_raw_tables_batches_and_totals_as_a_serial_one(
    simulator: Simulator, tmp_path: Path, batches: list[list[tuple[str, date]]]
) -> None:
    serial, parallel = tmp_path / "serial.duckdb", tmp_path / "parallel.duckdb"
    load_into(serial, simulator, **window(max_parallel_requests=1))
    serial_batches = list(batches)
    batches.clear()
    load_into(parallel, simulator, **window(max_parallel_requests=4))
    assert len(serial_batches) > 3 and batches == serial_batches
    for table in DAILY_TABLES:
        assert raw_rows(parallel, table) == raw_rows(serial, table), table
    assert raw_rows(serial, "ai_credit_usage") and raw_rows(serial, "premium_request_usage")
    assert loaded_totals(parallel) == loaded_totals(serial)


@pytest.mark.parametrize("parallel", [1, 3])
def test_no_more_requests_are_in_flight_than_the_setting_allows(
    tmp_path: Path, parallel: int
) -> None:
    with Simulator(make_enterprise(), latency=0.02) as sim:
        result = load_into(tmp_path / "f.duckdb", sim, **window(max_parallel_requests=parallel))
        assert sim.max_in_flight == parallel  # reached, never passed
    ent = sim.enterprise
    planned = requests_per_load(6, len(ent.cost_centers), len(ent.seats_today()), **plan_shape(ent))
    assert len(sim.requests) == result.requests_made == planned  # type: ignore[attr-defined]


def test_parallel_requests_still_pace_on_the_rate_limit_and_are_never_refused(
    tmp_path: Path,
) -> None:
    clock = FakeClock()
    budget = RateLimit(limit=30, window_seconds=3600, clock=clock.time)
    spent_at_wait: list[int] = []
    sleep = clock.sleep
    clock.sleep = lambda s: (spent_at_wait.append(budget.used), sleep(s))[1]  # type: ignore[method-assign]
    with Simulator(make_enterprise(), rate_limit=budget, latency=0.01) as sim:
        client = GitHubClient(sim.base_url, DEMO_TOKEN, sim.enterprise.slug, clock, low_water=5)
        backfill(tmp_path / "paced.duckdb", client, days=3, max_parallel_requests=4)
        statuses = [r.status for r in sim.requests]
    assert len(statuses) > budget.limit and set(statuses) == {200}  # never ran the budget dry
    assert spent_at_wait == [25]  # the low-water mark held, requests in flight included
    assert len(clock.slept) == 1 and 3500 < clock.slept[0] <= 3601  # one wait, by one worker
    assert sim.max_in_flight == 4


def test_a_5xx_midway_ends_with_the_sentence_and_keeps_the_data_loaded_before(
    simulator: Simulator, tmp_path: Path
) -> None:
    db = tmp_path / "keep.duckdb"
    start = TODAY - timedelta(days=5)
    load_into(db, simulator, start_date=start.isoformat(), max_parallel_requests=3)
    before = raw_net_by_day_and_partition(db)
    restated = TODAY - timedelta(days=2)
    simulator.enterprise.restate(restated)  # so the next run reads that day's partitions again
    failing = f.server_error(r"/settings/billing/usage$", 502, times=10**6)
    failing.query = {
        "day": str(restated.day),
        "cost_center_id": simulator.enterprise.partitions()[2],
    }
    simulator.inject(failing)
    with pytest.raises(RunFailed) as failed:
        load_into(db, simulator, start_date=start.isoformat(), max_parallel_requests=3)
    assert str(failed.value) == (
        "GitHub kept failing on /enterprises/acme-corp/settings/billing/usage (502) after several "
        "retries; data loaded so far is kept, run again later to continue."
    )
    assert raw_net_by_day_and_partition(db) == before
    simulator.faults.clear()
    load_into(db, simulator, start_date=start.isoformat(), max_parallel_requests=3)
    truth = truth_by_day_and_partition(simulator)
    assert raw_net_by_day_and_partition(db) == {
        k: v for k, v in truth.items() if k[0] >= start.isoformat()
    }
