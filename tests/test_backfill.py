"""Backfills through usage-report exports, against the local API over HTTP: the requests the
plan states, rows equal to the simulator's truth per day and cost center (raw and marts), a
nightly run afterwards unchanged, a cost-center name two cost centers shared never mixed up,
and a failed, stuck or unavailable report falling back to JSON without losing or doubling a
dollar."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from pipelines.github_billing.backfill import (
    CostCenterEvidence,
    CostCenterNames,
    report_chunks,
    summary_periods,
)
from pipelines.github_billing.plan import (
    requests_per_export_backfill,
    requests_per_later_run,
    requests_per_load,
)
from pipelines.runner import build_models
from pipelines.simulator import Enterprise, Simulator
from pipelines.simulator.budgets import plan_shape
from pipelines.simulator.enterprise import NO_COST_CENTER
from tests.conftest import SMALL, TODAY, load_into, make_enterprise, query

RAW = "github_billing_raw"
LOOKBACK = 7


def days(first: date, last: date) -> list[date]:
    return [first + timedelta(days=i) for i in range((last - first).days + 1)]


def usage_truth(ent: Enterprise, first: date, last: date) -> dict[tuple[date, str], Decimal]:
    out = {}
    for day in days(first, last):
        for partition, items in ent.day_usage(day).items_by_partition.items():
            out[(day, partition)] = sum((i["netAmount"] for i in items), Decimal(0))
    return out


def model_truth(ent: Enterprise, first: date, last: date) -> dict[tuple[date, str], Decimal]:
    out: dict[tuple[date, str], Decimal] = defaultdict(Decimal)
    for day in days(first, last):
        for key, acc in ent.day_usage(day).model_usage.items():
            out[(day, key[0])] += acc[1] - acc[3]
    return dict(out)


def per_partition(db: Path, sql_from: str, first: date, last: date) -> dict[tuple[date, str], Any]:
    found = query(
        db,
        f"select usage_date, cost_center_id, sum(net_amount) from {sql_from} "
        "where usage_date between ? and ? group by 1, 2",
        [first, last],
    )
    return {(d, cc): net for d, cc, net in found}


def assert_raw_is_truth(db: Path, ent: Enterprise, first: date, last: date) -> None:
    assert per_partition(db, f"{RAW}.usage_items", first, last) == usage_truth(ent, first, last)
    tables = [t for (t,) in query(db, "select table_name from information_schema.tables")]
    models = " union all ".join(
        f"select usage_date, cost_center_id, net_amount from {RAW}.{t}"
        for t in ("premium_request_usage", "ai_credit_usage")
        if t in tables
    )
    models = f"({models})"
    found = per_partition(db, models, first, last)
    assert {k: v for k, v in found.items() if v} == {
        k: v for k, v in model_truth(ent, first, last).items() if v
    }


def requests_log(sim: Simulator) -> list[tuple[str, str, tuple]]:
    return [(r.method, r.path, tuple(sorted(r.query.items()))) for r in sim.requests]


def usage_days_read(sim: Simulator) -> set[date]:
    """The days /usage was asked for (through the JSON partitions)."""
    return {
        date(int(r.query["year"]), int(r.query["month"]), int(r.query["day"]))
        for r in sim.requests_to(r"/settings/billing/usage$")
    }


# -- pure rules --------------------------------------------------------------------------------
def test_reports_end_at_month_ends_so_whole_months_are_checked_with_one_request() -> None:
    assert report_chunks(date(2025, 10, 22), date(2026, 1, 5), 365) == [
        (date(2025, 10, 22), date(2026, 1, 5))
    ]
    assert report_chunks(date(2025, 10, 22), date(2026, 11, 16), 365) == [
        (date(2025, 10, 22), date(2026, 9, 30)),
        (date(2026, 10, 1), date(2026, 11, 16)),
    ]
    assert report_chunks(date(2026, 4, 20), date(2026, 6, 30), 31)[:2] == [
        (date(2026, 4, 20), date(2026, 4, 30)),
        (date(2026, 5, 1), date(2026, 5, 31)),
    ]
    assert summary_periods(days(date(2026, 4, 29), date(2026, 6, 2))) == [
        (2026, 4, 29),
        (2026, 4, 30),
        (2026, 5, None),
        (2026, 6, 1),
        (2026, 6, 2),
    ]


def test_a_shared_name_is_resolved_by_date_only_between_what_earlier_runs_saw() -> None:
    state: dict[str, Any] = {}
    evidence = CostCenterEvidence(state)
    centers = [{"id": "old", "name": "Mobile"}, {"id": "new", "name": "Mobile"}]
    centers.append({"id": "solo", "name": "Research"})
    names = CostCenterNames.of(centers, evidence)
    assert names.resolve("", date(2026, 1, 1)) == NO_COST_CENTER
    assert names.resolve("Research", date(2026, 1, 1)) == "solo"
    assert names.resolve("Gone", date(2026, 1, 1)) is None  # no cost center has this name
    assert names.resolve("Mobile", date(2026, 1, 1)) is None  # neither seen: never guessed
    for day in (date(2026, 3, 1), date(2026, 3, 10)):
        evidence.saw("old", day)
    evidence.saw("new", date(2026, 5, 1))
    assert names.resolve("Mobile", date(2026, 1, 1)) == "old"  # before the old one's last day
    assert names.resolve("Mobile", date(2026, 3, 10)) == "old"
    assert names.resolve("Mobile", date(2026, 4, 1)) is None  # between the two: JSON decides
    assert names.resolve("Mobile", date(2026, 5, 1)) == "new"
    assert names.resolve("Mobile", date(2026, 9, 1)) == "new"
    evidence.saw("new", date(2026, 3, 5))  # seen at once: the one-name rule breaks
    assert names.resolve("Mobile", date(2026, 1, 1)) is None
    assert state == {
        "cost_center_days": {
            "old": ["2026-03-01", "2026-03-10"],
            "new": ["2026-03-05", "2026-05-01"],
        }
    }


# -- against the simulator -----------------------------------------------------------------
LONG = replace(SMALL, days=420)
FIRST_RUN = TODAY - timedelta(days=1)  # the nightly run follows on TODAY


def first_run(db: Path, sim: Simulator, history: int, **args: Any) -> Any:
    start = FIRST_RUN - timedelta(days=history)
    return load_into(
        db,
        sim,
        today=FIRST_RUN.isoformat(),
        start_date=start.isoformat(),
        lookback_days=LOOKBACK,
        **args,
    )


def test_a_400_day_backfill_loads_through_reports_with_the_planned_requests_and_the_truth(
    tmp_path: Path,
) -> None:
    ent = make_enterprise(LONG)
    db = tmp_path / "backfill.duckdb"
    with Simulator(ent) as sim:
        result = first_run(db, sim, 400, backfill_via_exports=True)
        first, last = FIRST_RUN - timedelta(days=400), FIRST_RUN - timedelta(days=1)
        json_from = FIRST_RUN - timedelta(days=1 + LOOKBACK)
        planned = requests_per_export_backfill(
            days(first, json_from - timedelta(days=1)),
            json_days=LOOKBACK + 1,
            cost_centers=len(ent.cost_centers),
            seats=len(ent.seats_today()),
            polls=sim.exports.processing_polls + 1,
            **plan_shape(ent),
        )
        assert len(sim.requests) == result.requests_made == planned
        json_plan = requests_per_load(
            400, len(ent.cost_centers), len(ent.seats_today()), **plan_shape(ent)
        )
        # 5 partitions, 1 seat page, 3 budget pages (the list, 2 multi-user budgets' states)
        assert planned == 205 and json_plan == 4_006
        assert_raw_is_truth(db, ent, first, last)
        paths = dict(query(db, f"select source_path, count(*) from {RAW}.usage_items group by 1"))
        assert set(paths) == {"summarized_report", "usage_api"}
        [(oldest_json,)] = query(
            db, f"select min(usage_date) from {RAW}.usage_items where source_path = 'usage_api'"
        )
        assert oldest_json == json_from

        build_models(db)
        marts = per_partition(db, "marts.fct_usage_costs", first, last)
        assert marts == usage_truth(ent, first, last)  # to the cent and beyond
        by_model = per_partition(db, "marts.fct_copilot_model_usage", first, last)
        assert {k: v for k, v in by_model.items() if v} == {
            k: v for k, v in model_truth(ent, first, last).items() if v
        }

        # the nightly run that follows: exactly the JSON requests it makes after a JSON load
        sim.clear_requests()
        load_into(db, sim, start_date=first.isoformat(), lookback_days=LOOKBACK)
        after_reports = requests_log(sim)
    twin = tmp_path / "json.duckdb"
    with Simulator(make_enterprise(LONG)) as sim:
        first_run(twin, sim, 30)  # the JSON plan, as every run was before
        sim.clear_requests()
        load_into(twin, sim, start_date=first.isoformat(), lookback_days=LOOKBACK)
        assert after_reports == requests_log(sim)
    assert len(after_reports) == requests_per_later_run(
        1, LOOKBACK + 1, 0, len(ent.cost_centers), len(ent.seats_today()), **plan_shape(ent)
    )


def test_a_name_two_cost_centers_shared_is_resolved_by_date_or_read_through_json(
    tmp_path: Path,
) -> None:
    ent = make_enterprise(replace(SMALL, days=200))
    ent = Enterprise(slug=ent.slug, seed=ent.seed, size=ent.size, today=TODAY, name_reused_after=10)
    base = ent.first_day
    old, new = ent.cost_centers[-2], ent.cost_centers[-1]
    assert old.name == new.name and old.deleted_on == base + timedelta(days=100)
    since, until = base + timedelta(days=1), base + timedelta(days=160)
    with Simulator(ent) as sim:
        # never seen either: every day that names them is read through the JSON partitions
        fresh = tmp_path / "fresh.duckdb"
        load_into(fresh, sim, since=str(since), until=str(until), backfill_via_exports=True)
        assert_raw_is_truth(fresh, ent, since, until)
        assert len(usage_days_read(sim)) > 100  # the name is on nearly every day

        # seen by earlier runs: the old one up to day 95, the new one from day 115
        seen = tmp_path / "seen.duckdb"
        for today, start, end in ((95, 90, 94), (121, 115, 120)):
            ent.today = base + timedelta(days=today)
            load_into(
                seen,
                sim,
                today=ent.today.isoformat(),
                since=str(base + timedelta(days=start)),
                until=str(base + timedelta(days=end)),
                backfill_via_exports=True,
            )
        ent.today = TODAY
        sim.clear_requests()
        load_into(seen, sim, since=str(since), until=str(until), backfill_via_exports=True)
        assert_raw_is_truth(seen, ent, since, until)
        read = usage_days_read(sim)
        between = set(days(base + timedelta(days=96), base + timedelta(days=114)))
        assert read and read <= between  # only the days no earlier run can place


def test_a_failed_or_stuck_report_falls_back_to_json_without_losing_or_doubling_a_dollar(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ent = make_enterprise(replace(SMALL, days=120))
    since, until = ent.first_day, ent.last_day - timedelta(days=20)
    with Simulator(ent) as sim:
        sim.exports.fail_next = 1  # the summarized report fails
        failed = tmp_path / "failed.duckdb"
        load_into(failed, sim, since=str(since), until=str(until), backfill_via_exports=True)
        assert_raw_is_truth(failed, ent, since, until)
        fell_back = [
            table
            for table in ("usage_items", "ai_credit_usage")  # the window is after May 2026
            if query(failed, f"select 1 from {RAW}.{table} where source_path = 'usage_api'")
        ]
        assert len(fell_back) == 1  # the one table whose report failed, read through JSON

        # stuck: the wait runs out, that report's days and the later ones go to JSON
        monkeypatch.setenv("SOURCES__GITHUB_BILLING__EXPORT_POLL_SECONDS", "0.02")
        monkeypatch.setenv("SOURCES__GITHUB_BILLING__EXPORT_TIMEOUT_SECONDS", "0.2")
        sim.exports.stuck = True
        stuck = tmp_path / "stuck.duckdb"
        load_into(stuck, sim, since=str(since), until=str(until), backfill_via_exports=True)
        assert_raw_is_truth(stuck, ent, since, until)

        # reloading the same days through reports replaces, never adds
        sim.exports.stuck = False
        sim.reports.clear()
        load_into(stuck, sim, since=str(since), until=str(until), backfill_via_exports=True)
        assert_raw_is_truth(stuck, ent, since, until)
        assert "summarized_report" in dict(
            query(stuck, f"select source_path, count(*) from {RAW}.usage_items group by 1")
        )


def test_without_the_export_api_or_switched_off_the_backfill_is_the_json_plan(
    tmp_path: Path,
) -> None:
    ent = make_enterprise(replace(SMALL, days=60))
    since, until = ent.first_day, ent.last_day - timedelta(days=20)
    plan = requests_per_load(
        (until - since).days + 1, len(ent.cost_centers), len(ent.seats_today()), **plan_shape(ent)
    )
    with Simulator(ent) as sim:
        sim.exports.unavailable = 403
        result = load_into(
            tmp_path / "a.duckdb",
            sim,
            since=str(since),
            until=str(until),
            backfill_via_exports=True,
        )
        assert result.requests_made == plan + 1  # one refused POST, then the JSON plan
        assert_raw_is_truth(tmp_path / "a.duckdb", ent, since, until)
        sim.exports.unavailable = None
        sim.clear_requests()
        off = load_into(tmp_path / "b.duckdb", sim, since=str(since), until=str(until))
        assert off.requests_made == plan and not sim.requests_to(r"/reports")


def test_a_report_day_that_disagrees_with_the_summary_is_read_through_json(
    tmp_path: Path,
) -> None:
    ent = make_enterprise(replace(SMALL, days=90))
    since, until = ent.first_day, ent.last_day - timedelta(days=20)
    wrong = since + timedelta(days=40)
    with Simulator(ent) as sim:
        from pipelines.simulator import exports as sim_exports

        real_files = sim_exports.report_files

        def tampered(e: Enterprise, report_type: str, *args: Any, **kw: Any) -> list[bytes]:
            files = real_files(e, report_type, *args, **kw)
            if report_type != "summarized":
                return files
            lines = files[0].decode().splitlines(keepends=True)
            return ["".join(ln for ln in lines if wrong.isoformat() not in ln).encode()]

        sim_exports.report_files = tampered  # type: ignore[assignment]
        try:
            db = tmp_path / "tamper.duckdb"
            load_into(db, sim, since=str(since), until=str(until), backfill_via_exports=True)
        finally:
            sim_exports.report_files = real_files  # type: ignore[assignment]
        assert_raw_is_truth(db, ent, since, until)
        assert usage_days_read(sim) == {wrong}
        [(path,)] = query(
            db, f"select distinct source_path from {RAW}.usage_items where usage_date = ?", [wrong]
        )
        assert path == "usage_api"
