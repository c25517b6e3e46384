"""The ways GitHub has written its usage-report CSVs, so the simulator's exports speak each of
them: column names of each era, SKU and unit spellings, date styles, boolean and quota words,
BOM, line endings and quoting. Each is taken from a real export in tests/fixtures/real (its
README says where each came from). The numbers never change with the dialect: only how they
are written.

An enterprise speaks one dialect, chosen from its seed (`dialect_of`), so the whole suite runs
against each of them as seeds vary; tests can also ask for one by name.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from pipelines.github_billing.catalogue import normalise_key

# the columns every report type has in the simulator's records, in the reference's order
USAGE_COLUMNS = [
    "date",
    "product",
    "sku",
    "quantity",
    "unit_type",
    "applied_cost_per_quantity",
    "gross_amount",
    "discount_amount",
    "net_amount",
]
HEADERS = {
    "summarized": [*USAGE_COLUMNS, "organization", "repository", "cost_center_name"],
    "detailed": [
        *USAGE_COLUMNS,
        "username",
        "organization",
        "repository",
        "workflow_path",
        "cost_center_name",
    ],
    "premium_request": [
        *USAGE_COLUMNS,
        "username",
        "model",
        "exceeds_quota",
        "total_monthly_quota",
        "organization",
        "cost_center_name",
    ],
    "ai_credit": [*USAGE_COLUMNS, "username", "model", "organization", "cost_center_name"],
}
AIC = ["aic_quantity", "aic_gross_amount"]
TOKENS_2026 = ["input", "output", "cache_read", "cache_write"]
TOKENS_PREVIEW = [
    "total_input_tokens",
    "total_output_tokens",
    "total_cache_read_tokens",
    "total_cache_creation_tokens",
]
AI_CREDIT_PRICE = Decimal("0.01")

# GitHub's CSV spellings of the simulator's /usage display names (snake SKU ids)
_SNAKE_SKUS = {
    "Copilot Premium Request": "copilot_premium_request",
    "Copilot AI Credits": "copilot_ai_credit",
}
_AI_UNIT_SKUS = {**_SNAKE_SKUS, "Copilot AI Credits": "copilot_ai_unit"}
_CSV_UNITS = {"credits": "ai-credits"}
_AI_UNITS = {"credits": "ai-units"}


def _kebab(value: str) -> str:
    """`GigabyteHours` -> `gigabyte-hours`, `Minutes` -> `minutes`."""
    return re.sub(r"(?<=[a-z])(?=[A-Z])", "-", value).lower()


@dataclass(frozen=True)
class CsvDialect:
    name: str
    renames: dict[str, str] = field(default_factory=dict)  # record column -> header written
    extra: dict[str, list[str]] = field(default_factory=dict)  # report type -> added columns
    drop: dict[str, list[str]] = field(default_factory=dict)  # report type -> columns left out
    skus: dict[str, str] | None = None  # None: the display name; else these, snake otherwise
    units: dict[str, str] | None = None  # None: as /usage says; else these, kebab otherwise
    date_style: str = "iso"  # or "m/d/yy", "m/d/yyyy" (AI-credit reports)
    booleans: tuple[str, str] = ("TRUE", "FALSE")
    quota: str | None = None  # a word GitHub wrote instead of the number (`Unlimited`)
    bom: bool = False
    line_end: str = "\r\n"
    quote_all: bool = False

    def header(self, report_type: str) -> list[str]:
        columns = [c for c in HEADERS[report_type] if c not in self.drop.get(report_type, [])]
        return columns + self.extra.get(report_type, [])

    def cell(self, report_type: str, column: str, record: dict[str, object]) -> str:
        value = record.get(column, "")
        if column == "date" and self.date_style != "iso" and report_type == "ai_credit":
            day = date.fromisoformat(str(value))
            year = day.year % 100 if self.date_style == "m/d/yy" else day.year
            return f"{day.month}/{day.day}/{year}"
        if column == "sku" and self.skus is not None:
            return self.skus.get(str(value), normalise_key(str(value)))
        if column == "product" and self.skus is not None:
            return normalise_key(str(value))
        if column == "unit_type" and self.units is not None:
            return self.units.get(str(value), _kebab(str(value)))
        if column == "exceeds_quota":
            return self.booleans[0] if value == "TRUE" else self.booleans[1]
        if column == "total_monthly_quota" and self.quota:
            return self.quota
        if column in record:
            return format(value, "f") if isinstance(value, Decimal) else str(value)
        return _derived(column, record)

    def write(self, report_type: str, records: list[dict[str, object]]) -> bytes:
        return self.write_columns(report_type, self.header(report_type), records)

    def write_columns(
        self, report_type: str, header: list[str], records: list[dict[str, object]]
    ) -> bytes:
        buffer = io.StringIO()
        quoting = csv.QUOTE_ALL if self.quote_all else csv.QUOTE_MINIMAL
        writer = csv.writer(buffer, lineterminator=self.line_end, quoting=quoting)
        writer.writerow([self.renames.get(c, c) for c in header])
        for record in records:
            writer.writerow([self.cell(report_type, c, record) for c in header])
        return ("\ufeff" if self.bom else "").encode() + buffer.getvalue().encode()


def _derived(column: str, record: dict[str, object]) -> str:
    """The comparison columns later reports carry (AI-credit equivalents, tokens): not part of
    the bill, derived from the line so they are the same on every run."""
    is_credit = record.get("unit_type") == "credits"
    if column in AIC:
        if is_credit:  # native AI-credit lines carry 0 there (the quantity is credits)
            return "0"
        credits = Decimal(str(record["quantity"])) * 10
        return format(credits if column == "aic_quantity" else credits * AI_CREDIT_PRICE, "f")
    if column in TOKENS_2026 or column in TOKENS_PREVIEW:
        seed = repr((column, record.get("date"), record.get("username"), record.get("model")))
        return str(int.from_bytes(hashlib.sha256(seed.encode()).digest()[:3], "big"))
    if column == "workflow_name":
        path = str(record.get("workflow_path") or "")
        return path.rsplit("/", 1)[-1].removesuffix(".yml").capitalize() if path else ""
    return ""


DIALECTS = {
    # GitHub's billing-reports reference: display-name SKUs, as /usage spells them
    "reference": CsvDialect("reference"),
    # the 2026 exports (octodemo, copilot-metrics-viewer): BOM, CRLF, every cell quoted, snake
    # SKUs and kebab units, `True`/`False`, AI-credit equivalents, the AI usage report's
    # repository and token columns
    "enhanced_2026": CsvDialect(
        "enhanced_2026",
        extra={
            "premium_request": AIC,
            "ai_credit": ["total_monthly_quota", "repository", *AIC, *TOKENS_2026],
        },
        skus=_SNAKE_SKUS,
        units=_CSV_UNITS,
        booleans=("True", "False"),
        bom=True,
        quote_all=True,
    ),
    # the 2025 exports: `formatted_date`, `repository_name`, `workflow_name`, LF, quoted, an
    # `Unlimited` quota; AI-credit reports dated `5/29/26`
    "enhanced_2025": CsvDialect(
        "enhanced_2025",
        renames={"date": "formatted_date", "repository": "repository_name"},
        extra={"detailed": ["workflow_name"]},
        skus=_SNAKE_SKUS,
        units=_CSV_UNITS,
        date_style="m/d/yy",
        booleans=("true", "false"),
        quota="Unlimited",
        line_end="\n",
        quote_all=True,
    ),
    # the early-2026 previews: token columns spelled total_*_tokens, octodemo's interim
    # `ai-units`, AI-credit reports dated `5/29/2026`, `usage_at` for the day
    "preview_2026": CsvDialect(
        "preview_2026",
        renames={"date": "usage_at"},
        extra={"premium_request": TOKENS_PREVIEW, "ai_credit": TOKENS_PREVIEW},
        skus=_AI_UNIT_SKUS,
        units=_AI_UNITS,
        date_style="m/d/yyyy",
        booleans=("True", "FALSE"),
        bom=True,
    ),
}
NAMES = tuple(DIALECTS)


def dialect_for_seed(seed: int) -> CsvDialect:
    return DIALECTS[NAMES[seed % len(NAMES)]]
