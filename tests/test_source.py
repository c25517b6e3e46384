"""The github_billing source against the local GitHub API over HTTP: what lands in DuckDB, and
which requests it took to get there."""

from __future__ import annotations

import math
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from pipelines.simulator import Simulator
from tests.conftest import TODAY, load_into, query

RAW = "github_billing_raw"


def raw_net_by_day_and_partition(db_path: Path) -> dict[tuple[str, str], Decimal]:
    found = query(
        db_path,
        f"select usage_date, cost_center_id, sum(net_amount) from {RAW}.usage_items group by 1, 2",
    )
    return {(d.isoformat(), cc): Decimal(net) for d, cc, net in found}


def truth_by_day_and_partition(sim: Simulator) -> dict[tuple[str, str], Decimal]:
    truth = sim.enterprise.ground_truth()["by_day"]
    return {
        (day, partition): Decimal(v["net"])
        for day, partitions in truth.items()
        for partition, v in partitions.items()
    }


def test_every_partition_is_loaded_and_net_per_day_matches_ground_truth_to_the_cent(
    loaded_db: Path, shared_simulator: Simulator
) -> None:
    loaded = raw_net_by_day_and_partition(loaded_db)
    truth = truth_by_day_and_partition(shared_simulator)
    assert loaded.keys() == truth.keys()
    assert {k: round(v, 2) for k, v in loaded.items()} == {k: round(v, 2) for k, v in truth.items()}
    # exact, not only to the cent: amounts never went through float
    assert sum(loaded.values()) == Decimal(shared_simulator.enterprise.ground_truth()["net_total"])
    partitions = {cc for _, cc in loaded}
    assert partitions == set(shared_simulator.enterprise.partitions())


def test_usage_from_a_deleted_cost_center_is_kept(loaded_db: Path, shared_simulator) -> None:
    deleted = [cc for cc in shared_simulator.enterprise.cost_centers if cc.deleted_on]
    assert deleted, "the test enterprise has a deleted cost center"
    (rows,) = query(
        loaded_db,
        f"select count(*) from {RAW}.usage_items where cost_center_id = ?",
        [deleted[0].id],
    )[0:1]
    assert rows[0] > 0
    states = dict(query(loaded_db, f"select id, state from {RAW}.cost_centers"))
    assert states[deleted[0].id] == "deleted"
    assert len(states) == len(shared_simulator.enterprise.cost_centers)


def test_money_and_quantities_land_as_decimal_never_double(loaded_db: Path) -> None:
    types = dict(
        query(
            loaded_db,
            "select table_name || '.' || column_name, data_type from information_schema.columns "
            "where table_schema = ? and (column_name like '%amount' or column_name like "
            "'%quantity' or column_name = 'price_per_unit')",
            [RAW],
        )
    )
    assert types, "money columns exist"
    assert all(t.startswith("DECIMAL(38,") for t in types.values()), types


def test_raw_values_are_kept_beside_normalised_ones(loaded_db: Path) -> None:
    shapes = {
        r[0] for r in query(loaded_db, f"select distinct length(date_raw) from {RAW}.usage_items")
    }
    assert shapes == {10, 20}  # 2026-01-01 and 2026-01-01T00:00:00Z both arrive
    products = query(
        loaded_db,
        f"select product, list(distinct product_raw order by product_raw) from {RAW}.usage_items "
        "where product = 'actions' group by 1",
    )
    assert products == [("actions", ["Actions", "actions"])]
    units = {
        r[0]
        for r in query(
            loaded_db,
            f"select distinct unit_type_raw from {RAW}.usage_items where unit_type = 'minutes'",
        )
    }
    assert units == {"minutes", "Minutes"}
    packages = query(
        loaded_db,
        f"select count(*) filter (where repository_name_raw is null), "
        f"count(*) filter (where repository_name <> '') from {RAW}.usage_items "
        "where product = 'packages'",
    )
    assert packages[0][0] > 0 and packages[0][1] == 0
    licenses = query(
        loaded_db,
        f"select distinct repository_name_raw, unit_type from {RAW}.usage_items "
        "where sku in ('copilot_for_business', 'copilot_enterprise')",
    )
    assert licenses == [("", "user_months")]
    fractional = query(
        loaded_db, f"select count(*) from {RAW}.usage_items where quantity <> round(quantity)"
    )
    assert fractional[0][0] > 0


def test_copilot_usage_by_model_spans_premium_requests_then_ai_credits(
    loaded_db: Path, shared_simulator: Simulator
) -> None:
    switch = date(2026, 6, 1)
    (premium_last,) = query(loaded_db, f"select max(usage_date) from {RAW}.premium_request_usage")[
        0
    ]
    (credits_first,) = query(loaded_db, f"select min(usage_date) from {RAW}.ai_credit_usage")[0]
    assert premium_last < switch <= credits_first
    # The by-model endpoints break down the same dollars as /usage's Copilot usage lines.
    mismatches = query(
        loaded_db,
        f"""
        with by_model as (
            select usage_date, cost_center_id, sum(net_amount) as net
            from (select * from {RAW}.premium_request_usage union all
                  select * from {RAW}.ai_credit_usage)
            group by all
        ), billed as (
            select usage_date, cost_center_id, sum(net_amount) as net from {RAW}.usage_items
            where sku in ('copilot_premium_request', 'copilot_ai_credits') group by all
        )
        select * from by_model full join billed using (usage_date, cost_center_id)
        where by_model.net is distinct from billed.net
        """,
    )
    assert mismatches == []
    models = {r[0] for r in query(loaded_db, f"select distinct model from {RAW}.ai_credit_usage")}
    assert models == {m for m, _ in shared_simulator.enterprise.models}


def test_cost_center_resources_are_loaded_for_active_and_deleted_centers(
    loaded_db: Path, shared_simulator: Simulator
) -> None:
    loaded = set(
        query(
            loaded_db,
            "select cost_center_id, resource_type_raw, resource_name "
            f"from {RAW}.cost_center_resources",
        )
    )
    # GitHub lists no members for a deleted cost center: only its row in cost_centers remains
    expected = {
        (cc.id, kind, name)
        for cc in shared_simulator.enterprise.cost_centers
        if cc.deleted_on is None
        for kind, name in cc.resources
    }
    assert loaded == expected and expected


def test_seats_follow_every_link_page(simulator: Simulator, tmp_path: Path) -> None:
    seats = simulator.enterprise.seats_today()
    load_into(
        tmp_path / "b.duckdb", simulator, seats_per_page=7, until=str(TODAY - timedelta(days=190))
    )
    pages = simulator.requests_to(r"/copilot/billing/seats$")
    assert len(pages) == math.ceil(len(seats) / 7) >= 3
    assert [r.query.get("page") for r in pages] == [str(i + 1) for i in range(len(pages))]
    loaded = query(
        tmp_path / "b.duckdb",
        f"select assignee_login, organization_login, assigning_team_slug, snapshot_date "
        f"from {RAW}.copilot_seats",
    )
    assert len(loaded) == len(seats)
    assert {r[3] for r in loaded} == {TODAY}
    assert {(r[0], r[1], r[2]) for r in loaded} == {
        (g.login, g.organization or "", g.team or "") for g in seats
    }


def usage_request_days(sim: Simulator) -> list[date]:
    return [
        date(int(r.query["year"]), int(r.query["month"]), int(r.query["day"]))
        for r in sim.requests_to(r"/settings/billing/usage$")
    ]


def summary_request_days(sim: Simulator) -> list[date]:
    return [
        date(int(r.query["year"]), int(r.query["month"]), int(r.query["day"]))
        for r in sim.requests_to(r"/settings/billing/usage/summary$")
    ]


def test_a_later_run_reads_new_days_and_re_reads_a_loaded_day_only_if_it_changed(
    simulator: Simulator, tmp_path: Path
) -> None:
    """Every run looks back `lookback_days` (GitHub restates recent days), but one summary
    request per day tells whether a loaded day moved: unchanged days are not read again."""
    db = tmp_path / "inc.duckdb"
    start, earlier = TODAY - timedelta(days=20), TODAY - timedelta(days=5)
    load_into(db, simulator, start_date=start.isoformat(), today=str(earlier), lookback_days=3)
    partitions = len(simulator.enterprise.partitions())
    first_days = usage_request_days(simulator)
    assert min(first_days) == start and max(first_days) == earlier - timedelta(days=1)
    assert len(first_days) == 15 * partitions
    assert summary_request_days(simulator) == []  # nothing loaded yet: nothing to check

    simulator.clear_requests()
    load_into(db, simulator, start_date=start.isoformat(), lookback_days=3)
    new_days = [earlier + timedelta(days=i) for i in range(5)]
    assert sorted(set(usage_request_days(simulator))) == new_days
    assert len(usage_request_days(simulator)) == 5 * partitions
    newest_before = earlier - timedelta(days=1)
    assert sorted(summary_request_days(simulator)) == [
        newest_before - timedelta(days=i) for i in (3, 2, 1, 0)
    ]  # one request per looked-back day, shared by usage and AI credits
    truth = {k: v for k, v in truth_by_day_and_partition(simulator).items() if k[0] >= str(start)}
    assert raw_net_by_day_and_partition(db) == truth

    simulator.clear_requests()
    load_into(db, simulator, start_date=start.isoformat(), lookback_days=3)
    assert usage_request_days(simulator) == []  # nothing moved upstream: nothing re-read
    assert len(summary_request_days(simulator)) == 4
    assert raw_net_by_day_and_partition(db) == truth


def test_premium_requests_are_not_re_read_once_their_period_is_settled(
    simulator: Simulator, tmp_path: Path
) -> None:
    db = tmp_path / "premium.duckdb"
    load_into(db, simulator, start_date="2026-05-30", today="2026-06-10", lookback_days=3)
    assert len(simulator.requests_to(r"/premium_request/usage$")) == 2 * len(
        simulator.enterprise.partitions()
    )
    simulator.clear_requests()
    # a week later: the last days of May are outside the lookback window, and loaded
    load_into(db, simulator, start_date="2026-05-30", today="2026-06-17", lookback_days=3)
    assert simulator.requests_to(r"/premium_request/usage$") == []
    ai_days = {r.query["day"] for r in simulator.requests_to(r"/ai_credit/usage$")}
    # AI credits: the new days 10-16 June are read; 6-9 June (the lookback from the newest
    # loaded day, 9 June) are checked against the summary and, unchanged, not read again
    assert ai_days == {str(d) for d in range(10, 17)}
    assert sorted(int(r.query["day"]) for r in simulator.requests_to(r"/usage/summary$")) == [
        6,
        7,
        8,
        9,
    ]


def test_a_restated_day_is_replaced_not_double_counted(
    simulator: Simulator, tmp_path: Path
) -> None:
    db = tmp_path / "restate.duckdb"
    start = TODAY - timedelta(days=10)
    load_into(db, simulator, start_date=start.isoformat(), lookback_days=5)
    restated = TODAY - timedelta(days=3)
    simulator.enterprise.restate(restated)
    simulator.clear_requests()
    load_into(db, simulator, start_date=start.isoformat(), lookback_days=5)
    partitions = len(simulator.enterprise.partitions())
    # the summary showed the restated day drifted: only that day is read again, whole
    assert usage_request_days(simulator) == [restated] * partitions
    assert {r.query["day"] for r in simulator.requests_to(r"/ai_credit/usage$")} == {
        str(restated.day)
    }
    truth = {
        k: v for k, v in truth_by_day_and_partition(simulator).items() if k[0] >= start.isoformat()
    }
    assert raw_net_by_day_and_partition(db) == truth
    new_rows = sum(
        int(p["rows"])
        for p in simulator.enterprise.ground_truth()["by_day"][restated.isoformat()].values()
    )
    assert query(
        db, f"select count(*) from {RAW}.usage_items where usage_date = ?", [restated]
    ) == [(new_rows,)]


def test_backfill_window_loads_only_those_days_and_leaves_the_cursor(
    simulator: Simulator, tmp_path: Path
) -> None:
    db = tmp_path / "backfill.duckdb"
    start = TODAY - timedelta(days=8)
    load_into(db, simulator, start_date=start.isoformat(), lookback_days=2)
    simulator.clear_requests()
    since, until = TODAY - timedelta(days=60), TODAY - timedelta(days=55)
    load_into(db, simulator, since=since.isoformat(), until=until.isoformat())
    assert sorted(set(usage_request_days(simulator))) == [
        since + timedelta(days=i) for i in range(6)
    ]
    simulator.clear_requests()
    load_into(db, simulator, start_date=start.isoformat(), lookback_days=2)
    # the nightly run still resumes from the newest loaded day, not from the backfill: it
    # checks the lookback window (newest loaded day minus 2) against GitHub's summary
    assert min(summary_request_days(simulator)) == TODAY - timedelta(days=3)
    days = {r[0] for r in query(db, f"select distinct usage_date from {RAW}.usage_items")}
    assert since in days and until in days and TODAY - timedelta(days=1) in days


@pytest.mark.parametrize("base", ["https://api.acme.ghe.com", "https://api.github.com/"])
def test_ghe_com_hosts_are_used_as_given(base: str) -> None:
    from pipelines.github_billing import GitHubClient

    client = GitHubClient(base, "ghp_x", "acme")
    assert client.base_url == base.rstrip("/")
    assert client.path("/enterprises/{enterprise}/x") == "/enterprises/acme/x"
