"""Connection check: is this a token GitHub accepts for the account's billing endpoints, with
the scopes and access the loads need?

The token rules are GitHub's (shared/reference/github-billing-api-notes.md, section 4, and the
endpoints' docs): an enterprise's billing endpoints take classic tokens only, with
`manage_billing:enterprise` (usage, cost centers) and `manage_billing:copilot` or
`read:enterprise` (seats). An organization's billing endpoints name no classic scope (its owner
may read them) and also take a fine-grained token with the organization permission
Administration (read); its seats need `manage_billing:copilot` or `read:org` on a classic token.
A fine-grained token carries no scope list, so for it the check asks the endpoints themselves.

Each problem is one sentence; `run` refuses to load anything while there is one.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from pipelines.github_billing.accounts import BillingAccount
from pipelines.github_billing.client import GitHubApiError, GitHubClient
from pipelines.github_billing.rows import day_query
from pipelines.github_billing.settings import COST_CENTERS_PATH, SEATS_PATH, USAGE_PATH

BILLING_SCOPES = {"manage_billing:enterprise", "admin:enterprise"}
SEAT_SCOPES = {"manage_billing:copilot", "read:enterprise", "admin:enterprise"}
# admin:org is read:org's parent scope; a token created with it reports only admin:org
ORG_SEAT_SCOPES = {"manage_billing:copilot", "read:org", "admin:org"}
CLASSIC_PAT_HELP = (
    "create one under Settings > Developer settings > Personal access tokens > Tokens (classic) "
    "with the manage_billing:enterprise and manage_billing:copilot scopes"
)
ORG_TOKEN_HELP = (
    "use a classic personal access token of an organization owner with the read:org scope, or a "
    "fine-grained one with the organization permission Administration (read)"
)
OTHER_PREFIXES = {
    "gho_": "an OAuth app token",
    "ghu_": "a GitHub App user token",
    "ghs_": "a GitHub App installation token",
    "ghr_": "a refresh token",
}
FINE_GRAINED_PREFIX = "github_pat_"


@dataclass
class CheckReport:
    problems: list[str] = field(default_factory=list)
    can_load: list[str] = field(default_factory=list)
    scopes: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        return not self.problems


def token_shape_problem(token: str, account: BillingAccount | None = None) -> str | None:
    """Reject tokens the account's billing endpoints cannot use, before any request (an
    enterprise when no account is given)."""
    token = token.strip()
    organization = account is not None and account.accepts_fine_grained_tokens
    help_text = ORG_TOKEN_HELP if organization else CLASSIC_PAT_HELP
    if not token:
        return (
            "No access token is configured: set SOURCES__GITHUB_BILLING__ACCESS_TOKEN or "
            f"access_token in .dlt/secrets.toml; {help_text}."
        )
    if token.startswith(FINE_GRAINED_PREFIX):
        if organization:
            return None
        return (
            "The token is a fine-grained personal access token (github_pat_...), which GitHub's "
            f"enterprise billing endpoints do not accept: {CLASSIC_PAT_HELP}."
        )
    for prefix, kind in OTHER_PREFIXES.items():
        if token.startswith(prefix):
            return (
                f"The token is {kind} ({prefix}...), not a personal access token: {help_text}."
                if organization
                else f"The token is {kind} ({prefix}...), not a classic personal access token: "
                f"{CLASSIC_PAT_HELP}."
            )
    is_legacy_classic = len(token) == 40 and all(c in "0123456789abcdef" for c in token)
    if not token.startswith("ghp_") and not is_legacy_classic:
        return (
            f"The token does not look like a classic personal access token (ghp_...): {help_text}."
        )
    return None


def check_connection(client: GitHubClient) -> CheckReport:
    report = CheckReport()
    shape = client.token_problem
    if shape:
        report.problems.append(shape)
        return report
    try:
        client.get_json("/rate_limit")
    except GitHubApiError as exc:
        report.problems.append(str(exc))
        return report
    scopes = set(client.last_scopes or ())
    report.scopes = tuple(sorted(scopes))
    if client.account.is_organization:
        _check_organization(client, client.has_fine_grained_token, report)
    else:
        _check_enterprise(client, scopes, report)
    return report


def _check_enterprise(client: GitHubClient, scopes: set[str], report: CheckReport) -> None:
    billing_ok = bool(scopes & BILLING_SCOPES)
    seats_ok = bool(scopes & SEAT_SCOPES)
    if not billing_ok:
        report.problems.append(
            "The token lacks the manage_billing:enterprise scope (admin:enterprise also covers "
            f"it), which usage, Copilot usage and cost centers need; it has: "
            f"{', '.join(sorted(scopes)) or 'no scopes'}. Edit the token on GitHub and add it."
        )
    if not seats_ok:
        report.problems.append(
            "The token lacks the manage_billing:copilot scope (read:enterprise or "
            "admin:enterprise also cover it), which Copilot seat assignments need. Edit the "
            "token on GitHub and add it."
        )
    if billing_ok:
        try:
            client.get_json(client.path(COST_CENTERS_PATH), params={"state": "active"})
            report.can_load += [
                "usage items (Actions, Packages, Git LFS, Copilot, Codespaces...)",
                "Copilot premium requests and AI credits by model",
                "cost centers",
            ]
        except GitHubApiError as exc:
            report.problems.append(str(exc))
            return
    if seats_ok:
        _probe_seats(client, report)


def _check_organization(client: GitHubClient, fine_grained: bool, report: CheckReport) -> None:
    """No scope rule for the billing endpoints (GitHub documents none for classic tokens, and a
    fine-grained token has permissions instead): one day of usage says whether they answer."""
    scopes = set(report.scopes)
    yesterday = datetime.now(UTC).date() - timedelta(days=1)
    try:
        client.get_json(client.path(USAGE_PATH), params=day_query(yesterday))
        report.can_load += [
            "usage items (Actions, Packages, Git LFS, Copilot, Codespaces...)",
            "Copilot premium requests and AI credits by model",
        ]
    except GitHubApiError as exc:
        report.problems.append(str(exc))
        return
    if not fine_grained and not scopes & ORG_SEAT_SCOPES:
        report.problems.append(
            "The token lacks the read:org scope (manage_billing:copilot or admin:org also cover "
            "it), which the organization's Copilot seat assignments need. Edit the token on "
            "GitHub and add it."
        )
        return
    _probe_seats(client, report)


def _probe_seats(client: GitHubClient, report: CheckReport) -> None:
    try:
        client.get_json(client.path(SEATS_PATH), params={"per_page": 1})
        report.can_load.append("Copilot seat assignments")
    except GitHubApiError as exc:
        if str(exc) not in report.problems:
            report.problems.append(str(exc))
