"""Runs a load into DuckDB with dlt and builds the dbt models on the same file."""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import dlt
from dlt.common.pipeline import LoadInfo
from dlt.destinations.impl.duckdb.configuration import DuckDbCredentials

from pipelines import storage
from pipelines.github_billing import GitHubApiError, GitHubClient, github_billing
from pipelines.github_billing.settings import DUCKDB_LOAD_CONFIG, PIPELINE_NAME, RAW_DATASET

logger = logging.getLogger(__name__)

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DBT_PROJECT_DIR = PROJECT_ROOT / "dbt_project"


class RunFailed(Exception):
    """A run could not complete; the message is the sentence to show the user."""


@dataclass
class LoadResult:
    rows_loaded: dict[str, int] = field(default_factory=dict)
    requests_made: int = 0
    rate_limit_remaining: int | None = None
    load_info: LoadInfo | None = None


def pipelines_dir_for(db_path: Path) -> Path:
    """dlt's working folder sits beside the DuckDB file, so each database has its own state."""
    return db_path.parent / f".{db_path.stem}.dlt"


# usage_items arrives as Arrow tables: have dlt add the `_dlt_load_id` column it adds to dict
# rows, so the raw table keeps one shape. `_dlt_id` comes with the tables
# (`usage_arrow.with_row_ids`): were dlt to add it, it would rewrite every file.
ARROW_DLT_COLUMNS = {
    "NORMALIZE__PARQUET_NORMALIZER__ADD_DLT_LOAD_ID": "true",
    "NORMALIZE__PARQUET_NORMALIZER__ADD_DLT_ID": "false",
}


def make_pipeline(db_path: Path) -> dlt.Pipeline:
    # dlt would create the file in DuckDB's newest format, which BI tools cannot open
    storage.create_if_missing(db_path)
    for key, value in ARROW_DLT_COLUMNS.items():
        os.environ.setdefault(key, value)
    return dlt.pipeline(
        pipeline_name=PIPELINE_NAME,
        destination=dlt.destinations.duckdb(
            DuckDbCredentials(str(db_path), global_config=dict(DUCKDB_LOAD_CONFIG))
        ),
        dataset_name=RAW_DATASET,
        pipelines_dir=str(pipelines_dir_for(db_path)),
        progress="log" if os.environ.get("GITHUB_BILLING_PROGRESS") else None,
    )


def find_api_error(exc: BaseException) -> GitHubApiError | None:
    """dlt wraps resource errors several levels deep; find the sentence we raised."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        if isinstance(current, GitHubApiError):
            return current
        seen.add(id(current))
        current = current.__cause__ or current.__context__
    return None


def drop_extracted_copies_of_normalized_packages(pipeline: dlt.Pipeline) -> None:
    """dlt's normalize commits a package by renaming it into the load folder, then deletes the
    extracted files. A run killed between the two leaves the package in both places, and every
    later normalize fails renaming onto the committed copy. The committed copy is complete (the
    rename is atomic), so the extracted leftover is the one to drop."""
    normalized = set(pipeline.list_normalized_load_packages())
    extracted = pipeline._get_normalize_storage().extracted_packages
    for load_id in pipeline.list_extracted_load_packages():
        if load_id in normalized:
            logger.warning("dropping the extracted copy of already normalized package %s", load_id)
            extracted.delete_package(load_id)


def load(db_path: Path, client: GitHubClient, access_token: str, **source_args: Any) -> LoadResult:
    """Extract and load every resource; raise RunFailed with a sentence on failure."""
    pipeline = make_pipeline(db_path)
    source = github_billing(
        enterprise=client.enterprise, access_token=access_token, client=client, **source_args
    )
    try:
        if pipeline.has_pending_data:
            # A run that was killed left extracted or half-loaded packages: finish them first
            # (dlt's run() would otherwise load them and drop this run's new data).
            logger.warning("finishing the load packages an interrupted run left behind")
            drop_extracted_copies_of_normalized_packages(pipeline)
            pipeline.normalize()
            pipeline.load()
        info = pipeline.run(source, loader_file_format="parquet")
    except Exception as exc:
        api_error = find_api_error(exc)
        if api_error is not None:
            raise RunFailed(str(api_error)) from None
        if "Could not set lock" in str(exc):
            raise RunFailed(
                f"The DuckDB file {db_path} was opened by another program during the load: "
                "close it and run again; the next run finishes what this one started."
            ) from None
        raise
    counts = {
        table: count
        for table, count in (pipeline.last_trace.last_normalize_info.row_counts or {}).items()
        if not table.startswith("_dlt")
    }
    return LoadResult(
        rows_loaded=counts,
        requests_made=client.requests_made,
        rate_limit_remaining=client.rate_limit_remaining,
        load_info=info,
    )


def invoke_dbt(
    db_path: Path,
    command: str,
    *args: str,
    quiet: bool = True,
    callbacks: list[Callable[[Any], None]] | None = None,
) -> Any:
    """Run a dbt command in-process (about 1 s of overhead instead of 3 s for the CLI) on the
    DuckDB file the load wrote; `callbacks` receive dbt's events; returns dbt's result."""
    from dbt.cli.main import dbtRunner

    os.environ["GITHUB_BILLING_DUCKDB"] = str(db_path.resolve())
    os.environ[storage.DBT_ENV] = storage.storage_version()
    os.environ.setdefault("DO_NOT_TRACK", "1")
    project = ["--project-dir", str(DBT_PROJECT_DIR), "--profiles-dir", str(DBT_PROJECT_DIR)]
    try:
        return dbtRunner(callbacks=callbacks or []).invoke(
            [command, *project, *(["--quiet"] if quiet else []), *args]
        )
    finally:
        _release_dbt_duckdb()


def build_models(
    db_path: Path,
    select: list[str] | None = None,
    quiet: bool = True,
    full_refresh: bool = False,
    callbacks: list[Callable[[Any], None]] | None = None,
    dbt_vars: list[str] | None = None,
) -> None:
    """`dbt build` (models, seeds and data tests); raise RunFailed with a sentence.

    Unit tests check the SQL, not the data, and need every raw table to exist (an enterprise
    without cost centers has none of theirs): like dbt advises, they run in the test suite,
    not in production builds.
    """
    args = [
        "--exclude-resource-type",
        "unit_test",
        *(["--select", *select] if select else []),
        *(["--full-refresh"] if full_refresh else []),
        *(dbt_vars or []),
    ]
    result = invoke_dbt(db_path, "build", *args, quiet=quiet, callbacks=callbacks)
    if not result.success:
        failed = _failed_nodes(result)
        if _out_of_sync(result):
            raise RunFailed(
                "dbt build stopped: incremental models were built by another version of the "
                "models (their columns changed); the raw data is loaded and kept: run "
                "`github-billing run --full-refresh` once to rebuild them."
            )
        raise RunFailed(
            "dbt build failed on the loaded data"
            + (f" ({', '.join(failed)})" if failed else "")
            + (f": {result.exception}" if result.exception else "")
            + "; the raw data is loaded and kept: run `make dbt ARGS=build` to see the details."
        )


def _out_of_sync(result: Any) -> bool:
    """dbt's on_schema_change='fail': an incremental table's columns differ from the model's."""
    nodes = getattr(result.result, "results", None) or []
    return any("out of sync" in str(getattr(r, "message", "") or "") for r in nodes)


def _failed_nodes(result: Any) -> list[str]:
    """Names of the models and tests that errored or failed, for the sentence."""
    nodes = getattr(result.result, "results", None) or []
    bad = [r.node.name for r in nodes if str(r.status) in ("error", "fail")]
    return bad[:5] + ([f"and {len(bad) - 5} more"] if len(bad) > 5 else [])


def _release_dbt_duckdb() -> None:
    """dbt-duckdb keeps its DuckDB instance open for the life of the process; close it so the
    summary, the run log and the next load can open the same file (DuckDB refuses a second
    instance of one file with another configuration)."""
    from dbt.adapters.duckdb.connections import DuckDBConnectionManager

    with DuckDBConnectionManager._LOCK:
        if DuckDBConnectionManager._ENV is not None:
            DuckDBConnectionManager._ENV.close()
            DuckDBConnectionManager._ENV = None
