"""Connection check: is this a classic PAT with the scopes and access the loads need?

Each problem is one sentence; `run` refuses to load anything while there is one.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from pipelines.github_billing.client import GitHubApiError, GitHubClient
from pipelines.github_billing.settings import COST_CENTERS_PATH, SEATS_PATH

BILLING_SCOPES = {"manage_billing:enterprise", "admin:enterprise"}
SEAT_SCOPES = {"manage_billing:copilot", "read:enterprise", "admin:enterprise"}
CLASSIC_PAT_HELP = (
    "create one under Settings > Developer settings > Personal access tokens > Tokens (classic) "
    "with the manage_billing:enterprise and manage_billing:copilot scopes"
)
OTHER_PREFIXES = {
    "gho_": "an OAuth app token",
    "ghu_": "a GitHub App user token",
    "ghs_": "a GitHub App installation token",
    "ghr_": "a refresh token",
}


@dataclass
class CheckReport:
    problems: list[str] = field(default_factory=list)
    can_load: list[str] = field(default_factory=list)
    scopes: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        return not self.problems


def token_shape_problem(token: str) -> str | None:
    """Reject tokens GitHub's enterprise billing endpoints cannot use, before any request."""
    token = token.strip()
    if not token:
        return (
            "No access token is configured: set SOURCES__GITHUB_BILLING__ACCESS_TOKEN or "
            f"access_token in .dlt/secrets.toml; {CLASSIC_PAT_HELP}."
        )
    if token.startswith("github_pat_"):
        return (
            "The token is a fine-grained personal access token (github_pat_...), which GitHub's "
            f"enterprise billing endpoints do not accept: {CLASSIC_PAT_HELP}."
        )
    for prefix, kind in OTHER_PREFIXES.items():
        if token.startswith(prefix):
            return (
                f"The token is {kind} ({prefix}...), not a classic personal access token: "
                f"{CLASSIC_PAT_HELP}."
            )
    is_legacy_classic = len(token) == 40 and all(c in "0123456789abcdef" for c in token)
    if not token.startswith("ghp_") and not is_legacy_classic:
        return (
            "The token does not look like a classic personal access token (ghp_...): "
            f"{CLASSIC_PAT_HELP}."
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
            return report
    if seats_ok:
        try:
            client.get_json(client.path(SEATS_PATH), params={"per_page": 1})
            report.can_load.append("Copilot seat assignments")
        except GitHubApiError as exc:
            if str(exc) not in report.problems:
                report.problems.append(str(exc))
    return report
