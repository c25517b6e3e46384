"""The alert rules' sensitivity as configuration: keys under [sources.github_billing] (or
SOURCES__GITHUB_BILLING__<KEY>) that dlt injects here and `run` passes to dbt as vars. The
defaults live once, in dbt_project/dbt_project.yml `vars:`; a key left unset keeps it."""

from __future__ import annotations

import json
from typing import Any

from dlt.common.configuration import with_config


@with_config(sections=("sources", "github_billing"))
def dbt_vars(
    anomaly_measure: str | None = None,
    anomaly_min_score: float | None = None,
    anomaly_min_impact_dollars: float | None = None,
    anomaly_min_share_of_mean: float | None = None,
    anomaly_min_history_days: int | None = None,
    anomaly_provisional_days: int | None = None,
    new_cost_quiet_days: int | None = None,
    new_cost_min_dollars: float | None = None,
    forecast_backtest_day: int | None = None,
    alert_open_days: int | None = None,
) -> dict[str, Any]:
    """The configured keys, as dbt vars (README "Budgets, forecasts and anomalies")."""
    configured = {k: v for k, v in locals().items() if v is not None}
    if configured.get("anomaly_measure") not in (None, "gross", "quantity"):
        raise ValueError(
            f"anomaly_measure must be gross or quantity, not '{configured['anomaly_measure']}'."
        )
    return configured


def keys() -> set[str]:
    import inspect

    return set(inspect.signature(dbt_vars).parameters)


def as_cli_vars(values: dict[str, Any]) -> list[str]:
    """`--vars` for dbt, or nothing when every key keeps its default."""
    return ["--vars", json.dumps(values)] if values else []
