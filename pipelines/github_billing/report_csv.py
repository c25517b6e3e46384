"""GitHub's usage-report CSVs (export API downloads and files saved from the billing pages):
detect the format from the header and shape each line into a raw-table row.

Shared by the export path (`exports.py`) and `github-billing import`. Pure: no HTTP, no dlt.
Rows with the same grain in one report are summed, so a report split over several files, or a
per-request legacy report, lands as one row per grain. Every spelling of a product, SKU or unit
is the catalogue's business (`catalogue.py`); every date goes through `rows.parse_usage_date`.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any, Protocol

from pipelines.github_billing import catalogue
from pipelines.github_billing.catalogue import normalise_key, product_columns
from pipelines.github_billing.contract import TOKENS
from pipelines.github_billing.rows import as_decimal, parse_usage_date

COPILOT_USER_USAGE = "copilot_user_usage"
DETAILED_USAGE = "detailed_usage"

# The price of one premium request beyond the monthly quota; the legacy reports have no money.
LEGACY_PREMIUM_REQUEST_PRICE = Decimal("0.04")

# Older and newer names of the same column, as the rest of this module spells it.
COLUMN_ALIASES = {
    "formatted_date": "date",  # detailed / summarized reports until mid-2025
    "usage_at": "date",
    "repository_name": "repository",
    "input": "input_tokens",  # AI usage report (2026)
    "output": "output_tokens",
    "cache_read": "cache_read_tokens",
    "cache_write": "cache_write_tokens",
    "total_input_tokens": "input_tokens",  # token usage preview report (Feb 2026)
    "total_output_tokens": "output_tokens",
    "total_cache_read_tokens": "cache_read_tokens",
    "total_cache_creation_tokens": "cache_write_tokens",
}

_MONEY = ("gross_amount", "discount_amount", "net_amount")
_USAGE = {"date", "sku", "quantity", "unit_type", *_MONEY}
_OLD_BILLING = "old_billing"
# format -> (columns that must all be present, columns that must all be absent, table)
FORMATS: dict[str, tuple[frozenset[str], frozenset[str], str]] = {
    _OLD_BILLING: (
        frozenset({"date", "product", "sku", "quantity", "price_per_unit", "multiplier"}),
        frozenset(),
        DETAILED_USAGE,
    ),
    "legacy_premium_request": (
        frozenset({"timestamp", "user", "model", "requests_used"}),
        frozenset(),
        COPILOT_USER_USAGE,
    ),
    # the legacy report's daily form (October 2025): no SKU, unit or money either
    "premium_request_daily": (
        frozenset({"date", "username", "model", "quantity", "exceeds_quota"}),
        frozenset({"sku", "unit_type", "gross_amount"}),
        COPILOT_USER_USAGE,
    ),
    "premium_request": (
        frozenset({*_USAGE, "username", "model", "exceeds_quota"}),
        frozenset(),
        COPILOT_USER_USAGE,
    ),
    "ai_credit": (
        frozenset({*_USAGE, "username", "model"}),
        frozenset({"exceeds_quota", "workflow_path"}),
        COPILOT_USER_USAGE,
    ),
    "detailed": (
        frozenset({*_USAGE, "username", "workflow_path", "organization", "repository"}),
        frozenset({"model"}),
        DETAILED_USAGE,
    ),
    "summarized": (
        frozenset({*_USAGE, "organization", "repository"}),
        frozenset({"username", "workflow_path", "model"}),
        DETAILED_USAGE,
    ),
}
# A richer report type replaces a poorer one for the same days, never the other way round.
RICHER: dict[str, tuple[str, ...]] = {
    "legacy_premium_request": ("premium_request", "ai_credit", "premium_request_api"),
    "summarized": ("detailed",),
}
# The report_type a format's rows are stored with (default: the format's own name).
_REPORT_TYPE = {"premium_request_daily": "legacy_premium_request"}

# GitHub's report viewer (github/copilot-billing-preview, src/pipeline/parser.ts) treats these
# days of the switch to AI credits as back-filled: see `is_transition_backfill`.
TRANSITION_BACKFILL_DAYS = (date(2026, 4, 24), date(2026, 4, 30))

# The grain of each table's rows: rows of one report with the same grain are one row (summed);
# rows of two reports with the same grain are the same usage reported twice.
GRAIN = {
    COPILOT_USER_USAGE: (
        "usage_date",
        "report_type",
        "username",
        "organization",
        "cost_center_name",
        "model",
        "product",
        "sku",
        "unit_type",
        "repository_name",
        "exceeds_quota",
        "is_transition_backfill",
    ),
    DETAILED_USAGE: (
        "usage_date",
        "report_type",
        "username",
        "organization",
        "repository_name",
        "workflow_path",
        "cost_center_name",
        "product",
        "sku",
        "unit_type",
    ),
}
MEASURES = ("quantity", *_MONEY, "aic_quantity", "aic_gross_amount", *TOKENS)


class RowSink(Protocol):
    """What `read_report` hands each shaped line to (`ReportRows`, or the backfill's sinks)."""

    lines: int

    def add(self, row: dict[str, Any]) -> None: ...


class ReportFormatError(ValueError):
    """An unknown or damaged report; `str(error)` names the file and the line (and the column
    and value of a bad cell), without a final full stop: callers say what happens next."""


class CellError(ValueError):
    def __init__(self, column: str, problem: str) -> None:
        super().__init__(f"column {column}: {problem}")


def header_key(column: str) -> str:
    """`Requests Used` / `requests_used` / `\ufeffdate` / `formatted_date` -> `requests_used` /
    `date` / `date`."""
    key = normalise_key(column.replace("\ufeff", ""))
    return COLUMN_ALIASES.get(key, key)


def detect_format(header: Iterable[str]) -> str | None:
    columns = {header_key(c) for c in header}
    for name, (needed, absent, _table) in FORMATS.items():
        if needed <= columns and not (absent & columns):
            return name
    return None


def table_of(report_format: str) -> str:
    return FORMATS[report_format][2]


@dataclass
class Line:
    """One CSV line's cells by column key, read with the column's name as the file spells it
    in every error."""

    cells: dict[str, str]
    names: dict[str, str]

    def text(self, key: str) -> str:
        return (self.cells.get(key) or "").strip()

    def raw(self, key: str) -> str | None:
        return self.text(key) or None

    def _bad(self, key: str, problem: str) -> CellError:
        return CellError(self.names.get(key, key), f"{self.cells.get(key)!r} {problem}")

    def number(self, key: str) -> Decimal:
        """Exact, at the raw tables' scale (half-even: `0.14103634999999998` -> 0.14103635);
        an empty cell is 0."""
        try:
            return as_decimal(self.text(key))
        except (InvalidOperation, ValueError):
            raise self._bad(key, "is not a number") from None

    def optional_number(self, key: str) -> Decimal | None:
        return self.number(key) if self.text(key) else None

    def whole(self, key: str) -> int | None:
        if not self.text(key):
            return None
        value = self.number(key)
        if value != value.to_integral_value():
            raise self._bad(key, "is not a whole number")
        return int(value)

    def flag(self, key: str) -> bool | None:
        text = self.text(key).lower()
        if text in ("true", "yes", "1"):
            return True
        if text in ("false", "no", "0"):
            return False
        if not text:
            return None
        raise self._bad(key, "is not TRUE or FALSE")

    def day(self, key: str) -> date:
        try:
            return parse_usage_date(self.text(key))
        except (ValueError, TypeError):
            raise self._bad(key, "is not a date like 2026-05-29 or 5/29/26") from None

    def quota(self) -> tuple[Decimal | None, str | None]:
        """(the quota as a number, or None when GitHub wrote `Unlimited` or any other word, the
        text as written): a word is a quota of its own, not an error."""
        raw = self.raw("total_monthly_quota")
        try:
            number = Decimal(raw) if raw else None
        except InvalidOperation:
            return None, raw
        return (as_decimal(number) if number is not None and number.is_finite() else None), raw


def is_transition_backfill(row: dict[str, Any]) -> bool:
    """GitHub's report viewer's rule for the back-filled days 2026-04-24..30: a row with no
    quantity but a quota is dropped, a premium-request row with quota 0 carries no real charge
    (it keeps the row, zeroes its quantity and money, halves its AI-credit columns). Either
    way the row is not usage to bill. A blank quota is 0, as the viewer reads it; a word
    (`Unlimited`) is a quota, although the viewer's `Number()` would read it as 0 too."""
    first, last = TRANSITION_BACKFILL_DAYS
    if not first <= row["usage_date"] <= last:
        return False
    quota, worded = row["total_monthly_quota"], row["total_monthly_quota_raw"]
    has_quota = quota != 0 if quota is not None else worded is not None
    if row["quantity"] == 0 and has_quota:
        return True
    is_requests = catalogue.billing_unit(row["sku"], row["unit_type"]) == catalogue.PREMIUM_REQUESTS
    return not has_quota and is_requests


def _priced_premium_requests(quantity: Decimal, exceeds: bool | None) -> dict[str, Any]:
    """The legacy reports name neither SKU nor money: every line is a premium request, each
    beyond the quota costs $0.04, the rest is included (discounted in full)."""
    gross = quantity * LEGACY_PREMIUM_REQUEST_PRICE
    discount = Decimal(0) if exceeds else gross
    return {
        **product_columns(None, "copilot_premium_request", "requests"),
        "sku_raw": None,
        "unit_type_raw": None,
        "price_per_unit": as_decimal(LEGACY_PREMIUM_REQUEST_PRICE),
        "quantity": quantity,
        "gross_amount": as_decimal(gross),
        "discount_amount": as_decimal(discount),
        "net_amount": as_decimal(gross - discount),
    }


def _copilot_extras(line: Line) -> dict[str, Any]:
    quota, quota_raw = line.quota()
    return {
        "total_monthly_quota": quota,
        "total_monthly_quota_raw": quota_raw,
        "aic_quantity": line.optional_number("aic_quantity"),
        "aic_gross_amount": line.optional_number("aic_gross_amount"),
        **{name: line.whole(name) for name in TOKENS},
    }


def shape_record(report_format: str, line: Line) -> dict[str, Any]:
    """One CSV line as a raw row, without extracted_at."""
    if report_format in ("legacy_premium_request", "premium_request_daily"):
        legacy = report_format == "legacy_premium_request"
        exceeds = line.flag("exceeds_monthly_quota" if legacy else "exceeds_quota")
        row = {
            "usage_date": line.day("timestamp" if legacy else "date"),
            "report_type": _REPORT_TYPE.get(report_format, report_format),
            "username": line.text("user" if legacy else "username"),
            "organization": "",
            "cost_center_name": "",
            "repository_name": "",
            "model": line.text("model"),
            **_priced_premium_requests(
                line.number("requests_used" if legacy else "quantity"), exceeds
            ),
            "exceeds_quota": exceeds,
            **_copilot_extras(line),
        }
        row["is_transition_backfill"] = is_transition_backfill(row)
        return row
    product, sku, unit = line.text("product"), line.text("sku"), line.text("unit_type")
    row = {
        "usage_date": line.day("date"),
        "report_type": report_format,
        **product_columns(product or None, sku, unit),
        "price_per_unit": line.number("applied_cost_per_quantity"),
        "quantity": line.number("quantity"),
        **{name: line.number(name) for name in _MONEY},
        "username": line.text("username"),
        "organization": line.text("organization"),
        "repository_name": line.text("repository"),
        "cost_center_name": line.text("cost_center_name"),
    }
    if table_of(report_format) == COPILOT_USER_USAGE:
        # per row, not per file: the SKU (or its unit) says what the line bills
        is_credit = catalogue.billing_unit(row["sku"], row["unit_type"]) == catalogue.AI_CREDITS
        row["report_type"] = "ai_credit" if is_credit else "premium_request"
        row["model"] = line.text("model")
        row["exceeds_quota"] = line.flag("exceeds_quota")
        row.update(_copilot_extras(line))
        row["is_transition_backfill"] = is_transition_backfill(row)
    else:
        row["workflow_path"] = line.text("workflow_path")
        row["workflow_name"] = line.raw("workflow_name")
    return row


def grain_of(table: str, row: dict[str, Any]) -> tuple[Any, ...]:
    return tuple(row.get(column) for column in GRAIN[table])


def add_measures(into: dict[str, Any], row: dict[str, Any]) -> None:
    for name in MEASURES:
        if row.get(name) is not None:
            into[name] = row[name] if into.get(name) is None else into[name] + row[name]


@dataclass
class ReportRows:
    """Rows of one report (one or more files), summed by grain."""

    rows: dict[tuple[str, tuple[Any, ...]], dict[str, Any]] = field(default_factory=dict)
    formats: set[str] = field(default_factory=set)
    lines: int = 0

    def add(self, row: dict[str, Any]) -> None:
        table = DETAILED_USAGE if "workflow_path" in row else COPILOT_USER_USAGE
        slot = self.rows.get((table, grain_of(table, row)))
        if slot is None:
            self.rows[(table, grain_of(table, row))] = dict(row)
        else:
            add_measures(slot, row)

    def read(self, lines: Iterable[str], name: str) -> str:
        """Parse one file as it streams; return its format. Raise ReportFormatError naming the
        file and line: the caller loads nothing of a file that fails."""
        pending = ReportRows()
        report_format = read_report(lines, name, pending)
        for row in pending.rows.values():
            self.add(row)
        self.formats.add(report_format)
        self.lines += pending.lines
        return report_format

    def for_table(self, table: str) -> list[dict[str, Any]]:
        return [row for (t, _key), row in self.rows.items() if t == table]

    def days(self, table: str) -> set[date]:
        return {row["usage_date"] for row in self.for_table(table)}


def read_report(lines: Iterable[str], name: str, into: RowSink) -> str:
    reader = csv.reader(lines)
    try:
        header = next(reader)
    except StopIteration:
        raise ReportFormatError(f"{name} is empty: expected a GitHub usage report CSV") from None
    except csv.Error as exc:
        raise ReportFormatError(f"{name}, line 1: not a readable CSV ({exc})") from None
    report_format = detect_format(header)
    if report_format is None:
        raise ReportFormatError(
            f"{name}, line 1: not a GitHub usage report this tool knows (summarized, detailed, "
            "premium request, AI credit or legacy premium request); its header is "
            f"{','.join(header)[:120]!r}"
        )
    if report_format == _OLD_BILLING:
        raise ReportFormatError(
            f"{name}, line 1: this is GitHub's pre-2024 Actions & Packages usage report (Date, "
            "Product, SKU, ..., Multiplier), which prices usage at list price without the free "
            "minutes and storage GitHub deducted, so its dollars are not the bill; download the "
            "usage report from the enterprise's Billing and licensing > Usage page instead"
        )
    keys = [header_key(c) for c in header]
    names = dict(zip(keys, (c.replace("\ufeff", "").strip() for c in header), strict=True))
    line = reader.line_num + 1  # where the next record starts (a quoted one can span lines)
    try:
        for values in reader:
            if any(v.strip() for v in values):
                if len(values) != len(keys):
                    raise ValueError(f"{len(values)} fields where the header has {len(keys)}")
                record = Line(dict(zip(keys, values, strict=True)), names)
                into.add(shape_record(report_format, record))
                into.lines += 1
            line = reader.line_num + 1
    except csv.Error as exc:
        raise ReportFormatError(f"{name}, line {line}: damaged CSV ({exc})") from None
    except CellError as exc:
        raise ReportFormatError(f"{name}, line {line}, {exc}") from None
    except ValueError as exc:
        raise ReportFormatError(f"{name}, line {line}: {exc}") from None
    return report_format
