"""Several billing accounts served at once, as GitHub serves them: enterprises and organizations
on api.github.com, and a data-residency enterprise on its own `api.<subdomain>.ghe.com` host.

Each account keeps its own data, tokens, rate limit, request log and ground truth. A token
administers only its own account: on the same host another account's token is a real user who
cannot see this account (GitHub answers 404), on another host it is unknown (401).

A GHE.com host name reaches the simulator without DNS or /etc/hosts: the simulator is also an
HTTP proxy. A client told to use it as one (`proxy_env()`: HTTP_PROXY, as `requests` reads it)
sends `GET http://api.acme-eu.ghe.com/... HTTP/1.1` to 127.0.0.1, and the simulator answers for
the host the request names. The client's configuration is the one a user writes
(`base_url = "http://api.acme-eu.ghe.com"`, http because the simulator has no certificate).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date

from pipelines.github_billing.config import SIMULATED_HOSTS_ENV
from pipelines.simulator.enterprise import ORGANIZATION, Enterprise, EnterpriseSize
from pipelines.simulator.gate import (
    ORG_ADMINISTRATION_READ,
    TokenInfo,
    account_rest,
)
from pipelines.simulator.server import HttpServer, SimulatedAccount

GITHUB_COM = "api.github.com"


def _token(prefix: str, name: str, length: int) -> str:
    """A token of the right shape, different for every account name."""
    body = "".join(c for c in name.lower() if c.isalnum()) or "x"
    return prefix + (body * length)[: length - len(prefix)]


def classic_token(name: str) -> str:
    return _token("ghp_", name, 40)


def fine_grained_token(name: str) -> str:
    return _token("github_pat_11", name, 93)


@dataclass
class HostedAccount:
    """An account and the API host it lives on (`api.github.com` or `api.<sub>.ghe.com`)."""

    name: str
    account: SimulatedAccount
    host: str = GITHUB_COM

    @property
    def token(self) -> str:
        """The account's first classic token: the one a user would configure."""
        return next(t for t in self.account.tokens if not t.startswith("github_pat_"))


@dataclass
class MultiAccountSimulator:
    """Serves every account of `hosted` on one port of 127.0.0.1. Use as a context manager."""

    hosted: list[HostedAccount]
    port: int = 0
    _http: HttpServer = field(init=False, repr=False)

    def __post_init__(self) -> None:
        names = [h.name for h in self.hosted]
        if len(set(names)) != len(names):
            raise ValueError(f"account names must be unique: {names}")
        for hosted in self.hosted:
            hosted.account.neighbours = [
                other.account
                for other in self.hosted
                if other is not hosted and other.host == hosted.host
            ]
        self._http = HttpServer(self.resolve, port=self.port)

    # -- lifecycle ----------------------------------------------------------------------------
    def __enter__(self) -> MultiAccountSimulator:
        self._http.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._http.stop()

    # -- what a test or the demo configures ---------------------------------------------------
    def __getitem__(self, name: str) -> SimulatedAccount:
        return self.hosted_account(name).account

    def __iter__(self) -> Iterator[HostedAccount]:
        return iter(self.hosted)

    def hosted_account(self, name: str) -> HostedAccount:
        found = next((h for h in self.hosted if h.name == name), None)
        if found is None:
            raise KeyError(f"no simulated account named {name!r}")
        return found

    @property
    def address(self) -> str:
        """http://127.0.0.1:PORT: api.github.com's accounts, and the proxy for GHE.com hosts."""
        return self._http.base_url

    def base_url(self, name: str) -> str:
        """The `base_url` a user configures for the account."""
        host = self.hosted_account(name).host
        return self.address if host == GITHUB_COM else f"http://{host}"

    def proxy_env(self) -> dict[str, str]:
        """Environment that sends GHE.com hosts' requests through the simulator (both spellings:
        Python's lower-case variables win over upper-case ones)."""
        env = {"HTTP_PROXY": self.address, "NO_PROXY": "127.0.0.1,localhost"}
        hosts = sorted({h.host for h in self.hosted if h.host != GITHUB_COM})
        return {
            **env,
            **{key.lower(): value for key, value in env.items()},
            # what the configuration's http check accepts: these hosts are this machine's
            SIMULATED_HOSTS_ENV: ",".join(hosts),
        }

    def ground_truth(self) -> dict[str, dict[str, object]]:
        """Each account's own truth (per day and partition, per product, in total), by name."""
        return {
            h.name: {**h.account.enterprise.ground_truth(), "host": h.host} for h in self.hosted
        }

    # -- routing ------------------------------------------------------------------------------
    def resolve(self, host: str, path: str, token: str) -> SimulatedAccount | None:
        """The account a request is for: the one its path names on its host; else the token's
        own account (which answers 404 for a path naming no account it knows)."""
        if host.endswith(".ghe.com"):
            here = [h.account for h in self.hosted if h.host == host]
        else:
            here = [h.account for h in self.hosted if h.host == GITHUB_COM]
        named = next((a for a in here if account_rest(a, path) is not None), None)
        owner = next((a for a in here if token in a.tokens), None)
        return named or owner or (here[0] if here else None)


def three_accounts(
    today: date, seed: int = 42, size: EnterpriseSize | None = None
) -> list[HostedAccount]:
    """The demo's and the tests' accounts: an enterprise on github.com, a data-residency
    enterprise on GHE.com and an organization-scoped account, each with its own sizes, seed and
    token; the organization's admin also has a fine-grained token with Administration (read).
    `size` is the first enterprise's (the demo's flags); the others span as many days."""
    org_fine_grained = fine_grained_token("octo-shop")
    size = size or EnterpriseSize()
    days = size.days
    return [
        HostedAccount(
            "acme",
            SimulatedAccount(
                Enterprise(slug="acme-corp", seed=seed, today=today, size=size),
                tokens={classic_token("acme"): TokenInfo()},
            ),
        ),
        HostedAccount(
            "acme-eu",
            SimulatedAccount(
                Enterprise(
                    slug="acme-eu",
                    seed=seed + 1,
                    today=today,
                    size=EnterpriseSize(
                        orgs=2, repos=6, seat_holders=12, cost_centers=2, days=days
                    ),
                ),
                tokens={classic_token("acme-eu"): TokenInfo()},
            ),
            host="api.acme-eu.ghe.com",
        ),
        HostedAccount(
            "octo-shop",
            SimulatedAccount(
                Enterprise(
                    slug="octo-shop",
                    seed=seed + 2,
                    today=today,
                    kind=ORGANIZATION,
                    size=EnterpriseSize(orgs=1, repos=5, seat_holders=5, cost_centers=0, days=days),
                ),
                tokens={
                    classic_token("octo-shop"): TokenInfo(scopes=("read:org",)),
                    org_fine_grained: TokenInfo(scopes=(), permissions=(ORG_ADMINISTRATION_READ,)),
                },
            ),
        ),
    ]
