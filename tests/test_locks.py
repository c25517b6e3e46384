"""One run at a time per database, and a database held by another program: a sentence that says
so and how to retry, exit code 2, no traceback, and the data left as it was."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from pathlib import Path

import duckdb
import pytest

from pipelines.cli import main
from pipelines.ops import health
from pipelines.simulator import Simulator
from pipelines.simulator.server import Fault
from tests.conftest import TODAY
from tests.test_cli import ROOT, run_cli
from tests.test_faults import truth_since
from tests.test_source import raw_net_by_day_and_partition

SINCE = "2026-11-20"


def run_argv(db: Path) -> list[str]:
    return ["run", "--no-build", "--db", str(db), "--today", TODAY.isoformat(), "--since", SINCE]


def test_a_second_run_while_one_is_in_progress_says_so_and_exits(
    configured: Simulator, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "billing.duckdb"
    first_request, release = threading.Event(), threading.Event()

    def hold(payload: object) -> object:
        first_request.set()
        release.wait(timeout=30)
        return payload

    # The first run stops at its first /usage request until the second one has been refused.
    configured.inject(Fault(r"/settings/billing/usage$", mode="mutate", times=1, mutate=hold))
    first = subprocess.Popen(
        [sys.executable, "-m", "pipelines.cli", *run_argv(db)],
        cwd=ROOT,
        env=dict(os.environ),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert first_request.wait(timeout=60), "the first run reached GitHub"
        assert main(run_argv(db)) == 2
        err = capsys.readouterr().err
        assert err == (
            f"error: Another github-billing run is in progress on {db} (process {first.pid}): "
            "wait for it to finish, then run again.\n"
        )
        in_progress = health(db)
        assert in_progress.last_runs[0]["outcome"] == "running"
        assert in_progress.state == "Pending Data"  # a run in progress is not a failure
    finally:
        release.set()
        _, err = first.communicate(timeout=120)
    assert first.returncode == 0, err
    assert raw_net_by_day_and_partition(db) == truth_since(configured, start=TODAY.replace(day=20))
    assert health(db).state == "Healthy"


def test_a_database_held_by_another_program_gets_a_sentence_and_keeps_its_data(
    configured: Simulator, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "billing.duckdb"
    assert main(run_argv(db)) == 0
    capsys.readouterr()
    before = raw_net_by_day_and_partition(db)

    bi_tool = duckdb.connect(str(db))  # a write connection, as a BI tool or duckdb shell holds
    try:
        held = (
            f"error: The DuckDB file {db} is open in another program (process {os.getpid()}), "
            "such as a BI tool or a duckdb shell: close it (or have it connect read-only) and "
            "run again.\n"
        )
        run = run_cli(*run_argv(db), env={})
        assert (run.returncode, run.stdout, run.stderr) == (2, "", held)
        status = run_cli("status", "--db", str(db), env={})
        assert (status.returncode, status.stderr) == (2, held)
    finally:
        bi_tool.close()

    assert raw_net_by_day_and_partition(db) == before
    assert main(run_argv(db)) == 0  # closed: the next run goes through
    assert raw_net_by_day_and_partition(db) == before


def test_a_database_opened_by_another_program_during_the_load_fails_with_a_sentence_and_recovers(
    configured: Simulator, tmp_path: Path
) -> None:
    db = tmp_path / "billing.duckdb"
    bi_tool: list[duckdb.DuckDBPyConnection] = []

    def open_the_file(payload: object) -> object:
        # while the run is extracting, a BI tool opens the file for writing
        bi_tool.append(duckdb.connect(str(db)))
        return payload

    configured.inject(
        Fault(r"/copilot/billing/seats$", mode="mutate", times=1, mutate=open_the_file)
    )
    try:
        failed = run_cli(*run_argv(db), env={})
    finally:
        for con in bi_tool:
            con.close()
    assert bi_tool, "the BI tool opened the file mid-run"
    assert failed.returncode == 1
    assert failed.stderr.splitlines()[-1] == (
        f"error: The DuckDB file {db} was opened by another program during the load: close it "
        "and run again; the next run finishes what this one started."
    )
    assert "Traceback" not in failed.stderr
    assert run_cli(*run_argv(db), env={}).returncode == 0
    assert raw_net_by_day_and_partition(db) == truth_since(configured, start=TODAY.replace(day=20))
