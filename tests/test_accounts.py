"""Several billing accounts: an organization-scoped account loads through GitHub's organization
endpoints, a data-residency enterprise through its own GHE.com host, every account's token
works only for its own account, and `check` applies each kind's documented token rules."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from pipelines.config_check import unknown_key_problems
from pipelines.github_billing import BillingAccount, GitHubClient, github_billing
from pipelines.github_billing.check import check_connection
from pipelines.runner import load
from pipelines.simulator import (
    Enterprise,
    EnterpriseSize,
    MultiAccountSimulator,
    Simulator,
    three_accounts,
)
from pipelines.simulator.accounts import fine_grained_token
from pipelines.simulator.enterprise import ORGANIZATION
from pipelines.simulator.gate import TokenInfo
from tests.conftest import TODAY, query

# one worker loads the three accounts once (make test runs pytest-xdist)
pytestmark = pytest.mark.xdist_group("accounts")

RAW = "github_billing_raw"
# The organization's usage spans the 2026-06-01 switch from premium requests to AI credits.
START = date(2026, 5, 20)


@pytest.fixture(scope="module")
def accounts() -> Iterator[MultiAccountSimulator]:
    with MultiAccountSimulator(three_accounts(TODAY, seed=7)) as sim:
        yield sim


def client_for(sim: MultiAccountSimulator, name: str, token: str | None = None) -> GitHubClient:
    hosted = sim.hosted_account(name)
    ent = hosted.account.enterprise
    return GitHubClient(
        sim.base_url(name), token or hosted.token, BillingAccount(ent.kind, ent.slug)
    )


def load_account(db: Path, sim: MultiAccountSimulator, name: str, **source_args: object) -> object:
    client = client_for(sim, name)
    source_args.setdefault("today", TODAY.isoformat())
    source_args.setdefault("start_date", START.isoformat())
    return load(db, client, **source_args)


def net_by_day(db: Path, table: str) -> dict[date, Decimal]:
    found = query(db, f"select usage_date, sum(net_amount) from {RAW}.{table} group by 1")
    return {day: Decimal(net) for day, net in found}


@pytest.fixture(scope="module")
def org_db(accounts: MultiAccountSimulator, tmp_path_factory: pytest.TempPathFactory) -> Path:
    db = tmp_path_factory.mktemp("org") / "billing.duckdb"
    accounts["octo-shop"].clear_requests()
    load_account(db, accounts, "octo-shop", usage_exports=True)
    return db


def test_an_organization_accounts_usage_matches_its_own_truth_to_the_cent(
    org_db: Path, accounts: MultiAccountSimulator
) -> None:
    truth = accounts.ground_truth()["octo-shop"]
    assert truth["kind"] == ORGANIZATION
    expected = {
        date.fromisoformat(day): Decimal(partitions["none"]["net"])
        for day, partitions in truth["by_day"].items()  # type: ignore[attr-defined]
        if date.fromisoformat(day) >= START and partitions
    }
    assert net_by_day(org_db, "usage_items") == expected  # exact: Decimal all the way
    assert {
        r[0] for r in query(org_db, f"select distinct cost_center_id from {RAW}.usage_items")
    } == {"none"}
    assert query(
        org_db, f"select billing_account_id, billing_account_kind from {RAW}.billing_accounts"
    ) == [("octo-shop", "organization")]


def test_an_organizations_copilot_usage_by_model_and_by_user_match_its_truth(
    org_db: Path, accounts: MultiAccountSimulator
) -> None:
    ent = accounts["octo-shop"].enterprise
    truth: dict[date, Decimal] = defaultdict(Decimal)
    for day in ent.days():
        for row in ent.day_usage(day).user_usage:
            if day >= START:
                truth[day] += row["net_amount"]
    by_model = net_by_day(org_db, "premium_request_usage")
    by_model.update(net_by_day(org_db, "ai_credit_usage"))
    assert {d: v for d, v in by_model.items() if v} == {d: v for d, v in truth.items() if v}
    # per user through the user= filter: an organization has no usage-report exports
    by_user = net_by_day(org_db, "copilot_user_usage")
    assert sum(by_user.values()) == sum(truth.values()) > 0
    assert {
        r[0] for r in query(org_db, f"select distinct report_type from {RAW}.copilot_user_usage")
    } == {
        "premium_request_api",
        "ai_credit_api",
    }


def test_an_organization_is_read_through_its_own_endpoints_only(
    org_db: Path, accounts: MultiAccountSimulator
) -> None:
    log = accounts["octo-shop"].requests
    paths = {r.path for r in log}
    assert paths == {
        "/organizations/octo-shop/settings/billing/usage",
        "/organizations/octo-shop/settings/billing/premium_request/usage",
        "/organizations/octo-shop/settings/billing/ai_credit/usage",
        "/orgs/octo-shop/copilot/billing/seats",
    }
    assert all(r.status == 200 for r in log)
    assert not any("cost_center_id" in r.query for r in log)
    assert any("user" in r.query for r in log)
    tables = {r[0] for r in query(org_db, "select table_name from information_schema.tables")}
    assert "usage_items" in tables and "copilot_seats" in tables
    # The contract creates every raw table on the first load; an organization leaves these empty.
    for empty in ("cost_centers", "cost_center_resources", "detailed_usage"):
        assert empty in tables
        assert query(org_db, f"select count(*) from {RAW}.{empty}") == [(0,)]


def test_the_ghe_com_enterprise_loads_through_its_own_host(
    accounts: MultiAccountSimulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for key, value in accounts.proxy_env().items():
        monkeypatch.setenv(key, value)
    eu, acme = accounts["acme-eu"], accounts["acme"]
    eu.clear_requests()
    acme.clear_requests()
    assert accounts.base_url("acme-eu") == "http://api.acme-eu.ghe.com"
    db = tmp_path / "eu.duckdb"
    load_account(db, accounts, "acme-eu", start_date="2026-11-01", usage_exports=True)
    truth = accounts.ground_truth()["acme-eu"]["by_day"]
    expected = {
        date.fromisoformat(day): sum((Decimal(p["net"]) for p in parts.values()), Decimal(0))
        for day, parts in truth.items()  # type: ignore[attr-defined]
        if day >= "2026-11-01"
    }
    assert net_by_day(db, "usage_items") == expected
    assert query(db, f"select billing_account_id, api_base_url from {RAW}.billing_accounts") == [
        ("acme-eu", "http://api.acme-eu.ghe.com")
    ]
    assert query(db, f"select count(*) from {RAW}.detailed_usage")[0][0] > 0  # exports too
    assert eu.requests and not acme.requests


def test_a_ghe_com_enterprise_is_not_found_on_api_github_com(
    accounts: MultiAccountSimulator,
) -> None:
    token = accounts.hosted_account("acme-eu").token
    client = GitHubClient(accounts.address, token, "acme-eu")
    report = check_connection(client)
    assert len(report.problems) == 1
    assert "revoked, expired or mistyped" in report.problems[0]  # another GitHub: unknown


@pytest.mark.parametrize("owner", ["acme", "acme-eu", "octo-shop"])
@pytest.mark.parametrize("account", ["acme", "acme-eu", "octo-shop"])
def test_each_accounts_token_is_refused_by_the_others(
    accounts: MultiAccountSimulator, monkeypatch: pytest.MonkeyPatch, owner: str, account: str
) -> None:
    for key, value in accounts.proxy_env().items():
        monkeypatch.setenv(key, value)
    token = accounts.hosted_account(owner).token
    report = check_connection(client_for(accounts, account, token))
    if owner == account:
        assert report.ok, report.problems
        return
    assert report.problems and report.can_load == []
    same_host = accounts.hosted_account(owner).host == accounts.hosted_account(account).host
    if not same_host:  # another GitHub, where the token is no one's
        assert report.problems == [report.problems[0]]
        assert "revoked, expired or mistyped" in report.problems[0]
    elif token.startswith("ghp_") and owner == "acme":  # a real user who cannot see it
        assert len(report.problems) == 1
        assert report.problems[0].startswith("GitHub found no organization 'octo-shop'")


def test_check_accepts_a_fine_grained_administration_token_for_an_organization(
    accounts: MultiAccountSimulator,
) -> None:
    token = fine_grained_token("octo-shop")
    report = check_connection(client_for(accounts, "octo-shop", token))
    assert report.ok, report.problems
    assert "Copilot seat assignments" in report.can_load


def test_check_still_refuses_a_fine_grained_token_for_an_enterprise(
    accounts: MultiAccountSimulator,
) -> None:
    token = fine_grained_token("acme")
    accounts["acme"].clear_requests()
    report = check_connection(client_for(accounts, "acme", token))
    assert len(report.problems) == 1
    assert "fine-grained personal access token" in report.problems[0]
    assert "enterprise billing endpoints do not accept" in report.problems[0]
    assert accounts["acme"].requests == []


def organization(**tokens: TokenInfo) -> Simulator:
    ent = Enterprise(
        slug="octo-shop",
        seed=3,
        today=TODAY,
        kind=ORGANIZATION,
        size=EnterpriseSize(orgs=1, repos=3, seat_holders=4, cost_centers=0, days=10),
    )
    return Simulator(ent, tokens=tokens)


def test_a_fine_grained_token_without_administration_read_is_told_what_to_add() -> None:
    token = "github_pat_11" + "z" * 80
    with organization(**{token: TokenInfo(scopes=(), permissions=("contents=read",))}) as sim:
        client = GitHubClient(sim.base_url, token, BillingAccount("organization", "octo-shop"))
        report = check_connection(client)
    assert report.problems == [
        "GitHub refused the fine-grained token on "
        "/organizations/octo-shop/settings/billing/usage (403: Resource not accessible by "
        "personal access token): give it the organization permission Administration (read) "
        "(GitHub asks for organization_administration=read) for this organization, or use a "
        "classic personal access token."
    ]


def test_a_classic_organization_token_without_read_org_is_told_seats_need_it() -> None:
    token = "ghp_" + "o" * 36
    with organization(**{token: TokenInfo(scopes=("repo",))}) as sim:
        client = GitHubClient(sim.base_url, token, BillingAccount("organization", "octo-shop"))
        report = check_connection(client)
    assert len(report.problems) == 1 and "read:org scope" in report.problems[0]
    assert any("usage items" in c for c in report.can_load)


def test_an_enterprise_owned_organization_says_why_it_has_no_per_user_usage(
    tmp_path: Path,
) -> None:
    token = "ghp_" + "e" * 36
    with organization(**{token: TokenInfo(scopes=("read:org",))}) as sim:
        sim.enterprise.owner_enterprise = "acme-corp"
        client = GitHubClient(sim.base_url, token, BillingAccount("organization", "octo-shop"))
        start = sim.enterprise.first_day.isoformat()
        load(tmp_path / "b.duckdb", client, today=TODAY.isoformat(), start_date=start)
        refused = [r for r in sim.requests if r.status == 403]
    assert len(refused) == 1 and "user" in refused[0].query  # asked once, not per user and day
    assert client.warnings == [
        "GitHub does not let organization owners filter Copilot usage by user when an "
        "enterprise owns the organization (403 on "
        "/organizations/octo-shop/settings/billing/ai_credit/usage), so 'octo-shop' has "
        "no per-user Copilot usage here: load the owning enterprise as an account for it."
    ]
    assert query(tmp_path / "b.duckdb", f"select count(*) from {RAW}.usage_items")[0][0] > 0


def test_the_source_takes_an_organization_beside_an_enterprise() -> None:
    with pytest.raises(ValueError, match="exactly one of enterprise"):
        github_billing(enterprise="acme", organization="octo-shop", access_token="ghp_x")
    assert BillingAccount.from_config(None, "https://github.com/orgs/octo-shop") == BillingAccount(
        "organization", "octo-shop"
    )


def test_organization_is_a_known_configuration_key(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SOURCES__GITHUB_BILLING__ORGANIZATION", "octo-shop")
    monkeypatch.setenv("SOURCES__GITHUB_BILLING__ORGANISATION", "octo-shop")
    problems = unknown_key_problems(tmp_path)
    assert problems == [
        "Unknown environment variable SOURCES__GITHUB_BILLING__ORGANISATION (did you mean "
        "SOURCES__GITHUB_BILLING__ORGANIZATION?): fix or unset it."
    ]
