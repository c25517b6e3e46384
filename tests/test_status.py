"""Connection health: every run is recorded in github_billing_ops.runs (start, end, outcome, rows
per table, requests made, rate-limit budget left, error sentence), and `github-billing status`
says Pending Data, Healthy, Stale or Error, with --json, exiting non-zero unless Healthy."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb
import pytest

from pipelines import ops
from pipelines.cli import main
from pipelines.simulator import Simulator
from pipelines.simulator import faults as f
from tests.conftest import TODAY

EXIT = {"Healthy": 0, "Pending Data": 3, "Stale": 4, "Error": 5}
FAILED_USAGE = (
    "GitHub kept failing on /enterprises/acme-corp/settings/billing/usage (502) after several "
    "retries; data loaded so far is kept, run again later to continue."
)


def run(db: Path) -> int:
    argv = ["run", "--no-build", "--db", str(db), "--today", TODAY.isoformat()]
    return main([*argv, "--since", "2026-11-18"])


def status(capsys: pytest.CaptureFixture[str], db: Path, *extra: str) -> tuple[int, str]:
    capsys.readouterr()
    code = main(["status", "--db", str(db), *extra])
    return code, capsys.readouterr().out


def runs_table(db: Path) -> list[dict]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        cur = con.execute(f"select * from {ops.RUNS_TABLE} order by started_at")
        names = [d[0] for d in cur.description]
        return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]
    finally:
        con.close()


def table_counts(db: Path) -> dict[str, int]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        tables = con.execute(
            "select table_name from information_schema.tables where table_schema = "
            "'github_billing_raw' and table_name not like '\\_dlt%' escape '\\'"
        ).fetchall()
        return {
            t: con.execute(f'select count(*) from github_billing_raw."{t}"').fetchone()[0]
            for (t,) in tables
        }
    finally:
        con.close()


def test_a_database_nothing_was_loaded_into_is_pending_data(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out = status(capsys, tmp_path / "none.duckdb")
    assert (code, out) == (3, "Pending Data: No run has loaded data into this database yet.\n")
    code, out = status(capsys, tmp_path / "none.duckdb", "--json")
    assert code == 3 and json.loads(out)["state"] == "Pending Data"


def test_a_successful_run_is_recorded_with_its_counts_and_status_is_healthy(
    configured: Simulator, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "billing.duckdb"
    before = datetime.now(UTC)
    assert run(db) == 0
    (record,) = runs_table(db)
    assert before <= record["started_at"] <= record["ended_at"] <= datetime.now(UTC)
    assert (record["command"], record["outcome"], record["error"]) == ("run", "success", None)
    # first load into an empty database: every extracted row is a row in the table
    assert json.loads(record["rows_per_table"]) == table_counts(db)
    assert record["rows_loaded"] == sum(table_counts(db).values())
    assert record["requests_made"] == len(configured.requests)
    budget = configured.rate_limit
    assert record["rate_limit_remaining"] == budget.limit - budget.used

    code, out = status(capsys, db)
    assert code == 0 and out.startswith("Healthy: The last run succeeded at ")
    code, out = status(capsys, db, "--json")
    report = json.loads(out)
    assert code == 0 and report["state"] == "Healthy" and report["database"] == str(db)
    (last,) = report["last_runs"]
    assert last["rows_per_table"] == table_counts(db)
    assert last["requests_made"] == record["requests_made"]
    assert last["rate_limit_remaining"] == record["rate_limit_remaining"]


def test_a_failed_run_is_recorded_with_its_sentence_and_status_is_error(
    configured: Simulator, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "billing.duckdb"
    assert run(db) == 0
    configured.inject(f.server_error(r"/settings/billing/usage$", 502, times=10**6))
    assert run(db) == 1
    assert capsys.readouterr().err.endswith(f"error: {FAILED_USAGE}\n")
    failed = runs_table(db)[-1]
    assert (failed["outcome"], failed["error"]) == ("error", FAILED_USAGE)
    assert failed["requests_made"] > 0 and failed["ended_at"] is not None

    code, out = status(capsys, db)
    assert code == 5
    assert out.splitlines()[0] == f"Error: The last run failed: {FAILED_USAGE}"
    code, out = status(capsys, db, "--json")
    assert code == 5 and json.loads(out)["state"] == "Error"

    configured.faults.clear()
    assert run(db) == 0  # the next good run makes it healthy again
    assert status(capsys, db)[0] == 0


def test_a_refused_token_is_recorded_as_an_error(
    configured: Simulator,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    db = tmp_path / "billing.duckdb"
    monkeypatch.setenv("SOURCES__GITHUB_BILLING__ACCESS_TOKEN", "ghp_" + "0" * 36)
    assert run(db) == 2
    (record,) = runs_table(db)
    assert record["outcome"] == "error"
    assert record["error"].startswith("GitHub rejected the access token (401 Bad credentials)")
    assert status(capsys, db)[0] == 5


def _log(db: Path, *outcomes: tuple[str, datetime]) -> None:
    for outcome, started in outcomes:
        record = ops.RunRecord(started_at=started, command="run")
        ops.start_run(db, record)
        if outcome != "running":
            record.outcome, record.ended_at = outcome, started + timedelta(minutes=5)
            record.error = "GitHub said no." if outcome == "error" else None
            ops.finish_run(db, record)


NOW = datetime(2026, 11, 25, 6, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("history", "state", "sentence"),
    [
        (
            [("success", NOW - timedelta(hours=2))],
            "Healthy",
            "The last run succeeded at 2026-11-25 04:05 UTC.",
        ),
        (
            [("success", NOW - timedelta(hours=40))],
            "Stale",
            "The last successful run ended 2026-11-23 14:05 UTC, more than 36 hours ago: check "
            "the schedule.",
        ),
        (
            [("success", NOW - timedelta(hours=26)), ("error", NOW - timedelta(hours=2))],
            "Error",
            "The last run failed: GitHub said no.",
        ),
        (
            [("success", NOW - timedelta(hours=26)), ("running", NOW - timedelta(hours=2))],
            "Error",
            "The run started 2026-11-25 04:00 UTC did not finish (it was killed or the machine "
            "stopped): run again; the next run completes what it left behind.",
        ),
        (
            [("error", NOW - timedelta(hours=2))],
            "Error",
            "The last run failed: GitHub said no.",
        ),
    ],
    ids=["healthy", "stale", "error", "killed", "never-succeeded"],
)
def test_the_state_follows_the_run_log(
    tmp_path: Path, history: list, state: str, sentence: str
) -> None:
    db = tmp_path / "log.duckdb"
    _log(db, *history)
    health = ops.health(db, now=NOW)
    assert (health.state, health.sentence, health.exit_code) == (state, sentence, EXIT[state])


def test_a_run_in_progress_does_not_change_the_state(tmp_path: Path) -> None:
    db = tmp_path / "log.duckdb"
    _log(db, ("success", NOW - timedelta(hours=2)))
    with ops.run_lock(db):
        _log(db, ("running", NOW - timedelta(minutes=1)))
        assert ops.health(db, now=NOW).state == "Healthy"
    assert ops.health(db, now=NOW).state == "Error"  # the lock is gone: that run was killed


def test_stale_after_hours_is_configurable(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "log.duckdb"
    _log(db, ("success", datetime.now(UTC) - timedelta(hours=3)))
    assert status(capsys, db)[0] == 0
    code, out = status(capsys, db, "--stale-after-hours", "2")
    assert code == 4 and out.startswith("Stale: ")


def test_json_times_are_iso_8601(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = tmp_path / "log.duckdb"
    _log(db, ("success", NOW))
    (last,) = json.loads(status(capsys, db, "--json")[1])["last_runs"]
    assert datetime.fromisoformat(last["started_at"]) == NOW
    assert last["started_at"].startswith("2026-11-25T06:00:00")


def test_ctrl_c_during_a_run_is_recorded_and_gets_a_sentence(
    configured: Simulator,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from pipelines import runner

    def interrupted(*args: object, **kwargs: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(runner, "load", interrupted)
    db = tmp_path / "billing.duckdb"
    assert run(db) == 130
    sentence = "The run was interrupted: run again; the next run completes what it left behind."
    assert capsys.readouterr().err.endswith(f"error: {sentence}\n")
    (record,) = runs_table(db)
    assert (record["outcome"], record["error"]) == ("error", sentence)


def test_one_account_is_judged_alone_and_a_configured_one_never_run_is_pending_data(
    tmp_path: Path,
) -> None:
    db = tmp_path / "log.duckdb"
    for account, outcome in (("acme", "success"), ("octo", "error")):
        record = ops.RunRecord(started_at=NOW - timedelta(hours=2), command="run", account=account)
        ops.start_run(db, record)
        record.outcome, record.ended_at = outcome, NOW - timedelta(hours=1)
        record.error = "GitHub said no." if outcome == "error" else None
        ops.finish_run(db, record)

    assert ops.health(db, now=NOW).state == "Error"
    acme = ops.health(db, now=NOW, account="acme")
    assert (acme.state, acme.exit_code) == ("Healthy", 0)
    assert [run["account"] for run in acme.last_runs] == ["acme"]
    assert (
        ops.health(db, now=NOW, account="octo").sentence == "The last run failed: GitHub said no."
    )
    later = ops.health(db, now=NOW, account="acme-eu", configured=["acme", "octo", "acme-eu"])
    assert (later.state, later.sentence) == (
        "Pending Data",
        "No run has loaded account acme-eu into this store yet.",
    )
    with pytest.raises(
        ops.OpsError,
        match=r"--account nope is not an account of this store "
        r"\(it holds acme, octo\)",
    ):
        ops.health(db, now=NOW, account="nope")
