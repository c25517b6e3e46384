"""The simulator's usage-report exports: CSV files built from the same generated numbers as the
JSON endpoints, so per-user and per-day totals reconcile to the cent, and ground truth for them.

How a file is written (columns of each era, spellings, dates, BOM, quoting) is the enterprise's
CSV dialect (`csv_dialects.py`); the numbers are the same in every dialect.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from datetime import date, timedelta
from decimal import Decimal

from pipelines.simulator.csv_dialects import DIALECTS, HEADERS, CsvDialect, dialect_for_seed
from pipelines.simulator.enterprise import AI_CREDITS_START, NO_COST_CENTER, Enterprise

LEGACY_HEADER = [
    "Timestamp",
    "User",
    "Model",
    "Requests Used",
    "Exceeds Monthly Quota",
    "Total Monthly Quota",
]
COPILOT_USAGE_SKUS = ("Copilot Premium Request", "Copilot AI Credits")
MONTHLY_QUOTA = 1000  # an account-level constant in GitHub's CSV, not a per-user value
WORKFLOWS = ("ci.yml", "release.yml", "nightly.yml", "codeql.yml")
MAX_DAYS = {"summarized": 366, "detailed": 31, "premium_request": 31, "ai_credit": 31}


def _days(start: date, end: date) -> list[date]:
    return [start + timedelta(days=i) for i in range((end - start).days + 1)]


def _pick(*parts: object) -> int:
    return int.from_bytes(hashlib.sha256(repr(parts).encode()).digest()[:4], "big")


def _cc_name(ent: Enterprise, partition: str) -> str:
    cc = ent.cost_center_by_id(partition) if partition != NO_COST_CENTER else None
    return cc.name if cc else ""


def user_records(ent: Enterprise, day: date) -> list[dict[str, object]]:
    """The premium-request (to 2026-05-31) or AI-credit (from 2026-06-01) lines of one day."""
    out = []
    for row in ent.day_usage(day).user_usage:
        discounted = bool(row["discount_amount"])
        out.append(
            {
                "date": day.isoformat(),
                "product": "copilot",
                "sku": row["sku"],
                "quantity": row["quantity"],
                "unit_type": row["unit_type"],
                "applied_cost_per_quantity": row["price_per_unit"],
                "gross_amount": row["gross_amount"],
                "discount_amount": row["discount_amount"],
                "net_amount": row["net_amount"],
                "username": row["username"],
                "model": row["model"],
                "exceeds_quota": "FALSE" if discounted else "TRUE",
                "total_monthly_quota": MONTHLY_QUOTA,
                "organization": row["organization"],
                "cost_center_name": row["cost_center_name"],
            }
        )
    return out


def detailed_records(ent: Enterprise, day: date) -> list[dict[str, object]]:
    """Every /usage item of the day, Actions lines tagged with a user and workflow, Copilot
    premium-request / AI-credit lines replaced by the per-user lines they sum."""
    out: list[dict[str, object]] = []
    usage = ent.day_usage(day)
    for partition, items in sorted(usage.items_by_partition.items()):
        for item in items:
            if item["sku"] in COPILOT_USAGE_SKUS:
                continue
            repo = item.get("repositoryName") or ""
            user = workflow = ""
            if item["product"].lower() == "actions" and repo and "storage" not in item["sku"]:
                n = _pick(ent.seed, day, repo, item["sku"])
                user = ent.users[n % len(ent.users)]
                workflow = f".github/workflows/{WORKFLOWS[n % len(WORKFLOWS)]}"
            out.append(
                {
                    "date": day.isoformat(),
                    "product": item["product"],
                    "sku": item["sku"],
                    "quantity": item["quantity"],
                    "unit_type": item["unitType"],
                    "applied_cost_per_quantity": item["pricePerUnit"],
                    "gross_amount": item["grossAmount"],
                    "discount_amount": item["discountAmount"],
                    "net_amount": item["netAmount"],
                    "username": user,
                    "organization": item["organizationName"],
                    "repository": repo,
                    "workflow_path": workflow,
                    "cost_center_name": _cc_name(ent, partition),
                }
            )
    # GitHub sums the detailed report by date, sku, organization, repository, cost center,
    # user and workflow: a user's Copilot lines of several models become one.
    summed: dict[tuple, dict[str, object]] = {}
    for record in user_records(ent, day):
        key = tuple(record[c] for c in ("sku", "organization", "cost_center_name", "username"))
        line = summed.get(key)
        if line is None:
            summed[key] = {**record, "repository": "", "workflow_path": ""}
        else:
            for name in _MEASURE_ORDER:
                line[name] += record[name]  # type: ignore[operator]
    out.extend(summed.values())
    return out


def report_records(
    ent: Enterprise, report_type: str, start: date, end: date
) -> list[dict[str, object]]:
    records: list[dict[str, object]] = []
    for day in _days(max(start, ent.first_day), min(end, ent.last_day)):
        if report_type in ("premium_request", "ai_credit"):
            if (day >= AI_CREDITS_START) == (report_type == "ai_credit"):
                records.extend(user_records(ent, day))
        elif report_type == "detailed":
            records.extend(detailed_records(ent, day))
        else:  # summarized: the detailed lines summed without user and workflow
            sums: dict[tuple, list[Decimal]] = {}
            for r in detailed_records(ent, day):
                key = tuple(r[c] for c in HEADERS["summarized"] if c not in _MEASURES)
                acc = sums.setdefault(key, [Decimal(0)] * 4)
                for i, c in enumerate(_MEASURE_ORDER):
                    acc[i] += r[c]  # type: ignore[operator]
            names = [c for c in HEADERS["summarized"] if c not in _MEASURES]
            for key, acc in sums.items():
                records.append(
                    {
                        **dict(zip(names, key, strict=True)),
                        **dict(zip(_MEASURE_ORDER, acc, strict=True)),
                    }
                )
    return records


_MEASURE_ORDER = ("quantity", "gross_amount", "discount_amount", "net_amount")
_MEASURES = frozenset(_MEASURE_ORDER)


def dialect_of(ent: Enterprise) -> CsvDialect:
    """The CSV dialect an enterprise's reports are written in, chosen from its seed."""
    return dialect_for_seed(ent.seed)


def to_csv(header: list[str], records: list[dict[str, object]]) -> bytes:
    """Records under any header, written as GitHub's reference does."""
    return DIALECTS["reference"].write_columns("", header, records)


def report_files(
    ent: Enterprise,
    report_type: str,
    start: date,
    end: date,
    files: int = 1,
    dialect: CsvDialect | None = None,
) -> list[bytes]:
    """The report as `files` CSV files, each with the header (GitHub splits large reports),
    in the enterprise's dialect unless another is given."""
    records = report_records(ent, report_type, start, end)
    size = max(1, -(-len(records) // max(1, files)))
    chunks = [records[i * size : (i + 1) * size] for i in range(max(1, files))]
    speaking = dialect or dialect_of(ent)
    return [speaking.write(report_type, chunk) for chunk in chunks]


def legacy_premium_request_csv(
    ent: Enterprise, start: date, end: date, dialect: CsvDialect | None = None
) -> bytes:
    """The closed-down per-request report: one line per request (here per whole request
    count), timestamps within the day, no money; the quota as the dialect words it."""
    quota = (dialect or dialect_of(ent)).quota or MONTHLY_QUOTA
    rows = []
    for day in _days(max(start, ent.first_day), min(end, ent.last_day, AI_CREDITS_START)):
        for record in user_records(ent, day):
            if record["sku"] != "Copilot Premium Request":
                continue
            hour = _pick(day, record["username"], record["model"]) % 24
            rows.append(
                {
                    "Timestamp": f"{day.isoformat()}T{hour:02d}:15:00Z",
                    "User": record["username"],
                    "Model": record["model"],
                    "Requests Used": record["quantity"],
                    "Exceeds Monthly Quota": "True"
                    if record["exceeds_quota"] == "TRUE"
                    else "False",
                    "Total Monthly Quota": quota,
                }
            )
    return to_csv(LEGACY_HEADER, rows)


# -- ground truth ---------------------------------------------------------------------------
def user_net_by_day(ent: Enterprise, start: date, end: date) -> dict[tuple[str, str], Decimal]:
    """(day, username) -> net amount of Copilot premium requests / AI credits."""
    totals: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    for day in _days(max(start, ent.first_day), min(end, ent.last_day)):
        for row in ent.day_usage(day).user_usage:
            totals[(day.isoformat(), row["username"])] += row["net_amount"]
    return dict(totals)


def net_by_day(ent: Enterprise, start: date, end: date) -> dict[str, Decimal]:
    """day -> net amount of all usage (what /usage returns over every partition)."""
    out: dict[str, Decimal] = {}
    for day in _days(max(start, ent.first_day), min(end, ent.last_day)):
        items = ent.day_usage(day).items_by_partition.values()
        out[day.isoformat()] = sum((i["netAmount"] for part in items for i in part), Decimal(0))
    return out
