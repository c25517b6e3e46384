"""Re-read only the days that changed.

GitHub restates recent days, so every run looks back `lookback_days`; but most nights nothing
moved, and re-reading a day costs one request per cost-center partition (51 at 50 cost
centers). `/usage/summary` answers for every cost center in one request: a day already loaded
is read again only when the summary's net total no longer matches the total it was loaded with.
Those totals live in each resource's dlt state, committed with the load package, so a run that
dies never records a day it did not load.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterable, Iterator, MutableMapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from pipelines.github_billing.catalogue import canonical_sku
from pipelines.github_billing.client import GitHubApiError, GitHubClient
from pipelines.github_billing.rows import as_decimal
from pipelines.github_billing.settings import SUMMARY_PATH

logger = logging.getLogger(__name__)

# Far below a cent; above the noise of summing GitHub's nine-decimal amounts in another order.
DRIFT_TOLERANCE = Decimal("0.000001")


@dataclass
class DailySummaries:
    """GitHub's usage summary of one day, all cost centers at once, net per normalised SKU;
    fetched once per run and day, shared by every resource that asks."""

    client: GitHubClient
    available: bool = True
    requests: int = 0
    _net: dict[tuple[int, int, int | None], dict[str, Decimal]] = field(default_factory=dict)

    def net(self, day: date, skus: frozenset[str] | None = None) -> Decimal | None:
        """Net dollars of the day (only the given SKUs, if any); None if GitHub will not say."""
        return self.period_net(day.year, day.month, day.day, skus)

    def period_net(
        self, year: int, month: int, day: int | None = None, skus: frozenset[str] | None = None
    ) -> Decimal | None:
        """Net dollars of a day, or of a whole month with `day` None (one request either way:
        a backfill checks a year through its months)."""
        by_sku = self._by_sku((year, month, day))
        if by_sku is None:
            return None
        return sum((v for sku, v in by_sku.items() if skus is None or sku in skus), Decimal(0))

    def _by_sku(self, period: tuple[int, int, int | None]) -> dict[str, Decimal] | None:
        if not self.available:
            return None
        if period not in self._net:
            year, month, day = period
            params: dict[str, int] = {"year": year, "month": month}
            if day is not None:
                params["day"] = day
            self.requests += 1
            try:
                payload = self.client.get_json(self.client.path(SUMMARY_PATH), params=params)
            except GitHubApiError as exc:
                if exc.status not in (403, 404):
                    raise
                # A token or account without the summary: fall back to re-reading every
                # day of the lookback window, as before.
                logger.warning("usage summary unavailable (%s): re-reading the window", exc)
                self.available = False
                return None
            totals: dict[str, Decimal] = defaultdict(Decimal)
            for item in payload.get("usageItems") or []:
                totals[canonical_sku(item.get("sku"))] += as_decimal(item.get("netAmount"))
            self._net[period] = dict(totals)
        return self._net[period]


class LoadedTotals:
    """Net dollars per day as a resource last loaded them, in its dlt resource state."""

    def __init__(self, resource_state: MutableMapping[str, Any]) -> None:
        self._totals: dict[str, str] = resource_state.setdefault("net_by_day", {})

    def get(self, day: date) -> Decimal | None:
        value = self._totals.get(day.isoformat())
        return None if value is None else Decimal(value)

    def record(self, totals: dict[date, Decimal], keep_from: date) -> None:
        """Store what this run loaded and forget days older than any future lookback."""
        for day, net in totals.items():
            self._totals[day.isoformat()] = str(net)
        for stale in [d for d in self._totals if d < keep_from.isoformat()]:
            del self._totals[stale]


def days_to_read(
    days: Iterable[date],
    newest_loaded: date | None,
    loaded: LoadedTotals,
    summaries: DailySummaries,
    skus: frozenset[str] | None = None,
) -> Iterator[date]:
    """The days a run must read: every day after the newest loaded one, and a loaded day only
    when GitHub's summary of it drifted from what was loaded (or was never recorded)."""
    for day in days:
        if newest_loaded is None or day > newest_loaded:
            yield day
            continue
        recorded = loaded.get(day)
        now = summaries.net(day, skus) if recorded is not None else None
        if recorded is None or now is None or abs(now - recorded) > DRIFT_TOLERANCE:
            yield day
