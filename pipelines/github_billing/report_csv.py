"""GitHub's usage-report CSVs (export API downloads and files saved from the billing pages):
detect the format from the header and shape each line into a raw-table row.

Shared by the export path (`exports.py`) and `github-billing import`. Pure: no HTTP, no dlt.
Rows with the same grain are summed, so a report split over several files, or a per-request
legacy report, lands as one row per grain.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from pipelines.github_billing import catalogue
from pipelines.github_billing.catalogue import normalise_key, product_columns
from pipelines.github_billing.rows import as_decimal, parse_usage_date

COPILOT_USER_USAGE = "copilot_user_usage"
DETAILED_USAGE = "detailed_usage"

# The price of one premium request beyond the monthly quota; the legacy report has no money.
LEGACY_PREMIUM_REQUEST_PRICE = Decimal("0.04")

_MONEY = ("gross_amount", "discount_amount", "net_amount")
_USAGE = {"date", "sku", "quantity", "unit_type", *_MONEY}
# format -> (columns that must all be present, columns that must all be absent, table)
FORMATS: dict[str, tuple[frozenset[str], frozenset[str], str]] = {
    "legacy_premium_request": (
        frozenset({"timestamp", "user", "model", "requests_used"}),
        frozenset(),
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
# A richer format replaces a poorer one for the same days, never the other way round.
RICHER: dict[str, tuple[str, ...]] = {
    "legacy_premium_request": ("premium_request", "ai_credit", "premium_request_api"),
    "summarized": ("detailed",),
}


class ReportFormatError(ValueError):
    """An unknown or damaged report; `str(error)` names the file and the line."""


def header_key(column: str) -> str:
    """`Requests Used` / `requests_used` / `\ufeffdate` -> `requests_used` / `date`."""
    return normalise_key(column.replace("\ufeff", ""))


def detect_format(header: Iterable[str]) -> str | None:
    columns = {header_key(c) for c in header}
    for name, (needed, absent, _table) in FORMATS.items():
        if needed <= columns and not (absent & columns):
            return name
    return None


def table_of(report_format: str) -> str:
    return FORMATS[report_format][2]


def _text(record: dict[str, str], key: str) -> str:
    return (record.get(key) or "").strip()


def _bool(value: str) -> bool | None:
    text = value.strip().lower()
    if text in ("true", "yes", "1"):
        return True
    if text in ("false", "no", "0"):
        return False
    if not text:
        return None
    raise ValueError(f"'{value}' is not TRUE or FALSE")


def _optional_decimal(value: str) -> Decimal | None:
    return as_decimal(value) if value.strip() else None


def _legacy_day(value: str) -> date:
    text = value.strip()
    if len(text) > 10 and text[10] == " ":  # 2025-06-03 14:02:11 (UTC, as the report says)
        return datetime.fromisoformat(text).date()
    return parse_usage_date(text)


def _usage_columns(record: dict[str, str]) -> dict[str, Any]:
    product, sku, unit = _text(record, "product"), _text(record, "sku"), _text(record, "unit_type")
    return {
        "usage_date": parse_usage_date(_text(record, "date")),
        **product_columns(product or None, sku, unit),
        "price_per_unit": as_decimal(_text(record, "applied_cost_per_quantity")),
        "quantity": as_decimal(_text(record, "quantity")),
        **{name: as_decimal(_text(record, name)) for name in _MONEY},
        "organization": _text(record, "organization"),
        "cost_center_name": _text(record, "cost_center_name"),
    }


def shape_record(report_format: str, record: dict[str, str]) -> dict[str, Any]:
    """One CSV line (keys already `header_key`-normalised) as a raw row, without extracted_at."""
    if report_format == "legacy_premium_request":
        requests_used = as_decimal(_text(record, "requests_used"))
        exceeds = _bool(_text(record, "exceeds_monthly_quota"))
        gross = (requests_used * LEGACY_PREMIUM_REQUEST_PRICE).quantize(requests_used)
        discount = Decimal(0).quantize(gross) if exceeds else gross
        return {
            "usage_date": _legacy_day(_text(record, "timestamp")),
            "report_type": report_format,
            "username": _text(record, "user"),
            "organization": "",
            "cost_center_name": "",
            "model": _text(record, "model"),
            **product_columns(None, None, None),
            "product": "copilot",
            "sku": "copilot_premium_request",
            "unit_type": catalogue.canonical_unit("requests"),
            "price_per_unit": as_decimal(LEGACY_PREMIUM_REQUEST_PRICE),
            "quantity": requests_used,
            "gross_amount": gross,
            "discount_amount": discount,
            "net_amount": gross - discount,
            "exceeds_quota": exceeds,
            "total_monthly_quota": _optional_decimal(_text(record, "total_monthly_quota")),
        }
    row = {"report_type": report_format, **_usage_columns(record)}
    if table_of(report_format) == COPILOT_USER_USAGE:
        # the header alone cannot always tell the two apart: the SKU (or its unit) can
        is_credit = catalogue.billing_unit(row["sku"], row["unit_type"]) == catalogue.AI_CREDITS
        row["report_type"] = "ai_credit" if is_credit else "premium_request"
        row["username"] = _text(record, "username")
        row["model"] = _text(record, "model")
        row["exceeds_quota"] = _bool(_text(record, "exceeds_quota"))
        row["total_monthly_quota"] = _optional_decimal(_text(record, "total_monthly_quota"))
    else:
        repository = _text(record, "repository")
        row["username"] = _text(record, "username")
        row["repository_name"] = repository
        row["workflow_path"] = _text(record, "workflow_path")
    return row


_MEASURES = frozenset({"quantity", *_MONEY})


@dataclass
class ReportRows:
    """Rows of one or more report files, summed by grain (every non-measure column)."""

    rows: dict[tuple[str, tuple[Any, ...]], dict[str, Any]] = field(default_factory=dict)
    formats: set[str] = field(default_factory=set)
    lines: int = 0

    def add(self, row: dict[str, Any]) -> None:
        table = table_of(row["report_type"])
        key = tuple((k, v) for k, v in sorted(row.items()) if k not in _MEASURES)
        slot = self.rows.get((table, key))
        if slot is None:
            self.rows[(table, key)] = dict(row)
        else:
            for name in _MEASURES:
                slot[name] += row[name]

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


def read_report(lines: Iterable[str], name: str, into: ReportRows) -> str:
    reader = csv.reader(lines)
    try:
        header = next(reader)
    except StopIteration:
        raise ReportFormatError(f"{name} is empty: expected a GitHub usage report CSV.") from None
    except csv.Error as exc:
        raise ReportFormatError(f"{name}, line 1: not a readable CSV ({exc}).") from None
    report_format = detect_format(header)
    if report_format is None:
        raise ReportFormatError(
            f"{name}, line 1: not a GitHub usage report this tool knows (summarized, detailed, "
            "premium request, AI credit or legacy premium request); its header is "
            f"{','.join(header)[:120]!r}."
        )
    keys = [header_key(c) for c in header]
    line = 1
    try:
        for values in reader:
            line = reader.line_num
            if not any(v.strip() for v in values):
                continue
            if len(values) != len(keys):
                raise ValueError(f"{len(values)} fields where the header has {len(keys)}")
            into.add(shape_record(report_format, dict(zip(keys, values, strict=True))))
            into.lines += 1
    except csv.Error as exc:
        raise ReportFormatError(f"{name}, line {reader.line_num}: damaged CSV ({exc}).") from None
    except (ValueError, InvalidOperation, ArithmeticError, KeyError) as exc:
        detail = str(exc) or type(exc).__name__
        raise ReportFormatError(
            f"{name}, line {line}: cannot read this {report_format} report line ({detail})."
        ) from None
    return report_format
