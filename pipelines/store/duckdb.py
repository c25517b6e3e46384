"""The DuckDB store: one file that dlt loads, dbt builds on and BI tools open, created in the
storage format `duckdb_storage_version` names (pipelines/storage.py)."""

from __future__ import annotations

import fcntl
import os
import re
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, ClassVar

import dlt
import duckdb
from dlt.common.destination import Destination
from dlt.destinations.impl.duckdb.configuration import DuckDbCredentials

from pipelines import storage
from pipelines.github_billing.settings import DUCKDB_LOAD_CONFIG
from pipelines.store.base import Session, Store, StoreError


def pipelines_dir_for(db_path: Path) -> Path:
    """dlt's working folder sits beside the DuckDB file, so each database has its own state."""
    return db_path.parent / f".{db_path.stem}.dlt"


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
        raise StoreError(str(exc)) from None
    except duckdb.IOException as exc:
        text = str(exc)
        if "lock" in text.lower():
            raise StoreError(
                f"The DuckDB file {db_path} is open in another program{_lock_holder(text)}, "
                "such as a BI tool or a duckdb shell: close it (or have it connect read-only) "
                "and run again."
            ) from None
        detail = text.splitlines()[0].removeprefix("IO Error: ")
        raise StoreError(
            f"Cannot open the DuckDB file {db_path} ({detail}): point --db (or "
            "GITHUB_BILLING_DUCKDB) at a DuckDB file, or at a new path to create one."
        ) from None
    except (PermissionError, OSError) as exc:
        raise StoreError(
            f"Cannot write the DuckDB file {db_path} ({exc.strerror or exc}): choose a writable "
            "--db path or fix the folder's permissions."
        ) from None


class DuckDBStore(Store):
    name: ClassVar[str] = "duckdb"
    loader_file_format: ClassVar[str] = "parquet"

    def __init__(self, path: Path) -> None:
        self.path = Path(path)

    def __repr__(self) -> str:
        return f"DuckDBStore({str(self.path)!r})"

    @property
    def location(self) -> str:
        return str(self.path)

    @property
    def pipelines_dir(self) -> Path:
        return pipelines_dir_for(self.path)

    @property
    def lock_path(self) -> Path:
        return self.path.parent / f".{self.path.name}.lock"

    @property
    def database_errors(self) -> tuple[type[BaseException], ...]:
        return (duckdb.Error,)

    def exists(self) -> bool:
        return self.path.exists()

    def reset(self, *accounts: str) -> None:
        for stale in (self.path, self.path.with_suffix(self.path.suffix + ".wal")):
            stale.unlink(missing_ok=True)
        shutil.rmtree(self.pipelines_dir, ignore_errors=True)

    def prepare(self) -> None:
        # dlt would create the file in DuckDB's newest format, which BI tools cannot open
        storage.create_if_missing(self.path)

    def dlt_destination(self) -> Destination[Any, Any]:
        return dlt.destinations.duckdb(
            DuckDbCredentials(str(self.path), global_config=dict(DUCKDB_LOAD_CONFIG))
        )

    def dbt_env(self) -> dict[str, str]:
        return {
            "GITHUB_BILLING_DBT_TARGET": "duckdb",
            "GITHUB_BILLING_DUCKDB": str(self.path.resolve()),
            storage.DBT_ENV: storage.storage_version(),
        }

    def after_dbt(self) -> None:
        """dbt-duckdb keeps its DuckDB instance open for the life of the process; close it so
        the summary, the run log and the next load can open the same file (DuckDB refuses a
        second instance of one file with another configuration)."""
        from dbt.adapters.duckdb.connections import DuckDBConnectionManager

        with DuckDBConnectionManager._LOCK:
            if DuckDBConnectionManager._ENV is not None:
                DuckDBConnectionManager._ENV.close()
                DuckDBConnectionManager._ENV = None

    def connect(self, read_only: bool = False) -> duckdb.DuckDBPyConnection:
        return open_db(self.path, read_only=read_only)

    @contextmanager
    def session(self, read_only: bool = False) -> Iterator[Session]:
        con = self.connect(read_only=read_only)
        try:
            yield Session(con, "?", self.database_errors)
        finally:
            con.close()

    def open_hint(self) -> str:
        return (
            f'Open it with: duckdb {self.path}  (or python -c "import duckdb; '
            f"duckdb.connect('{self.path}', read_only=True).sql('show all tables').show()\")"
        )

    def run_in_progress(self) -> bool:
        if not self.lock_path.exists():
            return False
        with open(self.lock_path) as handle:
            try:
                fcntl.flock(handle, fcntl.LOCK_SH | fcntl.LOCK_NB)
            except BlockingIOError:
                return True
            fcntl.flock(handle, fcntl.LOCK_UN)
        return False

    @contextmanager
    def run_lock(self) -> Iterator[None]:
        """A lock file beside the database: the OS drops it if the process dies (kill -9)."""
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            handle = open(self.lock_path, "a+")  # noqa: SIM115 -- held open for the whole run
        except OSError as exc:
            reason = (
                "part of that path is a file, not a folder"
                if isinstance(exc, FileExistsError | NotADirectoryError)
                else exc.strerror or str(exc)
            )
            raise StoreError(
                f"Cannot write next to {self.path} ({reason}): choose a writable --db path."
            ) from None
        try:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                handle.seek(0)
                holder = handle.read().strip()
                raise StoreError(
                    f"Another github-billing run is in progress on {self.path}"
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
