"""What a run prints at the end: tables, period, money, and where the data is."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import duckdb

from pipelines.github_billing.settings import RAW_DATASET


def _money(value: Decimal | float | None) -> str:
    return f"${Decimal(value or 0):,.2f}"


def _top(con: duckdb.DuckDBPyConnection, title: str, sql: str) -> list[str]:
    try:
        found = con.execute(sql).fetchall()
    except duckdb.Error:
        return []  # the mart is not built (e.g. --no-build): say nothing rather than guess
    if not found:
        return []
    lines = [f"  {title}:"]
    lines += [f"    {name!s:<40} {_money(amount):>14}" for name, amount in found]
    return lines


def _unknown_skus(con: duckdb.DuckDBPyConnection) -> list[str]:
    """One line naming what GitHub billed that the SKU catalogue does not know: kept as GitHub
    spelled it, never dropped, but its billing unit and FOCUS category are unknown."""
    try:
        found = con.execute(
            "select sku, coalesce(sku_raw_spellings, sku), not is_known_sku "
            "from marts.dim_products where is_billed and (not is_known_sku or has_unknown_unit) "
            "order by sku"
        ).fetchall()
    except duckdb.Error:
        return []
    if not found:
        return []
    named = ", ".join(
        f"{raw}" + ("" if unknown_sku else " (unknown unit)") for _sku, raw, unknown_sku in found
    )
    return [
        f"note: GitHub billed {len(found)} SKU(s) this version's catalogue does not know: {named}; "
        "they are kept as GitHub spelled them (marts.dim_products.is_known_sku = false): add "
        "them to dbt_project/seeds/github_skus.csv, or report them."
    ]


def render(db_path: Path) -> str:
    con = duckdb.connect(str(db_path), read_only=True)
    try:
        tables = con.execute(
            "select table_name from information_schema.tables where table_schema = ? "
            "and table_name not like '\\_dlt%' escape '\\' order by table_name",
            [RAW_DATASET],
        ).fetchall()
        lines = [f"Raw tables in {RAW_DATASET}:"]
        for (table,) in tables:
            (count,) = con.execute(f'select count(*) from {RAW_DATASET}."{table}"').fetchone()
            lines.append(f"  {table:<28} {count:>10,} rows")
        if ("usage_items",) in tables:
            first, last, net = con.execute(
                "select min(usage_date), max(usage_date), sum(net_amount) "
                f"from {RAW_DATASET}.usage_items"
            ).fetchone()
            lines.append(f"Period covered: {first} to {last}")
            lines.append(f"Total net cost: {_money(net)}")
        else:
            lines.append("No usage has been loaded yet: GitHub reported none for these days.")
        lines += _top(
            con,
            "Top organizations by net cost",
            """
            select coalesce(nullif(organization_name, ''), '(enterprise level)'), sum(net_amount)
            from marts.fct_daily_cost_by_organization
            group by 1 order by 2 desc limit 5""",
        )
        lines += _top(
            con,
            "Cost centers by net cost",
            """
            select cost_center_name, sum(net_amount) from marts.fct_daily_cost_by_cost_center
            group by 1 order by 2 desc limit 8""",
        )
        lines += _top(
            con,
            "Top Copilot users by cost (seat + premium requests / AI credits)",
            """
            select seat_holder_login, sum(net_amount) from marts.fct_daily_cost_by_seat_holder
            group by 1 order by 2 desc limit 5""",
        )
        lines += _top(
            con,
            "Top Copilot users by usage cost (premium requests / AI credits)",
            """
            select seat_holder_login, sum(net_amount) from marts.fct_copilot_user_usage
            group by 1 order by 2 desc limit 5""",
        )
        lines += _top(
            con,
            "Most expensive AI models",
            """
            select model_name, sum(net_amount) from marts.fct_daily_cost_by_model
            group by 1 order by 2 desc limit 5""",
        )
        lines += _top(
            con,
            "Idle Copilot seats (monthly cost)",
            """
            select count(*) || ' idle seats', sum(monthly_cost) from marts.idle_copilot_seats""",
        )
        lines += _unknown_skus(con)
    finally:
        con.close()
    lines.append(f"DuckDB file: {db_path}")
    lines.append(
        f'Open it with: duckdb {db_path}  (or python -c "import duckdb; '
        f"duckdb.connect('{db_path}', read_only=True).sql('show all tables').show()\")"
    )
    return "\n".join(lines)
