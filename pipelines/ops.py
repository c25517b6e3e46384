"""Operations: one run at a time per store, the run log, and connection health (`status`)."""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb

from pipelines.store import DuckDBStore, Store, StoreError, as_store, runlog
from pipelines.store.runlog import OPS_SCHEMA, RUNS_TABLE, RunRecord

__all__ = ["OPS_SCHEMA", "RUNS_TABLE", "Health", "OpsError", "RunRecord", "health", "run_lock"]

DEFAULT_STALE_AFTER_HOURS = 36.0  # a nightly schedule may slip a few hours before it is stale


OpsError = StoreError  # the name callers knew before stores


def open_db(db_path: Path, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    """A DuckDB connection, its lock and permission errors turned into sentences."""
    return DuckDBStore(db_path).connect(read_only=read_only)


def run_in_progress(target: Path | Store) -> bool:
    """True while a run holds the lock on this store (a killed run holds none)."""
    return as_store(target).run_in_progress()


def run_lock(target: Path | Store) -> AbstractContextManager[None]:
    """One run per store at a time; released if the process dies (kill -9)."""
    return as_store(target).run_lock()


def start_run(target: Path | Store, record: RunRecord) -> None:
    runlog.start_run(as_store(target), record)


def finish_run(target: Path | Store, record: RunRecord) -> None:
    runlog.finish_run(as_store(target), record)


# the order a store's state is the worst of its accounts' in
SEVERITY = ("Healthy", "Pending Data", "Stale", "Error")


@dataclass
class Health:
    state: str  # Pending Data | Healthy | Stale | Error
    sentence: str
    last_runs: list[dict[str, Any]]
    # a store of several accounts: each account's own health, by name
    accounts: dict[str, Health] = field(default_factory=dict)

    @property
    def exit_code(self) -> int:
        return (
            0
            if self.state == "Healthy"
            else {"Pending Data": 3, "Stale": 4, "Error": 5}[self.state]
        )


def health(
    target: Path | Store,
    stale_after_hours: float = DEFAULT_STALE_AFTER_HOURS,
    now: datetime | None = None,
    account: str | None = None,
    configured: Sequence[str] = (),
) -> Health:
    """The store's health: its one account's, or with several the worst of theirs, each
    account's own state in `accounts`. With `account`, that account's alone: one the store has
    no run of is Pending Data when it is `configured`, else an OpsError naming the ones it has."""
    store = as_store(target)
    in_progress, moment = store.run_in_progress(), now or datetime.now(UTC)
    names = runlog.logged_accounts(store)
    if account is not None:
        if account in names:
            runs = runlog.recent_runs(store, account=account)
            return _judge(runs, in_progress, stale_after_hours, moment)
        if account in configured:
            return Health(
                "Pending Data", f"No run has loaded account {account} into this store yet.", []
            )
        held = ", ".join(n for n in names if n) or "none yet"
        raise StoreError(
            f"--account {account} is not an account of this store (it holds {held}): "
            "name one of those, or configure it and run `github-billing run` first."
        )
    if len(names) <= 1:
        return _judge(runlog.recent_runs(store), in_progress, stale_after_hours, moment)
    per_account = {
        name or "(before accounts)": _judge(
            runlog.recent_runs(store, account=name), in_progress, stale_after_hours, moment
        )
        for name in names
    }
    worst = max(per_account.values(), key=lambda h: SEVERITY.index(h.state)).state
    named = [name for name, h in per_account.items() if h.state == worst]
    sentence = (
        f"All {len(per_account)} accounts are Healthy."
        if worst == "Healthy"
        else f"{len(named)} of {len(per_account)} accounts {'is' if len(named) == 1 else 'are'} "
        f"{worst}: {', '.join(named)}."
    )
    return Health(worst, sentence, runlog.recent_runs(store), per_account)


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
