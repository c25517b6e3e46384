"""The settings of a run that are not the source's: where the data goes, how the run reports.
Keys under `[sources.github_billing]` beside the source's own (env
SOURCES__GITHUB_BILLING__<KEY>), resolved by dlt like every other value."""

from __future__ import annotations

import logging
import os

from dlt.common.configuration import configspec, resolve_configuration
from dlt.common.configuration.specs import BaseConfiguration

from pipelines.github_billing.config import SECTIONS

logger = logging.getLogger(__name__)

# Environment names of the first versions, still read (with a warning) by the CLI.
LEGACY_ENV = (
    "RATE_LIMIT_FLOOR_SECONDS",
    "EXPORT_POLL_SECONDS",
    "EXPORT_TIMEOUT_SECONDS",
    "PROGRESS",
    "PROGRESS_SECONDS",
    "DEBUG",
)
ENV_PREFIX = "SOURCES__GITHUB_BILLING__"


@configspec
class RunSettings(BaseConfiguration):
    destination: str = "duckdb"  # duckdb | postgres (credentials: [destination.postgres])
    duckdb_path: str | None = None  # default: data/github_billing.duckdb (demo: data/demo.duckdb)
    duckdb_storage_version: str | None = None  # the oldest DuckDB that must open the files
    progress: bool = False  # dlt's own progress log as well
    progress_seconds: float | None = None  # a progress line every N s when not on a terminal
    debug: bool = False  # tracebacks instead of one sentence


def run_settings() -> RunSettings:
    return resolve_configuration(RunSettings(), sections=SECTIONS)


def adopt_legacy_environment() -> None:
    """GITHUB_BILLING_<KNOB> still works, under its dlt name, with a warning."""
    for name in LEGACY_ENV:
        old, new = f"GITHUB_BILLING_{name}", f"{ENV_PREFIX}{name}"
        if old in os.environ and new not in os.environ:
            os.environ[new] = os.environ[old]
            logger.warning("%s is deprecated: set %s instead.", old, new)
