"""`github-billing import`: usage-report CSVs saved from GitHub's billing pages into the same raw
tables the export API fills. Each file is read on its own, then combined with what is loaded for
the days it covers (`report_merge.py`), so the tables depend on the set of files imported, not
on their order, and importing a file twice changes nothing."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import dlt
from dlt.sources import DltResource

from pipelines.github_billing import resources as r
from pipelines.github_billing.report_csv import (
    COPILOT_USER_USAGE,
    DETAILED_USAGE,
    ReportFormatError,
    ReportRows,
)
from pipelines.github_billing.settings import RAW_DATASET
from pipelines.report_merge import Source, merge
from pipelines.runner import RunFailed
from pipelines.store import Store, as_store

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
    notes: list[str] = field(default_factory=list)


@dataclass
class ReadFile:
    name: str
    rows: ReportRows


def read_files(paths: Sequence[Path]) -> list[ReadFile]:
    """Every file parsed before anything loads: one damaged file loads nothing at all."""
    found = []
    for path in paths:
        if not path.is_file():
            raise RunFailed(f"{path} is not a file: give the path of a downloaded report CSV.")
        rows = ReportRows()
        try:
            with path.open(encoding="utf-8-sig", newline="") as handle:
                rows.read(handle, str(path))
        except UnicodeDecodeError as exc:
            raise RunFailed(
                f"{path} is not UTF-8 text (byte {exc.start}): is it a report CSV? Nothing "
                "was imported."
            ) from None
        except ReportFormatError as exc:
            raise RunFailed(f"{exc}; nothing was imported.") from None
        found.append(ReadFile(str(path), rows))
    return found


def _complete(table: str, row: dict[str, Any]) -> dict[str, Any]:
    """Every column of the table, so rows read back compare with rows parsed."""
    return {name: row.get(name) for name in COLUMNS[table]}


def loaded_rows(store: Store, table: str, days: set[date]) -> list[dict[str, Any]]:
    """What the table holds for these days (nothing when the store or table does not exist)."""
    if not store.exists() or not days:
        return []
    with store.session(read_only=True) as db:
        if not db.has_table(RAW_DATASET, table):
            return []
        marks = ", ".join("?" for _ in days)
        found = db.records(
            f'select * from {RAW_DATASET}."{table}" where usage_date in ({marks})', sorted(days)
        )
    return [_complete(table, row) for row in found]


@dlt.source(name="github_billing", max_table_nesting=0)
def github_billing_reports(
    tables: dict[str, list[dict[str, Any]]],
) -> Sequence[DltResource]:
    """Whole days of imported report rows, merged by day like the export resources."""
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


def import_reports(target: Path | Store, paths: Sequence[Path]) -> ImportResult:
    store = as_store(target)
    files = read_files(paths)
    result = ImportResult(files=len(paths))
    for file in files:
        result.lines += file.rows.lines
        result.formats |= file.rows.formats
    extracted_at = datetime.now(UTC)
    tables: dict[str, list[dict[str, Any]]] = {}
    for table in COLUMNS:
        sources = [
            Source(
                file.name,
                [_complete(table, {**row, "extracted_at": extracted_at}) for row in rows],
            )
            for file in files
            if (rows := file.rows.for_table(table))
        ]
        days = {row["usage_date"] for source in sources for row in source.rows}
        merged = merge(table, loaded_rows(store, table, days), sources)
        result.notes += merged.notes
        tables[table] = merged.rows
        if merged.rows:
            result.rows_per_table[table] = len(merged.rows)
            result.days_per_table[table] = (min(merged.days), max(merged.days))
    if any(tables.values()):
        store.make_pipeline().run(
            github_billing_reports(tables), loader_file_format=store.loader_file_format
        )
    return result
