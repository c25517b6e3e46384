"""GitHub withdraws usage: it restates a day so that a cost-center partition has nothing left,
or a day has no Copilot usage by user in any partition. The next run deletes what was loaded
for it (a re-read that comes back empty is a tombstone, dlt's `hard_delete` on the merge key),
`dbt build` passes, and the marts equal the simulator's new truth."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

from pipelines.runner import build_models
from pipelines.simulator import Enterprise, Simulator
from tests.conftest import TODAY, env_for, load_into, query
from tests.test_cli import run_cli

RAW = "github_billing_raw"
START = TODAY - timedelta(days=12)
LOOKBACK = 4


def _busiest_cost_center(ent: Enterprise, day: date) -> str:
    """A cost center with usage and Copilot usage by model on `day`, the most dollars first."""
    usage = ent.day_usage(day)
    with_models = {key[0] for key in usage.model_usage}
    nets = {
        partition: sum((i["netAmount"] for i in items), Decimal(0))
        for partition, items in usage.items_by_partition.items()
        if partition != "none" and partition in with_models
    }
    return max(nets, key=lambda p: nets[p])


def _count(db: Path, table: str, day: date, partition: str | None = None) -> int:
    where = "usage_date = ?" + (" and cost_center_id = ?" if partition else "")
    params = [day, partition] if partition else [day]
    return query(db, f"select count(*) from {RAW}.{table} where {where}", params)[0][0]


def test_usage_github_withdrew_is_deleted_and_the_marts_equal_the_new_truth(
    simulator: Simulator, tmp_path: Path
) -> None:
    ent = simulator.enterprise
    db = tmp_path / "withdrawn.duckdb"
    settings = {"start_date": START.isoformat(), "lookback_days": LOOKBACK}
    load_into(db, simulator, usage_exports=True, **settings)  # type: ignore[arg-type]
    build_models(db)

    one_partition, whole_day = TODAY - timedelta(days=2), TODAY - timedelta(days=3)
    partition = _busiest_cost_center(ent, one_partition)
    assert _count(db, "usage_items", one_partition, partition) > 0
    assert _count(db, "ai_credit_usage", one_partition, partition) > 0
    assert _count(db, "copilot_user_usage", whole_day) > 0
    ent.restate(one_partition, empty=[partition])
    ent.restate(whole_day, copilot_usage=False)

    env = env_for(
        simulator,
        SOURCES__GITHUB_BILLING__START_DATE=START.isoformat(),
        SOURCES__GITHUB_BILLING__LOOKBACK_DAYS=str(LOOKBACK),
    )
    done = run_cli("run", "--db", str(db), "--today", TODAY.isoformat(), env=env)
    assert done.returncode == 0, done.stdout + done.stderr  # dbt build passed

    for table in ("usage_items", "ai_credit_usage"):
        assert _count(db, table, one_partition, partition) == 0, table
    assert _count(db, "ai_credit_usage", whole_day) == 0
    assert _count(db, "copilot_user_usage", whole_day) == 0
    assert query(db, f"select count(*) from {RAW}.usage_items where is_withdrawn") == [(0,)]

    truth = {
        (date.fromisoformat(day), p): Decimal(v["net"])
        for day, partitions in ent.ground_truth()["by_day"].items()
        if day >= START.isoformat()
        for p, v in partitions.items()
    }
    marts = query(
        db,
        "select usage_date, cost_center_id, net_amount from marts.fct_daily_cost_by_cost_center",
    )
    assert {(d, cc): net for d, cc, net in marts} == truth
    assert (one_partition, partition) not in truth

    per_user: dict[tuple[date, str], Decimal] = defaultdict(Decimal)
    for row in ent.day_usage(one_partition).user_usage:
        per_user[(one_partition, row["username"])] += row["net_amount"]
    found = query(
        db,
        "select usage_date, seat_holder_login, sum(net_amount) from marts.fct_copilot_user_usage "
        "where usage_date in (?, ?) group by all",
        [one_partition, whole_day],
    )
    assert {(d, login): net for d, login, net in found} == dict(per_user)
