"""A run killed with SIGKILL at any point keeps earlier data intact, and the next run converges to
exactly the state an uninterrupted run produces: every raw (and mart) table, row for row, cent
for cent.

The kills are placed by a fixed seed at four kinds of points: early and mid-way through the
extract (the simulator kills the process while serving the n-th /usage request), right after the
extract committed its load package (before it was normalized or loaded), and during the load.
"""

from __future__ import annotations

import os
import random
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import duckdb
import pytest

from pipelines.accounts_config import pipeline_name
from pipelines.github_billing import GitHubClient, github_billing
from pipelines.ops import health
from pipelines.runner import make_pipeline, pipelines_dir_for
from pipelines.simulator import Simulator
from pipelines.simulator.server import DEMO_TOKEN, Fault
from tests.conftest import TODAY, env_for, load_into, make_enterprise
from tests.test_cli import ROOT, run_cli
from tests.test_source import raw_net_by_day_and_partition, truth_by_day_and_partition

COMPARED_SCHEMAS = ("github_billing_raw", "marts")
START = TODAY - timedelta(days=25)
EARLIER_TODAY = TODAY - timedelta(days=10)  # the "yesterday's run" whose data must survive
BUILD = any((ROOT / "dbt_project" / "models").rglob("*.sql"))
USAGE = r"/settings/billing/usage$"
SEED = 20261125


def run_args(db: Path, today=TODAY) -> list[str]:
    return [
        "run",
        "--db",
        str(db),
        "--today",
        today.isoformat(),
        *([] if BUILD else ["--no-build"]),
    ]


def crash_env(sim: Simulator) -> dict[str, str]:
    return env_for(sim, SOURCES__GITHUB_BILLING__START_DATE=START.isoformat())


def snapshot(db: Path) -> dict[str, list[tuple]]:
    """Every table in the compared schemas, without dlt's bookkeeping and extraction times,
    as sorted rows (money stays Decimal, so equality is to the cent and beyond)."""
    con = duckdb.connect(str(db), read_only=True)
    try:
        tables = con.execute(
            "select table_schema, table_name from information_schema.tables "
            "where table_schema in (select unnest(?)) "
            "and table_name not like '\\_dlt%' escape '\\' order by 1, 2",
            [list(COMPARED_SCHEMAS)],
        ).fetchall()
        found = {}
        for schema, table in tables:
            columns = [
                name
                for (name,) in con.execute(
                    "select column_name from information_schema.columns "
                    "where table_schema = ? and table_name = ? order by column_name",
                    [schema, table],
                ).fetchall()
                # dlt bookkeeping (load ids differ between any two runs) and read times
                if not name.startswith("_dlt")
                and not name.endswith("dlt_load_id")
                and name != "built_through_load_id"
                and name not in ("extracted_at", "last_loaded_at")  # dim_billing_accounts'
            ]
            cols = ", ".join(f'"{c}"' for c in columns)
            rows = con.execute(f'select {cols} from "{schema}"."{table}"').fetchall()
            found[f"{schema}.{table}"] = sorted(rows, key=repr)
        return found
    finally:
        con.close()


def contains(bigger: list[tuple], smaller: list[tuple]) -> bool:
    remaining = list(bigger)
    for row in smaller:
        if row not in remaining:
            return False
        remaining.remove(row)
    return True


def _packages(db: Path, folder: str) -> list[Path]:
    # the single-enterprise keys configure one account named after its slug
    root = pipelines_dir_for(db) / pipeline_name("acme-corp") / folder
    return [p for p in root.iterdir() if p.is_dir()] if root.is_dir() else []


def kill_on_usage_request(n: int) -> Callable[[subprocess.Popen, Simulator, Path], None]:
    """The simulator kills the run while serving its n-th /usage request: mid-extract."""

    def arm(proc: subprocess.Popen, sim: Simulator, db: Path) -> None:
        seen = 0

        def maybe_kill(payload: object) -> object:
            nonlocal seen
            seen += 1
            if seen == n:
                os.kill(proc.pid, signal.SIGKILL)
            return payload

        sim.inject(Fault(USAGE, mode="mutate", times=10**6, mutate=maybe_kill))
        proc.wait(timeout=60)

    return arm


def kill_when_package_in(folder: str, delay: float) -> Callable:
    """Kill `delay` seconds after a load package shows up in `folder` of dlt's working dir:
    `normalize/extracted` is after the extract committed, `load/normalized` during the load."""

    def arm(proc: subprocess.Popen, sim: Simulator, db: Path) -> None:
        before = {p.name for p in _packages(db, folder)}
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and proc.poll() is None:
            if {p.name for p in _packages(db, folder)} - before:
                time.sleep(delay)
                break
            time.sleep(0.001)
        if proc.poll() is None:
            os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=60)

    return arm


def kill_points() -> list[tuple[str, Callable]]:
    rng = random.Random(SEED)
    return [
        ("early in the extract", kill_on_usage_request(rng.randint(2, 20))),
        # today's run reads 10 new days x 5 partitions = 50 /usage requests (loaded days
        # are only checked against GitHub's summary)
        ("mid-extract", kill_on_usage_request(rng.randint(25, 45))),
        ("after the extract, before the load", kill_when_package_in("normalize/extracted", 0)),
        ("during the load", kill_when_package_in("load/normalized", rng.uniform(0.0, 0.05))),
    ]


@pytest.fixture(scope="module")
def sim():
    with Simulator(make_enterprise()) as s:
        yield s


def test_a_run_killed_at_any_point_keeps_earlier_data_and_the_next_run_converges(
    sim: Simulator, tmp_path: Path
) -> None:
    env = crash_env(sim)

    # The reference: yesterday's run, then today's, neither interrupted.
    clean = tmp_path / "clean" / "billing.duckdb"
    for today in (EARLIER_TODAY, TODAY):
        done = run_cli(*run_args(clean, today), env=env)
        assert done.returncode == 0, done.stderr
    expected = snapshot(clean)
    assert expected["github_billing_raw.usage_items"], "the reference run loaded usage"

    # The same two days, but today's run is killed four times before one is let finish.
    crashed = tmp_path / "crashed" / "billing.duckdb"
    done = run_cli(*run_args(crashed, EARLIER_TODAY), env=env)
    assert done.returncode == 0, done.stderr
    earlier = snapshot(crashed)

    for where, arm in kill_points():
        proc = subprocess.Popen(
            [sys.executable, "-m", "pipelines.cli", *run_args(crashed)],
            cwd=ROOT,
            env={**os.environ, **env},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            arm(proc, sim, crashed)
        finally:
            sim.faults.clear()
            if proc.poll() is None:
                proc.kill()
        assert proc.returncode == -signal.SIGKILL, f"the run was not killed {where}"
        now = snapshot(crashed)
        for table, rows in earlier.items():
            assert contains(now[table], rows), f"killed {where}, {table} lost earlier rows"
        state = health(crashed)
        assert state.state == "Error" and "did not finish" in state.sentence, where

    done = run_cli(*run_args(crashed), env=env)
    assert done.returncode == 0, done.stderr
    converged = snapshot(crashed)
    assert converged.keys() == expected.keys()
    for table in expected:
        assert converged[table] == expected[table], f"{table} differs from an uninterrupted run"
    assert health(crashed).state == "Healthy"


def test_a_package_killed_between_normalize_commit_and_cleanup_is_loaded_once(
    simulator: Simulator, tmp_path: Path
) -> None:
    """dlt's normalize commits a package by renaming it into load/normalized, then deletes the
    extracted files; a kill between the two leaves the package in both places. The next run
    loads it once and converges."""
    db = tmp_path / "billing.duckdb"
    recent = {"today": TODAY.isoformat(), "start_date": (TODAY - timedelta(days=5)).isoformat()}
    pipeline = make_pipeline(db, "acme-corp")
    client = GitHubClient(simulator.base_url, DEMO_TOKEN, simulator.enterprise.slug)
    source = github_billing("acme-corp", DEMO_TOKEN, client=client, **recent)
    pipeline.extract(source)
    (extracted,) = _packages(db, "normalize/extracted")
    shutil.copytree(extracted, tmp_path / "copy")
    pipeline.normalize()
    shutil.copytree(tmp_path / "copy", extracted)  # as if killed before the cleanup
    assert _packages(db, "load/normalized") and _packages(db, "normalize/extracted")

    load_into(db, simulator, **recent)
    truth = {
        k: v
        for k, v in truth_by_day_and_partition(simulator).items()
        if k[0] >= recent["start_date"]
    }
    assert raw_net_by_day_and_partition(db) == truth
    assert not _packages(db, "load/normalized") and not _packages(db, "normalize/extracted")
