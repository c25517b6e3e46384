"""Everything the report shows, read from the marts (and the run log beside them) of one DuckDB
file, read-only. Money stays Decimal as DuckDB returns it; nothing here formats or plots."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb

from pipelines.cost_report.period import Period
from pipelines.ops import OPS_SCHEMA, RUNS_TABLE

MARTS = "marts"
# the marts of one billing account (MartsReader(account=)): views in the temporary catalog
ACCOUNT_MARTS = "temp.main"
TEST_RESULTS_TABLE = f"{OPS_SCHEMA}.dbt_test_results"  # macros/record_test_results.sql
# The flag the SKU catalogue adds to dim_products; the panel row appears once it exists.
REQUIRED_MARTS = (
    "fct_usage_costs",
    "fct_daily_cost_by_cost_center",
    "fct_daily_cost_by_organization",
    "fct_daily_cost_by_repository",
    "fct_daily_cost_by_seat_holder",
    "fct_daily_cost_by_model",
    "fct_actions_usage_by_workflow",
    "idle_copilot_seats",
    "dim_products",
)

Rows = list[tuple[Any, ...]]


class ReportError(Exception):
    """The report cannot be made from this file; the message is the sentence to show."""


@dataclass(frozen=True)
class Totals:
    gross: Decimal
    discount: Decimal
    net: Decimal


@dataclass(frozen=True)
class LastRun:
    ended_at: datetime
    rows_loaded: int
    requests_made: int
    failed_since: int  # runs that failed or were killed after it


@dataclass(frozen=True)
class TestResult:
    name: str
    test_type: str
    status: str
    failures: int
    message: str

    @property
    def is_reconciliation(self) -> bool:
        # sums_match compares a mart with what it was built from; the singular tests compare
        # grand totals and types (dbt_project/tests)
        return self.test_type in ("sums_match", "singular")


@dataclass(frozen=True)
class TestRun:
    started_at: datetime
    results: list[TestResult]


def _zero(value: Decimal | None) -> Decimal:
    return value if value is not None else Decimal(0)


class MartsReader:
    """One read-only connection; each method answers one question for the period, of every
    billing account the file holds or of `account` alone."""

    def __init__(self, db_path: Path, months: int | None, account: str | None = None) -> None:
        self.marts, self.account = MARTS, account
        if not db_path.is_file():
            raise ReportError(
                f"There is no DuckDB file at {db_path}: run `github-billing run` (or "
                "`make demo`) first, or point --db at the file it wrote."
            )
        try:
            self.con = duckdb.connect(str(db_path), read_only=True)
        except duckdb.Error as exc:
            raise ReportError(
                f"Cannot open the DuckDB file {db_path} read-only "
                f"({str(exc).splitlines()[0]}): point --db at the warehouse or a BI snapshot."
            ) from None
        missing = sorted(set(REQUIRED_MARTS) - self._tables(MARTS))
        if missing:
            self.close()
            raise ReportError(
                f"{db_path} has no built marts ({', '.join(missing[:3])} missing): run "
                "`github-billing run` (without --no-build) or `make dbt` on it first."
            )
        if account is not None:
            self._only_account(db_path, account)
        first, last = self.con.execute(
            f"select min(usage_date), max(usage_date) from {self.marts}.fct_usage_costs"
        ).fetchone()
        if first is None:
            self.close()
            raise ReportError(f"{db_path} holds no usage yet: there is nothing to report.")
        self.period = Period.covering(first, last, months)

    def close(self) -> None:
        self.con.close()

    def _only_account(self, db_path: Path, account: str) -> None:
        """Every question asked of one account's marts: a view per mart in the connection's
        temporary catalog, so the file stays read-only and each query stays as written."""
        held = [
            name
            for (name,) in self.con.execute(
                f"select distinct billing_account_id from {MARTS}.fct_usage_costs order by 1"
            ).fetchall()
        ]
        if account not in held:
            self.close()
            raise ReportError(
                f"{db_path} holds no usage of account {account} (it holds "
                f"{', '.join(held) or 'none'}): name one of those with --account."
            )
        literal = account.replace("'", "''")
        for table in sorted(self._tables(MARTS)):
            own = "billing_account_id" in self._columns(MARTS, table)
            where = f" where billing_account_id = '{literal}'" if own else ""
            self.con.execute(
                f'create temp view "{table}" as select * from {MARTS}."{table}"{where}'
            )
        self.marts = ACCOUNT_MARTS

    def _tables(self, schema: str) -> set[str]:
        found = self.con.execute(
            "select table_name from information_schema.tables where table_schema = ?", [schema]
        ).fetchall()
        return {name for (name,) in found}

    def _columns(self, schema: str, table: str) -> set[str]:
        found = self.con.execute(
            "select column_name from information_schema.columns "
            "where table_schema = ? and table_name = ?",
            [schema, table],
        ).fetchall()
        return {name for (name,) in found}

    def _rows(self, sql: str, params: Sequence[Any] = ()) -> Rows:
        """`sql` with `{marts}` for the schema and `?` parameters after the period's two days."""
        period = [self.period.start, self.period.end]
        return self.con.execute(sql.format(marts=self.marts), [*period, *params]).fetchall()

    # -- headline --------------------------------------------------------------------------------
    def totals(self) -> Totals:
        gross, discount, net = self._rows(
            "select sum(gross_amount), sum(discount_amount), sum(net_amount) "
            "from {marts}.fct_usage_costs where usage_date between ? and ?"
        )[0]
        return Totals(_zero(gross), _zero(discount), _zero(net))

    def net_between(self, first: date, last: date) -> Decimal:
        (net,) = self.con.execute(
            f"select sum(net_amount) from {self.marts}.fct_usage_costs "
            "where usage_date between ? and ?",
            [first, last],
        ).fetchone()
        return _zero(net)

    def last_successful_run(self) -> LastRun | None:
        if "runs" not in self._tables(OPS_SCHEMA):
            return None
        # one account's runs (the run log names each run's account since several accounts)
        own = self.account is not None and "account" in self._columns(OPS_SCHEMA, "runs")
        account = "and later.account = ok.account" if own else ""
        found = self.con.execute(
            f"""select ended_at, coalesce(rows_loaded, 0), coalesce(requests_made, 0),
                (select count(*) from {RUNS_TABLE} later
                 where later.started_at > ok.started_at and later.outcome <> 'success' {account})
            from {RUNS_TABLE} ok where outcome = 'success' {"and ok.account = ?" if own else ""}
            order by started_at desc limit 1""",
            [self.account] if own else [],
        ).fetchall()
        return LastRun(*found[0]) if found else None

    def last_test_run(self) -> TestRun | None:
        """The tests of the newest dbt invocation that ran any."""
        if "dbt_test_results" not in self._tables(OPS_SCHEMA):
            return None
        found = self.con.execute(
            f"""select run_started_at, test_name, test_type, status, failures, message
            from {TEST_RESULTS_TABLE}
            where invocation_id = (select invocation_id from {TEST_RESULTS_TABLE}
                                   order by run_started_at desc limit 1)
            order by status <> 'pass' desc, test_name"""
        ).fetchall()
        if not found:
            return None
        return TestRun(found[0][0], [TestResult(*row[1:]) for row in found])

    # -- cost over time --------------------------------------------------------------------------
    def daily_net_by_product(self) -> Rows:
        return self._rows(
            "select usage_date, product, sum(net_amount) from {marts}.fct_usage_costs "
            "where usage_date between ? and ? group by all order by all"
        )

    def monthly_net_by_product(self) -> Rows:
        return self._rows(
            "select date_trunc('month', usage_date)::date, product, sum(net_amount) "
            "from {marts}.fct_usage_costs where usage_date between ? and ? "
            "group by all order by all"
        )

    def monthly_net_by_cost_center(self) -> Rows:
        return self._rows(
            "select date_trunc('month', usage_date)::date, cost_center_name, sum(net_amount) "
            "from {marts}.fct_daily_cost_by_cost_center where usage_date between ? and ? "
            "group by all order by all"
        )

    # -- who spends ------------------------------------------------------------------------------
    def net_by_organization(self) -> Rows:
        return self._rows(
            "select organization_name, sum(net_amount) as net "
            "from {marts}.fct_daily_cost_by_organization where usage_date between ? and ? "
            "group by all order by net desc, organization_name"
        )

    def net_by_repository(self) -> Rows:
        return self._rows(
            "select organization_name, repository_name, sum(net_amount) as net "
            "from {marts}.fct_daily_cost_by_repository where usage_date between ? and ? "
            "group by all order by net desc, organization_name, repository_name"
        )

    def monthly_net_by_repository(self, months: Sequence[date]) -> Rows:
        """Net per repository in each of `months` (the movers)."""
        return self._rows(
            "select organization_name, repository_name, date_trunc('month', usage_date)::date, "
            "sum(net_amount) from {marts}.fct_daily_cost_by_repository "
            "where usage_date between ? and ? and date_trunc('month', usage_date)::date "
            "in (select unnest(?::date[])) group by all",
            [list(months)],
        )

    # -- Copilot ---------------------------------------------------------------------------------
    def monthly_copilot_seat_and_usage(self) -> Rows:
        """Licence (seat) and usage dollars of the bill's Copilot lines per month."""
        return self._rows(
            "select date_trunc('month', u.usage_date)::date, "
            "case when p.is_licence then 'Seats' else 'Usage' end, sum(u.net_amount) "
            "from {marts}.fct_usage_costs u join {marts}.dim_products p using (product_sku_id) "
            "where u.usage_date between ? and ? and u.product = 'copilot' "
            "group by all order by all"
        )

    def monthly_net_by_model(self) -> Rows:
        return self._rows(
            "select date_trunc('month', usage_date)::date, model_name, sum(net_amount) "
            "from {marts}.fct_daily_cost_by_model where usage_date between ? and ? "
            "group by all order by all"
        )

    def usage_by_model(self) -> Rows:
        return self._rows(
            "select model_name, billing_unit, sum(gross_quantity), sum(net_quantity), "
            "sum(net_amount) as net from {marts}.fct_daily_cost_by_model "
            "where usage_date between ? and ? group by all order by net desc, model_name"
        )

    def cost_by_seat_holder(self) -> Rows:
        return self._rows(
            "select seat_holder_login, sum(seat_net_amount), sum(usage_net_amount), "
            "sum(net_amount) as net from {marts}.fct_daily_cost_by_seat_holder "
            "where usage_date between ? and ? group by all order by net desc, seat_holder_login"
        )

    def idle_seats(self) -> Rows:
        """As of the newest seat snapshot, whatever the period: who holds them, what they cost."""
        return self.con.execute(
            f"""select seat_holder_login, organization_name, cost_center_name, plan_type,
                last_activity_at, days_idle, monthly_cost, as_of_date
            from {self.marts}.idle_copilot_seats order by monthly_cost desc, days_idle desc,
                seat_holder_login"""
        ).fetchall()

    # -- Actions ---------------------------------------------------------------------------------
    def actions_net_by_repository(self) -> Rows:
        return self._rows(
            "select organization_name, repository_name, sum(net_amount) as net "
            "from {marts}.fct_usage_costs where usage_date between ? and ? "
            "and product = 'actions' group by all order by net desc, 1, 2"
        )

    def actions_net_by_workflow(self) -> Rows:
        return self._rows(
            "select organization_name, repository_name, workflow_path, sum(quantity), "
            "sum(net_amount) as net from {marts}.fct_actions_usage_by_workflow "
            "where usage_date between ? and ? and workflow_path <> '' "
            "group by all order by net desc, 1, 2, 3"
        )

    def monthly_actions_by_sku(self) -> Rows:
        return self._rows(
            "select date_trunc('month', usage_date)::date, sku, unit_type, sum(quantity), "
            "sum(net_amount) from {marts}.fct_usage_costs "
            "where usage_date between ? and ? and product = 'actions' group by all order by all"
        )

    # -- data quality ----------------------------------------------------------------------------
    def unknown_skus(self) -> Rows:
        """Billed SKUs the SKU catalogue does not know (kept as GitHub spelled them)."""
        return self._rows(
            "select p.product, p.sku, p.sku_raw_spellings, coalesce(sum(u.net_amount), 0) "
            "from {marts}.dim_products p left join {marts}.fct_usage_costs u "
            "on u.product_sku_id = p.product_sku_id and u.usage_date between ? and ? "
            "where p.is_billed and not p.is_known_sku group by all order by all"
        )

    def reread_days(self) -> Rows:
        """Days whose rows came from a later load than a later day's: they were read again after
        their first load (a restatement the drift check caught, or a --since backfill). Nothing
        keeps what a day held before, so only the day and the load time are known."""
        return self._rows(
            """with days as (
                select usage_date, max(cast(last_dlt_load_id as decimal(20, 6))) as load_id,
                    sum(net_amount) as net
                from {marts}.fct_usage_costs where usage_date between ? and ? group by all
            ), compared as (
                select *, min(load_id) over (
                    order by usage_date rows between 1 following and unbounded following
                ) as first_later_load
                from days
            )
            select usage_date, to_timestamp(cast(load_id as double)), net from compared
            where load_id > first_later_load order by usage_date"""
        )
