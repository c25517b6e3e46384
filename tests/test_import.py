"""`github-billing import`: report CSVs saved from GitHub's billing pages land in the same raw
tables as the export API, formats detected from the header, by whole days (idempotent)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from pipelines.cli import main
from pipelines.github_billing.report_csv import ReportFormatError, ReportRows, detect_format
from pipelines.report_import import import_reports
from pipelines.runner import RunFailed
from pipelines.simulator import Simulator
from pipelines.simulator import reports as sim_reports
from pipelines.simulator.csv_dialects import DIALECTS
from tests.conftest import make_enterprise
from tests.test_cli import run_cli
from tests.test_exports import load_exports, user_net
from tests.test_source import RAW, query

ENT = make_enterprise()
REFERENCE = DIALECTS["reference"]  # for tests that edit a file's text
MAY, JUNE_END = date(2026, 5, 20), date(2026, 6, 10)


def write_reports(folder: Path) -> dict[str, Path]:
    """One file per format, generated from the simulator's numbers."""
    files = {
        "premium_request.csv": sim_reports.report_files(
            ENT, "premium_request", MAY, date(2026, 5, 31)
        )[0],
        "ai_credit.csv": sim_reports.report_files(ENT, "ai_credit", date(2026, 6, 1), JUNE_END)[0],
        "detailed.csv": sim_reports.report_files(ENT, "detailed", MAY, JUNE_END)[0],
        "summarized.csv": sim_reports.report_files(
            ENT, "summarized", date(2026, 6, 11), date(2026, 6, 20)
        )[0],
        "legacy.csv": sim_reports.legacy_premium_request_csv(ENT, date(2026, 5, 9), MAY),
    }
    paths = {}
    for name, content in files.items():
        paths[name] = folder / name
        paths[name].write_bytes(content)
    return paths


def snapshot(db: Path) -> dict[str, list[tuple]]:
    """Every row but its load metadata, per table: what an import must leave unchanged."""
    out = {}
    for table in ("copilot_user_usage", "detailed_usage"):
        columns = [
            c
            for (c,) in query(
                db,
                "select column_name from information_schema.columns where table_name = ? "
                "and column_name not in ('extracted_at', '_dlt_load_id', '_dlt_id') "
                "order by column_name",
                [table],
            )
        ]
        select = f"select {', '.join(columns)} from {RAW}.{table}"
        out[table] = sorted(query(db, select), key=repr) if columns else []
    return out


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (
            "Timestamp,User,Model,Requests Used,Exceeds Monthly Quota,Total Monthly Quota",
            "legacy_premium_request",
        ),
        (",".join(sim_reports.HEADERS["premium_request"]), "premium_request"),
        (",".join(sim_reports.HEADERS["ai_credit"]), "ai_credit"),
        (",".join(sim_reports.HEADERS["detailed"]), "detailed"),
        (",".join(sim_reports.HEADERS["summarized"]), "summarized"),
        ("\ufeff" + ",".join(reversed(sim_reports.HEADERS["detailed"])), "detailed"),
        ("date,product,sku,quantity", None),
    ],
)
def test_the_format_is_read_from_the_header(header: str, expected: str | None) -> None:
    assert detect_format(header.split(",")) == expected


def test_a_damaged_line_is_named_by_file_and_line() -> None:
    content = sim_reports.report_files(
        ENT, "ai_credit", date(2026, 6, 1), date(2026, 6, 1), dialect=REFERENCE
    )[0]
    lines = content.decode().splitlines(keepends=True)
    lines[3] = lines[3].replace(",", ";", 2)
    with pytest.raises(ReportFormatError, match=r"^june\.csv, line 4: \d+ fields where the header"):
        ReportRows().read(lines, "june.csv")
    header = lines[0].split(",")
    cells = lines[1].split(",")
    cells[header.index("applied_cost_per_quantity")] = "x"
    with pytest.raises(ReportFormatError) as refused:
        ReportRows().read([lines[0], ",".join(cells)], "june.csv")
    assert (
        str(refused.value)
        == "june.csv, line 2, column applied_cost_per_quantity: 'x' is not a number"
    )


def test_import_twice_changes_nothing_and_totals_match_ground_truth(tmp_path: Path) -> None:
    paths = write_reports(tmp_path)
    db = tmp_path / "import.duckdb"
    first = import_reports(db, list(paths.values()), ENT.slug)
    assert first.formats == {
        "premium_request",
        "ai_credit",
        "detailed",
        "summarized",
        "legacy_premium_request",
    }
    once = snapshot(db)
    second = import_reports(db, list(paths.values()), ENT.slug)
    assert snapshot(db) == once
    assert second.rows_per_table == {}  # no day changed, none was rewritten
    # the legacy report's last day (May 20) is in the premium-request report: skipped
    assert any("legacy_premium_request" in note and "2026-05-20" in note for note in first.notes)
    assert user_net(db) == sim_reports.user_net_by_day(ENT, date(2026, 5, 9), JUNE_END)
    by_day = dict(
        query(db, f"select usage_date, sum(net_amount) from {RAW}.detailed_usage group by 1")
    )
    truth = sim_reports.net_by_day(ENT, MAY, date(2026, 6, 20))
    assert {d.isoformat(): Decimal(v) for d, v in by_day.items()} == truth
    (summarized,) = query(
        db, f"select count(*) from {RAW}.detailed_usage where report_type = 'summarized'"
    )[0]
    assert summarized > 0


def test_importing_what_the_api_already_loaded_changes_nothing(tmp_path: Path) -> None:
    db = tmp_path / "api.duckdb"
    with Simulator(make_enterprise()) as sim:
        load_exports(db, sim, start_date=MAY.isoformat(), today="2026-06-11")
    before = snapshot(db)
    paths = write_reports(tmp_path)
    import_reports(db, [paths["premium_request.csv"], paths["ai_credit.csv"]])
    legacy = tmp_path / "legacy-overlap.csv"
    legacy.write_bytes(sim_reports.legacy_premium_request_csv(ENT, MAY, date(2026, 5, 31)))
    result = import_reports(db, [paths["detailed.csv"], legacy])
    assert snapshot(db) == before
    assert result.notes == [
        f"The legacy_premium_request rows of {legacy} for 12 days (2026-05-20 to 2026-05-31) "
        "were skipped: copilot_user_usage has those days from a premium_request report."
    ]


def test_a_bad_file_imports_nothing(tmp_path: Path) -> None:
    paths = write_reports(tmp_path)
    bad = tmp_path / "notes.csv"
    bad.write_text("name,amount\nfoo,1\n")
    db = tmp_path / "bad.duckdb"
    with pytest.raises(RunFailed, match=r"notes\.csv, line 1: not a GitHub usage report"):
        import_reports(db, [paths["detailed.csv"], bad], ENT.slug)
    assert not db.exists()


def test_import_in_process_and_as_a_subprocess(
    tmp_path: Path, capsys, monkeypatch: pytest.MonkeyPatch
) -> None:
    paths = write_reports(tmp_path)
    db = tmp_path / "cli.duckdb"
    # the configured account names the rows (a store that holds one account needs no name)
    monkeypatch.setenv("SOURCES__GITHUB_BILLING__ENTERPRISE", ENT.slug)
    assert main(["import", str(paths["detailed.csv"]), "--db", str(db)]) == 0
    assert query(db, f"select distinct billing_account_id from {RAW}.detailed_usage") == [
        (ENT.slug,)
    ]
    monkeypatch.delenv("SOURCES__GITHUB_BILLING__ENTERPRISE")
    out = capsys.readouterr().out
    assert "detailed_usage" in out and "2026-05-20 to 2026-06-10" in out
    done = run_cli(
        "import", str(paths["ai_credit.csv"]), str(paths["detailed.csv"]), "--db", str(db), env={}
    )
    assert done.returncode == 0, done.stderr
    assert "copilot_user_usage" in done.stdout
    damaged = tmp_path / "damaged.csv"
    damaged.write_text(paths["ai_credit.csv"].read_text().replace("copilot", '"copilot', 1))
    done = run_cli("import", str(damaged), "--db", str(db), env={})
    assert done.returncode == 1
    assert f"{damaged}, line" in done.stderr and "; nothing was imported." in done.stderr
    assert "Traceback" not in done.stderr


def test_ai_credit_lines_in_a_premium_request_shaped_file_are_told_by_their_unit() -> None:
    """GitHub's AI-credit columns are unconfirmed: if they carry the quota columns too, the
    lines still say credits."""
    records = sim_reports.report_records(ENT, "ai_credit", date(2026, 6, 2), date(2026, 6, 2))
    content = sim_reports.to_csv(sim_reports.HEADERS["premium_request"], records)
    found = ReportRows()
    assert found.read(content.decode().splitlines(keepends=True), "june.csv") == "premium_request"
    assert {row["report_type"] for row in found.rows.values()} == {"ai_credit"}


def _split_by_organization(first: date, last: date, folder: Path) -> list[Path]:
    """A detailed report as two files of disjoint organizations (as org owners download it)."""
    records = sim_reports.report_records(ENT, "detailed", first, last)
    orgs = sorted({str(r["organization"]) for r in records})
    paths = []
    for n, half in enumerate((orgs[: len(orgs) // 2], orgs[len(orgs) // 2 :])):
        paths.append(folder / f"detailed_orgs{n}.csv")
        part = [r for r in records if r["organization"] in half]
        paths[-1].write_bytes(sim_reports.dialect_of(ENT).write("detailed", part))
    return paths


def test_imports_one_by_one_in_any_order_equal_one_import_of_them_all(tmp_path: Path) -> None:
    """Overlapping date ranges, the same report split by organization, a file imported twice, a
    coarser report beside a richer one: the tables depend on the set of files only."""
    paths = list(write_reports(tmp_path).values())
    overlap = tmp_path / "premium_request_may25.csv"
    overlap.write_bytes(
        sim_reports.report_files(ENT, "premium_request", date(2026, 5, 25), date(2026, 6, 3))[0]
    )
    halves = _split_by_organization(date(2026, 6, 5), date(2026, 6, 15), tmp_path)
    paths += [overlap, *halves, paths[0]]
    at_once = tmp_path / "at_once.duckdb"
    import_reports(at_once, paths, ENT.slug)
    for order, name in ((paths, "forward"), (paths[::-1], "backward")):
        one_by_one = tmp_path / f"{name}.duckdb"
        for path in order:
            import_reports(one_by_one, [path], ENT.slug)
        assert snapshot(one_by_one) == snapshot(at_once), name
    # nothing counted twice: the per-user and per-day dollars are the simulator's
    assert user_net(at_once) == sim_reports.user_net_by_day(ENT, date(2026, 5, 9), JUNE_END)
    by_day = dict(
        query(at_once, f"select usage_date, sum(net_amount) from {RAW}.detailed_usage group by 1")
    )
    truth = sim_reports.net_by_day(ENT, MAY, date(2026, 6, 20))
    assert {d.isoformat(): Decimal(v) for d, v in by_day.items()} == truth


def test_a_richer_report_replaces_a_coarser_one_and_says_so(tmp_path: Path) -> None:
    paths = write_reports(tmp_path)
    coarse = tmp_path / "summarized_june.csv"
    coarse.write_bytes(
        sim_reports.report_files(ENT, "summarized", date(2026, 6, 1), date(2026, 6, 10))[0]
    )
    db = tmp_path / "richer.duckdb"
    import_reports(db, [coarse], ENT.slug)
    result = import_reports(db, [paths["detailed.csv"]], ENT.slug)
    assert result.notes == [
        "The summarized rows of detailed_usage for 10 days (2026-06-01 to 2026-06-10) were "
        "replaced by the detailed report being imported."
    ]
    types = query(db, f"select distinct report_type from {RAW}.detailed_usage")
    assert types == [("detailed",)]


def test_a_restated_download_is_named_and_resolved_the_same_whatever_the_order(
    tmp_path: Path,
) -> None:
    content = sim_reports.report_files(
        ENT, "ai_credit", date(2026, 6, 1), date(2026, 6, 2), dialect=REFERENCE
    )[0]
    header, first, *rest = content.decode().splitlines(keepends=True)
    cells = first.split(",")
    net = header.split(",").index("net_amount")
    cells[net] = str(Decimal(cells[net]) + Decimal("0.01"))
    old, new = tmp_path / "old.csv", tmp_path / "new.csv"
    old.write_bytes(content)
    new.write_text(header + ",".join(cells) + "".join(rest))
    snapshots, notes = [], []
    for order in ((old, new), (new, old)):
        db = tmp_path / f"{order[0].stem}_first.duckdb"
        import_reports(db, [order[0]], ENT.slug)
        notes += import_reports(db, [order[1]], ENT.slug).notes
        snapshots.append(snapshot(db))
    assert snapshots[0] == snapshots[1]
    assert notes == [
        f"Rows of copilot_user_usage for 1 day (2026-06-01) differ between {path} and the rows "
        "already loaded (GitHub restated them between the downloads?): the larger reading of "
        "each is kept, whatever the order of the imports."
        for path in (new, old)
    ]
