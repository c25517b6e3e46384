"""`github-billing export focus`: the FOCUS 1.3 rows the dbt models build (schema `focus`),
written as Parquet or CSV files a FinOps platform ingests, with totals checked against the marts.

The rows are the dbt views' (`focus.focus_cost_and_usage`, and with `--allocate-seats` the seat
licence lines replaced by `focus.focus_copilot_seat_allocations`): this module only selects a
window, splits it into files and reconciles; every column rule lives in the models.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

FOCUS_SCHEMA = "focus"
COST_AND_USAGE = f"{FOCUS_SCHEMA}.focus_cost_and_usage"
SEAT_ALLOCATIONS = f"{FOCUS_SCHEMA}.focus_copilot_seat_allocations"
USAGE_COSTS = "marts.fct_usage_costs"
FORMATS = ("parquet", "csv")
# FOCUS date/times are ISO 8601 in UTC with a Z: 2026-05-01T00:00:00Z
CSV_TIMESTAMP_FORMAT = "%Y-%m-%dT%H:%M:%SZ"
DATETIME_COLUMNS = (
    "BillingPeriodEnd",
    "BillingPeriodStart",
    "ChargePeriodEnd",
    "ChargePeriodStart",
)


class ExportError(Exception):
    """The sentence to show: what is wrong and what to do."""


@dataclass
class ExportResult:
    files: list[Path] = field(default_factory=list)
    rows: int = 0
    first_day: date | None = None
    last_day: date | None = None
    billed_cost: Decimal = Decimal(0)
    list_cost: Decimal = Decimal(0)
    marts_net: Decimal = Decimal(0)
    marts_gross: Decimal = Decimal(0)


def output_format(out: Path, requested: str | None) -> str:
    """--format, else the file's suffix (`.csv`), else Parquet."""
    if requested:
        return requested
    return "csv" if out.suffix.lower() == ".csv" else "parquet"


def split_paths(out: Path, files: int) -> list[Path]:
    """One file keeps the name given; several are numbered before the suffix:
    focus.csv -> focus-00001.csv, focus-00002.csv, ..."""
    if files <= 1:
        return [out]
    return [out.with_name(f"{out.stem}-{i:05d}{out.suffix}") for i in range(1, files + 1)]


def _columns(con: Any, relation: str) -> list[str]:
    schema, name = relation.split(".")
    return [
        row[0]
        for row in con.execute(
            "select column_name from information_schema.columns "
            "where table_schema = ? and table_name = ? order by ordinal_position",
            [schema, name],
        ).fetchall()
    ]


def _quoted(columns: list[str]) -> str:
    return ", ".join(f'"{c}"' for c in columns)


def window_condition(column: str, since: date | None, until: date | None) -> str:
    """The days [since, until] as SQL on `column` (dates are parsed values, safe as literals)."""
    clauses = []
    if since:
        clauses.append(f"{column} >= date '{since.isoformat()}'")
    if until:
        clauses.append(f"{column} <= date '{until.isoformat()}'")
    return " and ".join(clauses) or "true"


def rows_query(con: Any, allocate_seats: bool, where: str) -> str:
    """The FOCUS rows of the window, in a stable order (so split files are reproducible).
    With seat allocation, the licence lines that have allocated rows are replaced by them; the
    allocated dataset has one column more (x_SeatDayId)."""
    columns = _columns(con, COST_AND_USAGE)
    if not allocate_seats:
        return (
            f"select {_quoted(columns)} from {COST_AND_USAGE} where {where} "
            'order by "ChargePeriodStart", "x_UsageCostId"'
        )
    allocated = _columns(con, SEAT_ALLOCATIONS)
    extra = [c for c in allocated if c not in columns]
    nulls = ", ".join(f'null as "{c}"' for c in extra)
    replaced = f'select "x_UsageCostId" from {SEAT_ALLOCATIONS}'
    return (
        f"select * from (select {_quoted(columns)}, {nulls} from {COST_AND_USAGE} "
        f'where {where} and "x_UsageCostId" not in ({replaced}) '
        f"union all select {_quoted(columns + extra)} from {SEAT_ALLOCATIONS} where {where}) "
        'order by "ChargePeriodStart", "x_UsageCostId", "x_SeatDayId"'
    )


def _literals(values: Sequence[str]) -> str:
    return ", ".join("'" + v.replace("'", "''") + "'" for v in values)


def _check_accounts(con: Any, accounts: Sequence[str]) -> None:
    """--account names accounts the store holds, or ExportError with the ones it does."""
    held = [
        a
        for (a,) in con.execute(f"select distinct billing_account_id from {USAGE_COSTS}").fetchall()
    ]
    unknown = [a for a in accounts if a not in held]
    if unknown:
        raise ExportError(
            f"--account {unknown[0]} has no costs in this database: it holds "
            f"{', '.join(sorted(held)) or 'no account yet'}."
        )


def _check_built(con: Any) -> None:
    if not _columns(con, COST_AND_USAGE):
        raise ExportError(
            "This database has no FOCUS models yet (schema focus): run `github-billing run` "
            "(or `make dbt`) once to build them, then export again."
        )
    usage_rows = con.execute(f"select count(*) from {USAGE_COSTS}").fetchone()[0]
    focus_rows = con.execute(f"select count(*) from {COST_AND_USAGE}").fetchone()[0]
    if usage_rows and not focus_rows:
        raise ExportError(
            "The FOCUS rows are empty because this database has no billing account yet "
            "(github_billing_raw.billing_accounts, written by every run since FOCUS export "
            "exists): run `github-billing run` once, then export again."
        )


def export_focus(
    db_path: Path,
    out: Path,
    fmt: str = "parquet",
    since: date | None = None,
    until: date | None = None,
    split_rows: int | None = None,
    allocate_seats: bool = False,
    accounts: Sequence[str] = (),
) -> ExportResult:
    """Write the FOCUS rows of [since, until] (of `accounts` only, when named) to `out` (or
    numbered files of at most `split_rows` rows each) and return the totals, checked against
    marts.fct_usage_costs."""
    from pipelines import ops

    if fmt not in FORMATS:
        raise ExportError(f"--format must be parquet or csv, not '{fmt}'.")
    if split_rows is not None and split_rows < 1:
        raise ExportError(f"--split-rows must be a positive number of rows, not {split_rows}.")
    if since and until and until < since:
        raise ExportError(f"--until {until} is before --since {since}.")
    if not out.parent.is_dir():
        raise ExportError(f"Cannot write {out}: the folder {out.parent} does not exist.")
    if not db_path.is_file():
        raise ExportError(
            f"No database at {db_path}: point --db (or GITHUB_BILLING_DUCKDB) at the DuckDB "
            "file `github-billing run` writes."
        )
    try:
        con = ops.open_db(db_path, read_only=True)
    except ops.OpsError as exc:
        raise ExportError(str(exc)) from None
    try:
        _check_built(con)
        _check_accounts(con, accounts)
        rows_where = window_condition('"x_UsageDate"', since, until)
        marts_where = window_condition("usage_date", since, until)
        if accounts:
            rows_where += f' and "BillingAccountId" in ({_literals(accounts)})'
            marts_where += f" and billing_account_id in ({_literals(accounts)})"
        query = rows_query(con, allocate_seats, rows_where)
        result = _totals(con, query, marts_where)
        if result.billed_cost != result.marts_net or result.list_cost != result.marts_gross:
            raise ExportError(
                f"The FOCUS rows do not reconcile with {USAGE_COSTS} (BilledCost "
                f"{result.billed_cost} vs net {result.marts_net}, ListCost {result.list_cost} vs "
                f"gross {result.marts_gross}): run `make dbt ARGS=build` and report it if it "
                "persists; nothing was written."
            )
        files = -(-result.rows // split_rows) if split_rows and result.rows else 1
        result.files = split_paths(out, files)
        if files == 1:
            _write(con, query, result.files[0], fmt)
            return result
        # the rows are computed and ordered once; each file is a slice of row numbers
        con.execute(
            "create temp table focus_rows as select row_number() over () as export_row, * "
            f"from ({query})"
        )
        names = [d[0] for d in con.execute("select * from focus_rows limit 0").description]
        columns = _quoted(names[1:])
        for index, path in enumerate(result.files):
            first = index * split_rows + 1  # type: ignore[operator]
            chunk = (
                f"select {columns} from focus_rows where export_row between {first} "
                f"and {first + split_rows - 1} order by export_row"  # type: ignore[operator]
            )
            _write(con, chunk, path, fmt)
        return result
    finally:
        con.close()


def _totals(con: Any, query: str, marts_window: str) -> ExportResult:
    rows, billed, listed, first, last = con.execute(
        'select count(*), coalesce(sum("BilledCost"), 0), coalesce(sum("ListCost"), 0), '
        f'min("x_UsageDate"), max("x_UsageDate") from ({query})'
    ).fetchone()
    net, gross = con.execute(
        f"select coalesce(sum(net_amount), 0), coalesce(sum(gross_amount), 0) "
        f"from {USAGE_COSTS} where {marts_window}"
    ).fetchone()
    return ExportResult(
        rows=rows,
        first_day=first,
        last_day=last,
        billed_cost=Decimal(billed),
        list_cost=Decimal(listed),
        marts_net=Decimal(net),
        marts_gross=Decimal(gross),
    )


def _write(con: Any, query: str, path: Path, fmt: str) -> None:
    """Parquet keeps DECIMAL money and UTC timestamps; CSV writes FOCUS's ISO 8601 `...Z`
    date/times and a header of exactly the FOCUS column names."""
    columns = [d[0] for d in con.execute(f"select * from ({query}) limit 0").description]
    select = ", ".join(
        f'timezone(\'UTC\', "{c}") as "{c}"' if c in DATETIME_COLUMNS else f'"{c}"' for c in columns
    )
    sql = f"select {select} from ({query})"
    if fmt == "parquet":
        options = "format parquet, compression zstd"
    else:
        options = f"format csv, header true, timestampformat '{CSV_TIMESTAMP_FORMAT}'"
    target = str(path).replace("'", "''")
    con.execute(f"copy ({sql}) to '{target}' ({options})")


def add_command(exports: Any) -> None:
    """`export focus` under the CLI's `export` command."""
    p = exports.add_parser(
        "focus",
        help="FOCUS 1.3 Cost and Usage rows for FinOps platforms (Parquet or CSV)",
        description="Write the FOCUS 1.3 rows of the built models (schema focus) and print "
        "totals reconciled with marts.fct_usage_costs.",
    )
    p.add_argument(
        "--db", help="DuckDB file (env GITHUB_BILLING_DUCKDB; default data/github_billing.duckdb)"
    )
    p.add_argument("--out", required=True, help="file to write (numbered when split)")
    p.add_argument("--format", choices=FORMATS, help="parquet (default) or csv (or from --out)")
    p.add_argument("--since", help="first usage day (YYYY-MM-DD), included")
    p.add_argument("--until", help="last usage day (YYYY-MM-DD), included")
    p.add_argument(
        "--split-rows",
        type=int,
        metavar="N",
        help="at most N rows a file (e.g. 10000 for Vantage's custom providers)",
    )
    p.add_argument(
        "--allocate-seats",
        action="store_true",
        help="Copilot seat licence lines split to seat holders (FOCUS 1.3 Allocated* columns)",
    )
    from pipelines.cli import add_account_option

    add_account_option(p)
    p.set_defaults(func=cmd_export_focus)


def cmd_export_focus(args: argparse.Namespace) -> int:
    from pipelines.cli import UsageError, _db_path, _parse_day

    out = Path(args.out)
    try:
        result = export_focus(
            _db_path(args, "data/github_billing.duckdb"),
            out,
            output_format(out, args.format),
            since=_parse_day(args.since, "--since"),
            until=_parse_day(args.until, "--until"),
            split_rows=args.split_rows,
            allocate_seats=args.allocate_seats,
            accounts=args.account or (),
        )
    except ExportError as exc:
        raise UsageError(str(exc)) from None
    days = f"{result.first_day} to {result.last_day}" if result.rows else "no usage days"
    where = (
        str(result.files[0])
        if len(result.files) == 1
        else (f"{len(result.files)} files, {result.files[0].name} to {result.files[-1].name}")
    )
    print(f"Wrote {result.rows:,} FOCUS 1.3 rows ({days}) to {where}.")
    print(
        f"  BilledCost = EffectiveCost {result.billed_cost:,.2f} USD "
        f"= {USAGE_COSTS} net_amount {result.marts_net:,.2f}"
    )
    print(
        f"  ListCost = ContractedCost {result.list_cost:,.2f} USD "
        f"= {USAGE_COSTS} gross_amount {result.marts_gross:,.2f}"
    )
    return 0
