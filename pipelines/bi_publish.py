"""Publishes the marts into a DuckDB file of their own, and as Parquet, for BI tools.

A read-only connection from another process locks a DuckDB file against every writer, and BI
tools keep their connections open, so a dashboard on the warehouse would break the nightly run.
They read this copy instead: it is written under a temporary name and renamed over the
previous one, so a connection held open keeps reading the whole previous snapshot (the old
file lives on until it closes) and the next connection sees the new one. Only a successful
build publishes, so a failed run leaves the last snapshot in place.
"""

from __future__ import annotations

import json
import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb

from pipelines import storage

MARTS_SCHEMA = "marts"


class PublishFailed(Exception):
    """The snapshot could not be written; the message is the sentence to show."""


def bi_database_for(db_path: Path) -> Path:
    """`data/github_billing.duckdb` -> `data/github_billing_bi.duckdb` (the demo's: `demo_bi`)."""
    return db_path.with_name(f"{db_path.stem}_bi.duckdb")


def parquet_dir_for(db_path: Path) -> Path:
    """`data/github_billing.duckdb` -> `data/marts/github_billing/` (the demo's: `marts/demo`)."""
    return db_path.parent / "marts" / db_path.stem


def pending_name(path: Path) -> Path:
    """Where a snapshot waits when the file it replaces cannot be replaced (open on Windows)."""
    return path.with_name(f"{path.stem}.next{path.suffix}")


@dataclass
class Published:
    database: Path
    parquet_dir: Path
    tables: list[str]
    # files Windows would not let us replace because a program holds them open
    pending: list[Path] = field(default_factory=list)

    @property
    def warnings(self) -> list[str]:
        return [
            f"{pending_name(path).name} holds the new snapshot: {path} is open in another "
            "program, which Windows does not let a run replace; it keeps the previous "
            "snapshot, and the next run puts the new one in place once it is closed."
            for path in self.pending
        ]


def descriptions(manifest: Path | None = None) -> dict[str, tuple[str, dict[str, str]]]:
    """Each mart's description and its columns' descriptions, from dbt's manifest (the yml's
    text with its docs blocks rendered; by default the one the last dbt run wrote)."""
    if manifest is None:
        from pipelines.runner import dbt_target_dir

        manifest = dbt_target_dir() / "manifest.json"
    nodes = _manifest_nodes(manifest)
    return {
        node["name"]: (
            node.get("description") or "",
            {name: col.get("description") or "" for name, col in node["columns"].items()},
        )
        for node in nodes
        if node["resource_type"] == "model" and node["schema"] == MARTS_SCHEMA
    }


def _manifest_nodes(manifest: Path, attempts: int = 20) -> list[dict[str, Any]]:
    """The manifest's nodes. dbt rewrites the file in place, so another dbt command (`make dbt`
    beside a run) can leave it half-written for a moment: read again until it parses; a
    manifest that stays unreadable gives no descriptions rather than no snapshot."""
    for _ in range(attempts):
        if not manifest.is_file():
            return []
        try:
            return list(json.loads(manifest.read_text())["nodes"].values())
        except (ValueError, KeyError):
            time.sleep(0.25)
    return []


def _literal(text: str | Path) -> str:
    return "'" + str(text).replace("'", "''") + "'"


def _ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _temporary(path: Path) -> Path:
    return path.with_name(f".{path.name}.{os.getpid()}.tmp")


def _write_snapshot(db_path: Path, database: Path, parquet_dir: Path) -> dict[Path, Path]:
    """Every mart into a new file in the configured format (comments from dbt's docs) and one
    Parquet file each, all under temporary names; returns {temporary: final path}."""
    files = {_temporary(database): database}
    con = storage.connect_new(next(iter(files)))
    try:
        con.execute(f"attach {_literal(db_path)} as warehouse (read_only)")
        tables = [
            name
            for (name,) in con.execute(
                "select table_name from information_schema.tables where table_catalog = "
                "'warehouse' and table_schema = ? order by table_name",
                [MARTS_SCHEMA],
            ).fetchall()
        ]
        docs = descriptions()
        con.execute(f"create schema {MARTS_SCHEMA}")
        for table in tables:
            qualified = f"{MARTS_SCHEMA}.{_ident(table)}"
            con.execute(f"create table {qualified} as select * from warehouse.{qualified}")
            text, columns = docs.get(table, ("", {}))
            if text.strip():
                con.execute(f"comment on table {qualified} is {_literal(text.strip())}")
            for column, comment in columns.items():
                if comment.strip():
                    column_name = f"{qualified}.{_ident(column)}"
                    con.execute(f"comment on column {column_name} is {_literal(comment.strip())}")
        con.execute("detach warehouse")
        parquet_dir.mkdir(parents=True, exist_ok=True)
        for table in tables:
            final = parquet_dir / f"{table}.parquet"
            files[_temporary(final)] = final
            con.execute(
                f"copy {MARTS_SCHEMA}.{_ident(table)} to {_literal(_temporary(final))} "
                "(format parquet)"
            )
        con.execute("checkpoint")
    finally:
        con.close()
    return files


def publish(db_path: Path) -> Published:
    """Publish the warehouse's marts beside it (`bi_database_for`, `parquet_dir_for`). Nothing
    replaces the previous snapshot until every new file is complete; a failure removes the
    new files and raises."""
    database, parquet_dir = bi_database_for(db_path), parquet_dir_for(db_path)
    try:
        files = _write_snapshot(db_path, database, parquet_dir)
    except BaseException as exc:
        for leftover in [_temporary(database), *parquet_dir.glob(f".*.{os.getpid()}.tmp")]:
            leftover.unlink(missing_ok=True)
        if isinstance(exc, duckdb.Error | OSError):
            detail = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            raise PublishFailed(
                f"Publishing the marts to {database} failed ({detail}): the models are built "
                "and BI tools keep the previous snapshot; run again once the cause is fixed."
            ) from None
        raise
    tables = [final.stem for final in files.values() if final.suffix == ".parquet"]
    published = Published(database, parquet_dir, tables)
    for temporary, final in files.items():
        try:
            os.replace(temporary, final)
            pending_name(final).unlink(missing_ok=True)  # a snapshot that waited is outdated
        except PermissionError:
            # Windows refuses to rename over a file another program has open: the new
            # snapshot waits beside it rather than the run failing.
            os.replace(temporary, pending_name(final))
            published.pending.append(final)
    current = {f"{table}.parquet" for table in published.tables}
    for stale in parquet_dir.glob("*.parquet"):
        if stale.name not in current and not stale.name.endswith(".next.parquet"):
            stale.unlink()  # a mart that no longer exists
    return published
