"""What a run prints at the end: tables, period, money, and where the data is."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from pipelines.github_billing.settings import RAW_DATASET
from pipelines.store import DuckDBStore, Session, Store, as_store


def _money(value: Decimal | float | None) -> str:
    return f"${Decimal(value or 0):,.2f}"


def _top(db: Session, title: str, sql: str) -> list[str]:
    try:
        found = db.fetchall(sql)
    except db.errors:
        return []  # the mart is not built (e.g. --no-build): say nothing rather than guess
    if not found:
        return []
    lines = [f"  {title}:"]
    lines += [f"    {name!s:<40} {_money(amount):>14}" for name, amount in found]
    return lines


def _unknown_skus(db: Session) -> list[str]:
    """One line naming what GitHub billed that the SKU catalogue does not know: kept as GitHub
    spelled it, never dropped, but its billing unit and FOCUS category are unknown."""
    try:
        found = db.fetchall(
            "select sku, coalesce(sku_raw_spellings, sku), not is_known_sku "
            "from marts.dim_products where is_billed and (not is_known_sku or has_unknown_unit) "
            "order by sku"
        )
    except db.errors:
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


def _by_account(db: Session) -> list[str]:
    """The bill of each account, when the store holds several (their sum is the total)."""
    found = db.fetchall(
        "select count(*) from information_schema.columns where table_schema = ? and "
        "table_name = 'usage_items' and column_name = 'billing_account_id'",
        [RAW_DATASET],
    )
    if not found[0][0]:
        return []  # a store of before accounts: one account, the total is its bill
    bills = db.fetchall(
        "select billing_account_id, min(usage_date), max(usage_date), sum(net_amount) "
        f"from {RAW_DATASET}.usage_items group by 1 order by 1"
    )
    if len(bills) < 2:
        return []
    lines = ["Net cost by account:"]
    lines += [
        f"  {name!s:<28} {_money(net):>14}  ({first} to {last})" for name, first, last, net in bills
    ]
    return lines


def render(target: Path | Store) -> str:
    store = as_store(target)
    with store.session(read_only=True) as db:
        tables = db.fetchall(
            "select table_name from information_schema.tables where table_schema = ? "
            "and table_name not like '\\_dlt%' escape '\\' order by table_name",
            [RAW_DATASET],
        )
        lines = [f"Raw tables in {RAW_DATASET}:"]
        for (table,) in tables:
            (count,) = db.fetchone(f'select count(*) from {RAW_DATASET}."{table}"') or (0,)
            lines.append(f"  {table:<28} {count:>10,} rows")
        if ("usage_items",) in tables:
            first, last, net = db.fetchone(
                "select min(usage_date), max(usage_date), sum(net_amount) "
                f"from {RAW_DATASET}.usage_items"
            ) or (None, None, None)
            lines.append(f"Period covered: {first} to {last}")
            lines += _by_account(db)
            lines.append(f"Total net cost: {_money(net)}")
        else:
            lines.append("No usage has been loaded yet: GitHub reported none for these days.")
        lines += _top(
            db,
            "Top organizations by net cost",
            """
            select coalesce(nullif(organization_name, ''), '(enterprise level)'), sum(net_amount)
            from marts.fct_daily_cost_by_organization
            group by 1 order by 2 desc limit 5""",
        )
        lines += _top(
            db,
            "Cost centers by net cost",
            """
            select cost_center_name, sum(net_amount) from marts.fct_daily_cost_by_cost_center
            group by 1 order by 2 desc limit 8""",
        )
        lines += _top(
            db,
            "Top Copilot users by cost (seat + premium requests / AI credits)",
            """
            select seat_holder_login, sum(net_amount) from marts.fct_daily_cost_by_seat_holder
            group by 1 order by 2 desc limit 5""",
        )
        lines += _top(
            db,
            "Top Copilot users by usage cost (premium requests / AI credits)",
            """
            select seat_holder_login, sum(net_amount) from marts.fct_copilot_user_usage
            group by 1 order by 2 desc limit 5""",
        )
        lines += _top(
            db,
            "Most expensive AI models",
            """
            select model_name, sum(net_amount) from marts.fct_daily_cost_by_model
            group by 1 order by 2 desc limit 5""",
        )
        lines += _top(
            db,
            "Idle Copilot seats (monthly cost)",
            """
            select count(*) || ' idle seats', sum(monthly_cost) from marts.idle_copilot_seats""",
        )
        lines += _unknown_skus(db)
    where = "DuckDB file" if isinstance(store, DuckDBStore) else "PostgreSQL database"
    lines.append(f"{where}: {store.location}")
    lines.append(store.open_hint())
    return "\n".join(lines)
