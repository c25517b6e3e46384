"""Operations: one run at a time per database, a run log in DuckDB, and connection health."""

from __future__ import annotations

import fcntl
import json
import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb

OPS_SCHEMA = "github_billing_ops"
RUNS_TABLE = f"{OPS_SCHEMA}.runs"
DEFAULT_STALE_AFTER_HOURS = 36.0  # a nightly schedule may slip a few hours before it is stale


class OpsError(Exception):
    """A sentence for the user about the database or the run lock."""


@dataclass
class RunRecord:
    started_at: datetime
    command: str
    ended_at: datetime | None = None
    outcome: str = "running"  # success | error
    rows_per_table: dict[str, int] = field(default_factory=dict)
    requests_made: int = 0
    rate_limit_remaining: int | None = None
    error: str | None = None


def _lock_holder(message: str) -> str:
    pid = re.search(r"PID (\d+)", message)
    return f" (process {pid.group(1)})" if pid else ""


def open_db(db_path: Path, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    """Connect, turning DuckDB's lock and permission errors into sentences."""
    try:
        if not read_only:
            db_path.parent.mkdir(parents=True, exist_ok=True)
        return duckdb.connect(str(db_path), read_only=read_only)
    except duckdb.IOException as exc:
        text = str(exc)
        if "lock" in text.lower():
            raise OpsError(
                f"The DuckDB file {db_path} is open in another program{_lock_holder(text)}, "
                "such as a BI tool or a duckdb shell: close it (or have it connect read-only) "
                "and run again."
            ) from None
        raise OpsError(f"Cannot open the DuckDB file {db_path}: {text.splitlines()[0]}") from None
    except (PermissionError, OSError) as exc:
        raise OpsError(
            f"Cannot write the DuckDB file {db_path} ({exc.strerror or exc}): choose a writable "
            "--db path or fix the folder's permissions."
        ) from None


def check_db_writable(db_path: Path) -> None:
    """Fail before loading anything when the file is locked by another program or unwritable."""
    open_db(db_path).close()


@contextmanager
def run_lock(db_path: Path) -> Iterator[None]:
    """One run per database at a time; the OS drops the lock if the process dies (kill -9)."""
    lock_path = db_path.parent / f".{db_path.name}.lock"
    try:
        db_path.parent.mkdir(parents=True, exist_ok=True)
        handle = open(lock_path, "a+")  # noqa: SIM115 -- held open for the whole run
    except OSError as exc:
        raise OpsError(
            f"Cannot write next to {db_path} ({exc.strerror or exc}): choose a writable --db path."
        ) from None
    try:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip()
            raise OpsError(
                f"Another github-billing run is in progress on {db_path}"
                f"{f' (process {holder})' if holder else ''}: "
                "wait for it to finish, then run again."
            ) from None
        handle.seek(0)
        handle.truncate()
        handle.write(str(os.getpid()))
        handle.flush()
        yield
    finally:
        handle.close()


def record_run(db_path: Path, record: RunRecord) -> None:
    """Append the run to github_billing_ops.runs; a run log failure never hides the run's own
    outcome, so errors here are swallowed."""
    try:
        con = open_db(db_path)
    except OpsError:
        return
    try:
        con.execute(f"create schema if not exists {OPS_SCHEMA}")
        con.execute(
            f"""create table if not exists {RUNS_TABLE} (
                started_at timestamptz, ended_at timestamptz, command varchar, outcome varchar,
                rows_per_table json, rows_loaded bigint, requests_made bigint,
                rate_limit_remaining bigint, error varchar)"""
        )
        con.execute(
            f"insert into {RUNS_TABLE} values (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                record.started_at,
                record.ended_at,
                record.command,
                record.outcome,
                json.dumps(record.rows_per_table),
                sum(record.rows_per_table.values()),
                record.requests_made,
                record.rate_limit_remaining,
                record.error,
            ],
        )
    finally:
        con.close()


@dataclass
class Health:
    state: str  # Pending Data | Healthy | Stale | Error
    sentence: str
    last_runs: list[dict[str, Any]]

    @property
    def exit_code(self) -> int:
        return (
            0
            if self.state == "Healthy"
            else {"Pending Data": 3, "Stale": 4, "Error": 5}[self.state]
        )


def health(
    db_path: Path, stale_after_hours: float = DEFAULT_STALE_AFTER_HOURS, now: datetime | None = None
) -> Health:
    now = now or datetime.now(UTC)
    runs: list[dict[str, Any]] = []
    if db_path.exists():
        con = open_db(db_path, read_only=True)
        try:
            exists = con.execute(
                "select count(*) from information_schema.tables where table_schema = ? and "
                "table_name = 'runs'",
                [OPS_SCHEMA],
            ).fetchone()[0]
            if exists:
                cur = con.execute(
                    f"select started_at, ended_at, command, outcome, rows_loaded, requests_made, "
                    f"rate_limit_remaining, error from {RUNS_TABLE} "
                    "order by started_at desc limit 10"
                )
                names = [d[0] for d in cur.description]
                runs = [dict(zip(names, row, strict=True)) for row in cur.fetchall()]
        finally:
            con.close()
    successes = [r for r in runs if r["outcome"] == "success"]
    if runs and runs[0]["outcome"] == "error":
        return Health("Error", f"The last run failed: {runs[0]['error']}", runs)
    if not successes:
        return Health("Pending Data", "No run has loaded data into this database yet.", runs)
    last_ok = successes[0]["ended_at"]
    if now - last_ok > timedelta(hours=stale_after_hours):
        return Health(
            "Stale",
            f"The last successful run ended {last_ok:%Y-%m-%d %H:%M} UTC, more than "
            f"{stale_after_hours:g} hours ago: check the schedule.",
            runs,
        )
    return Health("Healthy", f"The last run succeeded at {last_ok:%Y-%m-%d %H:%M} UTC.", runs)
