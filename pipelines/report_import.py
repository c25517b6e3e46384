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

from pipelines.accounts_config import pipeline_name
from pipelines.github_billing import resources as r
from pipelines.github_billing.contract import ACCOUNT_ID, TABLES, resource
from pipelines.github_billing.recanonicalise import recanonicalise_dataset
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

IMPORTED = (COPILOT_USER_USAGE, DETAILED_USAGE)


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
    return {name: row.get(name) for name in TABLES[table].column_names}


def loaded_rows(store: Store, table: str, days: set[date], account: str) -> list[dict[str, Any]]:
    """What the table holds for these days of the account (nothing when the store or table
    does not exist)."""
    if not store.exists() or not days:
        return []
    with store.session(read_only=True) as db:
        if not db.has_table(RAW_DATASET, table):
            return []
        marks = ", ".join("?" for _ in days)
        found = db.records(
            f'select * from {RAW_DATASET}."{table}" where {ACCOUNT_ID} = ? '
            f"and usage_date in ({marks})",
            [account, *sorted(days)],
        )
    return [_complete(table, row) for row in found]


def held_accounts(store: Store) -> list[str]:
    """The names of the billing accounts the store holds: those loaded from the API, and those
    only imported into (none before a first load or import)."""
    if not store.exists():
        return []
    with store.session(read_only=True) as db:
        tables = [t for t in ("billing_accounts", *IMPORTED) if db.has_table(RAW_DATASET, t)]
        if not tables:
            return []
        union = " union ".join(f"select {ACCOUNT_ID} from {RAW_DATASET}.{t}" for t in tables)
        found = db.fetchall(f"select distinct {ACCOUNT_ID} from ({union}) as held order by 1")
    return [name for (name,) in found]


def account_to_import_into(store: Store, account_name: str | None) -> str:
    """The account the reports belong to: the one named, else the store's only account."""
    if account_name and account_name.strip():
        return account_name.strip()
    held = held_accounts(store)
    if len(held) == 1:
        return held[0]
    raise RunFailed(
        (
            f"{store.location} holds the accounts {', '.join(held)}"
            if held
            else f"{store.location} holds no billing account yet"
        )
        + ": name the account the reports belong to (account_name); nothing was imported."
    )


@dlt.source(name="github_billing", max_table_nesting=0)
def github_billing_reports(
    tables: dict[str, list[dict[str, Any]]], account: str
) -> Sequence[DltResource]:
    """Whole days of imported report rows of one account, merged by day like the export
    resources; every other raw table is created empty if missing, so dbt can build after an
    import alone."""

    return [
        resource(rows, table, account)
        if (rows := tables.get(table))
        else resource(r.empty_table, table, account)()
        for table in TABLES
    ]


def import_reports(
    target: Path | Store, paths: Sequence[Path], account_name: str | None = None
) -> ImportResult:
    """Import report CSVs into the rows of billing account `account_name` (default: the
    store's only account); only that account's days are combined and replaced."""
    store = as_store(target)
    files = read_files(paths)
    account = account_to_import_into(store, account_name)
    result = ImportResult(files=len(paths))
    for file in files:
        result.lines += file.rows.lines
        result.formats |= file.rows.formats
    extracted_at = datetime.now(UTC)
    tables: dict[str, list[dict[str, Any]]] = {}
    for table in IMPORTED:
        sources = [
            Source(
                file.name,
                [
                    _complete(table, {**row, ACCOUNT_ID: account, "extracted_at": extracted_at})
                    for row in rows
                ],
            )
            for file in files
            if (rows := file.rows.for_table(table))
        ]
        days = {row["usage_date"] for source in sources for row in source.rows}
        merged = merge(table, loaded_rows(store, table, days, account), sources)
        result.notes += merged.notes
        tables[table] = merged.rows
        if merged.rows:
            result.rows_per_table[table] = len(merged.rows)
            result.days_per_table[table] = (min(merged.days), max(merged.days))
    if any(tables.values()):
        # the account's own pipeline: its state stays the account's (accounts_config.py)
        pipeline = store.make_pipeline(pipeline_name(account))
        pipeline.run(
            github_billing_reports(tables, account), loader_file_format=store.loader_file_format
        )
        recanonicalise_dataset(pipeline)
    return result
