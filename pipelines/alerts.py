"""`github-billing alerts`: the open alerts of `marts.fct_alerts` as one plain sentence each,
newest first, with the dollars involved and where to look, and an exit code a scheduler can
page on (`ALERTS_EXIT_CODE` when there is any alert, 0 when there is none).

The rules (thresholds, scores, open windows) live in the dbt models and their vars; this module
only words what the models decided.
"""

from __future__ import annotations

import json
import sys
from dataclasses import asdict, dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from pipelines.store import Store, StoreError, as_store

# 0: no alert; 1: the command failed; 2: bad input; 3: there are alerts (cron and CI page on it)
ALERTS_EXIT_CODE = 3

_COLUMNS = (
    "billing_account_id, alert_kind, alert_date, subject_type, subject_name, product_sku, amount, "
    "reference_amount, threshold_percent, is_usage_stopped, detail_date, is_provisional, "
    "source_model, source_id"
)


class AlertsUnavailable(Exception):
    """The alerts mart cannot be read; the message is the sentence to show."""


@dataclass(frozen=True)
class Alert:
    billing_account_id: str
    alert_kind: str
    alert_date: date
    subject_type: str
    subject_name: str
    product_sku: str
    amount: Decimal
    reference_amount: Decimal | None
    threshold_percent: int | None
    is_usage_stopped: bool
    detail_date: date | None
    is_provisional: bool
    source_model: str
    source_id: str
    # the store holds several billing accounts: the sentence names this alert's
    several_accounts: bool = field(default=False, compare=False)

    @property
    def sentence(self) -> str:
        text = _SENTENCES[self.alert_kind](self)
        return f"{self.billing_account_id}: {text}" if self.several_accounts else text

    def as_json(self) -> dict[str, Any]:
        body = {
            k: (str(v) if isinstance(v, Decimal | date) else v)
            for k, v in asdict(self).items()
            if k != "several_accounts"
        }
        return {**body, "sentence": self.sentence}


def _dollars(value: Decimal | None) -> str:
    return f"${Decimal(value or 0):,.2f}"


def _budget_name(a: Alert) -> str:
    what = a.product_sku.replace("_", " ")
    return {
        "enterprise": f"the enterprise {what} budget",
        "organization": f"organization {a.subject_name}'s {what} budget",
        "repository": f"repository {a.subject_name}'s {what} budget",
        "cost_center": f"cost center {a.subject_name}'s {what} budget",
        "multi_user_customer": f"the enterprise's per-user {what} budgets",
        "multi_user_cost_center": f"cost center {a.subject_name}'s per-user {what} budgets",
        "user": f"{a.subject_name or 'a user'}'s {what} budget",
    }.get(a.subject_type, f"the {a.subject_type} {what} budget")


def _first_upper(text: str) -> str:
    return text[:1].upper() + text[1:]


def _where(a: Alert, detail: str) -> str:
    account = f"billing_account_id = '{a.billing_account_id}', " if a.several_accounts else ""
    return f"Look at marts.{a.source_model} ({account}{detail})."


def _threshold(a: Alert) -> str:
    stop = " GitHub stops usage at the limit." if a.is_usage_stopped else ""
    return (
        f"{_first_upper(_budget_name(a))} crossed {a.threshold_percent}% on {a.alert_date}: "
        f"{_dollars(a.amount)} spent of {_dollars(a.reference_amount)} this month.{stop} "
        + _where(a, f"budget_month_id = '{a.source_id}'")
    )


def _forecast(a: Alert) -> str:
    return (
        f"{_first_upper(_budget_name(a))} is on course to reach {_dollars(a.amount)} by month "
        f"end (as of {a.alert_date}), over its {_dollars(a.reference_amount)}. "
        + _where(a, f"budget_month_id = '{a.source_id}'")
    )


_SERIES = {
    "product": "Product",
    "sku": "SKU",
    "cost_center": "Cost center",
    "organization": "Organization",
    "repository": "Repository",
    "model": "Copilot model",
    "seat_holder": "Seat holder",
}


def _spike(a: Alert) -> str:
    provisional = " (provisional: GitHub may still revise that day)" if a.is_provisional else ""
    return (
        f"{_SERIES.get(a.subject_type, a.subject_type)} {a.subject_name} cost "
        f"{_dollars(a.amount)} more than usual on {a.alert_date} (expected "
        f"{_dollars(a.reference_amount)} for that weekday){provisional}. "
        + _where(a, f"series_type = '{a.subject_type}', usage_date = '{a.alert_date}'")
    )


def _new_cost(a: Alert) -> str:
    return (
        f"New cost: {_SERIES.get(a.subject_type, a.subject_type)} {a.subject_name} billed "
        f"{_dollars(a.amount)} on {a.alert_date} after three months or more without spend. "
        + _where(a, f"series_type = '{a.subject_type}', usage_date = '{a.alert_date}'")
    )


def _user_budget(a: Alert) -> str:
    return (
        f"{a.subject_name} has spent {_dollars(a.amount)} of Copilot AI credits this month, "
        f"over their {_dollars(a.reference_amount)} budget. "
        + _where(a, f"seat_holder_login = '{a.subject_name}'")
    )


def _user_forecast(a: Alert) -> str:
    return (
        f"{a.subject_name} is on course to spend {_dollars(a.amount)} of Copilot AI credits "
        f"this month, over their {_dollars(a.reference_amount)} budget. "
        + _where(a, f"seat_holder_login = '{a.subject_name}'")
    )


def _pool(a: Alert) -> str:
    return (
        f"Cost center {a.subject_name}'s pool of included AI credits "
        f"({_dollars(a.reference_amount)}) runs out on {a.detail_date}, before the month ends: "
        f"{_dollars(a.amount)} used as of {a.alert_date}; after that every credit is billed. "
        + _where(a, f"cost_center_name = '{a.subject_name}'")
    )


def _pool_user(a: Alert) -> str:
    return (
        f"{a.subject_name} is on course to use {_dollars(a.amount)} of AI credits this month, "
        f"more than their {_dollars(a.reference_amount)} share of their cost center's pool, "
        f"which runs out on {a.detail_date}. "
        + _where(a, f"seat_holder_login = '{a.subject_name}'")
    )


_SENTENCES = {
    "budget_threshold": _threshold,
    "budget_forecast": _forecast,
    "spike": _spike,
    "new_cost": _new_cost,
    "user_budget": _user_budget,
    "user_budget_forecast": _user_forecast,
    "ai_credit_pool": _pool,
    "ai_credit_pool_user": _pool_user,
}


def read_alerts(
    target: Path | Store, since: date | None = None, account: str | None = None
) -> list[Alert]:
    """Open alerts, or with `since` every alert dated on or after it; newest first; of one
    billing account with `account`. In a store of several accounts each sentence names its."""
    store = as_store(target)
    if not store.exists():
        raise AlertsUnavailable(
            f"{store.location} does not exist: run `github-billing run` (or `demo`) first."
        )
    where, params = ("alert_date >= ?", [since]) if since else ("is_open", [])
    if account:
        where, params = f"{where} and billing_account_id = ?", [*params, account]
    try:
        with store.session(read_only=True) as db:
            if not db.has_table("marts", "fct_alerts"):
                raise AlertsUnavailable(
                    f"{store.location} has no alerts table yet: run `github-billing run` to "
                    "build the models."
                )
            found = db.fetchall(
                f"select {_COLUMNS} from marts.fct_alerts where {where} "
                "order by alert_date desc, amount desc, alert_kind, subject_name, "
                "billing_account_id",
                params,
            )
            several = _held_accounts(db) > 1
    except StoreError as exc:
        raise AlertsUnavailable(str(exc)) from None
    return [Alert(*row, several_accounts=several) for row in found]


def _held_accounts(db: Any) -> int:
    if not db.has_table("marts", "dim_billing_accounts"):
        return 1
    (count,) = db.fetchone(
        "select count(distinct billing_account_id) from marts.dim_billing_accounts"
    )
    return int(count)


def count_line(target: Path | Store) -> str:
    """The line `github-billing run` ends with."""
    try:
        count = len(read_alerts(target))
    except AlertsUnavailable as exc:
        return f"Alerts: not available ({exc})"
    if count == 0:
        return "Open alerts: none."
    return f"Open alerts: {count} (`github-billing alerts` lists them)."


def render(alerts: list[Alert], as_json: bool) -> str:
    if as_json:
        return json.dumps([a.as_json() for a in alerts], indent=2)
    if not alerts:
        return "No open alerts."
    return "\n".join(a.sentence for a in alerts)


def add_command(sub: Any, add_store_options: Any) -> None:
    """`github-billing alerts` on the CLI's subcommands."""
    p = sub.add_parser(
        "alerts",
        help="open budget, forecast and anomaly alerts; exit code 3 when there are any",
        description="One sentence per open alert, newest first: budget thresholds crossed or "
        "forecast, cost anomalies and new costs, Copilot users over their AI-credit budget, "
        "AI-credit pools running out. Exit code 0 when there is none, "
        f"{ALERTS_EXIT_CODE} when there are (1: failed, 2: bad input).",
    )
    add_store_options(p)
    p.add_argument("--json", action="store_true", help="a JSON list, one object per alert")
    p.add_argument(
        "--since", help="every alert dated on or after this UTC date (YYYY-MM-DD), open or not"
    )
    p.add_argument("--account", metavar="NAME", help="only this billing account's alerts")
    p.set_defaults(func=_cmd_alerts)


def _cmd_alerts(args: Any) -> int:
    # bad input is exit code 2 with one sentence, as everywhere in the CLI
    try:
        since = date.fromisoformat(args.since) if args.since else None
    except ValueError:
        print(
            f"error: --since must be a date like 2026-01-31, not '{args.since}'.", file=sys.stderr
        )
        return 2
    from pipelines.cli import _store

    try:
        alerts = read_alerts(_store(args), since, args.account)
    except AlertsUnavailable as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(render(alerts, args.json))
    return ALERTS_EXIT_CODE if alerts else 0
