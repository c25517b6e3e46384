"""Operations: one run at a time per database, a run log in DuckDB, and connection health."""

from __future__ import annotations

import fcntl
import json
import os
import re
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb

from pipelines import storage

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
    run_id: str = field(default_factory=lambda: uuid.uuid4().hex)
    outcome: str = "running"  # running | success | error (running forever: the run was killed)
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
        config: dict[str, str] = {}
        if not read_only:
            db_path.parent.mkdir(parents=True, exist_ok=True)
            if not db_path.exists():
                config = storage.creation_config()  # the format BI tools can open
        return duckdb.connect(str(db_path), read_only=read_only, config=config)
    except ValueError as exc:
        raise OpsError(str(exc)) from None
    except duckdb.IOException as exc:
        text = str(exc)
        if "lock" in text.lower():
            raise OpsError(
                f"The DuckDB file {db_path} is open in another program{_lock_holder(text)}, "
                "such as a BI tool or a duckdb shell: close it (or have it connect read-only) "
                "and run again."
            ) from None
        detail = text.splitlines()[0].removeprefix("IO Error: ")
        raise OpsError(
            f"Cannot open the DuckDB file {db_path} ({detail}): point --db (or "
            "GITHUB_BILLING_DUCKDB) at a DuckDB file, or at a new path to create one."
        ) from None
    except (PermissionError, OSError) as exc:
        raise OpsError(
            f"Cannot write the DuckDB file {db_path} ({exc.strerror or exc}): choose a writable "
            "--db path or fix the folder's permissions."
        ) from None


def _lock_path(db_path: Path) -> Path:
    return db_path.parent / f".{db_path.name}.lock"


def run_in_progress(db_path: Path) -> bool:
    """True while a run holds the lock on this database (a killed run holds none)."""
    lock_path = _lock_path(db_path)
    if not lock_path.exists():
        return False
    with open(lock_path) as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            return True
        fcntl.flock(handle, fcntl.LOCK_UN)
    return False


@contextmanager
def run_lock(db_path: Path) -> Iterator[None]:
    """One run per database at a time; the OS drops the lock if the process dies (kill -9)."""
    lock_path = _lock_path(db_path)
    try:
        db_path.parent.mkdir(parents=True, exist_ok=True)
        handle = open(lock_path, "a+")  # noqa: SIM115 -- held open for the whole run
    except OSError as exc:
        reason = (
            "part of that path is a file, not a folder"
            if isinstance(exc, FileExistsError | NotADirectoryError)
            else exc.strerror or str(exc)
        )
        raise OpsError(
            f"Cannot write next to {db_path} ({reason}): choose a writable --db path."
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


def _ensure_runs_table(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(f"create schema if not exists {OPS_SCHEMA}")
    con.execute(
        f"""create table if not exists {RUNS_TABLE} (
            run_id varchar, started_at timestamptz, ended_at timestamptz, command varchar,
            outcome varchar, rows_per_table json, rows_loaded bigint, requests_made bigint,
            rate_limit_remaining bigint, error varchar)"""
    )
    # run logs written before runs were logged at their start lack the id
    con.execute(f"alter table {RUNS_TABLE} add column if not exists run_id varchar")


def start_run(db_path: Path, record: RunRecord) -> None:
    """Log the run as `running` before anything is loaded, so a run killed mid-way still shows
    in `status`. Opening the file here is also the check that it is writable and not held by
    another program: it raises OpsError with the sentence."""
    con = open_db(db_path)
    try:
        _ensure_runs_table(con)
        con.execute(
            f"insert into {RUNS_TABLE} (run_id, started_at, command, outcome) values (?, ?, ?, ?)",
            [record.run_id, record.started_at, record.command, record.outcome],
        )
    finally:
        con.close()


def finish_run(db_path: Path, record: RunRecord) -> None:
    """Write the run's outcome; a run log failure never hides the run's own outcome, so errors
    here are swallowed."""
    try:
        con = open_db(db_path)
    except OpsError:
        return
    try:
        con.execute(
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
    except duckdb.Error:
        return
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
                    f"select started_at, ended_at, command, outcome, rows_loaded, rows_per_table, "
                    f"requests_made, rate_limit_remaining, error from {RUNS_TABLE} "
                    "order by started_at desc limit 10"
                )
                names = [d[0] for d in cur.description]
                runs = [dict(zip(names, row, strict=True)) for row in cur.fetchall()]
                for run in runs:
                    run["rows_per_table"] = json.loads(run["rows_per_table"] or "{}")
        finally:
            con.close()
    return _judge(runs, run_in_progress(db_path), stale_after_hours, now)


def _utc(moment: datetime) -> str:
    return f"{moment.astimezone(UTC):%Y-%m-%d %H:%M} UTC"


def _judge(
    runs: list[dict[str, Any]], in_progress: bool, stale_after_hours: float, now: datetime
) -> Health:
    """Pending Data: nothing loaded yet; Error: the last finished run failed or was killed;
    Stale: the last success is too old; Healthy otherwise. A run in progress does not count."""
    finished = runs[1:] if runs and runs[0]["outcome"] == "running" and in_progress else runs
    if finished and finished[0]["outcome"] == "running":
        return Health(
            "Error",
            f"The run started {_utc(finished[0]['started_at'])} did not finish (it was killed "
            "or the machine stopped): run again; the next run completes what it left behind.",
            runs,
        )
    if finished and finished[0]["outcome"] == "error":
        return Health("Error", f"The last run failed: {finished[0]['error']}", runs)
    successes = [r for r in finished if r["outcome"] == "success"]
    if not successes:
        return Health("Pending Data", "No run has loaded data into this database yet.", runs)
    last_ok = successes[0]["ended_at"]
    if now - last_ok > timedelta(hours=stale_after_hours):
        return Health(
            "Stale",
            f"The last successful run ended {_utc(last_ok)}, more than "
            f"{stale_after_hours:g} hours ago: check the schedule.",
            runs,
        )
    return Health("Healthy", f"The last run succeeded at {_utc(last_ok)}.", runs)
