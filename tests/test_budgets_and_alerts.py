"""Budgets, forecasts and anomalies, proven against events planted in the simulated enterprise
(a spike, a runaway Copilot user, a new SKU, a budget crossing) and against an ordinary one,
and `github-billing alerts` as a scheduler runs it: sentences and exit codes."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from pipelines.alerts import ALERTS_EXIT_CODE
from pipelines.github_billing.budgets import budget_row
from pipelines.runner import build_models
from pipelines.simulator import Enterprise, Simulator
from pipelines.simulator.budgets import day_spend, month_to_date, user_states
from pipelines.simulator.injections import BudgetCrossing, NewSku, RunawayUser, Spike
from pipelines.store import Store
from tests.conftest import (
    ENGINES,
    TODAY,
    env_for,
    load_into,
    make_enterprise,
    postgres_store,
    query,
)
from tests.test_cli import run_cli

# one worker builds the planted enterprise once, on each engine (make test runs pytest-xdist)
pytestmark = pytest.mark.xdist_group("budgets_and_alerts")

SPIKE_DAY = date(2026, 11, 10)  # a Tuesday
RUNAWAY_DAY = date(2026, 11, 12)
NEW_SKU_DAY = date(2026, 11, 15)  # a Sunday
CROSSING_DAY = date(2026, 11, 18)


def planted() -> Enterprise:
    ent = make_enterprise()
    ent.injections += [
        Spike(SPIKE_DAY, ent.repos[2]),
        RunawayUser(ent.users[3], RUNAWAY_DAY),
        NewSku(NEW_SKU_DAY, ent.repos[4]),
        BudgetCrossing(CROSSING_DAY),
    ]
    return ent


@pytest.fixture(scope="module")
def planted_sim() -> Iterator[Simulator]:
    with Simulator(planted()) as sim:
        yield sim


@pytest.fixture(scope="module")
def planted_run(planted_sim: Simulator, tmp_path_factory: pytest.TempPathFactory) -> tuple:
    """`github-billing run` (load and build) of the planted enterprise's whole history, as a
    user runs it: a subprocess configured through the environment."""
    db = tmp_path_factory.mktemp("planted") / "billing.duckdb"
    env = env_for(
        planted_sim,
        SOURCES__GITHUB_BILLING__START_DATE=planted_sim.enterprise.first_day.isoformat(),
    )
    done = run_cli("run", "--no-report", "--db", str(db), "--today", TODAY.isoformat(), env=env)
    assert done.returncode == 0, done.stderr
    return db, done


@pytest.fixture(scope="module")
def planted_postgres(
    postgres_cluster: object, planted_sim: Simulator, tmp_path_factory: pytest.TempPathFactory
) -> Store:
    """The planted enterprise's whole history loaded into PostgreSQL as `planted_run` loads it
    into DuckDB (the older days through usage-report exports), and every model built."""
    store = postgres_store(postgres_cluster, "planted", tmp_path_factory.mktemp("planted-pg"))
    load_into(store, planted_sim, usage_exports=True, backfill_via_exports=True)
    build_models(store)
    return store


@pytest.fixture(params=ENGINES)
def planted_db(request: pytest.FixtureRequest) -> Path | Store:
    """The planted enterprise built on DuckDB (by `github-billing run`) or on PostgreSQL."""
    if request.param == "duckdb":
        return request.getfixturevalue("planted_run")[0]
    return request.getfixturevalue("planted_postgres")


def truth(sim: Simulator, kind: str) -> dict:
    return next(t for t in sim.enterprise.ground_truth()["injections"] if t["kind"] == kind)


def flagged(db: Path | Store, series_type: str, series_name: str) -> list[tuple]:
    return query(
        db,
        "select usage_date, anomaly_kind from marts.fct_cost_anomalies "
        "where series_type = ? and series_name = ? order by usage_date",
        [series_type, series_name],
    )


# -- budgets as data ------------------------------------------------------------------------


def test_every_budget_is_loaded_page_by_page_with_its_user_states_and_the_pools(
    planted_sim: Simulator, planted_run: tuple
) -> None:
    db, _ = planted_run
    ent = planted_sim.enterprise
    loaded = query(
        db,
        "select budget_id, budget_scope, budget_type, budget_product_sku, budget_amount "
        "from github_billing_raw.budgets",
    )
    assert sorted(loaded) == sorted(
        (b.id, b.scope, b.budget_type, b.product_sku, Decimal(b.amount)) for b in ent.budgets
    )
    assert {b.scope for b in ent.budgets} == {
        "enterprise",
        "organization",
        "repository",
        "cost_center",
        "multi_user_customer",
        "multi_user_cost_center",
        "user",
    }
    assert {b.budget_type for b in ent.budgets} == {"ProductPricing", "SkuPricing", "BundlePricing"}
    budget_requests = [r for r in planted_sim.requests if "/budgets" in r.path]
    assert [r.query.get("per_page") for r in budget_requests] == ["100"] * len(budget_requests)
    multi = [b for b in ent.budgets if b.scope.startswith("multi_user")]
    assert sum("/user-states" in r.path for r in budget_requests) == len(multi)
    states = query(
        db,
        "select budget_id, user_login, consumed_amount, target_amount "
        "from github_billing_raw.budget_user_states",
    )
    assert sorted(states) == sorted(
        (b.id, s["user"], s["consumed_amount"], Decimal(s["target_amount"]))
        for b in multi
        for s in user_states(ent, b)
    )
    pools = query(
        db,
        "select count(*) from github_billing_raw.cost_center_pool_states "
        "where ai_credit_pool_enabled",
    )
    assert pools == [(2,)]


def test_budgets_page_on_has_next_page(
    simulator: Simulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from pipelines.github_billing import budgets

    monkeypatch.setattr(budgets, "BUDGETS_PER_PAGE", 3)
    load_into(tmp_path / "paged.duckdb", simulator, since="2026-11-20", until="2026-11-20")
    pages = [r.query["page"] for r in simulator.requests if r.path.endswith("/budgets")]
    assert pages == ["1", "2", "3"]  # 8 budgets, 3 a page
    (count,) = query(tmp_path / "paged.duckdb", "select count(*) from github_billing_raw.budgets")
    assert count == (len(simulator.enterprise.budgets),)


def test_budget_history_builds_up_one_snapshot_a_day(simulator: Simulator, tmp_path: Path) -> None:
    db = tmp_path / "history.duckdb"
    for today in ("2026-11-24", "2026-11-25", "2026-11-25"):  # the same day twice replaces it
        load_into(db, simulator, today=today, since="2026-11-20", until="2026-11-20")
    days = query(
        db,
        "select snapshot_date, count(*) from github_billing_raw.budgets group by 1 order by 1",
    )
    n = len(simulator.enterprise.budgets)
    assert days == [(date(2026, 11, 24), n), (date(2026, 11, 25), n)]


def test_githubs_own_example_with_a_list_of_skus_is_read() -> None:
    example = {  # GitHub's documented example: `budget_product_skus`, a list
        "id": "2066deda-923f-43f9-88d2-62395a28c0cdd",
        "budget_type": "ProductPricing",
        "budget_product_skus": ["actions"],
        "budget_scope": "enterprise",
        "budget_amount": 1000,
        "prevent_further_usage": True,
        "budget_alerting": {"will_alert": True, "alert_recipients": ["enterprise-admin"]},
    }
    row = budget_row(example, TODAY, None)  # type: ignore[arg-type]
    assert row["budget_product_sku"] == "actions" and row["budget_amount"] == Decimal(1000)
    assert row["budget_product_skus_raw"] == '["actions"]' and row["prevent_further_usage"]


def test_an_enterprise_without_budget_access_still_loads_its_usage(
    simulator: Simulator, tmp_path: Path
) -> None:
    from pipelines.simulator.server import Fault

    simulator.faults.append(Fault(path=r"/budgets$", status=404, times=1))
    result = load_into(
        tmp_path / "nobudget.duckdb", simulator, since="2026-11-20", until="2026-11-20"
    )
    assert result.rows_loaded["usage_items"] > 0  # type: ignore[attr-defined]
    assert result.rows_loaded.get("budgets", 0) == 0  # type: ignore[attr-defined]  # created empty


# -- budget status ---------------------------------------------------------------------------


def test_a_budget_crossing_is_reported_on_the_day_it_happened(
    planted_sim: Simulator, planted_db: Path | Store
) -> None:
    db = planted_db
    crossing = truth(planted_sim, "budget_crossing")
    ((crossed, stops, amount),) = query(
        db,
        "select crossed_100_percent_on, is_usage_stopped_at_limit, budget_amount "
        "from marts.fct_budget_status where budget_id = ?",
        [crossing["budget_id"]],
    )
    assert crossed == CROSSING_DAY and stops and amount == crossing["budget_amount"]


def test_budget_spend_is_githubs_rule_to_the_cent(
    planted_sim: Simulator, planted_db: Path | Store
) -> None:
    db = planted_db
    ent = planted_sim.enterprise
    spent = month_to_date(ent, ent.last_day)
    status = dict(
        query(
            db,
            "select budget_id, consumed_amount from marts.fct_budget_status "
            "where month_start_date = '2026-11-01' and budget_scope not like 'multi_user%'",
        )
    )
    for budget in ent.budgets:
        if budget.scope.startswith("multi_user"):
            continue
        key = (budget.id, budget.entity_name if budget.scope == "user" else "")
        assert status[budget.id] == spent.get(key, Decimal(0)), budget


def test_a_restated_day_changes_the_spend_the_budget_pages_report() -> None:
    # the simulator keeps month-to-date spend between pages; a revision must not serve stale sums
    ent = make_enterprise()
    per_user = next(b for b in ent.budgets if b.scope == "multi_user_customer")
    before_spent = month_to_date(ent, ent.last_day)
    before_states = {s["user"]: s["consumed_amount"] for s in user_states(ent, per_user)}
    ent.restate(ent.last_day, copilot_usage=False)
    after_spent = month_to_date(ent, ent.last_day)
    after_states = {s["user"]: s["consumed_amount"] for s in user_states(ent, per_user)}
    day = {k: v for k, v in day_spend(ent, ent.budgets, ent.last_day).items() if v}
    assert not any(user for (_, user) in day), "a withdrawn day leaves no per-user spend"
    assert after_spent != before_spent
    assert sum(after_states.values()) < sum(before_states.values())


# -- anomalies -------------------------------------------------------------------------------


def test_an_injected_spike_is_flagged_on_its_day_in_its_repository(
    planted_sim: Simulator, planted_db: Path | Store
) -> None:
    db = planted_db
    spike = truth(planted_sim, "spike")
    assert flagged(db, "repository", spike["series_name"]) == [(SPIKE_DAY, "spike")]
    assert (SPIKE_DAY, "spike") in flagged(db, "sku", "actions_linux")


def test_a_runaway_user_is_flagged_from_the_first_day_in_their_own_series(
    planted_sim: Simulator, planted_db: Path | Store
) -> None:
    db = planted_db
    runaway = truth(planted_sim, "runaway_user")
    days = flagged(db, "seat_holder", runaway["series_name"])
    assert days[0] == (RUNAWAY_DAY, "spike")
    assert all(day >= RUNAWAY_DAY for day, _ in days)
    ((over, exhausts),) = query(
        db,
        "select is_over_budget, would_exhaust_pool from marts.fct_copilot_user_budgets "
        "where seat_holder_login = ? and month_start_date = '2026-11-01'",
        [runaway["series_name"]],
    )
    assert over and exhausts


def test_a_sku_never_billed_before_is_a_new_cost_on_its_first_day(
    planted_sim: Simulator, planted_db: Path | Store
) -> None:
    db = planted_db
    new = truth(planted_sim, "new_sku")
    assert flagged(db, "sku", new["series_name"]) == [(NEW_SKU_DAY, "new_cost")]


def test_an_ordinary_weekday_and_weekend_rhythm_raises_no_alert(built: Path | Store) -> None:
    # the shared enterprise: 200 days with quiet weekends, seats coming and going, included
    # usage running out early each month and the AI-credit switch on 2026-06-01
    weekends = query(
        built,
        "select avg(case when iso_day_of_week >= 6 then gross_amount end) "
        "/ avg(case when iso_day_of_week < 6 then gross_amount end) "
        "from intermediate.int_cost_series_days_filled where series_type = 'product' "
        "and series_name = 'actions'",
    )[0][0]
    assert weekends < 0.6  # the rhythm is there to see through
    assert query(built, "select count(*) from marts.fct_cost_anomalies") == [(0,)]
    assert query(built, "select count(*) from marts.fct_alerts") == [(0,)]
    (days,) = query(built, "select count(distinct usage_date) from marts.fct_usage_costs")
    assert days[0] >= 90


# -- forecasts -------------------------------------------------------------------------------


def test_the_mid_month_forecast_is_within_five_percent_of_each_known_month(
    built: Path | Store,
) -> None:
    rows = query(
        built,
        "select month_start_date, forecast_net_amount, forecast_low_amount, "
        "forecast_high_amount, actual_net_amount, forecast_error_percent "
        "from marts.fct_cost_forecasts where dimension_type = 'total' and not is_current "
        "order by 1",
    )
    assert len(rows) >= 5  # every complete month with four weeks of history before its 15th
    for month, forecast, low, high, actual, error in rows:
        print(f"{month:%Y-%m}: forecast {forecast:.2f}, actual {actual:.2f}, error {error:+.2f} %")
        assert low <= actual <= high, month
        assert abs(error) <= 5, month
        assert error == pytest.approx(100 * (forecast - actual) / actual, abs=Decimal("0.0001"))


def test_the_running_month_is_forecast_for_every_dimension(built: Path | Store) -> None:
    rows = query(
        built,
        "select dimension_type, sum(forecast_net_amount), sum(month_to_date_net_amount), "
        "min(remaining_days) from marts.fct_cost_forecasts where is_current group by 1",
    )
    totals = {kind: (forecast, mtd, remaining) for kind, forecast, mtd, remaining in rows}
    assert set(totals) == {"total", "cost_center", "organization", "product"}
    assert totals["total"][2] == 30 - 24  # as of 2026-11-24
    # every dimension splits the same enterprise: the parts add up to the total, to the cent
    for kind in ("cost_center", "organization", "product"):
        assert abs(totals[kind][0] - totals["total"][0]) < Decimal("0.000001"), kind
        assert totals[kind][1] == totals["total"][1], kind


# -- github-billing alerts -------------------------------------------------------------------


def test_run_ends_with_the_count_of_open_alerts(planted_run: tuple) -> None:
    db, done = planted_run
    (open_alerts,) = query(db, "select count(*) from marts.fct_alerts where is_open")[0]
    assert open_alerts > 0
    assert done.stdout.rstrip().splitlines()[-1] == (
        f"Open alerts: {open_alerts} (`github-billing alerts` lists them)."
    )


def test_alerts_say_one_sentence_each_newest_first_and_exit_non_zero(planted_run: tuple) -> None:
    db, _ = planted_run
    done = run_cli("alerts", "--db", str(db), env={})
    assert done.returncode == ALERTS_EXIT_CODE == 3, done.stderr
    lines = done.stdout.strip().splitlines()
    (open_alerts,) = query(db, "select count(*) from marts.fct_alerts where is_open")[0]
    assert len(lines) == open_alerts
    assert all("$" in line and "Look at marts." in line for line in lines)
    assert any(
        line.startswith("The enterprise actions budget crossed 100% on 2026-11-18")
        for line in lines
    )
    assert any(
        "dave-001 has spent $" in line and "over their $60.00 budget" in line for line in lines
    )


def test_alerts_since_a_date_include_the_older_anomalies_newest_first(planted_run: tuple) -> None:
    db, _ = planted_run
    done = run_cli("alerts", "--json", "--since", "2026-11-01", "--db", str(db), env={})
    assert done.returncode == ALERTS_EXIT_CODE
    alerts = json.loads(done.stdout)
    days = [a["alert_date"] for a in alerts]
    assert days == sorted(days, reverse=True) and min(days) >= "2026-11-01"
    spike = [a for a in alerts if a["alert_kind"] == "spike" and a["subject_type"] == "repository"]
    assert [(a["alert_date"], a["subject_name"]) for a in spike] == [
        (SPIKE_DAY.isoformat(), planted().repos[2])
    ]
    assert spike[0]["sentence"].startswith(f"Repository {planted().repos[2]} cost $")
    assert any(a["alert_kind"] == "new_cost" for a in alerts)


def test_no_alert_exits_zero(built_db: Path) -> None:
    done = run_cli("alerts", "--db", str(built_db), env={})
    assert (done.returncode, done.stdout.strip()) == (0, "No open alerts.")
    done = run_cli("alerts", "--json", "--db", str(built_db), env={})
    assert (done.returncode, json.loads(done.stdout)) == (0, [])


def test_alerts_of_a_missing_database_get_one_sentence(tmp_path: Path) -> None:
    done = run_cli("alerts", "--db", str(tmp_path / "none.duckdb"), env={})
    assert done.returncode == 2
    assert done.stderr.strip() == (
        f"error: {tmp_path / 'none.duckdb'} does not exist: run `github-billing run` "
        "(or `demo`) first."
    )
    done = run_cli("alerts", "--since", "yesterday", "--db", str(tmp_path), env={})
    assert done.returncode == 2 and "--since must be a date" in done.stderr


def test_the_provisional_days_are_the_newest(planted_run: tuple) -> None:
    db, _ = planted_run
    newest = TODAY - timedelta(days=1)
    rows = query(
        db,
        "select distinct usage_date, is_provisional from intermediate.int_cost_series_days_scored "
        "where usage_date > ? order by 1",
        [newest - timedelta(days=5)],
    )
    assert [p for _, p in rows] == [False, False, True, True, True]


def test_alert_sensitivity_is_configuration_passed_to_dbt(
    planted_run: tuple, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import shutil

    from pipelines import alert_settings
    from pipelines.config_check import known_keys

    assert alert_settings.keys() <= known_keys()  # not refused as typos
    db = tmp_path / "wider.duckdb"
    shutil.copy(planted_run[0], db)
    monkeypatch.setenv("SOURCES__GITHUB_BILLING__ALERT_OPEN_DAYS", "30")
    monkeypatch.setenv("SOURCES__GITHUB_BILLING__ANOMALY_MIN_IMPACT_DOLLARS", "500")
    configured = alert_settings.dbt_vars()
    assert configured == {"alert_open_days": 30, "anomaly_min_impact_dollars": 500.0}
    build_models(db, select=["int_cost_series_days_scored+"], dbt_vars=configured)
    spikes = query(db, "select min(alert_date) from marts.fct_alerts where alert_kind = 'spike'")
    # the $400 spike is now under the bar; a month of anomalies is open
    assert spikes[0][0] is None or spikes[0][0] > SPIKE_DAY
    opened = query(db, "select min(alert_date) from marts.fct_alerts where is_open")
    assert opened[0][0] < TODAY - timedelta(days=8)


def test_a_bad_alert_setting_is_one_sentence(planted_sim: Simulator, tmp_path: Path) -> None:
    env = env_for(planted_sim, SOURCES__GITHUB_BILLING__ANOMALY_MIN_SCORE="high")
    done = run_cli("run", "--db", str(tmp_path / "x.duckdb"), env=env)
    assert done.returncode == 2
    assert "anomaly_min_score" in done.stderr and len(done.stderr.strip().splitlines()) == 1


def test_the_cost_report_shows_budgets_the_forecast_and_anomalies(
    planted_sim: Simulator, planted_run: tuple, tmp_path: Path
) -> None:
    from pipelines.cost_report import write_report
    from tests.test_cost_report import exact

    db, _ = planted_run
    html = write_report(db, tmp_path / "report.html").path.read_text()
    for section in ("budgets", "forecast", "anomalies"):
        assert f'<section id="{section}">' in html
    ((forecast, mtd),) = query(
        db,
        "select forecast_net_amount, month_to_date_net_amount from marts.fct_cost_forecasts "
        "where is_current and dimension_type = 'total'",
    )
    assert exact(html, "forecast")[:2] == [mtd, forecast]  # the enterprise row comes first
    assert Decimal(truth(planted_sim, "budget_crossing")["budget_amount"]) in exact(html, "budgets")
    start = html.index('data-table="anomalies"')
    assert planted().repos[2] in html[start : html.index("</table>", start)]


@pytest.mark.postgres
def test_alerts_say_the_same_on_postgresql(planted_postgres: Store, planted_run: tuple) -> None:
    credentials = planted_postgres.credentials.to_native_representation()  # type: ignore[attr-defined]
    env = {"DESTINATION__POSTGRES__CREDENTIALS": credentials}
    on_postgres = run_cli("alerts", "--destination", "postgres", env=env)
    on_duckdb = run_cli("alerts", "--db", str(planted_run[0]), env={})
    assert on_postgres.returncode == on_duckdb.returncode == ALERTS_EXIT_CODE, on_postgres.stderr
    assert on_postgres.stdout == on_duckdb.stdout
