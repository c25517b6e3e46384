"""The `github-billing` command as a user runs it: a subprocess, configured through env vars."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from pipelines.simulator import Simulator
from pipelines.simulator.server import DEMO_TOKEN
from tests.conftest import TODAY, env_for, make_enterprise

ROOT = Path(__file__).resolve().parent.parent


def run_cli(*args: str, env: dict[str, str], cwd: Path = ROOT) -> subprocess.CompletedProcess:
    full_env = {**os.environ, **env}
    return subprocess.run(
        [sys.executable, "-m", "pipelines.cli", *args],
        cwd=cwd,
        env=full_env,
        capture_output=True,
        text=True,
        timeout=300,
    )


@pytest.fixture(scope="module")
def sim():
    with Simulator(make_enterprise()) as s:
        yield s


def test_run_loads_with_env_config_and_prints_a_summary(sim, tmp_path: Path) -> None:
    db = tmp_path / "cli.duckdb"
    done = run_cli(
        "run", "--no-build", "--db", str(db), "--today", TODAY.isoformat(), env=env_for(sim)
    )
    assert done.returncode == 0, done.stderr
    assert "Connection OK" in done.stdout
    assert "usage_items" in done.stdout and f"DuckDB file: {db}" in done.stdout
    assert "Period covered: 2026-10-01 to 2026-11-24" in done.stdout  # previous + current month
    # per-user usage through the export API is on by default, and the summary says so
    assert "note: copilot_user_usage came from 2 usage-report exports" in done.stdout
    con = duckdb.connect(str(db), read_only=True)
    (net,) = con.execute("select sum(net_amount) from github_billing_raw.usage_items").fetchone()
    con.close()
    truth = sim.enterprise.ground_truth()["by_day"]
    expected = sum(
        float(p["net"])
        for day, parts in truth.items()
        if day >= "2026-10-01"
        for p in parts.values()
    )
    assert round(float(net), 2) == round(expected, 2)
    assert DEMO_TOKEN not in done.stdout + done.stderr


def test_db_path_also_comes_from_the_environment(sim, tmp_path: Path) -> None:
    db = tmp_path / "from-env.duckdb"
    done = run_cli(
        "run",
        "--no-build",
        "--since",
        "2026-11-20",
        "--today",
        TODAY.isoformat(),
        env=env_for(sim, GITHUB_BILLING_DUCKDB=str(db)),
    )
    assert done.returncode == 0, done.stderr
    assert db.exists()


def test_a_bad_token_loads_nothing_and_exits_non_zero(sim, tmp_path: Path) -> None:
    db = tmp_path / "bad.duckdb"
    done = run_cli("run", "--db", str(db), env=env_for(sim, token="github_pat_11AAAA_bbbb"))
    assert done.returncode == 2
    assert "fine-grained personal access token" in done.stderr
    assert "Nothing was loaded." in done.stderr
    assert "Traceback" not in done.stderr
    con = duckdb.connect(str(db), read_only=True)
    schemas = {
        r[0] for r in con.execute("select schema_name from information_schema.schemata").fetchall()
    }
    (outcome, error) = con.execute("select outcome, error from github_billing_ops.runs").fetchone()
    con.close()
    assert "github_billing_raw" not in schemas  # nothing loaded, only the run log
    assert outcome == "error" and "fine-grained" in error


def test_check_exits_non_zero_with_one_sentence_for_a_wrong_slug(sim) -> None:
    done = run_cli("check", env=env_for(sim, SOURCES__GITHUB_BILLING__ENTERPRISE="nope"))
    assert done.returncode == 2
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: GitHub found no enterprise 'nope'")


def test_check_succeeds_and_lists_what_can_be_loaded(sim) -> None:
    done = run_cli("check", env=env_for(sim))
    assert done.returncode == 0, done.stderr
    assert "Copilot seat assignments" in done.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["run", "--since", "2026-02-30"], "--since must be a date like 2026-01-31"),
        (
            ["run", "--since", "2026-05-02", "--until", "2026-05-01"],
            "--until 2026-05-01 is before --since 2026-05-02",
        ),
    ],
)
def test_bad_dates_get_a_sentence(sim, args: list[str], message: str) -> None:
    done = run_cli(*args, env=env_for(sim))
    assert done.returncode == 2 and message in done.stderr and "Traceback" not in done.stderr


def test_plain_http_to_a_remote_host_is_refused(sim) -> None:
    done = run_cli(
        "check", env=env_for(sim, SOURCES__GITHUB_BILLING__BASE_URL="http://api.example.com")
    )
    assert done.returncode == 2 and "would send the token in clear" in done.stderr
