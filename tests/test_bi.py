"""What BI tools rely on: files the DuckDB inside them (1.4 and later) opens, a BI file with every
mart and its documentation that a run never locks, and snapshots that a connected dashboard
keeps reading whole while a run replaces them."""

from __future__ import annotations

import json
import os
import shutil
from datetime import timedelta
from pathlib import Path

import pytest

from pipelines import bi_publish, storage
from pipelines.cli import main
from pipelines.simulator import Simulator
from pipelines.simulator.server import Fault
from tests import duckdb14
from tests.conftest import TODAY, env_for, query

pytestmark = pytest.mark.bi

# every mart's rows and money, as DuckDB 1.4 reads them from a file of tables or of Parquet
READ_EVERY_MART = """
path, kind = sys.argv[1], sys.argv[2]
con = duckdb.connect(path if kind == "duckdb" else ":memory:", read_only=kind == "duckdb")
if kind == "duckdb":
    names = [n for (n,) in con.execute(
        "select table_name from information_schema.tables where table_schema = 'marts'"
    ).fetchall()]
    source = {n: f"marts.{n}" for n in names}
else:
    import pathlib
    source = {p.stem: f"read_parquet('{p}')" for p in pathlib.Path(path).glob("*.parquet")}
found = {}
for name, relation in sorted(source.items()):
    described = con.execute(f"describe select * from {relation}").fetchall()
    columns = [row[0] for row in described]
    money = "sum(net_amount)::varchar" if "net_amount" in columns else "null"
    found[name] = list(con.execute(f"select count(*), {money} from {relation}").fetchone())
print(json.dumps(found))
"""


def marts_of(db: Path) -> dict[str, list[object]]:
    """Every mart's row count and net total, read with the project's own DuckDB."""
    names = [
        name
        for (name,) in query(
            db, "select table_name from information_schema.tables where table_schema = 'marts'"
        )
    ]
    found = {}
    for name in sorted(names):
        columns = [c for (c,) in query(db, f"select column_name from (describe marts.{name})")]
        money = "sum(net_amount)::varchar" if "net_amount" in columns else "null"
        found[name] = list(query(db, f"select count(*), {money} from marts.{name}")[0])
    return found


def test_the_warehouse_the_bi_file_and_the_parquet_files_open_in_duckdb_1_4(
    built_db: Path, tmp_path: Path
) -> None:
    db = tmp_path / "billing.duckdb"
    shutil.copy(built_db, db)
    published = bi_publish.publish(db)
    expected = marts_of(db)
    documented = set(bi_publish.descriptions())
    assert set(expected) == documented, "every mart dbt builds is in the warehouse"
    # an ordinary enterprise raises no anomaly and no alert (tests/test_budgets_and_alerts.py)
    quiet = {"fct_cost_anomalies", "fct_alerts"}
    filled = {name: rows for name, (rows, _net) in expected.items() if name not in quiet}
    assert all(filled.values()), "the shared enterprise fills every other mart"

    assert duckdb14.run(READ_EVERY_MART, str(db), "duckdb") == expected
    assert duckdb14.run(READ_EVERY_MART, str(published.database), "duckdb") == expected
    assert duckdb14.run(READ_EVERY_MART, str(published.parquet_dir), "parquet") == expected
    assert published.parquet_dir == tmp_path / "marts" / "billing"
    assert storage.file_version(db) == storage.file_version(published.database) == "v1.4.0"


def test_the_bi_file_carries_the_dbt_descriptions_as_comments(built_db: Path) -> None:
    published = bi_publish.publish(built_db)
    table_text, columns = bi_publish.descriptions()["fct_usage_costs"]
    read = duckdb14.run(
        """
        con = duckdb.connect(sys.argv[1], read_only=True)
        table = con.execute("select comment from duckdb_tables() where table_name = "
                            "'fct_usage_costs'").fetchone()[0]
        cols = dict(con.execute("select column_name, comment from duckdb_columns() "
                                "where table_name = 'fct_usage_costs'").fetchall())
        print(json.dumps([table, cols]))
        """,
        str(published.database),
    )
    assert read[0] == table_text.strip() and "The grain of the table is" in read[0]
    assert read[1]["net_amount"] == columns["net_amount"].strip() != ""
    assert {name for name, text in read[1].items() if not text} == set(), "every column"


# A BI tool's connection: it reads the totals, waits while a run replaces the file, and reads
# them again on the same connection.
TOTALS = """
path, day = sys.argv[1], sys.argv[2]
sql = ("select sum(net_amount)::varchar, sum(net_amount) filter (usage_date = ?)::varchar "
       "from marts.fct_usage_costs")
con = duckdb.connect(path, read_only=True)
print(json.dumps(con.execute(sql, [day]).fetchone()), flush=True)
"""
HOLD = (
    TOTALS
    + """
sys.stdin.readline()
print(json.dumps(con.execute(sql, [day]).fetchone()), flush=True)
"""
)


def _totals(db: Path, day: str) -> list[str]:
    [(total, on_day)] = query(
        db,
        "select sum(net_amount)::varchar, sum(net_amount) filter (usage_date = ?)::varchar "
        "from marts.fct_usage_costs",
        [day],
    )
    return [total, on_day]


def test_a_dashboard_holding_the_bi_file_keeps_its_snapshot_while_a_run_restates_a_day(
    simulator: Simulator,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    for key, value in env_for(simulator).items():
        monkeypatch.setenv(key, value)
    db = tmp_path / "github_billing.duckdb"
    run = ["run", "--db", str(db), "--today", TODAY.isoformat()]
    assert main(run) == 0
    first = capsys.readouterr()
    bi = tmp_path / "github_billing_bi.duckdb"
    assert f"BI file (open it from BI tools; runs never lock it): {bi}" in first.out
    assert first.err.splitlines()[-1].startswith("dbt build: ")
    assert first.err.splitlines()[-1].endswith(" models and tests (100%)")

    day = (TODAY - timedelta(days=3)).isoformat()
    before = _totals(bi, day)
    holder = duckdb14.start(HOLD, str(bi), day)
    try:
        assert json.loads(holder.stdout.readline()) == before
        simulator.enterprise.restate(TODAY - timedelta(days=3))
        assert main(run) == 0, capsys.readouterr().err  # the held BI file locks nothing
        capsys.readouterr()
        restated = _totals(db, day)
        assert restated[1] != before[1], "GitHub's restatement reached the warehouse"
        # another connection, opened while the first is still held, reads the new snapshot
        assert duckdb14.run(TOTALS, str(bi), day) == restated
        out, err = holder.communicate("go\n", timeout=60)
    finally:
        holder.kill()
    assert holder.returncode == 0, err
    assert json.loads(out) == before, "the held connection still reads the previous snapshot"

    # a run that fails leaves the snapshot as it was
    published = os.stat(bi)
    simulator.enterprise.restate(TODAY - timedelta(days=2))
    simulator.inject(Fault(r"/settings/billing/usage$", status=503, times=100))
    assert main(run) == 1
    assert "GitHub kept failing" in capsys.readouterr().err
    assert (os.stat(bi).st_ino, os.stat(bi).st_mtime_ns) == (
        published.st_ino,
        published.st_mtime_ns,
    )
    assert _totals(bi, day) == restated


def test_on_windows_an_open_bi_file_keeps_the_old_snapshot_and_the_new_one_waits_beside_it(
    built_db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = tmp_path / "billing.duckdb"
    shutil.copy(built_db, db)
    first = bi_publish.publish(db)
    kept = os.stat(first.database).st_ino
    real_replace = os.replace

    def windows_replace(src: str | Path, dst: str | Path) -> None:
        if Path(dst) == first.database:  # a BI tool has it open
            raise PermissionError(13, "The process cannot access the file")
        real_replace(src, dst)

    monkeypatch.setattr(bi_publish.os, "replace", windows_replace)
    second = bi_publish.publish(db)
    waiting = tmp_path / "billing_bi.next.duckdb"
    assert second.pending == [first.database]
    assert second.warnings == [
        f"billing_bi.next.duckdb holds the new snapshot: {first.database} is open in another "
        "program, which Windows does not let a run replace; it keeps the previous snapshot, "
        "and the next run puts the new one in place once it is closed."
    ]
    assert os.stat(first.database).st_ino == kept
    assert marts_of(waiting) == marts_of(first.database)

    monkeypatch.setattr(bi_publish.os, "replace", real_replace)
    third = bi_publish.publish(db)
    assert third.pending == [] and not waiting.exists()
    assert os.stat(first.database).st_ino != kept
    assert not list(tmp_path.glob(".*.tmp")) and not list(first.parquet_dir.glob(".*.tmp"))


def test_migrate_storage_rewrites_a_newer_file_keeping_a_backup(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import duckdb

    db = tmp_path / "old.duckdb"
    con = duckdb.connect(str(db), config={"storage_compatibility_version": "latest"})
    con.execute("create schema marts; create table marts.t as select 1.25::decimal(38,12) x")
    con.execute("create view marts.v as select x * 2 as y from marts.t")
    con.close()
    newest = storage.file_version(db)
    assert storage.newer_than(newest, "v1.4.0"), "this DuckDB writes a format 1.4 cannot read"

    assert main(["migrate-storage", "--db", str(db)]) == 0
    backup = tmp_path / f"old.duckdb.{newest}.bak"
    assert capsys.readouterr().out == (
        f"Rewrote {db} from DuckDB storage format {newest} to v1.4.0, readable by DuckDB 1.4.0 "
        f"and later; the previous file is kept as {backup}.\n"
    )
    assert storage.file_version(db) == "v1.4.0" and storage.file_version(backup) == newest
    read = duckdb14.run(
        "con = duckdb.connect(sys.argv[1], read_only=True)\n"
        "print(json.dumps(con.execute('select y::varchar from marts.v').fetchall()))",
        str(db),
    )
    assert read == [["2.500000000000"]]

    assert main(["migrate-storage", "--db", str(db)]) == 0
    assert capsys.readouterr().out == (
        f"{db} is already in DuckDB storage format v1.4.0, readable by DuckDB 1.4.0 and "
        "later: nothing to do.\n"
    )


def test_the_storage_version_is_a_config_key_checked_before_any_file_is_made(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from pipelines import ops
    from pipelines.config_check import unknown_key_problems

    monkeypatch.setenv("SOURCES__GITHUB_BILLING__DUCKDB_STORAGE_VERSION", "v1.5.0")
    ops.open_db(tmp_path / "new.duckdb").close()
    assert storage.file_version(tmp_path / "new.duckdb") == "v1.5.0"
    (tmp_path / ".dlt").mkdir()
    (tmp_path / ".dlt" / "config.toml").write_text(
        '[sources.github_billing]\nduckdb_storage_version = "v1.4.0"\n'
    )
    assert unknown_key_problems(tmp_path) == []

    monkeypatch.setenv("SOURCES__GITHUB_BILLING__DUCKDB_STORAGE_VERSION", "1.4")
    monkeypatch.setenv("SOURCES__GITHUB_BILLING__ENTERPRISE", "acme-corp")
    assert main(["run", "--db", str(tmp_path / "refused.duckdb")]) == 2
    assert capsys.readouterr().err == (
        "error: duckdb_storage_version '1.4' is not a DuckDB storage version such as v1.4.0 "
        "(the oldest DuckDB that must open the files): fix it under [sources.github_billing] "
        "or in SOURCES__GITHUB_BILLING__DUCKDB_STORAGE_VERSION.\n"
    )
    assert not (tmp_path / "refused.duckdb").exists()


def test_status_names_the_bi_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    main(["status", "--db", str(tmp_path / "github_billing.duckdb"), "--json"])
    report = json.loads(capsys.readouterr().out)
    assert report["bi_database"] == str(tmp_path / "github_billing_bi.duckdb")
