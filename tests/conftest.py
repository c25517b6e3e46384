"""Shared fixtures: a simulated enterprise served over HTTP, and a load of it into DuckDB."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import duckdb
import pytest

# Tests never wait for real backoffs and never phone home.
os.environ.setdefault("RUNTIME__REQUEST_BACKOFF_FACTOR", "0")
os.environ.setdefault("RUNTIME__REQUEST_MAX_RETRY_DELAY", "0")
os.environ.setdefault("RUNTIME__REQUEST_MAX_ATTEMPTS", "3")
os.environ.setdefault("RUNTIME__REQUEST_TIMEOUT", "5")
os.environ.setdefault("RUNTIME__DLTHUB_TELEMETRY", "false")
os.environ.setdefault("SOURCES__GITHUB_BILLING__RATE_LIMIT_FLOOR_SECONDS", "0")
os.environ.setdefault("SOURCES__GITHUB_BILLING__EXPORT_POLL_SECONDS", "0")
os.environ.setdefault("SOURCES__GITHUB_BILLING__EXPORT_TIMEOUT_SECONDS", "5")
os.environ.setdefault("DO_NOT_TRACK", "1")
# Each pytest-xdist worker gets its own dbt target and log folders: two dbt runs writing one
# partial-parse cache and manifest at once would read each other's half-written files.
# A worker inherits the environment of the pytest process that started it, which set "main":
# a worker always takes its own.
os.environ["DBT_TARGET_PATH"] = (
    str(
        Path(__file__).resolve().parent.parent
        / "dbt_project"
        / "target"
        / os.environ.get("PYTEST_XDIST_WORKER", "main")
    )
    if os.environ.get("PYTEST_XDIST_WORKER") or "DBT_TARGET_PATH" not in os.environ
    else os.environ["DBT_TARGET_PATH"]
)
os.environ["DBT_LOG_PATH"] = str(Path(os.environ["DBT_TARGET_PATH"]) / "logs")

from pipelines.github_billing import GitHubClient
from pipelines.runner import build_models, dbt_target_dir, load
from pipelines.simulator import Enterprise, EnterpriseSize, Simulator
from pipelines.simulator.server import DEMO_TOKEN
from pipelines.store import Store, as_store

DBT_TARGET = dbt_target_dir()
TODAY = date(2026, 11, 25)
# Small but complete: spans the 2026-06-01 switch from premium requests to AI credits, a
# deleted cost center, multi-grant seat holders and every product.
SMALL = EnterpriseSize(orgs=3, repos=8, seat_holders=20, cost_centers=4, days=200, models=4)


def make_enterprise(size: EnterpriseSize = SMALL, seed: int = 7) -> Enterprise:
    return Enterprise(slug="acme-corp", seed=seed, size=size, today=TODAY)


def load_into(
    db_path: Path | Store, sim: Simulator, token: str = DEMO_TOKEN, **source_args: object
) -> object:
    client = GitHubClient(sim.base_url, token, sim.enterprise.slug)
    source_args.setdefault("today", TODAY.isoformat())
    source_args.setdefault("start_date", sim.enterprise.first_day.isoformat())
    # The export paths have their own tests (test_exports.py, test_backfill.py); the others
    # stay on the JSON API.
    source_args.setdefault("usage_exports", False)
    source_args.setdefault("backfill_via_exports", False)
    return load(db_path, client, **source_args)


def edited_copy(db_path: Path, copy: Path, sql: str) -> Path:
    """A copy of a DuckDB file with one statement applied (a tamper, an older schema...)."""
    shutil.copy(db_path, copy)
    con = duckdb.connect(str(copy))
    try:
        con.execute(sql)
    finally:
        con.close()
    return copy


def query(target: Path | Store, sql: str, params: list | None = None) -> list[tuple]:
    """Read a store (a path: a DuckDB file) without holding it open; `?` placeholders."""
    with as_store(target).session(read_only=True) as db:
        return db.fetchall(sql, params or [])


@pytest.fixture(autouse=True)
def _environment_restored() -> Iterator[None]:
    """Each test starts from the same environment: the CLI run in-process adopts legacy
    GITHUB_BILLING_* names under their dlt names, and a later test's subprocess would inherit
    them (whichever test ran before it on the same pytest worker)."""
    saved = dict(os.environ)
    yield
    os.environ.clear()
    os.environ.update(saved)


@pytest.fixture
def simulator() -> Iterator[Simulator]:
    with Simulator(make_enterprise()) as sim:
        yield sim


@pytest.fixture(scope="session")
def shared_simulator() -> Iterator[Simulator]:
    """One enterprise for read-only tests; do not restate or inject faults into it."""
    with Simulator(make_enterprise()) as sim:
        yield sim


@pytest.fixture(scope="session")
def loaded_db(shared_simulator: Simulator, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The shared enterprise loaded once into DuckDB (raw tables only), per-user report
    exports included, so the models see every raw table."""
    db_path = tmp_path_factory.mktemp("loaded") / "billing.duckdb"
    load_into(db_path, shared_simulator, usage_exports=True)
    return db_path


@pytest.fixture(scope="session")
def built_db(loaded_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The shared enterprise's raw tables with every model built (a copy: raw tests stay raw)."""
    db_path = tmp_path_factory.mktemp("built") / "billing.duckdb"
    shutil.copy(loaded_db, db_path)
    build_models(db_path)
    return db_path


def env_for(sim: Simulator, token: str = DEMO_TOKEN, **extra: str) -> dict[str, str]:
    """The configuration a user sets, as SOURCES__GITHUB_BILLING__* environment variables."""
    return {
        "SOURCES__GITHUB_BILLING__ENTERPRISE": f"https://github.com/enterprises/{sim.enterprise.slug}",
        "SOURCES__GITHUB_BILLING__ACCESS_TOKEN": token,
        "SOURCES__GITHUB_BILLING__BASE_URL": sim.base_url,
        **extra,
    }


@pytest.fixture(scope="module")
def module_simulator() -> Iterator[Simulator]:
    with Simulator(make_enterprise()) as sim:
        yield sim


@pytest.fixture
def configured(module_simulator: Simulator, monkeypatch: pytest.MonkeyPatch) -> Iterator[Simulator]:
    """The module's simulator, configured through the environment as a user would; each test
    starts with an empty request log and leaves no fault behind."""
    for key, value in env_for(module_simulator).items():
        monkeypatch.setenv(key, value)
    module_simulator.clear_requests()
    yield module_simulator
    module_simulator.faults.clear()


def postgres_store(cluster: Any, database: str, work: Path) -> Store:
    """A new database on the test cluster as the pipeline sees it. dlt's credentials need a
    password; the cluster trusts loopback and ignores it."""
    from pipelines.store.postgres import PostgresStore

    dsn = cluster.create_database(database).replace("postgres@", "postgres:trusted@", 1)
    return PostgresStore.from_dsn(dsn, pipelines_dir=work / f".{database}.dlt")


@pytest.fixture(scope="session")
def postgres_built(
    postgres_cluster: Any, shared_simulator: Simulator, tmp_path_factory: pytest.TempPathFactory
) -> Store:
    """The shared enterprise loaded into PostgreSQL through the store layer, as `loaded_db`
    is into DuckDB, and every model built on it."""
    store = postgres_store(postgres_cluster, "built", tmp_path_factory.mktemp("postgres"))
    load_into(store, shared_simulator, usage_exports=True)
    build_models(store)
    return store


# The end-to-end reconciliations run on both engines: `built` is the built DuckDB file or the
# built PostgreSQL database (tests marked `postgres`, skipped where no server can be started).
ENGINES = ["duckdb", pytest.param("postgres", marks=pytest.mark.postgres)]


@pytest.fixture(params=ENGINES)
def built(request: pytest.FixtureRequest) -> Path | Store:
    fixture = "built_db" if request.param == "duckdb" else "postgres_built"
    return request.getfixturevalue(fixture)


@pytest.fixture(scope="session")
def postgres_cluster() -> Iterator[object]:
    """A real PostgreSQL server for the session (installed by .ci/install-postgres in CI)."""
    from tests.postgres import PostgresUnavailable, start_cluster

    try:
        cluster = start_cluster()
    except PostgresUnavailable as exc:
        pytest.skip(f"the PostgreSQL suite needs a PostgreSQL server: {exc}")
    try:
        yield cluster
    finally:
        cluster.stop()
