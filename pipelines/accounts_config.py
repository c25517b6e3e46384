"""The billing accounts one store holds, the dlt way: one section per account,
`[sources.github_billing.accounts.<name>]` (env `SOURCES__GITHUB_BILLING__ACCOUNTS__<NAME>__<KEY>`),
each resolved by the source's own configspec (config.py) at that section.

The account's name is its identity in the store (two accounts may share a slug on different
hosts), so an account's `enterprise` or `organization`, `base_url` and `access_token` are read
from its own section only: a token is never sent to an account, or a host, it was not
configured for. The other keys (`lookback_days`, `usage_exports`, ...) fall back to
`[sources.github_billing]`, as dlt resolves every nested section. Without any account section
the single-enterprise keys of `[sources.github_billing]` are one account named after its slug.
"""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import dlt

from pipelines.github_billing.client import GitHubClient
from pipelines.github_billing.config import (
    SECTIONS,
    GitHubBillingConfiguration,
    resolve,
    validated_account,
)
from pipelines.github_billing.settings import DEFAULT_BASE_URL, PIPELINE_NAME

ACCOUNTS = "accounts"
ENV_PREFIX = "SOURCES__GITHUB_BILLING__ACCOUNTS__"
# the keys that say which account a section is: never inherited from [sources.github_billing]
OWN_KEYS = ("enterprise", "organization", "base_url", "access_token")
_NAME = re.compile(r"[a-z0-9][a-z0-9_-]{0,62}")


@dataclass
class Account:
    """One configured billing account: its name in the store and its resolved configuration."""

    name: str
    config: GitHubBillingConfiguration
    # configured in its own [sources.github_billing.accounts.<name>] section
    own_section: bool = False

    @property
    def pipeline_name(self) -> str:
        """dlt's pipeline of this account: its own cursors, drift totals and export state."""
        return pipeline_name(self.name)

    def env_key(self, key: str) -> str:
        return f"{ENV_PREFIX}{self.name.upper()}__{key.upper()}"

    def client(self) -> GitHubClient:
        """The account's client; a rejected token's sentence names the account's own key."""
        return self.config.client(self.env_key("access_token") if self.own_section else None)


def pipeline_name(account_name: str) -> str:
    return f"{PIPELINE_NAME}__{account_name}"


def section_path(name: str) -> str:
    return ".".join((*SECTIONS, ACCOUNTS, name))


def account_names() -> list[str]:
    """The account sections of the TOML files and of the environment, in the files' order."""
    names: list[str] = []
    configured = dlt.config.get(".".join((*SECTIONS, ACCOUNTS)))
    if isinstance(configured, dict):
        names += [str(n) for n in configured]
    secrets = dlt.secrets.get(".".join((*SECTIONS, ACCOUNTS)))
    if isinstance(secrets, dict):
        names += [str(n) for n in secrets]
    for key in sorted(os.environ):
        if key.startswith(ENV_PREFIX) and "__" in key[len(ENV_PREFIX) :]:
            names.append(key[len(ENV_PREFIX) :].split("__", 1)[0].lower())
    unique = list(dict.fromkeys(names))
    for name in unique:
        if not _NAME.fullmatch(name):
            raise ValueError(
                f"'{name}' cannot name an account under [sources.github_billing.accounts]: use "
                "lower-case letters, digits, '-' and '_' (at most 63), e.g. acme-eu."
            )
    return unique


def _own(name: str, key: str) -> Any:
    """The value of `key` set in the account's own section (TOML or environment), or None."""
    provider = dlt.secrets if key == "access_token" else dlt.config
    value = provider.get(f"{section_path(name)}.{key}")
    if value is None and key == "access_token":
        value = dlt.config.get(f"{section_path(name)}.{key}")
    return None if value is None or str(value).strip() == "" else value


def resolve_account(name: str, **explicit: Any) -> Account:
    """The account section `name`, resolved by the source's configspec; ValueError with the
    sentence for what is missing or wrong."""
    own = {key: _own(name, key) for key in OWN_KEYS}
    if own["enterprise"] is None and own["organization"] is None:
        raise ValueError(
            f"Account '{name}' names no billing account: set enterprise = \"<slug>\" or "
            f'organization = "<login>" under [sources.github_billing.accounts.{name}] (or '
            f"{ENV_PREFIX}{name.upper()}__ENTERPRISE)."
        )
    if own["access_token"] is None:
        raise ValueError(
            f"Account '{name}' has no access token: set access_token under "
            f"[sources.github_billing.accounts.{name}] in .dlt/secrets.toml (or "
            f"{ENV_PREFIX}{name.upper()}__ACCESS_TOKEN)."
        )
    explicit = {**explicit, "base_url": own["base_url"] or DEFAULT_BASE_URL}
    cfg = resolve(sections=(*SECTIONS, ACCOUNTS, name), **explicit, **_identity(own))
    # dlt would fill what the account's section leaves unset from [sources.github_billing]
    cfg.enterprise = None if own["enterprise"] is None else str(own["enterprise"])
    cfg.organization = None if own["organization"] is None else str(own["organization"])
    cfg.access_token = own["access_token"]
    cfg.account_name = name  # the section's name is the account's, whatever account_name says
    validated_account(cfg.enterprise, cfg.organization)  # the sentence for a bad slug, now
    return Account(name, cfg, own_section=True)


def _identity(own: dict[str, Any]) -> dict[str, Any]:
    return {k: own[k] for k in ("enterprise", "organization", "access_token") if own[k]}


def single_account(**explicit: Any) -> Account:
    """The single-enterprise keys of `[sources.github_billing]`: one account named after its
    slug (or the organization's login), or `account_name`."""
    cfg = resolve(**explicit)
    account = validated_account(cfg.enterprise, cfg.organization).named(cfg.account_name)
    return Account(account.name, cfg)


def explicit_account(
    name: str, enterprise: str | None = None, organization: str | None = None, **explicit: Any
) -> Account:
    """An account given in code (the demo's), the other keys resolved as for every account."""
    cfg = resolve(**explicit, **{"enterprise": enterprise, "organization": organization})
    cfg.enterprise, cfg.organization = enterprise, organization  # none inherited
    cfg.account_name = name
    validated_account(cfg.enterprise, cfg.organization)
    return Account(name, cfg)


def configured_accounts(**explicit: Any) -> list[Account]:
    """Every configured account, each resolved; ValueError with the sentence for bad
    configuration."""
    names = account_names()
    accounts = [resolve_account(n, **explicit) for n in names]
    top = resolve(**explicit)
    if not names or top.enterprise or top.organization:
        # the keys of today, alone or beside the sections: one more account, named after its slug
        legacy = single_account(**explicit)
        if legacy.name not in names:
            accounts.append(legacy)
    return accounts


def select(accounts: Sequence[Account], only: Sequence[str]) -> list[Account]:
    """The accounts `--account` names (all of them without it), or ValueError."""
    if not only:
        return list(accounts)
    known = {a.name: a for a in accounts}
    unknown = [n for n in only if n not in known]
    if unknown:
        raise ValueError(
            f"--account {unknown[0]} is not a configured account: "
            f"configured are {', '.join(sorted(known))}."
        )
    return [known[n] for n in dict.fromkeys(only)]
