"""The dbt models end to end: the simulator's enterprise loaded over HTTP, `dbt build`, and the
marts compared with the simulator's own ground truth, to the cent and beyond."""

from __future__ import annotations

import calendar
from collections import Counter, defaultdict
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from pipelines.runner import RunFailed, build_models, invoke_dbt
from pipelines.simulator import EnterpriseSize, Simulator
from pipelines.simulator.reports import net_by_day, user_net_by_day
from pipelines.store import Store
from tests.conftest import TODAY, edited_copy, load_into, make_enterprise, query

IDLE_DAYS = 30


def test_every_dollar_lands_in_its_cost_center_row_to_the_cent(
    built: Path | Store, shared_simulator: Simulator
) -> None:
    truth = shared_simulator.enterprise.ground_truth()["by_day"]
    expected = {
        (date.fromisoformat(day), partition): Decimal(v["net"])
        for day, partitions in truth.items()
        for partition, v in partitions.items()
    }
    found = dict(
        ((d, cc), net)
        for d, cc, net in query(
            built,
            "select usage_date, cost_center_id, net_amount "
            "from marts.fct_daily_cost_by_cost_center",
        )
    )
    assert found == expected  # exact decimals: not a cent, not a nano-dollar off
    names = dict(
        query(built, "select cost_center_id, cost_center_name from marts.dim_cost_centers")
    )
    assert names["none"] == "No cost center"
    deleted = [cc for cc in shared_simulator.enterprise.cost_centers if cc.deleted_on]
    assert all(names[cc.id] == cc.name for cc in deleted)


def test_every_rollup_adds_up_to_the_enterprise_total(
    built: Path | Store, shared_simulator: Simulator
) -> None:
    total = Decimal(shared_simulator.enterprise.ground_truth()["net_total"])
    for rollup in ("organization", "repository", "cost_center"):
        [(net,)] = query(built, f"select sum(net_amount) from marts.fct_daily_cost_by_{rollup}")
        assert net == total, rollup
    by_product = dict(
        query(built, "select product, sum(net_amount) from marts.fct_usage_costs group by 1")
    )
    truth = shared_simulator.enterprise.ground_truth()["net_by_product"]
    assert {p: str(v.normalize()) for p, v in by_product.items()} == {
        p: str(Decimal(v).normalize()) for p, v in truth.items()
    }


def test_models_break_copilot_dollars_down_without_adding_to_them(
    built: Path | Store, shared_simulator: Simulator
) -> None:
    ent = shared_simulator.enterprise
    truth: dict[str, Decimal] = defaultdict(Decimal)
    for day in ent.days():
        for (_, _, model, _, _, _), acc in ent.day_usage(day).model_usage.items():
            truth[model] += acc[1] - acc[3]  # gross - discount
    by_model = dict(
        query(
            built,
            "select model_name, sum(net_amount) from marts.fct_daily_cost_by_model group by 1",
        )
    )
    assert by_model == dict(truth)
    units = dict(
        query(
            built,
            "select billing_unit, min(usage_date) from marts.fct_copilot_model_usage group by 1",
        )
    )
    assert units["ai_credits"] == date(2026, 6, 1)
    [(usage_lines,)] = query(
        built,
        "select sum(net_amount) from marts.fct_usage_costs "
        "where sku in ('copilot_premium_request', 'copilot_ai_credits')",
    )
    assert usage_lines == sum(truth.values())


def test_seat_cost_allocation_equals_the_billed_licence_lines(built: Path | Store) -> None:
    billed = dict(
        ((d, org, cc, sku), net)
        for d, org, cc, sku, net in query(
            built,
            "select usage_date, organization_name, cost_center_id, sku, sum(net_amount) "
            "from marts.fct_usage_costs where is_seat_licence "
            "group by 1, 2, 3, 4",
        )
    )
    allocated = dict(
        ((d, org, cc, sku), net)
        for d, org, cc, sku, net in query(
            built,
            "select usage_date, organization_name, cost_center_id, sku, sum(net_amount) "
            "from marts.fct_copilot_seat_days where net_amount <> 0 group by 1, 2, 3, 4",
        )
    )
    assert allocated == billed
    # the simulator's seats explain every billed line: nothing is left unassigned
    assert query(built, "select count(*) from marts.fct_copilot_seat_days where is_unassigned") == [
        (0,)
    ]


def test_licences_billed_to_a_deleted_cost_center_reach_seat_holders(built_db: Path) -> None:
    """GitHub lists no members for a deleted cost center; its licence lines still name the
    organization whose seats they bill, so no licence dollar stays '(unassigned)'."""
    (deleted,) = query(
        built_db,
        "select count(*), sum(net_amount) from marts.fct_copilot_seat_days "
        "where attribution_rule = 'deleted_cost_center_line'",
    )
    assert deleted[0] > 0 and deleted[1] > 0
    (unassigned,) = query(
        built_db, "select count(*) from marts.fct_copilot_seat_days where is_unassigned"
    )
    assert unassigned == (0,)


def test_each_billed_seat_day_costs_the_plan_price_prorated_over_the_month(built_db: Path) -> None:
    rows = query(
        built_db,
        "select usage_date, plan_type, net_amount from marts.fct_copilot_seat_days "
        "where cost_source = 'billed'",
    )
    assert rows
    price = {"business": Decimal(19), "enterprise": Decimal(39)}
    for day, plan, net in rows:
        per_day = price[plan] / calendar.monthrange(day.year, day.month)[1]
        # GitHub rounds the line's user-months to nine places; the share is exact to 1e-12
        assert abs(net - per_day) < Decimal("0.000001"), (day, plan, net)


def test_seats_are_billed_once_through_githubs_cost_center_rule(
    built_db: Path, shared_simulator: Simulator
) -> None:
    """Direct user > enterprise team > organization, once per holder, as GitHub bills it."""
    ent = shared_simulator.enterprise
    found = {
        (d, login): (org, cc)
        for d, login, org, cc in query(
            built_db,
            "select usage_date, seat_holder_login, organization_name, cost_center_id "
            "from marts.fct_copilot_seat_days where cost_source = 'billed'",
        )
    }
    expected = {}
    for day in ent.days():
        for login, grant in ent.billed_holders(day).items():
            if grant in ent.seats_today():  # only seats still listed can be seen
                cc = ent.seat_cost_center(grant, day)
                expected[(day, login)] = (grant.organization or "", cc.id if cc else "none")
    assert found.keys() == expected.keys()
    # GitHub lists no members for a deleted cost center: which of an organization's seats sat
    # in it is unknowable, but how many did is the bill's, and every other seat is exact.
    deleted = {cc.id for cc in ent.cost_centers if cc.deleted_on is not None}
    assert deleted
    guessed = {k for k in found if found[k] != expected[k]}
    assert all(found[k][1] in deleted or expected[k][1] in deleted for k in guessed)
    assert Counter((d, *found[(d, u)]) for d, u in found) == Counter(
        (d, *expected[(d, u)]) for d, u in expected
    )


def test_idle_seats_are_the_holders_without_activity_for_thirty_days(
    built_db: Path, shared_simulator: Simulator
) -> None:
    ent = shared_simulator.enterprise
    expected = set()
    for login, grant in ent.billed_holders(TODAY).items():
        since = max(grant.last_activity_on or grant.created_on, grant.created_on)
        if (TODAY - since).days > IDLE_DAYS:
            expected.add(login)
    rows = query(
        built_db,
        "select seat_holder_login, days_idle, monthly_cost, as_of_date "
        "from marts.idle_copilot_seats",
    )
    assert {r[0] for r in rows} == expected and expected
    assert {r[3] for r in rows} == {TODAY}
    assert all(r[1] > IDLE_DAYS and r[2] in (Decimal(19), Decimal(39)) for r in rows)


def test_money_is_decimal_in_every_mart(built: Path | Store) -> None:
    types = query(
        built,
        "select table_name, column_name, upper(data_type), numeric_precision, numeric_scale "
        "from information_schema.columns "
        "where table_schema = 'marts' and column_name like '%amount%'",
    )
    # DECIMAL(38,12) in DuckDB, numeric(38,12) in PostgreSQL: never a float
    assert types and all(
        t.startswith(("DECIMAL", "NUMERIC")) and (p, s) == (38, 12) for _, _, t, p, s in types
    ), types


def test_dbt_test_fails_on_a_one_cent_difference(built_db: Path, tmp_path: Path) -> None:
    tampered = edited_copy(
        built_db,
        tmp_path / "tampered.duckdb",
        "update marts.fct_daily_cost_by_cost_center set net_amount = net_amount + 0.01 "
        "where usage_date = (select min(usage_date) from marts.fct_daily_cost_by_cost_center) "
        "and cost_center_id = 'none'",
    )
    result = invoke_dbt(tampered, "test", "--select", "fct_daily_cost_by_cost_center")
    failed = {r.node.name for r in result.result.results if str(r.status) == "fail"}
    assert not result.success
    assert failed == {
        "fct_daily_cost_by_cost_center_equals_raw_usage_items",
        "enterprise_total_equals_raw_total",
    }


def test_incremental_build_after_a_restatement_equals_a_full_refresh(
    simulator: Simulator, tmp_path: Path
) -> None:
    db = tmp_path / "incremental.duckdb"
    start = TODAY - timedelta(days=20)
    load_into(db, simulator, start_date=start.isoformat(), lookback_days=3)
    build_models(db)
    restated = TODAY - timedelta(days=2)
    simulator.enterprise.restate(restated)
    load_into(db, simulator, start_date=start.isoformat(), lookback_days=3)
    # a backfill of older days, outside the lookback window, must reach the marts too
    load_into(db, simulator, since=(start - timedelta(days=5)).isoformat(), until=str(start))
    build_models(db)
    columns = "* exclude (last_dlt_load_id, built_through_load_id)"
    incremental = query(db, f"select {columns} from marts.fct_usage_costs order by usage_cost_id")
    build_models(db, select=["fct_usage_costs"], full_refresh=True)
    refreshed = query(db, f"select {columns} from marts.fct_usage_costs order by usage_cost_id")
    assert incremental == refreshed
    [(first_day,)] = query(db, "select min(usage_date) from marts.fct_usage_costs")
    assert first_day == start - timedelta(days=5)


def test_a_failing_build_names_the_failing_test_and_keeps_the_raw_data(
    built_db: Path, tmp_path: Path
) -> None:
    broken = edited_copy(
        built_db,
        tmp_path / "broken.duckdb",
        "update github_billing_raw.cost_centers set state = 'archived' where true",
    )
    with pytest.raises(RunFailed, match="accepted_values_stg_github_billing__cost_centers"):
        build_models(broken, select=["stg_github_billing__cost_centers"])
    assert query(broken, "select count(*) from github_billing_raw.usage_items")[0][0] > 0


def test_an_enterprise_without_cost_centers_or_premium_requests_still_builds(
    tmp_path: Path,
) -> None:
    """dlt creates a raw table only once it has rows: models read missing ones as empty."""
    size = EnterpriseSize(orgs=2, repos=4, seat_holders=6, cost_centers=0, days=20, models=2)
    with Simulator(make_enterprise(size)) as sim:
        db = tmp_path / "small.duckdb"
        load_into(db, sim)
        build_models(db)
        [(total,)] = query(db, "select sum(net_amount) from marts.fct_daily_cost_by_cost_center")
        assert total == Decimal(sim.enterprise.ground_truth()["net_total"])
    assert query(db, "select distinct cost_center_id from marts.fct_usage_costs") == [("none",)]
    assert query(db, "select distinct billing_unit from marts.fct_copilot_model_usage") == [
        ("ai_credits",)
    ]


def test_the_sql_passes_its_unit_tests(built_db: Path) -> None:
    """Casing and date normalisation, seat-day expansion, attribution precedence and exact
    allocation, on fixed inputs (dbt unit tests, next to the models they test)."""
    result = invoke_dbt(built_db, "test", "--select", "test_type:unit")
    outcomes = {
        r.node.name: str(r.status)
        for r in result.result.results
        if r.node.resource_type == "unit_test"  # not the on-run-end hook that records results
    }
    assert result.success and len(outcomes) >= 6
    assert set(outcomes.values()) == {"pass"}


def test_each_users_copilot_usage_matches_the_simulator_and_sits_beside_their_seat_cost(
    built: Path | Store, shared_simulator: Simulator
) -> None:
    ent = shared_simulator.enterprise
    truth = user_net_by_day(ent, ent.first_day, ent.last_day)
    per_user = {
        (d.isoformat(), login): net
        for d, login, net in query(
            built,
            "select usage_date, seat_holder_login, sum(net_amount) "
            "from marts.fct_copilot_user_usage group by 1, 2",
        )
    }
    assert per_user == truth
    rollup = {
        (d.isoformat(), login): (usage, seat, net)
        for d, login, usage, seat, net in query(
            built,
            "select usage_date, seat_holder_login, usage_net_amount, seat_net_amount, net_amount "
            "from marts.fct_daily_cost_by_seat_holder",
        )
    }
    assert {k: v[0] for k, v in rollup.items() if v[0]} == {k: v for k, v in truth.items() if v}
    assert all(net == usage + seat for usage, seat, net in rollup.values())


def test_actions_usage_by_workflow_adds_up_to_the_usage_report(
    built: Path | Store, shared_simulator: Simulator
) -> None:
    ent = shared_simulator.enterprise
    found = query(
        built,
        "select count(distinct workflow_path), count(distinct user_login), sum(net_amount) "
        "from marts.fct_actions_usage_by_workflow where workflow_path <> ''",
    )
    assert found[0][0] > 1 and found[0][1] > 1
    [(workflow_total,)] = query(
        built, "select sum(net_amount) from marts.fct_actions_usage_by_workflow"
    )
    [(actions_total,)] = query(
        built, "select sum(net_amount) from marts.fct_usage_costs where product = 'actions'"
    )
    assert workflow_total == actions_total
    assert sum(net_by_day(ent, ent.first_day, ent.last_day).values()) == Decimal(
        ent.ground_truth()["net_total"]
    )


def test_per_user_usage_from_the_fallback_builds_and_never_exceeds_the_enterprise(
    simulator: Simulator, tmp_path: Path
) -> None:
    """Without the export API, per-user rows come from user= queries: no cost center, only
    today's seat holders. The models take them, and reconcile what can be reconciled."""
    simulator.exports.unavailable = 404
    db = tmp_path / "fallback.duckdb"
    load_into(db, simulator, usage_exports=True, start_date=str(TODAY - timedelta(days=3)))
    build_models(db)
    sources = query(db, "select distinct source_report_type from marts.fct_copilot_user_usage")
    assert sources == [("ai_credit_api",)]
    [(per_user, enterprise)] = query(
        db,
        "select (select sum(net_amount) from marts.fct_copilot_user_usage), "
        "(select sum(net_amount) from marts.fct_copilot_model_usage)",
    )
    assert 0 < per_user <= enterprise


def test_a_sku_github_adds_is_kept_flagged_and_named_in_the_summary(
    built_db: Path, tmp_path: Path
) -> None:
    """A SKU the catalogue does not know is neither dropped nor typed as something else."""
    from pipelines import summary

    db = edited_copy(
        built_db,
        tmp_path / "new_sku.duckdb",
        "insert into github_billing_raw.usage_items "
        "select * replace ('Quantum Runners' as product_raw, 'Quantum Runner 1-qubit' as sku_raw, "
        "'QubitHours' as unit_type_raw, 'quantum_runners' as product, "
        "'quantum_runner_1_qubit' as sku, 'qubithours' as unit_type, "
        "'new-sku-' || _dlt_id as _dlt_id, '9' || _dlt_load_id as _dlt_load_id) "
        "from github_billing_raw.usage_items where sku = 'actions_linux' limit 3",
    )
    build_models(db)
    (flags,) = query(
        db,
        "select is_known_sku, has_unknown_unit, billing_unit, sku_raw_spellings "
        "from marts.dim_products where sku = 'quantum_runner_1_qubit'",
    )
    assert flags == (False, True, None, "Quantum Runner 1-qubit")
    (kept,) = query(
        db,
        "select count(*), count(billing_unit) from marts.fct_usage_costs "
        "where sku = 'quantum_runner_1_qubit'",
    )
    assert kept[0] > 0 and kept[1] == 0
    notes = [line for line in summary.render(db).splitlines() if "does not know" in line]
    assert notes == [
        "note: GitHub billed 1 SKU(s) this version's catalogue does not know: Quantum Runner "
        "1-qubit; they are kept as GitHub spelled them (marts.dim_products.is_known_sku = false): "
        "add them to dbt_project/seeds/github_skus.csv, or report them."
    ]
