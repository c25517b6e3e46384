"""Pure helpers that turn GitHub's billing payloads into raw-table rows.

GitHub is inconsistent (dates as dates or datetimes, integer or float quantities, casing drift
in product, SKU and unit): each row keeps the raw value beside the normalised one.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any
from urllib.parse import urlsplit

from pipelines.github_billing.catalogue import normalise_key, product_columns
from pipelines.github_billing.contract import WITHDRAWN
from pipelines.github_billing.settings import MAX_PARALLEL_REQUESTS, MONEY_SCALE, NO_COST_CENTER

# Which path a usage row came from: GitHub's JSON endpoints (`/usage`, premium_request /
# ai_credit usage) or a usage-report export read by a backfill (`backfill.py`).
SOURCE_PATH = "source_path"
FROM_API = "usage_api"


def tombstone(**merge_key: Any) -> dict[str, Any]:
    """The row that deletes what was loaded for `merge_key` (e.g. a day and a partition): dlt's
    delete-insert deletes what that key holds and never inserts the row (`contract.WITHDRAWN`),
    which is how a day or partition GitHub withdrew is removed."""
    return {**merge_key, WITHDRAWN: True}


def parse_usage_date(value: str) -> date:
    """The one date rule of every payload and report: `2025-01-01`, a timestamp
    (`2025-06-02T22:34:09Z`, `2025-06-18T10:43:41.8378480Z`, `2025-06-03 14:02:11`, with an
    offset or none = UTC) as its UTC day, or the AI-credit reports' `5/29/26` / `5/29/2026`
    (month first, as GitHub's report viewer reads them). ValueError otherwise."""
    text = value.strip()
    if "/" in text:
        month, day, year = (int(part) for part in text.split("/"))
        return date(year + 2000 if year < 100 else year, month, day)
    if len(text) == 10:
        return date.fromisoformat(text)
    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).date()


def parse_timestamp(value: str | None) -> datetime | None:
    """Seat timestamps carry offsets (`-06:00`): keep the instant, expressed in UTC."""
    if not value:
        return None
    moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


_SCALE = Decimal(1).scaleb(-MONEY_SCALE)


def as_decimal(value: Any) -> Decimal:
    """Amounts arrive as Decimal (exact JSON parsing) or int and never go through float;
    they are fixed to the raw tables' scale so the loader never has to round."""
    if isinstance(value, bool) or value is None or value == "":
        number = Decimal(0)
    elif isinstance(value, Decimal):
        number = value
    elif isinstance(value, int):
        number = Decimal(value)
    elif isinstance(value, float):  # only from callers that parsed JSON themselves
        number = Decimal(repr(value))
    else:
        number = Decimal(str(value).strip())
    return number.quantize(_SCALE, rounding=ROUND_HALF_EVEN)


def enterprise_slug(value: str) -> str:
    """Accept `acme-corp` or `https://github.com/enterprises/acme-corp[/...]`."""
    text = value.strip()
    if "://" in text or text.startswith("github.com/"):
        parts = [
            p for p in urlsplit(text if "://" in text else f"https://{text}").path.split("/") if p
        ]
        if len(parts) >= 2 and parts[0] == "enterprises":
            return parts[1]
        raise ValueError(
            f"'{value}' is not an enterprise URL: expected https://github.com/enterprises/<slug>."
        )
    return text.strip("/")


def parallel_requests(value: object) -> int:
    """`max_parallel_requests` as given in config (a number or its text), or ValueError with
    the sentence to show."""
    text = str(value).strip()
    if text.isdigit() and 1 <= int(text) <= MAX_PARALLEL_REQUESTS:
        return int(text)
    raise ValueError(
        f"max_parallel_requests must be a whole number from 1 to {MAX_PARALLEL_REQUESTS} "
        f"(1 sends one request at a time, as GitHub advises), not '{value}'."
    )


def day_query(day: date, **filters: str) -> dict[str, Any]:
    """The query of GitHub's billing reports for one day (`year`, `month`, `day`), with any
    filters (`cost_center_id`, `user`)."""
    return {"year": day.year, "month": day.month, "day": day.day, **filters}


def day_range(start: date, end: date) -> Iterator[date]:
    """Every day from start to end, both included."""
    day = start
    while day <= end:
        yield day
        day += timedelta(days=1)


def usage_item_row(
    item: dict[str, Any], cost_center_id: str, extracted_at: datetime
) -> dict[str, Any]:
    """One `/usage` item as a raw row, tagged with the cost-center partition it came from."""
    repository = item.get("repositoryName")
    return {
        "usage_date": parse_usage_date(item["date"]),
        "date_raw": item["date"],
        "cost_center_id": cost_center_id or NO_COST_CENTER,
        "organization_name": item.get("organizationName") or "",
        "repository_name": repository or "",
        "repository_name_raw": repository,
        **product_columns(item.get("product"), item.get("sku"), item.get("unitType")),
        "quantity": as_decimal(item.get("quantity")),
        "price_per_unit": as_decimal(item.get("pricePerUnit")),
        "gross_amount": as_decimal(item.get("grossAmount")),
        "discount_amount": as_decimal(item.get("discountAmount")),
        "net_amount": as_decimal(item.get("netAmount")),
        "extracted_at": extracted_at,
        WITHDRAWN: None,
        SOURCE_PATH: FROM_API,
    }


def model_usage_row(
    item: dict[str, Any],
    day: date,
    cost_center_id: str,
    cost_center_name: str | None,
    extracted_at: datetime,
) -> dict[str, Any]:
    """One premium-request / AI-credit item (per model) for one day and partition."""
    return {
        "usage_date": day,
        "cost_center_id": cost_center_id,
        "cost_center_name": cost_center_name,
        **product_columns(item.get("product"), item.get("sku"), item.get("unitType")),
        "model": item.get("model") or "",
        "price_per_unit": as_decimal(item.get("pricePerUnit")),
        "gross_quantity": as_decimal(item.get("grossQuantity")),
        "gross_amount": as_decimal(item.get("grossAmount")),
        "discount_quantity": as_decimal(item.get("discountQuantity")),
        "discount_amount": as_decimal(item.get("discountAmount")),
        "net_quantity": as_decimal(item.get("netQuantity")),
        "net_amount": as_decimal(item.get("netAmount")),
        "extracted_at": extracted_at,
        SOURCE_PATH: FROM_API,
    }


def seat_row(seat: dict[str, Any], snapshot_date: date, extracted_at: datetime) -> dict[str, Any]:
    """One entry of GitHub's seats list: a holder granted Copilot through one org or team."""
    assignee = seat.get("assignee") or {}
    org = seat.get("organization") or {}
    team = seat.get("assigning_team") or {}
    team_type = team.get("type") or ("team" if team.get("slug") and "privacy" in team else None)
    if team and not team_type:
        team_type = "enterprise-team" if "sync_to_organizations" in team else "team"
    pending = seat.get("pending_cancellation_date")
    login = assignee.get("login") or ""
    organization = org.get("login") or ""
    team_slug = team.get("slug") or ""
    return {
        "snapshot_date": snapshot_date,
        "seat_key": f"{login}|{organization}|{team_slug}",
        "assignee_login": login,
        "assignee_id": assignee.get("id"),
        "assignee_type": assignee.get("type"),
        "organization_login": organization,
        "assigning_team_slug": team_slug,
        "assigning_team_name": team.get("name"),
        "assigning_team_type": team_type,
        "plan_type": seat.get("plan_type") or "unknown",
        "created_at": parse_timestamp(seat.get("created_at")),
        "updated_at": parse_timestamp(seat.get("updated_at")),
        "pending_cancellation_date": date.fromisoformat(pending) if pending else None,
        "last_activity_at": parse_timestamp(seat.get("last_activity_at")),
        "last_activity_editor": seat.get("last_activity_editor"),
        "last_authenticated_at": parse_timestamp(seat.get("last_authenticated_at")),
        "extracted_at": extracted_at,
    }


def cost_center_row(center: dict[str, Any], extracted_at: datetime) -> dict[str, Any]:
    pool = center.get("ai_credit_pool_state") or {}
    return {
        "id": center["id"],
        "name": center.get("name"),
        "state": (center.get("state") or "active").lower(),
        "azure_subscription": center.get("azure_subscription"),
        "ai_credit_pool_enabled": center.get("ai_credit_pool_enabled"),
        "ai_credit_pool_target_amount": pool.get("target_amount"),
        "ai_credit_pool_current_amount": pool.get("current_amount"),
        "extracted_at": extracted_at,
    }


def cost_center_resource_rows(center: dict[str, Any]) -> Iterator[dict[str, Any]]:
    for resource in center.get("resources") or []:
        yield {
            "cost_center_id": center["id"],
            "resource_type": normalise_key(resource.get("type")),
            "resource_type_raw": resource.get("type"),
            "resource_name": resource.get("name") or "",
        }


def user_usage_api_row(
    item: dict[str, Any], day: date, username: str, report_type: str, extracted_at: datetime
) -> dict[str, Any]:
    """One premium_request / ai_credit item asked with `user=`: a copilot_user_usage row
    (the export fallback), summed over organizations and cost centers."""
    gross = as_decimal(item.get("grossAmount"))
    discount = as_decimal(item.get("discountAmount"))
    return {
        "usage_date": day,
        "report_type": report_type,
        "username": username,
        "organization": "",
        "cost_center_name": "",
        "model": item.get("model") or "",
        **product_columns(item.get("product"), item.get("sku"), item.get("unitType")),
        "price_per_unit": as_decimal(item.get("pricePerUnit")),
        "quantity": as_decimal(item.get("grossQuantity")),
        "gross_amount": gross,
        "discount_amount": discount,
        "net_amount": as_decimal(item.get("netAmount")),
        "exceeds_quota": None,
        "total_monthly_quota": None,
        "extracted_at": extracted_at,
    }
