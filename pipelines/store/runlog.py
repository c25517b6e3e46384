"""The run log: one row per run in `github_billing_ops.runs`, in the store the run loads, written
when the run starts (so a killed run still shows) and updated when it ends."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from types import EllipsisType
from typing import Any

from pipelines.store.base import Store, StoreError

OPS_SCHEMA = "github_billing_ops"
RUNS_TABLE = f"{OPS_SCHEMA}.runs"
# plain SQL types both DuckDB and PostgreSQL know; the per-table counts are JSON text
RUNS_COLUMNS = (
    "run_id varchar, started_at timestamptz, ended_at timestamptz, command varchar, "
    "outcome varchar, rows_per_table json, rows_loaded bigint, requests_made bigint, "
    "rate_limit_remaining bigint, error varchar, account varchar"
)


@dataclass
class RunRecord:
    started_at: datetime
    command: str
    ended_at: datetime | None = None
    run_id: str = field(default_factory=lambda: uuid.uuid4().hex)
    outcome: str = "running"  # running | success | error (running forever: the run was killed)
    rows_per_table: dict[str, int] = field(default_factory=dict)
    requests_made: int = 0
    rate_limit_remaining: int | None = None
    error: str | None = None
    account: str | None = None  # the billing account's name (None: a log of before accounts)


def start_run(store: Store, record: RunRecord) -> None:
    """Log the run as `running` before anything is loaded. Opening the store here is also the
    check that it is writable and not held by another program: StoreError with the sentence."""
    with store.session() as db:
        db.execute(f"create schema if not exists {OPS_SCHEMA}")
        db.execute(f"create table if not exists {RUNS_TABLE} ({RUNS_COLUMNS})")
        # run logs written before runs were logged at their start lack the id
        db.execute(f"alter table {RUNS_TABLE} add column if not exists run_id varchar")
        # and those written before a store held several accounts, the account
        db.execute(f"alter table {RUNS_TABLE} add column if not exists account varchar")
        db.execute(
            f"insert into {RUNS_TABLE} (run_id, started_at, command, outcome, account) "
            "values (?, ?, ?, ?, ?)",
            [record.run_id, record.started_at, record.command, record.outcome, record.account],
        )


def finish_run(store: Store, record: RunRecord) -> None:
    """Write the run's outcome; a run log failure never hides the run's own outcome, so errors
    here are swallowed."""
    try:
        with store.session() as db:
            db.execute(
                f"""update {RUNS_TABLE} set ended_at = ?, outcome = ?, rows_per_table = ?,
                    rows_loaded = ?, requests_made = ?, rate_limit_remaining = ?, error = ?
                    where run_id = ?""",
                [
                    record.ended_at,
                    record.outcome,
                    json.dumps(record.rows_per_table),
                    sum(record.rows_per_table.values()),
                    record.requests_made,
                    record.rate_limit_remaining,
                    record.error,
                    record.run_id,
                ],
            )
    except (StoreError, *store.database_errors):
        return


def logged_accounts(store: Store) -> list[str | None]:
    """The accounts the run log names, by name (None: runs of before accounts)."""
    if not store.exists():
        return []
    with store.session(read_only=True) as db:
        if not db.has_table(OPS_SCHEMA, "runs") or not _has_account(db):
            return [None] if db.has_table(OPS_SCHEMA, "runs") else []
        found = [a for (a,) in db.fetchall(f"select distinct account from {RUNS_TABLE}")]
    return sorted(found, key=lambda a: (a is not None, a or ""))


def _has_account(db: Any) -> bool:
    found = db.fetchone(
        "select count(*) from information_schema.columns where table_schema = ? and "
        "table_name = 'runs' and column_name = 'account'",
        [OPS_SCHEMA],
    )
    return bool(found and found[0])


def recent_runs(
    store: Store, limit: int = 10, account: str | EllipsisType | None = ...
) -> list[dict[str, Any]]:
    """The newest runs first (none when the store holds no run log yet), of one account when
    `account` is given (None: the runs that name none)."""
    if not store.exists():
        return []
    with store.session(read_only=True) as db:
        if not db.has_table(OPS_SCHEMA, "runs"):
            return []
        has_account = _has_account(db)
        where, params = "", []
        if account is not ... and has_account:
            where, params = (
                ("where account is null", [])
                if account is None
                else (
                    "where account = ?",
                    [account],
                )
            )
        runs = db.records(
            "select started_at, ended_at, command, outcome, rows_loaded, rows_per_table, "
            f"requests_made, rate_limit_remaining, error"
            f"{', account' if has_account else ', null as account'} from {RUNS_TABLE} "
            f"{where} order by started_at desc limit {int(limit)}",
            params,
        )
    for run in runs:
        counts = run["rows_per_table"]  # DuckDB returns JSON as text, psycopg2 parsed
        run["rows_per_table"] = json.loads(counts or "{}") if isinstance(counts, str) else counts
    return runs
