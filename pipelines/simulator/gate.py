"""What GitHub checks before it routes a request: User-Agent, API version, token, scopes or
fine-grained permissions, the primary rate limit, and that the path names this account.

`admit` answers either with the response that stops the request (401, 403, 404, `/rate_limit`
itself) or with what the route needs: the path after the account's prefix (`/enterprises/{slug}`,
or `/organizations/{org}` and `/orgs/{org}` for an organization account) and the headers every
answer carries (`X-OAuth-Scopes`, `x-ratelimit-*`).

Token rules, as GitHub documents them (shared/reference): the enterprise billing endpoints take
classic tokens only (`manage_billing:enterprise`; seats `manage_billing:copilot` or
`read:enterprise`). The organization billing endpoints name no classic scope (the caller must be
an organization admin) and accept a fine-grained token with the organization permission
Administration (read); organization seats take `manage_billing:copilot` or `read:org`, or a
fine-grained token with Administration or GitHub Copilot Business (read).
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from pipelines.simulator.payloads import Response, error

if TYPE_CHECKING:
    from pipelines.simulator.server import SimulatedAccount

DEMO_TOKEN = "ghp_" + "demo" * 9  # a classic-PAT-shaped token the simulator accepts
API_VERSIONS = ("2022-11-28", "2026-03-10")
BILLING_SCOPES = ("manage_billing:enterprise", "admin:enterprise")
SEAT_SCOPES = ("manage_billing:copilot", "read:enterprise", "admin:enterprise")
# admin:org is read:org's parent scope, which covers it
ORG_SEAT_SCOPES = ("manage_billing:copilot", "read:org", "admin:org")
ORG_ADMINISTRATION_READ = "organization_administration=read"
ORG_BILLING_PERMISSIONS = (ORG_ADMINISTRATION_READ,)
ORG_SEAT_PERMISSIONS = (ORG_ADMINISTRATION_READ, "organization_copilot_seat_management=read")


@dataclass
class TokenInfo:
    scopes: tuple[str, ...] = ("admin:enterprise",)
    revoked: bool = False
    user_id: int = 1
    # a fine-grained token's permissions, as GitHub's X-Accepted-GitHub-Permissions spells them
    permissions: tuple[str, ...] = ()


@dataclass
class RateLimit:
    """GitHub's primary limit: `limit` requests per `window_seconds` of `clock` time. The
    benchmark passes a compressed clock so an hour's budget and reset pass in seconds."""

    limit: int = 5000
    window_seconds: float = 3600.0
    used: int = 0
    reset_at: float = 0.0
    enforce: bool = True
    clock: Callable[[], float] = time.time
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    def charge(self) -> tuple[bool, dict[str, str]]:
        """Charge one request to the budget; False when it is exhausted."""
        with self._lock:
            now = self.clock()
            if now >= self.reset_at:
                self.used, self.reset_at = 0, now + self.window_seconds
            allowed = not self.enforce or self.used < self.limit
            if allowed:
                self.used += 1
            headers = {
                "x-ratelimit-limit": str(self.limit),
                "x-ratelimit-remaining": str(max(0, self.limit - self.used)),
                "x-ratelimit-used": str(self.used),
                "x-ratelimit-reset": str(int(self.reset_at)),
                "x-ratelimit-resource": "core",
            }
        return allowed, headers

    def status(self) -> dict[str, Any]:
        """The `/rate_limit` body (checking it costs nothing, as on GitHub)."""
        core = {
            "limit": self.limit,
            "used": self.used,
            "remaining": max(0, self.limit - self.used),
            "reset": int(self.reset_at or self.clock() + self.window_seconds),
        }
        return {"resources": {"core": core}, "rate": core}


@dataclass(frozen=True)
class Admitted:
    """A request GitHub lets through: the path after the account's prefix, and the headers
    its answer carries whatever the route says."""

    rest: str
    headers: dict[str, str]


def admit(sim: SimulatedAccount, headers: Any, path: str) -> Response | Admitted:
    if not headers.get("User-Agent"):
        return error(
            403,
            "Request forbidden by administrative rules. "
            "Please make sure your request has a User-Agent header",
        )
    version = headers.get("X-GitHub-Api-Version")
    if version and version not in API_VERSIONS:
        return error(400, f"Invalid API version: {version}")

    auth = headers.get("Authorization", "")
    token = auth.split(" ", 1)[1].strip() if " " in auth else ""
    if not token:
        return error(401, "Requires authentication")
    info = sim.tokens.get(token)
    if info is None and token in sim.neighbour_tokens():
        # a user of the same GitHub host who administers another account: GitHub hides
        # accounts a user cannot see behind 404, not 401
        return error(404, "Not Found")
    if info is None or info.revoked:
        return error(401, "Bad credentials")

    answer: dict[str, str] = {"X-GitHub-Api-Version-Selected": version or API_VERSIONS[0]}
    fine_grained = token.startswith("github_pat_")
    if not fine_grained:
        answer["X-OAuth-Scopes"] = ", ".join(info.scopes)
    if path == "/rate_limit":
        return 200, sim.rate_limit.status(), answer

    allowed, budget = sim.rate_limit.charge()
    answer.update(budget)
    if not allowed:
        return error(
            403,
            f"API rate limit exceeded for user ID {info.user_id}. If you reach out to GitHub "
            "Support for help, please include the request ID.",
            answer,
        )

    rest = account_rest(sim, path)
    if rest is None:
        return error(404, "Not Found", answer)
    refused = (
        _organization_refusal(rest, info, fine_grained, answer)
        if sim.enterprise.is_organization
        else _enterprise_refusal(rest, info, fine_grained, answer)
    )
    return refused or Admitted(rest, answer)


def account_rest(sim: SimulatedAccount, path: str) -> str | None:
    """The path after the prefix that names this account, or None when it names another one."""
    if sim.enterprise.is_organization:
        match = re.fullmatch(r"/organizations/([^/]+)(/settings/billing/.*)", path)
        match = match or re.fullmatch(r"/orgs/([^/]+)(/copilot/billing/seats)", path)
    else:
        match = re.fullmatch(r"/enterprises/([^/]+)(/.*)", path)
    if not match or match.group(1).lower() != sim.enterprise.slug.lower():
        return None
    return match.group(2)


def _enterprise_refusal(
    rest: str, info: TokenInfo, fine_grained: bool, answer: dict[str, str]
) -> Response | None:
    if fine_grained:
        return error(403, "Resource not accessible by personal access token", answer)
    needed = SEAT_SCOPES if rest.startswith("/copilot/") else BILLING_SCOPES
    if not set(needed) & set(info.scopes):
        return error(
            403,
            "You must be an enterprise admin or billing manager and use a token with the "
            f"{needed[0]} scope.",
            {**answer, "X-Accepted-OAuth-Scopes": ", ".join(needed)},
        )
    return None


def _organization_refusal(
    rest: str, info: TokenInfo, fine_grained: bool, answer: dict[str, str]
) -> Response | None:
    seats = rest.startswith("/copilot/")
    if fine_grained:
        wanted = ORG_SEAT_PERMISSIONS if seats else ORG_BILLING_PERMISSIONS
        if set(wanted) & set(info.permissions):
            return None
        return error(
            403,
            "Resource not accessible by personal access token",
            {**answer, "X-Accepted-GitHub-Permissions": "; ".join(wanted)},
        )
    if seats and not set(ORG_SEAT_SCOPES) & set(info.scopes):
        return error(
            403,
            "You must be an organization owner and use a token with the manage_billing:copilot "
            "or read:org scope.",
            {**answer, "X-Accepted-OAuth-Scopes": ", ".join(ORG_SEAT_SCOPES)},
        )
    return None
