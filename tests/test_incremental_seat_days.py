"""The seat-day chain (seats x days, the biggest tables) is built incrementally: a nightly build
rebuilds only the months (dbt microbatch batches) in which something it reads has changed, and
the result is the same table a full refresh gives, whatever changed in between."""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable
from dataclasses import replace
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from pipelines.runner import RunFailed, build_models, invoke_dbt
from pipelines.simulator import Enterprise, Simulator
from pipelines.simulator.enterprise import Grant
from pipelines.store import DuckDBStore, Store
from tests.conftest import edited_copy, load_into, query

CHAIN = (
    "intermediate.int_copilot_seat_days_expanded",
    "intermediate.int_copilot_seat_days_attributed",
    "intermediate.int_copilot_seat_costs_allocated",
    "marts.fct_copilot_seat_days",
    "marts.fct_daily_cost_by_seat_holder",
)
CHAIN_MODELS = [table.split(".")[-1] for table in CHAIN]


_databases = itertools.count()


def build_chain(store: Store) -> None:
    """A nightly build of the seat-day chain and what it reads, as `github-billing run` builds
    it (the rebuild window from what the load changed), without the data tests: what these
    tests compare is the chain's rows against a full refresh, and the data tests have their
    own cases in test_models.py."""
    build_models(store, select=[f"+{CHAIN_MODELS[-1]}"], data_tests=False)


@pytest.fixture(params=["duckdb", pytest.param("postgres", marks=pytest.mark.postgres)])
def new_store(request: pytest.FixtureRequest, tmp_path: Path) -> Callable[[], Store]:
    """Empty stores of the engine under test: a DuckDB file, or a database on the session's
    PostgreSQL server, loaded through the store layer like a run loads it."""
    if request.param == "duckdb":
        return lambda: DuckDBStore(tmp_path / f"store{next(_databases)}.duckdb")
    from pipelines.store.postgres import PostgresStore

    cluster: Any = request.getfixturevalue("postgres_cluster")

    def make() -> Store:
        n = next(_databases)
        dsn = cluster.create_database(f"seat_days_{n}")
        # dlt's credentials require a password; the test server trusts local connections
        dsn = dsn.replace("postgres@", "postgres:unused@")
        return PostgresStore.from_dsn(dsn, pipelines_dir=tmp_path / f"dlt{n}")

    return make


def fetch(store: Store, sql: str, params: list | None = None) -> list[tuple]:
    with store.session() as session:
        return session.fetchall(sql, params or [])


def _rows(store: Store, table: str) -> list[tuple]:
    with store.session() as session:
        cursor = session.execute(f"select * from {table}")
        names = [d[0] for d in cursor.description]
        rows = cursor.fetchall()
    keep = [i for i, name in enumerate(names) if name != "built_through_load_id"]
    picked = [tuple(row[i] for i in keep) for row in rows]
    return sorted(picked, key=lambda row: [(v is None, str(v)) for v in row])


def assert_same_as_a_full_refresh(store: Store, incremental: dict[str, list[tuple]]) -> None:
    """Rebuild the chain from scratch and compare it with the incremental tables, row for row."""
    build_models(store, select=CHAIN_MODELS, full_refresh=True, data_tests=False)
    for table in CHAIN:
        assert incremental[table] == _rows(store, table), f"{table} differs from a full refresh"


def _next_day_with_changes(ent: Enterprise) -> Grant:
    """A day passes and GitHub's side changes the way it does in real enterprises; returns the
    seat that appeared late."""
    ent.today += timedelta(days=1)
    grants = list(ent.grants)
    # a seat granted three weeks ago that the seats list shows only now
    late = Grant(
        login="late-joiner",
        user_id=99_001,
        organization=ent.orgs[0],
        team=None,
        team_type=None,
        plan_type="business",
        created_on=ent.today - timedelta(days=20),
        ends_on=None,
        pending_cancellation_date=None,
        last_activity_on=ent.today - timedelta(days=3),
    )
    # a seat removed the day before yesterday
    removed = next(i for i, g in enumerate(grants) if g.ends_on is None)
    grants[removed] = replace(grants[removed], ends_on=ent.today - timedelta(days=2))
    centers = list(ent.cost_centers)
    # a user moves from one cost center to another
    first, second = centers[0], centers[1]
    user = next(r for r in first.resources if r[0] == "User")
    centers[0] = replace(first, resources=tuple(r for r in first.resources if r != user))
    centers[1] = replace(second, resources=(*second.resources, user))
    # a cost center is deleted, as GitHub reports it some days later
    centers[2] = replace(centers[2], deleted_on=ent.today - timedelta(days=4))
    ent.__dict__.update(grants=[*grants, late], cost_centers=centers)
    for cached in ("_owner", "team_members", "_day_cache"):
        ent.__dict__.pop(cached, None)
    return late


def test_a_nightly_build_after_seat_and_cost_center_changes_equals_a_full_refresh(
    simulator: Simulator, new_store: Callable[[], Store]
) -> None:
    db = new_store()
    ent = simulator.enterprise
    start = ent.today - timedelta(days=30)
    load_into(db, simulator, start_date=start.isoformat(), lookback_days=3, today=str(ent.today))
    build_chain(db)
    [(first_build,)] = fetch(
        db, "select max(built_through_load_id) from marts.fct_copilot_seat_days"
    )

    late = _next_day_with_changes(ent)
    ent.restate(ent.today - timedelta(days=3))
    load_into(db, simulator, start_date=start.isoformat(), lookback_days=3, today=str(ent.today))
    build_chain(db)

    incremental = {table: _rows(db, table) for table in CHAIN}
    # the changes reached the marts...
    assert fetch(
        db,
        "select min(usage_date) from marts.fct_copilot_seat_days where seat_holder_login = ?",
        [late.login],
    ) == [(late.created_on,)]
    # ...while the months before them were kept, not rebuilt (dbt rebuilds whole batches)
    first_rebuilt = late.created_on.replace(day=1)
    kept = fetch(
        db,
        "select distinct built_through_load_id from marts.fct_copilot_seat_days "
        "where usage_date < ?",
        [first_rebuilt],
    )
    assert kept == [(first_build,)]

    assert_same_as_a_full_refresh(db, incremental)


def test_a_backfill_of_older_days_rebuilds_the_seat_days_from_there(
    simulator: Simulator, new_store: Callable[[], Store]
) -> None:
    db = new_store()
    start = simulator.enterprise.today - timedelta(days=10)
    load_into(db, simulator, start_date=start.isoformat(), lookback_days=3)
    build_chain(db)
    earlier = start - timedelta(days=15)
    load_into(db, simulator, since=earlier.isoformat(), until=str(start))
    build_chain(db)
    incremental = {table: _rows(db, table) for table in CHAIN}
    assert fetch(db, "select min(usage_date) from marts.fct_copilot_seat_days") == [(earlier,)]

    assert_same_as_a_full_refresh(db, incremental)


def test_cost_centers_created_after_the_first_load_reattribute_the_whole_history(
    simulator: Simulator, new_store: Callable[[], Store]
) -> None:
    """The first membership versions ever loaded count as valid since ever (GitHub's API has no
    history): when they arrive after seat-days were built, every built day is attributed anew."""
    db = new_store()
    ent = simulator.enterprise
    centers = ent.cost_centers
    ent.__dict__.update(cost_centers=[])
    ent.__dict__.pop("_owner", None)
    start = ent.today - timedelta(days=20)
    load_into(db, simulator, start_date=start.isoformat(), lookback_days=3)
    build_chain(db)
    assert fetch(db, "select distinct cost_center_id from marts.fct_copilot_seat_days") == [
        ("none",)
    ]

    ent.__dict__.update(cost_centers=centers)
    for cached in ("_owner", "_day_cache"):
        ent.__dict__.pop(cached, None)
    load_into(db, simulator, start_date=start.isoformat(), lookback_days=3)
    build_chain(db)
    incremental = {table: _rows(db, table) for table in CHAIN}
    [(attributed_from,)] = fetch(
        db, "select min(usage_date) from marts.fct_copilot_seat_days where cost_center_id <> 'none'"
    )
    assert attributed_from == start

    assert_same_as_a_full_refresh(db, incremental)


def test_a_cost_center_found_deleted_late_stops_attributing_after_its_last_usage(
    simulator: Simulator, new_store: Callable[[], Store]
) -> None:
    """GitHub does not date deletions: a deleted cost center attributes nothing after its last
    day of usage, even when the pipeline learns of it long after, outside the lookback."""
    db = new_store()
    start = simulator.enterprise.today - timedelta(days=20)
    load_into(db, simulator, start_date=start.isoformat(), lookback_days=3)
    build_chain(db)
    [(center, last_usage)] = fetch(
        db,
        "select cost_center_id, min(usage_date) + 5 from marts.fct_copilot_seat_days "
        "where cost_center_id <> 'none' and cost_source = 'billed' "
        "group by 1 order by count(*) desc, 1 limit 1",
    )
    with db.session() as session:
        # as the load that finds it deleted would write it
        session.execute(
            "update github_billing_raw.cost_centers set state = 'deleted', _dlt_load_id = ? "
            "where id = ?",
            [f"{time.time():.6f}", center],
        )
        # every partition table counts for the last day (premium requests ended before this
        # window)
        for table in ("usage_items", "ai_credit_usage"):
            session.execute(
                f"delete from github_billing_raw.{table} "
                "where cost_center_id = ? and usage_date > ?",
                [center, last_usage],
            )
    # fct_usage_costs rebuilds days by load id, and an edit of the raw table has none
    invoke_dbt(db, "run", "--select", "fct_usage_costs", "--full-refresh")
    build_chain(db)
    assert fetch(
        db,
        "select count(*) from marts.fct_copilot_seat_days "
        "where cost_center_id = ? and usage_date > ?",
        [center, last_usage],
    ) == [(0,)]
    incremental = {table: _rows(db, table) for table in CHAIN}
    assert_same_as_a_full_refresh(db, incremental)


def test_tables_built_by_another_version_of_the_models_ask_for_a_full_refresh(
    built_db: Path, tmp_path: Path
) -> None:
    db = edited_copy(
        built_db,
        tmp_path / "older_models.duckdb",
        "alter table marts.fct_copilot_seat_days drop column built_through_load_id",
    )
    with pytest.raises(RunFailed, match=r"run `github-billing run --full-refresh` once"):
        build_chain(db)
    build_models(db, full_refresh=True)
    [(marked,)] = query(db, "select count(built_through_load_id) from marts.fct_copilot_seat_days")
    assert marked > 0
