"""The alert rules' sensitivity as configuration: keys under [sources.github_billing] (env
SOURCES__GITHUB_BILLING__<KEY>), resolved by dlt like every other setting, that `run` passes to
dbt as vars. The defaults live once, in dbt_project/dbt_project.yml `vars:`; a key left unset
keeps it."""

from __future__ import annotations

from typing import Any

from dlt.common.configuration import configspec, resolve_configuration
from dlt.common.configuration.exceptions import ConfigValueCannotBeCoercedException
from dlt.common.configuration.specs import BaseConfiguration

from pipelines.github_billing.config import SECTIONS


@configspec
class AlertSettings(BaseConfiguration):
    """README "Budgets, forecasts and anomalies" lists each key and its default."""

    anomaly_measure: str | None = None  # gross | quantity
    anomaly_min_score: float | None = None
    anomaly_min_impact_dollars: float | None = None
    anomaly_min_share_of_mean: float | None = None
    anomaly_min_history_days: int | None = None
    anomaly_provisional_days: int | None = None
    new_cost_quiet_days: int | None = None
    new_cost_min_dollars: float | None = None
    forecast_backtest_day: int | None = None
    alert_open_days: int | None = None


def keys() -> set[str]:
    return set(AlertSettings.get_resolvable_fields())


def dbt_vars() -> dict[str, Any]:
    """The configured keys as dbt vars; ValueError with the sentence for a bad value."""
    try:
        settings = resolve_configuration(AlertSettings(), sections=SECTIONS)
    except ConfigValueCannotBeCoercedException as exc:
        raise ValueError(
            f"{exc.field_name} under [sources.github_billing] cannot be '{exc.field_value}': "
            "it must be a number (README: Budgets, forecasts and anomalies)."
        ) from None
    configured = {k: getattr(settings, k) for k in keys() if getattr(settings, k) is not None}
    if configured.get("anomaly_measure") not in (None, "gross", "quantity"):
        raise ValueError(
            f"anomaly_measure under [sources.github_billing] must be gross or quantity, not "
            f"'{configured['anomaly_measure']}'."
        )
    return configured
