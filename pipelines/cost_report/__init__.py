"""The cost report: one self-contained HTML file (charts and the tables behind them) from the
marts of a DuckDB file, the warehouse or a published snapshot of it.

    from pipelines.cost_report import write_report
    write_report(Path("data/github_billing.duckdb"), Path("data/report.html"), months=12)
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from pipelines.cost_report.period import Period
from pipelines.cost_report.queries import MartsReader, ReportError
from pipelines.cost_report.render import render_html, write_atomically
from pipelines.cost_report.sections import build

__all__ = ["ReportError", "WrittenReport", "default_report_path", "write_report"]

WAREHOUSE_STEM = "github_billing"


@dataclass(frozen=True)
class WrittenReport:
    path: Path
    size_bytes: int
    period: Period


def default_report_path(db_path: Path, account: str | None = None) -> Path:
    """report.html beside the warehouse; `<name>-report.html` beside any other DuckDB file (the
    demo's, a snapshot), so two databases in one folder keep their own reports; one account's
    report is `report-<account>.html` (`<name>-report-<account>.html`)."""
    name = "report" if db_path.stem == WAREHOUSE_STEM else f"{db_path.stem}-report"
    return db_path.parent / f"{name}{'' if account is None else f'-{account}'}.html"


def write_report(
    db_path: Path, out_path: Path, months: int | None = None, account: str | None = None
) -> WrittenReport:
    """Read the marts of `db_path` (read-only) and write the report; `months` keeps only the
    last N calendar months, `account` one billing account of several. Raises ReportError with
    a sentence when the file has no marts (or no such account)."""
    if months is not None and months < 1:
        raise ReportError(f"--months must be a whole number of months from 1, not {months}.")
    reader = MartsReader(db_path, months, account)
    source = db_path.name if account is None else f"{db_path.name} (billing account {account})"
    try:
        figures, sections = build(reader)
        html = render_html(reader.period, figures, sections, source=source)
    finally:
        reader.close()
    try:
        write_atomically(html, out_path)
    except OSError as exc:
        raise ReportError(
            f"Cannot write the report to {out_path} ({exc.strerror or exc}): choose a writable "
            "--out path."
        ) from None
    return WrittenReport(out_path, out_path.stat().st_size, reader.period)
