"""Which days a build of the seat-day chain rebuilds: the window passed to dbt as
--event-time-start / --event-time-end for its microbatch models (dbt_project/macros/
seat_day_batches.sql).

dbt's own default (the last `lookback` batches before the clock's today) misses what a load
can change further back: a backfill, a seat the seats list shows weeks after its grant, a
membership that moved, a cost center found deleted. Every rule of the chain is per day, so the
window starts on the first day anything the chain reads changed since it was last built (each
chain row keeps the newest raw load it saw, `built_through_load_id`) and ends after the last
loaded day. Plain SQL through the store's session, so it reads DuckDB and PostgreSQL alike.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from pipelines.store.base import Session

# The chain, first to last: its most-behind table decides what is new to it.
CHAIN_TABLES = (
    "intermediate.int_copilot_seat_days_expanded",
    "intermediate.int_copilot_seat_days_attributed",
    "intermediate.int_copilot_seat_costs_allocated",
    "marts.fct_copilot_seat_days",
    "marts.fct_daily_cost_by_seat_holder",
)
# Raw tables whose rows are days of usage the chain reads (seat costs, per-user usage) or that
# date a cost center's last day of attribution (the partition tables).
USAGE_TABLES = ("usage_items", "copilot_user_usage")
PARTITION_TABLES = ("usage_items", "premium_request_usage", "ai_credit_usage")


@dataclass(frozen=True)
class Window:
    """Days `start` (inclusive) to `end` (exclusive)."""

    start: date
    end: date

    def dbt_args(self) -> list[str]:
        start, end = self.start.isoformat(), self.end.isoformat()
        return ["--event-time-start", start, "--event-time-end", end]


def _day(value: Any) -> date | None:
    if value is None:
        return None
    return value.date() if isinstance(value, datetime) else value


def _earliest(days: Iterable[date | None]) -> date | None:
    known = [d for d in days if d is not None]
    return min(known) if known else None


class _Reader:
    def __init__(self, session: Session, raw: str) -> None:
        self.session, self.raw = session, raw

    def has(self, qualified: str) -> bool:
        schema, table = qualified.split(".")
        return self.session.has_table(schema, table)

    def raw_tables(self, names: Iterable[str]) -> list[str]:
        return [f"{self.raw}.{n}" for n in names if self.has(f"{self.raw}.{n}")]

    def day(self, sql: str, params: list[Any] | None = None) -> date | None:
        row = self.session.fetchone(sql, params or [])
        return _day(row[0]) if row else None

    def columns(self, qualified: str) -> set[str]:
        schema, table = qualified.split(".")
        rows = self.session.fetchall(
            "select column_name from information_schema.columns "
            "where table_schema = ? and table_name = ?",
            [schema, table],
        )
        return {r[0] for r in rows}


def _loaded_span(r: _Reader) -> tuple[date, date] | None:
    """The first and last day of the chain's inputs: usage days, seat grants and snapshots."""
    firsts, lasts = [], []
    for table in r.raw_tables(USAGE_TABLES):
        firsts.append(r.day(f"select min(usage_date) from {table}"))
        lasts.append(r.day(f"select max(usage_date) from {table}"))
    for table in r.raw_tables(["copilot_seats"]):
        granted = "cast(created_at at time zone 'UTC' as date)"
        firsts.append(r.day(f"select min({granted}) from {table}"))
        lasts.append(r.day(f"select max(snapshot_date) from {table}"))
    first, last = _earliest(firsts), max((d for d in lasts if d is not None), default=None)
    return (first, last) if first and last else None


def _watermark(r: _Reader) -> str | None:
    """The newest raw load every chain table has seen; None when any was never built (or was
    built by an older version of the models, without the marker: dbt then asks for a full
    refresh)."""
    marks = []
    for table in CHAIN_TABLES:
        if not r.has(table) or "built_through_load_id" not in r.columns(table):
            return None
        row = r.session.fetchone(f"select max(built_through_load_id) from {table}")
        if not row or row[0] is None:
            return None
        marks.append(row[0])
    return min(marks)


def _first_changed_day(r: _Reader, watermark: str, lookback_days: int) -> date | None:
    """The first day anything the chain reads changed since the loads it has seen."""
    raw = r.raw
    since = datetime.fromtimestamp(float(watermark), UTC).replace(tzinfo=None)
    last_built = r.day("select max(usage_date) from marts.fct_copilot_seat_days")
    reasons: list[date | None] = [
        last_built - timedelta(days=lookback_days) if last_built else None
    ]
    # new days, restated days, a backfill (which also moves the first day seat-days start on)
    for table in r.raw_tables(USAGE_TABLES):
        reasons.append(
            r.day(f"select min(usage_date) from {table} where _dlt_load_id > ?", [watermark])
        )
    if r.raw_tables(["copilot_seats"]):
        # a snapshot describes the days since the seat's previous one; a new seat (or a grant
        # moved earlier) changes the days from its grant
        reasons.append(
            r.day(
                f"""
                select min(first_day) from (
                    select
                        coalesce(
                            max(earlier.snapshot_date) + 1,
                            min(cast(new.created_at at time zone 'UTC' as date))
                        ) as first_day
                    from {raw}.copilot_seats as new
                    left join {raw}.copilot_seats as earlier
                        on earlier.billing_account_id = new.billing_account_id
                        and earlier.seat_key = new.seat_key
                        and earlier.snapshot_date < new.snapshot_date
                    where new._dlt_load_id > ?
                    group by new.billing_account_id, new.seat_key, new.snapshot_date
                    union all
                    select min(cast(new.created_at at time zone 'UTC' as date))
                    from {raw}.copilot_seats as new
                    inner join {raw}.copilot_seats as earlier
                        on earlier.billing_account_id = new.billing_account_id
                        and earlier.seat_key = new.seat_key
                        and earlier._dlt_load_id <= ?
                        and earlier.created_at > new.created_at
                    where new._dlt_load_id > ?
                ) as snapshot_days
                """,
                [watermark, watermark, watermark],
            )
        )
    if r.raw_tables(["cost_center_resources"]):
        resources = f"{raw}.cost_center_resources"
        # each account's very first versions count as valid since ever
        # (int_cost_center_memberships_dated)
        reasons.append(
            r.day(
                f"""
                select min(case when resources._dlt_valid_from = first_load.valid_from
                    then date '0001-01-01'
                    else cast(resources._dlt_valid_from at time zone 'UTC' as date) end)
                from {resources} as resources
                inner join (
                    select billing_account_id, min(_dlt_valid_from) as valid_from
                    from {resources}
                    group by billing_account_id
                ) as first_load on first_load.billing_account_id = resources.billing_account_id
                where resources._dlt_load_id > ?
                """,
                [watermark],
            )
        )
        # versions closed since: the membership ends the day before
        reasons.append(
            r.day(
                f"select min(cast(_dlt_valid_to at time zone 'UTC' as date)) from {resources} "
                "where _dlt_valid_to at time zone 'UTC' > ?",
                [since],
            )
        )
    partitions = r.raw_tables(PARTITION_TABLES)
    if r.raw_tables(["cost_centers"]) and partitions:
        # a deleted cost center attributes nothing after its last day of usage, however late
        # the pipeline learns of the deletion
        usage_days = " union all ".join(
            f"select billing_account_id, cost_center_id, usage_date from {t}" for t in partitions
        )
        reasons.append(
            r.day(
                f"""
                select min(built.usage_date)
                from intermediate.int_copilot_seat_days_attributed as built
                inner join (
                    select
                        centers.billing_account_id,
                        centers.id,
                        coalesce(max(days.usage_date), date '0001-01-01') as last_day
                    from {raw}.cost_centers as centers
                    left join ({usage_days}) as days
                        on days.billing_account_id = centers.billing_account_id
                        and days.cost_center_id = centers.id
                    where lower(centers.state) = 'deleted'
                    group by centers.billing_account_id, centers.id
                ) as deleted
                    on deleted.billing_account_id = built.billing_account_id
                    and deleted.id = built.cost_center_id
                where built.usage_date > deleted.last_day
                """
            )
        )
    return _earliest(reasons)


def seat_day_window(
    session: Session, raw_dataset: str, lookback_days: int, full: bool
) -> Window | None:
    """The days to rebuild, or None when nothing is loaded yet. `full` (a full refresh, or a
    chain never built) covers every loaded day."""
    r = _Reader(session, raw_dataset)
    span = _loaded_span(r)
    if span is None:
        return None
    first, last = span
    watermark = None if full else _watermark(r)
    start = first if watermark is None else _first_changed_day(r, watermark, lookback_days)
    start = max(start or last, first)
    return Window(start, last + timedelta(days=1))
