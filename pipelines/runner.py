"""Runs a load with dlt into a store (DuckDB or PostgreSQL) and builds the dbt models on the
same database."""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import dlt
from dlt.common.pipeline import LoadInfo

from pipelines.accounts_config import pipeline_name as account_pipeline_name
from pipelines.github_billing import GitHubApiError, GitHubClient, github_billing
from pipelines.github_billing.recanonicalise import recanonicalise_dataset
from pipelines.github_billing.settings import DEFAULT_LOOKBACK_DAYS
from pipelines.rebuild_window import Window, seat_day_window
from pipelines.store import Store, as_store, pipelines_dir_for

__all__ = [
    "RunFailed",
    "Window",
    "build_models",
    "invoke_dbt",
    "load",
    "make_pipeline",
    "pipelines_dir_for",
    "rebuild_window",
]

logger = logging.getLogger(__name__)

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DBT_PROJECT_DIR = PROJECT_ROOT / "dbt_project"


def dbt_target_dir() -> Path:
    """Where dbt writes its manifest and compiled SQL: dbt's own DBT_TARGET_PATH (relative to
    the project, as dbt reads it) or the project's `target`."""
    return DBT_PROJECT_DIR / os.environ.get("DBT_TARGET_PATH", "target")


class RunFailed(Exception):
    """A run could not complete; the message is the sentence to show the user."""


@dataclass
class LoadResult:
    rows_loaded: dict[str, int] = field(default_factory=dict)
    requests_made: int = 0
    rate_limit_remaining: int | None = None
    load_info: LoadInfo | None = None


def make_pipeline(target: Path | Store, account_name: str | None = None) -> dlt.Pipeline:
    """dlt's pipeline into a store (a path means the DuckDB file there): the account's, or
    without one the pipeline name of the versions before accounts (account_migration.py)."""
    store = as_store(target)
    return store.make_pipeline(account_pipeline_name(account_name) if account_name else None)


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


def load(
    target: Path | Store,
    client: GitHubClient,
    *,
    account_name: str | None = None,
    pipeline_name: str | None = None,
    **source_args: Any,
) -> LoadResult:
    """Extract and load every resource of one billing account into `target`; raise RunFailed
    with a sentence. Each account of a store loads through its own dlt pipeline (its own
    cursors and state, `pipeline_name` overrides it) into the same dataset; without a name
    the account is named after its slug (the client's account name)."""
    store = as_store(target)
    name = account_name or client.account.name
    pipeline = store.make_pipeline(pipeline_name or account_pipeline_name(name))
    # the client holds the token: the source needs none beside it
    source = github_billing(
        enterprise=client.enterprise, client=client, account_name=name, **source_args
    )
    try:
        if pipeline.has_pending_data:
            # A run that was killed left extracted or half-loaded packages: finish them first
            # (dlt's run() would otherwise load them and drop this run's new data).
            logger.warning("finishing the load packages an interrupted run left behind")
            drop_extracted_copies_of_normalized_packages(pipeline)
            pipeline.normalize()
            pipeline.load()
        info = pipeline.run(source, loader_file_format=store.loader_file_format)
        recanonicalise_dataset(pipeline)
    except Exception as exc:
        api_error = find_api_error(exc)
        if api_error is not None:
            raise RunFailed(str(api_error)) from None
        if "Could not set lock" in str(exc):
            raise RunFailed(
                f"The DuckDB file {store.location} was opened by another program during the load: "
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


@contextmanager
def scoped_environment(values: dict[str, str]) -> Iterator[None]:
    """`values` in os.environ for the block only: the database password never outlives the
    dbt call in this process's environment (nor reaches a child started later)."""
    saved = {key: os.environ.get(key) for key in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def invoke_dbt(
    target: Path | Store,
    command: str,
    *args: str,
    quiet: bool = True,
    callbacks: list[Callable[[Any], None]] | None = None,
) -> Any:
    """Run a dbt command in-process (about 1 s of overhead instead of 3 s for the CLI) on the
    store the load wrote; `callbacks` receive dbt's events; returns dbt's result."""
    from dbt.cli.main import dbtRunner

    store = as_store(target)
    os.environ.setdefault("DO_NOT_TRACK", "1")
    project = ["--project-dir", str(DBT_PROJECT_DIR), "--profiles-dir", str(DBT_PROJECT_DIR)]
    try:
        with scoped_environment(store.dbt_env()):
            return dbtRunner(callbacks=callbacks or []).invoke(
                [command, *project, *(["--quiet"] if quiet else []), *args]
            )
    finally:
        store.after_dbt()


def rebuild_window(
    target: Path | Store, full_refresh: bool = False, lookback_days: int = DEFAULT_LOOKBACK_DAYS
) -> Window | None:
    """The days the seat-day chain's microbatch models rebuild: what changed since they were
    built (pipelines/rebuild_window.py)."""
    store = as_store(target)
    if not store.exists():
        return None
    with store.session(read_only=True) as session:
        return seat_day_window(session, store.dataset, lookback_days, full=full_refresh)


def build_models(
    target: Path | Store,
    select: list[str] | None = None,
    quiet: bool = True,
    full_refresh: bool = False,
    callbacks: list[Callable[[Any], None]] | None = None,
    window: Window | None = None,
    lookback_days: int = DEFAULT_LOOKBACK_DAYS,
    dbt_vars: dict[str, Any] | None = None,
    data_tests: bool = True,
) -> None:
    """`dbt build` (models, seeds and data tests; `data_tests=False`: models and seeds only);
    raise RunFailed with a sentence.

    The seat-day chain rebuilds `window` (by default the days changed since its last build,
    `rebuild_window`). Unit tests check the SQL, not the data, and need every raw table to
    exist (an enterprise without cost centers has none of theirs): like dbt advises, they run
    in the test suite, not in production builds. `lookback_days` is the load's, which dbt's var
    of the same name follows; `dbt_vars` are other vars (the alert settings).
    """
    window = window or rebuild_window(target, full_refresh, lookback_days)
    args = [
        "--exclude-resource-type",
        "unit_test",
        *([] if data_tests else ["test"]),
        *(["--select", *select] if select else []),
        *(["--full-refresh"] if full_refresh else []),
        *(window.dbt_args() if window else []),
        *_vars_args(lookback_days, dbt_vars or {}),
    ]
    # a microbatch model reports a failed batch's error only in dbt's events
    out_of_sync: list[bool] = []

    def watch(event: Any) -> None:
        if "out of sync" in str(getattr(event.info, "msg", "")):
            out_of_sync.append(True)

    result = invoke_dbt(target, "build", *args, quiet=quiet, callbacks=[*(callbacks or []), watch])
    if not result.success:
        failed = _failed_nodes(result)
        if out_of_sync or _out_of_sync(result):
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


def _vars_args(lookback_days: int, others: dict[str, Any]) -> list[str]:
    """One --vars for dbt. The models rebuild the days the load re-checks; dbt_project.yml's
    defaults are the loader's and the alerts', so defaults pass nothing (changed vars make dbt
    parse afresh)."""
    values = dict(others)
    if int(lookback_days) != DEFAULT_LOOKBACK_DAYS:
        values["lookback_days"] = int(lookback_days)
    return ["--vars", json.dumps(values)] if values else []


def _out_of_sync(result: Any) -> bool:
    """dbt's on_schema_change='fail': an incremental table's columns differ from the model's."""
    nodes = getattr(result.result, "results", None) or []
    return any("out of sync" in str(getattr(r, "message", "") or "") for r in nodes)


def _failed_nodes(result: Any) -> list[str]:
    """Names of the models and tests that errored or failed, for the sentence."""
    nodes = getattr(result.result, "results", None) or []
    bad = [r.node.name for r in nodes if str(r.status) in ("error", "fail")]
    return bad[:5] + ([f"and {len(bad) - 5} more"] if len(bad) > 5 else [])
