"""Several billing accounts in one store's marts: two enterprises whose organizations, cost
centers and seat holders share names stay apart in every dimension, and each account's marts
equal its own simulator truth to the cent."""

from __future__ import annotations

import shutil
from collections import defaultdict
from collections.abc import Iterator
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from pipelines.alerts import read_alerts
from pipelines.cost_report import ReportError, default_report_path, write_report
from pipelines.cost_report.queries import MartsReader
from pipelines.runner import build_models
from pipelines.simulator import MultiAccountSimulator
from pipelines.simulator.injections import BudgetCrossing
from pipelines.store import Store
from tests.conftest import ENGINES, TODAY, postgres_store, query
from tests.test_several_accounts import (
    RESTATED,
    START,
    load_account,
    truth_by_day,
    two_enterprises,
)

ACCOUNTS = ("acme", "labs")
CROSSING_DAY = TODAY - timedelta(days=5)


@pytest.fixture(scope="module", params=ENGINES)
def built(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[MultiAccountSimulator, Path | Store]]:
    """Both accounts loaded (each through its own pipeline) and built, on DuckDB or PostgreSQL
    (its CSV COPY load path)."""
    work = tmp_path_factory.mktemp("two-built")
    db: Path | Store = work / "billing.duckdb"
    if request.param == "postgres":
        db = postgres_store(request.getfixturevalue("postgres_cluster"), "two_accounts", work)
    hosted = two_enterprises()
    for account in hosted:  # a budget each crosses this month: an alert in each account
        account.account.enterprise.injections.append(BudgetCrossing(CROSSING_DAY))
    with MultiAccountSimulator(hosted) as sim:
        for name in ACCOUNTS:
            load_account(db, sim, name, usage_exports=True)
        build_models(db)
        yield sim, db


def truth_by_cost_center(sim: MultiAccountSimulator, name: str) -> dict[str, Decimal]:
    """The account's net dollars per usage partition (cost center id, or `none`)."""
    totals: dict[str, Decimal] = defaultdict(Decimal)
    for day, parts in sim.ground_truth()[name]["by_day"].items():  # type: ignore[attr-defined]
        if date.fromisoformat(day) >= START:
            for partition, figures in parts.items():
                totals[partition] += Decimal(figures["net"])
    return dict(totals)


def test_the_account_dimension_has_one_row_per_account(
    built: tuple[MultiAccountSimulator, Path | Store],
) -> None:
    sim, db = built
    assert query(
        db,
        "select billing_account_id, billing_account_name, billing_account_kind, "
        "billing_account_login, api_base_url from marts.dim_billing_accounts order by 1",
    ) == [
        ("acme", "acme", "enterprise", "acme-corp", sim.address),
        ("labs", "labs", "enterprise", "acme-labs", sim.address),
    ]


def test_organizations_and_cost_centers_sharing_a_name_stay_two_rows(
    built: tuple[MultiAccountSimulator, Path | Store],
) -> None:
    sim, db = built
    shared_orgs = set(sim["acme"].enterprise.orgs) & set(sim["labs"].enterprise.orgs)
    assert shared_orgs  # the two enterprises name their organizations alike
    orgs = query(
        db,
        "select organization_name, count(*), count(distinct organization_id) "
        "from marts.dim_organizations group by 1",
    )
    assert {name for name, *_ in orgs} >= shared_orgs
    assert all((rows, ids) == (2, 2) for name, rows, ids in orgs if name in shared_orgs)
    # each account's cost centers by name, as its GitHub lists them, plus its own 'none'
    for account in ACCOUNTS:
        listed = {cc.id: cc.name for cc in sim[account].enterprise.cost_centers}
        held = dict(
            query(
                db,
                "select cost_center_id, cost_center_name from marts.dim_cost_centers "
                "where billing_account_id = ? and cost_center_id <> 'none'",
                [account],
            )
        )
        assert held == listed
    names = query(
        db,
        "select cost_center_name, count(distinct billing_account_id), "
        "count(distinct cost_center_key) from marts.dim_cost_centers group by 1 order by 1",
    )
    assert ("No cost center", 2, 2) in names
    assert all(accounts == keys for _, accounts, keys in names)
    shared_cc = {cc.name for cc in sim["acme"].enterprise.cost_centers} & {
        cc.name for cc in sim["labs"].enterprise.cost_centers
    }
    assert shared_cc and all(accounts == 2 for name, accounts, _ in names if name in shared_cc)
    # seat holders of the same login in both enterprises are two holders
    holders = query(
        db,
        "select seat_holder_login, count(*) from marts.dim_seat_holders "
        "where not is_unassigned group by 1",
    )
    assert holders and any(count == 2 for _, count in holders)


def test_each_accounts_marts_equal_its_own_truth_to_the_cent(
    built: tuple[MultiAccountSimulator, Path | Store],
) -> None:
    sim, db = built
    for account in ACCOUNTS:
        by_day = dict(
            query(
                db,
                "select usage_date, sum(net_amount) from marts.fct_usage_costs "
                "where billing_account_id = ? group by 1",
                [account],
            )
        )
        assert by_day == truth_by_day(sim, account)
        by_cost_center = dict(
            query(
                db,
                "select cost_center_id, sum(net_amount) from marts.fct_daily_cost_by_cost_center "
                "where billing_account_id = ? group by 1",
                [account],
            )
        )
        assert by_cost_center == truth_by_cost_center(sim, account)
        total = sum(truth_by_day(sim, account).values(), Decimal(0))
        for mart in ("fct_daily_cost_by_organization", "fct_daily_cost_by_repository"):
            assert query(
                db,
                f"select sum(net_amount) from marts.{mart} where billing_account_id = ?",
                [account],
            ) == [(total,)]
        # FOCUS: every line names its own account, and the account's lines are its bill
        assert query(
            db,
            'select "BillingAccountName", "BillingAccountType", sum("BilledCost") '
            'from focus.focus_cost_and_usage where "BillingAccountId" = ? group by 1, 2',
            [account],
        ) == [(account, "Enterprise", total)]


def test_each_accounts_seat_licences_are_allocated_to_its_own_seats(
    built: tuple[MultiAccountSimulator, Path | Store],
) -> None:
    _, db = built
    billed = query(
        db,
        "select billing_account_id, usage_date, organization_name, cost_center_id, sku, "
        "sum(net_amount) from marts.fct_usage_costs where is_seat_licence "
        "group by 1, 2, 3, 4, 5 order by 1, 2, 3, 4, 5",
    )
    allocated = query(
        db,
        "select billing_account_id, usage_date, organization_name, cost_center_id, sku, "
        "sum(net_amount) from marts.fct_copilot_seat_days where net_amount <> 0 "
        "group by 1, 2, 3, 4, 5 order by 1, 2, 3, 4, 5",
    )
    assert {row[0] for row in billed} == set(ACCOUNTS)
    assert allocated == billed
    assert query(db, "select count(*) from marts.fct_copilot_seat_days where is_unassigned") == [
        (0,)
    ]


def test_forecasts_and_per_user_usage_are_each_accounts_own(
    built: tuple[MultiAccountSimulator, Path | Store],
) -> None:
    sim, db = built
    for account in ACCOUNTS:
        ent = sim[account].enterprise
        (as_of, month_start, month_to_date) = query(
            db,
            "select as_of_date, month_start_date, month_to_date_net_amount "
            "from marts.fct_cost_forecasts where billing_account_id = ? and is_current "
            "and dimension_type = 'total'",
            [account],
        )[0]
        assert as_of == ent.last_day
        truth = truth_by_day(sim, account)
        assert month_to_date == sum(
            (net for day, net in truth.items() if month_start <= day <= as_of), Decimal(0)
        )
        users = query(
            db,
            "select distinct seat_holder_login from marts.fct_copilot_user_usage "
            "where billing_account_id = ?",
            [account],
        )
        assert users and {login for (login,) in users} <= set(ent.users)


def test_each_alert_names_its_account_and_alerts_filter_by_account(
    built: tuple[MultiAccountSimulator, Path | Store],
) -> None:
    _, db = built
    everything = read_alerts(db, since=date(2000, 1, 1))
    by_account = {a: [x for x in everything if x.billing_account_id == a] for a in ACCOUNTS}
    assert all(by_account.values()), "each enterprise's crossed budget is an alert"
    for account, alerts in by_account.items():
        for alert in alerts:
            assert alert.sentence.startswith(f"{account}: "), alert.sentence
            assert f"(billing_account_id = '{account}', " in alert.sentence
            assert alert.as_json()["billing_account_id"] == account
        assert read_alerts(db, since=date(2000, 1, 1), account=account) == alerts


def test_the_cost_report_of_one_account_shows_that_accounts_bill_alone(
    built: tuple[MultiAccountSimulator, Path | Store],
) -> None:
    sim, db = built
    if not isinstance(db, Path):
        pytest.skip("the cost report reads a DuckDB file")
    both = MartsReader(db, None)
    try:
        assert both.totals().net == sum(
            (sum(truth_by_day(sim, a).values(), Decimal(0)) for a in ACCOUNTS), Decimal(0)
        )
    finally:
        both.close()
    for account in ACCOUNTS:
        reader = MartsReader(db, None, account)
        try:
            total = sum(truth_by_day(sim, account).values(), Decimal(0))
            assert reader.totals().net == total
            # organizations both enterprises name alike count only this account's dollars
            orgs = reader.net_by_organization()
            assert sum((net for _, net in orgs), Decimal(0)) == total
            assert {name for name, _ in orgs} <= set(sim[account].enterprise.orgs)
        finally:
            reader.close()
        written = write_report(db, default_report_path(db, account), account=account)
        assert written.path.name == f"billing-report-{account}.html"
        assert f"billing.duckdb (billing account {account})" in written.path.read_text()
    unknown = r"holds no usage of account nope \(it holds acme, labs\)"
    with pytest.raises(ReportError, match=unknown):
        MartsReader(db, None, "nope")


SEAT_DAY_MARTS = ("fct_usage_costs", "fct_copilot_seat_days", "fct_daily_cost_by_seat_holder")


def per_account_days(db: Path) -> dict[str, list[tuple[object, ...]]]:
    """Each incremental mart's dollars and rows per account and day."""
    return {
        mart: query(
            db,
            f"select billing_account_id, usage_date, count(*), sum(net_amount) "
            f"from marts.{mart} group by 1, 2 order by 1, 2",
        )
        for mart in SEAT_DAY_MARTS
    }


def test_an_incremental_build_after_one_accounts_rerun_equals_a_full_refresh(
    tmp_path: Path,
) -> None:
    db = tmp_path / "billing.duckdb"
    with MultiAccountSimulator(two_enterprises()) as sim:
        for name in ACCOUNTS:
            load_account(db, sim, name)
        build_models(db)
        before = per_account_days(db)
        # acme's GitHub restates a recent day; only acme runs again, then an incremental build
        sim["acme"].enterprise.restate(RESTATED, empty=["none"])
        load_account(db, sim, "acme")
        build_models(db)
        incremental = per_account_days(db)
    full = tmp_path / "full.duckdb"
    shutil.copy(db, full)
    build_models(full, full_refresh=True)
    assert incremental == per_account_days(full)
    # labs' marts are what they were; acme's restated day changed
    for mart in SEAT_DAY_MARTS:
        assert [r for r in incremental[mart] if r[0] == "labs"] == [
            r for r in before[mart] if r[0] == "labs"
        ]
    acme_day = [r for r in incremental["fct_usage_costs"] if r[:2] == ("acme", RESTATED)]
    assert acme_day != [r for r in before["fct_usage_costs"] if r[:2] == ("acme", RESTATED)]
