"""`github-billing check`: one plain sentence per problem, and what a good token can load."""

from __future__ import annotations

import socket

import pytest

from pipelines.github_billing import GitHubClient
from pipelines.github_billing.check import check_connection
from pipelines.simulator import Simulator
from pipelines.simulator.server import DEMO_TOKEN, TokenInfo
from tests.conftest import make_enterprise

BILLING_ONLY = "ghp_" + "b" * 36
NO_SCOPES = "ghp_" + "n" * 36
REVOKED = "ghp_" + "r" * 36
FINE_GRAINED = "github_pat_11ABCDEFG0123456789_abcdefghijklmnopqrstuvwxyz"


@pytest.fixture(scope="module")
def sim():
    tokens = {
        DEMO_TOKEN: TokenInfo(scopes=("admin:enterprise",)),
        BILLING_ONLY: TokenInfo(scopes=("manage_billing:enterprise",)),
        NO_SCOPES: TokenInfo(scopes=("repo", "read:org")),
        REVOKED: TokenInfo(revoked=True),
        FINE_GRAINED: TokenInfo(scopes=()),
    }
    with Simulator(make_enterprise(), tokens=tokens) as s:
        yield s


def check(sim: Simulator, token: str, slug: str | None = None, base_url: str | None = None):
    client = GitHubClient(base_url or sim.base_url, token, slug or sim.enterprise.slug)
    return check_connection(client), client


def test_a_classic_token_with_admin_enterprise_can_load_everything(sim) -> None:
    report, _ = check(sim, DEMO_TOKEN)
    assert report.ok
    assert any("usage items" in c for c in report.can_load)
    assert "Copilot seat assignments" in report.can_load


def test_a_fine_grained_token_is_refused_before_any_request(sim) -> None:
    sim.clear_requests()
    report, client = check(sim, FINE_GRAINED)
    assert report.problems == [report.problems[0]]
    assert "fine-grained personal access token" in report.problems[0]
    assert "Tokens (classic)" in report.problems[0]
    assert client.requests_made == 0 and sim.requests == []


@pytest.mark.parametrize(
    ("token", "kind"),
    [
        ("gho_" + "a" * 36, "OAuth app token"),
        ("ghs_" + "a" * 36, "installation token"),
        ("not-a-token", "does not look like a classic"),
    ],
)
def test_tokens_that_are_not_classic_pats_are_named(sim, token: str, kind: str) -> None:
    report, _ = check(sim, token)
    assert len(report.problems) == 1 and kind in report.problems[0]


def test_missing_scopes_are_each_named(sim) -> None:
    report, _ = check(sim, NO_SCOPES)
    assert len(report.problems) == 2
    assert "manage_billing:enterprise" in report.problems[0]
    assert "it has: read:org, repo" in report.problems[0]
    assert "manage_billing:copilot" in report.problems[1]


def test_a_token_without_copilot_scope_is_told_which_scope_seats_need(sim) -> None:
    report, _ = check(sim, BILLING_ONLY)
    assert report.problems == [
        "The token lacks the manage_billing:copilot scope (read:enterprise or admin:enterprise "
        "also cover it), which Copilot seat assignments need. Edit the token on GitHub and add it."
    ]
    assert "cost centers" in report.can_load


def test_a_wrong_slug_says_so(sim) -> None:
    report, _ = check(sim, DEMO_TOKEN, slug="acme-typo")
    assert len(report.problems) == 1
    assert report.problems[0].startswith("GitHub found no enterprise 'acme-typo'")


def test_a_revoked_token_says_so(sim) -> None:
    report, _ = check(sim, REVOKED)
    assert len(report.problems) == 1 and "revoked, expired or mistyped" in report.problems[0]


def test_an_unreachable_host_says_so() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    client = GitHubClient(f"http://127.0.0.1:{port}", DEMO_TOKEN, "acme")
    report = check_connection(client)
    assert len(report.problems) == 1
    assert report.problems[0].startswith(f"Could not reach GitHub at http://127.0.0.1:{port}")
