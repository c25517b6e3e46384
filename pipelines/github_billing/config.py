"""The source's configuration, `[sources.github_billing]`: one spec that dlt injects into the
`github_billing` source and that the CLI resolves (with its overrides) to build the client it
checks the connection with. Every value is checked here, once, with the sentence to show."""

from __future__ import annotations

import os
import re
from datetime import date, datetime
from typing import Any
from urllib.parse import urlsplit

from dlt.common.configuration import configspec, resolve_configuration
from dlt.common.configuration.exceptions import ConfigValueCannotBeCoercedException
from dlt.common.configuration.specs import BaseConfiguration
from dlt.common.typing import TSecretStrValue

from pipelines.github_billing.accounts import ENTERPRISE, BillingAccount
from pipelines.github_billing.client import TOKEN_SETTING, GitHubClient
from pipelines.github_billing.rows import enterprise_slug, parallel_requests
from pipelines.github_billing.settings import (
    DEFAULT_BASE_URL,
    DEFAULT_LOOKBACK_DAYS,
    DEFAULT_MAX_PARALLEL_REQUESTS,
    EXPORT_POLL_SECONDS,
    EXPORT_TIMEOUT_SECONDS,
    SEATS_PER_PAGE,
)

SECTIONS = ("sources", "github_billing")
_SLUG = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")


def validated_slug(enterprise: str | None) -> str:
    """The enterprise slug, or ValueError with the sentence."""
    if not enterprise or not str(enterprise).strip():
        raise ValueError(
            "No enterprise is configured: set SOURCES__GITHUB_BILLING__ENTERPRISE or "
            "enterprise under [sources.github_billing] in .dlt/config.toml (the slug after "
            "/enterprises/ in your enterprise URL)."
        )
    slug = enterprise_slug(str(enterprise))
    if not _SLUG.fullmatch(slug):
        raise ValueError(
            f"'{enterprise}' is not an enterprise slug like acme-corp: use the part after "
            "/enterprises/ in your enterprise URL."
        )
    return slug


def validated_account(enterprise: str | None, organization: str | None) -> BillingAccount:
    """The account `enterprise=` or `organization=` names (exactly one), or ValueError with the
    sentence; most users bill through an enterprise, so neither set asks for one."""
    if organization and str(organization).strip():
        return BillingAccount.from_config(enterprise, organization)
    return BillingAccount(ENTERPRISE, validated_slug(enterprise))


# Hosts the local simulator serves through its proxy (simulator/accounts.py `proxy_env()`): they
# are on this machine, so plain http to them sends no token over the network.
SIMULATED_HOSTS_ENV = "GITHUB_BILLING_SIMULATED_HOSTS"


def validated_base_url(url: str) -> str:
    """An http(s) API root; plain http only to this machine (the token would travel in clear)."""
    parts = urlsplit(url)
    simulated = os.environ.get(SIMULATED_HOSTS_ENV, "").split(",")
    loopback = parts.hostname in ("127.0.0.1", "localhost", "::1", *filter(None, simulated))
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"base_url '{url}' is not an http(s) URL, e.g. https://api.github.com.")
    if parts.scheme == "http" and not loopback:
        raise ValueError(
            f"base_url '{url}' uses plain http to a non-local host, which would send the token "
            "in clear: use https://."
        )
    return url.rstrip("/")


def validated_day(value: object, name: str) -> date | None:
    """A day from text or a TOML date (or datetime), or ValueError with the sentence."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise ValueError(f"{name} must be a date like 2026-01-31, not '{value}'.") from None


@configspec
class GitHubBillingConfiguration(BaseConfiguration):
    """`[sources.github_billing]` (env SOURCES__GITHUB_BILLING__<KEY>); README's table."""

    enterprise: str | None = None
    # instead of enterprise: an organization-scoped billing account's login
    organization: str | None = None
    # the account's name in the store (every raw row's billing_account_id); default: the
    # enterprise slug or the organization login
    account_name: str | None = None
    access_token: TSecretStrValue | None = None
    base_url: str = DEFAULT_BASE_URL
    start_date: Any | None = None  # text, or a TOML date
    lookback_days: int = DEFAULT_LOOKBACK_DAYS
    usage_exports: bool = True
    # backfills of days older than the JSON window read usage-report exports (README)
    backfill_via_exports: bool = True
    max_parallel_requests: int = DEFAULT_MAX_PARALLEL_REQUESTS
    seats_per_page: int = SEATS_PER_PAGE
    # snapshot budgets, their user states and cost centers' AI-credit pools (budgets.py)
    load_budgets: bool = True
    # usage-report exports: the first poll's wait (doubling to a minute) and when to give up
    export_poll_seconds: float = EXPORT_POLL_SECONDS
    export_timeout_seconds: float = EXPORT_TIMEOUT_SECONDS
    # GitHub asks to wait at least a minute after a rate limit that gives no reset time
    # (read by retry.py when it waits)
    rate_limit_floor_seconds: float = 60.0

    def on_resolved(self) -> None:
        if self.enterprise is not None:
            self.enterprise = str(self.enterprise)
        self.base_url = validated_base_url(str(self.base_url))
        self.max_parallel_requests = parallel_requests(self.max_parallel_requests)
        start = validated_day(self.start_date, "start_date")
        self.start_date = start.isoformat() if start else None

    def client(self, token_setting: str | None = None) -> GitHubClient:
        """The client this configuration describes (ValueError for a bad slug); `token_setting`
        names where its token is set when that is not the single-enterprise key."""
        return GitHubClient(
            self.base_url,
            str(self.access_token or ""),
            validated_account(self.enterprise, self.organization).named(self.account_name),
            max_in_flight=self.max_parallel_requests,
            token_setting=token_setting or TOKEN_SETTING,
        )

    def configured_account_name(self) -> str | None:
        """The name the configured account's rows carry, or None when no account is set."""
        try:
            return (
                validated_account(self.enterprise, self.organization).named(self.account_name).name
            )
        except ValueError:
            return None

    def source_arguments(self) -> dict[str, Any]:
        """What the source takes besides its client (which holds base URL, slug and token)."""
        return {
            "start_date": self.start_date,
            "lookback_days": self.lookback_days,
            "usage_exports": self.usage_exports,
            "backfill_via_exports": self.backfill_via_exports,
            "max_parallel_requests": self.max_parallel_requests,
            "seats_per_page": self.seats_per_page,
            "load_budgets": self.load_budgets,
            "export_poll_seconds": self.export_poll_seconds,
            "export_timeout_seconds": self.export_timeout_seconds,
        }


def resolve(sections: tuple[str, ...] = SECTIONS, **explicit: Any) -> GitHubBillingConfiguration:
    """The configuration from dlt's providers at `sections` (an account's, accounts_config.py),
    `explicit` values first; ValueError with the sentence for a value that is wrong."""
    try:
        return resolve_configuration(
            GitHubBillingConfiguration(),
            sections=sections,
            explicit_value={k: v for k, v in explicit.items() if v is not None},
        )
    except ConfigValueCannotBeCoercedException as exc:
        name, value = exc.field_name, exc.field_value
        if name == "max_parallel_requests":
            parallel_requests(value)  # raises its own sentence
        if name == "lookback_days":
            raise ValueError(
                f"lookback_days must be a whole number of days such as 7, not '{value}'."
            ) from None
        raise ValueError(
            f"{name} under [{'.'.join(sections)}] cannot be '{value}': it must be a "
            f"{exc.hint.__name__ if hasattr(exc.hint, '__name__') else exc.hint}."
        ) from None
