"""`github-billing import`: usage-report CSVs saved from GitHub's billing pages into the same raw
tables the export API fills, by whole days, so importing twice (or over API data) changes
nothing."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import dlt
import duckdb
from dlt.sources import DltResource

from pipelines.github_billing import resources as r
from pipelines.github_billing.report_csv import (
    COPILOT_USER_USAGE,
    DETAILED_USAGE,
    RICHER,
    ReportFormatError,
    ReportRows,
)
from pipelines.github_billing.settings import RAW_DATASET
from pipelines.runner import RunFailed, make_pipeline

COLUMNS = {
    COPILOT_USER_USAGE: r.COPILOT_USER_USAGE_COLUMNS,
    DETAILED_USAGE: r.DETAILED_USAGE_COLUMNS,
}


@dataclass
class ImportResult:
    files: int = 0
    lines: int = 0
    formats: set[str] = field(default_factory=set)
    rows_per_table: dict[str, int] = field(default_factory=dict)
    days_per_table: dict[str, tuple[date, date]] = field(default_factory=dict)
    skipped: list[str] = field(default_factory=list)


def read_files(paths: Sequence[Path]) -> ReportRows:
    """Every file parsed before anything loads: one damaged file loads nothing at all."""
    found = ReportRows()
    for path in paths:
        if not path.is_file():
            raise RunFailed(f"{path} is not a file: give the path of a downloaded report CSV.")
        try:
            with path.open(encoding="utf-8-sig", newline="") as handle:
                found.read(handle, str(path))
        except UnicodeDecodeError as exc:
            raise RunFailed(
                f"{path} is not UTF-8 text (byte {exc.start}): is it a report CSV? Nothing "
                "was imported."
            ) from None
        except ReportFormatError as exc:
            raise RunFailed(f"{exc} Nothing was imported.") from None
    return found


def _days_loaded_from(db_path: Path, table: str, report_types: Sequence[str]) -> set[date]:
    if not db_path.exists():
        return set()
    con = duckdb.connect(str(db_path), read_only=True)
    try:
        found = con.execute(
            f'select distinct usage_date from {RAW_DATASET}."{table}" '
            f"where report_type in ({', '.join('?' * len(report_types))})",
            list(report_types),
        ).fetchall()
    except duckdb.CatalogException:
        return set()
    finally:
        con.close()
    return {day for (day,) in found}


def _keep(db_path: Path, table: str, rows: list[dict[str, Any]], result: ImportResult) -> list:
    """Drop the days of a poorer format (legacy, summarized) that a richer one already holds,
    in the database or in this import: they would replace better rows with coarser ones."""
    kept = rows
    for poorer, richer in RICHER.items():
        covered = _days_loaded_from(db_path, table, richer)
        covered |= {row["usage_date"] for row in kept if row["report_type"] in richer}
        dropped = {
            row["usage_date"]
            for row in kept
            if row["report_type"] == poorer and row["usage_date"] in covered
        }
        if dropped:
            kept = [
                row
                for row in kept
                if not (row["report_type"] == poorer and row["usage_date"] in dropped)
            ]
            result.skipped.append(
                f"{len(dropped)} days of the {poorer} report ({min(dropped)} to "
                f"{max(dropped)}) were skipped: {table} already has them from a "
                f"{' or '.join(richer)} report."
            )
    return kept


@dlt.source(name="github_billing", max_table_nesting=0)
def github_billing_reports(
    tables: dict[str, list[dict[str, Any]]],
) -> Sequence[DltResource]:
    """Rows of imported report files, merged by whole day like the export resources."""
    return [
        dlt.resource(
            rows,
            name=table,
            write_disposition={"disposition": "merge", "strategy": "delete-insert"},
            merge_key="usage_date",
            columns=COLUMNS[table],
        )
        for table, rows in tables.items()
        if rows
    ]


def import_reports(db_path: Path, paths: Sequence[Path]) -> ImportResult:
    found = read_files(paths)
    result = ImportResult(files=len(paths), lines=found.lines, formats=set(found.formats))
    extracted_at = datetime.now(UTC)
    tables: dict[str, list[dict[str, Any]]] = {}
    for table in COLUMNS:
        rows = _keep(db_path, table, found.for_table(table), result)
        tables[table] = [{**row, "extracted_at": extracted_at} for row in rows]
        if rows:
            days = [row["usage_date"] for row in rows]
            result.rows_per_table[table] = len(rows)
            result.days_per_table[table] = (min(days), max(days))
    if any(tables.values()):
        make_pipeline(db_path).run(github_billing_reports(tables), loader_file_format="parquet")
    return result
