"""The JSON bodies of the simulator's answers, shaped as GitHub shapes them: camelCase usage
items, snake_case seats and cost centers, GitHub's error body. Builders take the generated
enterprise and return plain data; routes.py decides which one a request gets."""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

from pipelines.github_billing import catalogue
from pipelines.simulator import budgets
from pipelines.simulator.enterprise import CostCenter, Enterprise, Grant
from pipelines.simulator.usage import NO_COST_CENTER, DayUsage

DOCS = "https://docs.github.com/enterprise-cloud@latest/rest"

# (status, body, headers); a body of bytes is sent as it is
Response = tuple[int, Any, dict[str, str]]


class BadRequest(ValueError):
    """A query or body GitHub answers with 400 and this sentence."""


def error(status: int, message: str, headers: dict[str, str] | None = None) -> Response:
    body = {"message": message, "documentation_url": DOCS, "status": str(status)}
    return status, body, dict(headers or {})


class _Encoder(json.JSONEncoder):
    def default(self, o: Any) -> Any:
        if isinstance(o, Decimal):
            # Decimals with <= 15 significant digits survive float's shortest repr unchanged,
            # so the JSON text carries exactly the generated amount.
            return float(o)
        if isinstance(o, date):
            return o.isoformat()
        return super().default(o)


def encode(payload: Any) -> bytes:
    return json.dumps(payload, cls=_Encoder, separators=(",", ":")).encode()


_MEASURES = (
    "grossQuantity",
    "grossAmount",
    "discountQuantity",
    "discountAmount",
    "netQuantity",
    "netAmount",
)


def summary_items(days: Iterable[DayUsage], partition: str | None) -> list[dict[str, Any]]:
    """`/usage/summary`: the period's usage per SKU, every partition or one. GitHub names SKUs
    here by their snake ids (`actions_linux`), not the display names of `/usage`."""
    merged: dict[tuple, dict[str, Any]] = {}
    for usage in days:
        for part, items in usage.items_by_partition.items():
            if partition and part != partition:
                continue
            for item in items:
                sku = catalogue.canonical_sku(item["sku"])
                key = (item["product"].lower(), sku, item["unitType"].lower(), item["pricePerUnit"])
                slot = merged.setdefault(
                    key,
                    {
                        "product": item["product"],
                        "sku": sku,
                        "unitType": item["unitType"],
                        "pricePerUnit": item["pricePerUnit"],
                        **{name: Decimal(0) for name in _MEASURES},
                    },
                )
                slot["grossQuantity"] += item["quantity"]
                slot["grossAmount"] += item["grossAmount"]
                slot["discountAmount"] += item["discountAmount"]
                slot["netAmount"] += item["netAmount"]
                if item["discountAmount"]:
                    slot["discountQuantity"] += item["quantity"]
                else:
                    slot["netQuantity"] += item["quantity"]
    return list(merged.values())


def model_usage_items(
    days: Iterable[DayUsage],
    sku: str,
    partition: str | None,
    user: str | None,
    model: str | None,
) -> list[dict[str, Any]]:
    """`/premium_request/usage` and `/ai_credit/usage`: the period's usage of one SKU per
    model, for one partition or all, for one user or all."""
    merged: dict[tuple, dict[str, Any]] = {}
    for usage in days:
        items = (
            usage.user_model_items(user, partition, sku)
            if user
            else usage.model_items(partition, sku)
        )
        for item in items:
            if model and item["model"].lower() != model.lower():
                continue
            key = (item["model"], item["sku"], item["unitType"], item["pricePerUnit"])
            if key not in merged:
                merged[key] = dict(item)
            else:
                for name in _MEASURES:
                    merged[key][name] += item[name]
    return list(merged.values())


def cost_center_ref(ent: Enterprise, cc_id: str | None) -> dict[str, str] | None:
    if not cc_id:
        return None
    if cc_id == NO_COST_CENTER:
        return {"id": NO_COST_CENTER, "name": "No cost center"}
    cc = ent.cost_center_by_id(cc_id)
    return {"id": cc.id, "name": cc.name} if cc else None


def cost_center_json(ent: Enterprise, cc: CostCenter) -> dict[str, Any]:
    deleted = cc.deleted_on is not None and cc.deleted_on <= ent.today
    return {
        "id": cc.id,
        "name": cc.name,
        "state": "deleted" if deleted else "active",
        "azure_subscription": None,
        **budgets.pool_state(ent, cc),
        # GitHub lists no members for a deleted cost center
        "resources": [] if deleted else [{"type": k, "name": n} for k, n in cc.resources],
    }


def user_json(login: str, user_id: int) -> dict[str, Any]:
    url = f"https://api.github.com/users/{login}"
    return {
        "login": login,
        "id": user_id,
        "node_id": f"MDQ6VXNlcj{user_id}",
        "avatar_url": f"https://avatars.githubusercontent.com/u/{user_id}?v=4",
        "gravatar_id": "",
        "url": url,
        "html_url": f"https://github.com/{login}",
        "followers_url": f"{url}/followers",
        "following_url": f"{url}/following{{/other_user}}",
        "gists_url": f"{url}/gists{{/gist_id}}",
        "starred_url": f"{url}/starred{{/owner}}{{/repo}}",
        "subscriptions_url": f"{url}/subscriptions",
        "organizations_url": f"{url}/orgs",
        "repos_url": f"{url}/repos",
        "events_url": f"{url}/events{{/privacy}}",
        "received_events_url": f"{url}/received_events",
        "type": "User",
        "site_admin": False,
    }


def org_json(login: str, org_id: int) -> dict[str, Any]:
    url = f"https://api.github.com/orgs/{login}"
    return {
        "login": login,
        "id": org_id,
        "node_id": f"MDEyOk9yZ2FuaXphdGlvbj{org_id}",
        "url": url,
        "repos_url": f"{url}/repos",
        "events_url": f"{url}/events",
        "hooks_url": f"{url}/hooks",
        "issues_url": f"{url}/issues",
        "members_url": f"{url}/members{{/member}}",
        "public_members_url": f"{url}/public_members{{/member}}",
        "avatar_url": f"https://avatars.githubusercontent.com/u/{org_id}?v=4",
        "description": None,
    }


def timestamp(day: date, hour: int, offset_hours: int) -> str:
    tz = timezone(timedelta(hours=offset_hours))
    moment = datetime(day.year, day.month, day.day, hour, tzinfo=UTC).astimezone(tz)
    return moment.isoformat()


def seat_json(ent: Enterprise, grant: Grant) -> dict[str, Any]:
    team: dict[str, Any] | None = None
    if grant.team_type == "enterprise-team" and grant.team:
        team = {
            "id": 900 + ent.enterprise_teams.index(grant.team),
            "name": grant.team,
            "slug": grant.team,
            "url": f"https://api.github.com/enterprises/{ent.slug}/teams/{grant.team}",
            "sync_to_organizations": "all",
            "group_id": None,
            "html_url": f"https://github.com/enterprises/{ent.slug}/teams/{grant.team}",
            "members_url": "",
            "created_at": "2024-01-01T00:00:00Z",
            "updated_at": "2024-01-01T00:00:00Z",
            "type": "enterprise-team",
        }
    elif grant.team:
        team = {
            "id": 500 + hash(grant.team) % 100,
            "node_id": "MDQ6VGVhbTE=",
            "name": grant.team,
            "slug": grant.team,
            "description": None,
            "privacy": "closed",
            "notification_setting": "notifications_enabled",
            "permission": "pull",
            "url": f"https://api.github.com/teams/{grant.team}",
            "html_url": f"https://github.com/orgs/{grant.organization}/teams/{grant.team}",
            "members_url": "",
            "repositories_url": "",
            "parent": None,
            "type": "organization",
        }
    last = grant.last_activity_on
    offset = -6 if grant.user_id % 2 else 0  # GitHub's examples carry offsets: parse them
    return {
        "created_at": timestamp(grant.created_on, 9, offset),
        "updated_at": timestamp(grant.created_on, 9, offset),
        "pending_cancellation_date": (
            grant.pending_cancellation_date.isoformat() if grant.pending_cancellation_date else None
        ),
        "last_activity_at": timestamp(last, 15, offset) if last else None,
        "last_activity_editor": "vscode/1.98.0/copilot-chat/0.26.0" if last else None,
        "last_authenticated_at": timestamp(last, 15, offset) if last else None,
        "plan_type": grant.plan_type,
        "assignee": user_json(grant.login, grant.user_id),
        "organization": (
            org_json(grant.organization, 100 + ent.orgs.index(grant.organization))
            if grant.organization
            else None
        ),
        "assigning_team": team,
    }
