"""What every destination offers the rest of the project: dlt's pipeline, the dbt target,
connections in one parameter style, and the one-run-at-a-time lock."""

from __future__ import annotations

import os
from abc import ABC, abstractmethod
from collections.abc import Sequence
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any, ClassVar

import dlt
from dlt.common.destination import Destination

from pipelines.github_billing.settings import PIPELINE_NAME, RAW_DATASET
from pipelines.settings import run_settings


class StoreError(Exception):
    """A sentence for the user about the database or the run lock."""


# Arrow tables (usage_items) get the `_dlt_load_id` column dlt adds to dict rows, so the raw
# table keeps one shape. `_dlt_id` comes with the tables (`usage_arrow.with_row_ids`): were dlt
# to add it, it would rewrite every file.
ARROW_DLT_COLUMNS = {
    "NORMALIZE__PARQUET_NORMALIZER__ADD_DLT_LOAD_ID": "true",
    "NORMALIZE__PARQUET_NORMALIZER__ADD_DLT_ID": "false",
}


class Session:
    """A connection that takes `?` placeholders whatever the driver's own style."""

    def __init__(self, con: Any, placeholder: str, errors: tuple[type[BaseException], ...]):
        self.con, self.placeholder, self.errors = con, placeholder, errors

    def execute(self, sql: str, params: Sequence[Any] = ()) -> Any:
        cursor = self.con.cursor()
        if not params:  # no parameters: the text as it is (psycopg2 then leaves % alone)
            cursor.execute(sql)
        elif self.placeholder == "%s":  # psycopg2: a literal % is written %%
            cursor.execute(sql.replace("%", "%%").replace("?", "%s"), list(params))
        else:
            cursor.execute(sql, list(params))
        return cursor

    def fetchall(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        return [tuple(row) for row in self.execute(sql, params).fetchall()]

    def fetchone(self, sql: str, params: Sequence[Any] = ()) -> tuple[Any, ...] | None:
        row = self.execute(sql, params).fetchone()
        return None if row is None else tuple(row)

    def records(self, sql: str, params: Sequence[Any] = ()) -> list[dict[str, Any]]:
        cursor = self.execute(sql, params)
        names = [d[0] for d in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]

    def has_table(self, schema: str, table: str) -> bool:
        found = self.fetchone(
            "select count(*) from information_schema.tables where table_schema = ? "
            "and table_name = ?",
            [schema, table],
        )
        return bool(found and found[0])


class Store(ABC):
    """One destination: where dlt loads, where dbt builds, where the run log lives."""

    name: ClassVar[str]
    # the loader file format Arrow pages travel in to this destination
    loader_file_format: ClassVar[str]
    dataset = RAW_DATASET

    @property
    @abstractmethod
    def location(self) -> str:
        """Where the data is, for sentences (never a password)."""

    @property
    @abstractmethod
    def pipelines_dir(self) -> Path:
        """dlt's working folder (state, schemas, packages) for this store."""

    @abstractmethod
    def dlt_destination(self) -> Destination[Any, Any]:
        """dlt's destination for this store, credentials included."""

    @abstractmethod
    def dbt_env(self) -> dict[str, str]:
        """The environment that points profiles.yml's target at this store."""

    @abstractmethod
    def session(self, read_only: bool = False) -> AbstractContextManager[Session]:
        """A connection, its errors turned into StoreError sentences."""

    @abstractmethod
    def run_lock(self) -> AbstractContextManager[None]:
        """One run per store at a time; released when the process dies."""

    @abstractmethod
    def run_in_progress(self) -> bool:
        """Whether a run holds the lock now (a killed run holds none)."""

    @property
    @abstractmethod
    def database_errors(self) -> tuple[type[BaseException], ...]:
        """The driver's errors a read may raise (a mart not built yet, ...)."""

    @abstractmethod
    def reset(self, *accounts: str) -> None:
        """Empty the store for a fresh demo of `accounts` (names): data and dlt's state."""

    def exists(self) -> bool:
        """Whether the store may hold data (a DuckDB file not made yet holds none)."""
        return True

    def prepare(self) -> None:  # noqa: B027 -- a hook: only DuckDB needs it
        """Make what must exist before dlt or dbt connect (DuckDB: the file, in its format)."""

    def after_dbt(self) -> None:  # noqa: B027 -- a hook: only dbt-duckdb holds on
        """Release what dbt keeps open in this process."""

    def open_hint(self) -> str:
        """How to open the data yourself, one line."""
        return ""

    def make_pipeline(self, pipeline_name: str | None = None) -> dlt.Pipeline:
        """dlt's pipeline into this store's dataset; `pipeline_name` (each billing account has
        its own, accounts_config.py; default `github_billing`, the versions before accounts)
        keeps one account's state apart from another's."""
        self.prepare()
        for key, value in ARROW_DLT_COLUMNS.items():
            os.environ.setdefault(key, value)
        return dlt.pipeline(
            pipeline_name=pipeline_name or PIPELINE_NAME,
            destination=self.dlt_destination(),
            dataset_name=self.dataset,
            pipelines_dir=str(self.pipelines_dir),
            progress="log" if run_settings().progress else None,
        )
