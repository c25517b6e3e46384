"""The one place that knows the destination: `open_store` picks DuckDB or PostgreSQL from the
`destination` setting, and the store it returns makes dlt's pipeline, points dbt's target at
the same database, holds the run lock and opens the connections the run log, the summary and
`status` read through."""

from __future__ import annotations

from pathlib import Path

from pipelines.store.base import Session, Store, StoreError
from pipelines.store.duckdb import DuckDBStore, open_db, pipelines_dir_for

__all__ = [
    "DESTINATIONS",
    "DuckDBStore",
    "Session",
    "Store",
    "StoreError",
    "as_store",
    "open_db",
    "open_store",
    "pipelines_dir_for",
]

DESTINATIONS = ("duckdb", "postgres")


def open_store(destination: str, duckdb_path: Path) -> Store:
    """The store for a destination name; `duckdb_path` is the file a DuckDB store uses."""
    if destination == "duckdb":
        return DuckDBStore(duckdb_path)
    if destination == "postgres":
        from pipelines.store.postgres import PostgresStore, configured_credentials

        return PostgresStore(configured_credentials())
    raise StoreError(
        f"destination '{destination}' is not one of {', '.join(DESTINATIONS)}: set destination "
        "under [sources.github_billing] (or SOURCES__GITHUB_BILLING__DESTINATION, or "
        "--destination) to one of them."
    )


def as_store(target: Path | str | Store) -> Store:
    """A store, or the DuckDB store of a file path (what callers passed before stores)."""
    return target if isinstance(target, Store) else DuckDBStore(Path(target))
