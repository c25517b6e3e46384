"""Which DuckDB storage format the project's files are written in, and rewriting one that is
too new.

DuckDB 2.0 writes new files in its v2.0 format, which no DuckDB 1.x opens, and the DuckDB inside
BI tools is 1.x (Metabase's and Grafana's 1.5, Evidence's 1.4). The format is fixed when a file
is created: a `SET storage_compatibility_version` afterwards changes nothing, and dlt applies its
settings only after connecting. So every file the project makes is created here first, with
`duckdb_storage_version` (`[sources.github_billing]`, default v1.4.0), before dlt or dbt open it.
"""

from __future__ import annotations

import os
import re
import shutil
from dataclasses import dataclass
from pathlib import Path

import duckdb

STORAGE_VERSION_KEY = "duckdb_storage_version"
DEFAULT_STORAGE_VERSION = "v1.4.0"
# dbt-duckdb passes this to connect() through profiles.yml (`config_options`)
DBT_ENV = "GITHUB_BILLING_DUCKDB_STORAGE_VERSION"
_VERSION = re.compile(r"v(\d+)\.(\d+)\.(\d+)")


def storage_version(value: object | None = None) -> str:
    """The configured storage version (or `value`), checked against the ones DuckDB knows;
    ValueError with the sentence otherwise."""
    if value is None:
        value = _configured()
    text = str(value).strip() if value is not None else DEFAULT_STORAGE_VERSION
    try:
        duckdb.connect(":memory:", config={"storage_compatibility_version": text}).close()
    except duckdb.Error:
        raise ValueError(
            f"{STORAGE_VERSION_KEY} '{value}' is not a DuckDB storage version such as "
            f"{DEFAULT_STORAGE_VERSION} (the oldest DuckDB that must open the files): fix it "
            "under [sources.github_billing] or in "
            f"SOURCES__GITHUB_BILLING__{STORAGE_VERSION_KEY.upper()}."
        ) from None
    return text


def _configured() -> object | None:
    from pipelines.settings import run_settings

    return run_settings().duckdb_storage_version


def creation_config(version: str | None = None) -> dict[str, str]:
    """DuckDB's connect() settings that create a file in the configured format."""
    return {"storage_compatibility_version": storage_version(version)}


def connect_new(path: Path, version: str | None = None) -> duckdb.DuckDBPyConnection:
    """A connection to a file created now in the configured format (it must not exist)."""
    return duckdb.connect(str(path), config=creation_config(version))


def create_if_missing(path: Path, version: str | None = None) -> None:
    """Create an empty database in the configured format, so whoever opens it next (dlt, dbt)
    writes into that format; an existing file is left as it is."""
    if path.exists():
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    connect_new(path, version).close()


def file_version(path: Path) -> str:
    """The storage version a file is written in, as DuckDB names it (`v1.4.0`, `v2.0.0`)."""
    con = duckdb.connect(str(path), read_only=True)
    try:
        return file_version_of(con)
    finally:
        con.close()


def _as_tuple(version: str) -> tuple[int, ...]:
    found = _VERSION.fullmatch(version)
    return tuple(int(part) for part in found.groups()) if found else (0,)


def newer_than(version: str, target: str) -> bool:
    """Whether a file in `version` is too new for a DuckDB of `target` to open."""
    return target != "latest" and _as_tuple(version) > _as_tuple(target)


@dataclass
class Migration:
    path: Path
    old_version: str
    new_version: str
    backup: Path | None  # None: the file was already readable, nothing was rewritten

    @property
    def sentence(self) -> str:
        if self.backup is None:
            return (
                f"{self.path} is already in DuckDB storage format {self.old_version}, readable "
                f"by DuckDB {self.new_version.lstrip('v')} and later: nothing to do."
            )
        return (
            f"Rewrote {self.path} from DuckDB storage format {self.old_version} to "
            f"{self.new_version}, readable by DuckDB {self.new_version.lstrip('v')} and later; "
            f"the previous file is kept as {self.backup}."
        )


def migrate(
    path: Path, checkpoint: duckdb.DuckDBPyConnection, version: str | None = None
) -> Migration:
    """Rewrite `path` into the configured format when it is newer: a copy of every schema,
    table, view and sequence under a temporary name, renamed over the file once complete, the
    old file kept beside it. `checkpoint` is a write connection to `path` (opened by the
    caller, who turns a locked file into a sentence): it folds the WAL into the file first, so
    no WAL of the old file is left to be replayed onto the new one."""
    target = storage_version(version)
    old = file_version_of(checkpoint)
    if not newer_than(old, target):
        checkpoint.close()
        return Migration(path, old, target, None)
    checkpoint.execute("checkpoint")
    checkpoint.close()
    temporary = path.with_name(f".{path.name}.migrating")
    backup = path.with_name(f"{path.name}.{old}.bak")
    temporary.unlink(missing_ok=True)
    con = connect_new(temporary, target)
    try:
        con.execute(f"attach '{_quoted(path)}' as migrated_from (read_only)")
        (name,) = con.execute("select current_database()").fetchone()
        con.execute(f"copy from database migrated_from to {_identifier(name)}")
        con.execute("detach migrated_from")
        con.execute("checkpoint")
    except BaseException:
        con.close()
        temporary.unlink(missing_ok=True)
        raise
    con.close()
    backup.unlink(missing_ok=True)
    try:
        os.link(path, backup)  # instant, and the old file stays whole until the rename
    except OSError:
        shutil.copy2(path, backup)
    os.replace(temporary, path)
    return Migration(path, old, target, backup)


def file_version_of(con: duckdb.DuckDBPyConnection) -> str:
    """The storage version of a connection's database."""
    (tags,) = con.execute(
        "select tags from duckdb_databases() where database_name = current_database()"
    ).fetchone()
    return str(tags.get("storage_version", "")).rstrip("+")


def _quoted(path: Path) -> str:
    return str(path).replace("'", "''")


def _identifier(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'
