"""Several billing accounts in one store (issue #12).

Raw rows: every raw row carries its account (`billing_account_id`, first in every merge key),
each account loads through its own dlt pipeline (`github_billing__<name>`) into the same
dataset, and a load of one account deletes, replaces or retires only that account's rows.

The CLI: two enterprises (one on a GHE.com host) and an organization, configured the dlt way
(`[sources.github_billing.accounts.<name>]` sections and SOURCES__GITHUB_BILLING__ACCOUNTS__
<NAME>__<KEY> variables), loaded by `github-billing run` in a subprocess over HTTP from the
simulator: each account's raw rows equal its own truth to the cent, one account's run or failure
leaves the others alone, and `status` names each account's state. The single-enterprise keys
keep working, and a store of before accounts is migrated."""

from __future__ import annotations

import gzip
import json
import shutil
from collections.abc import Iterator
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from pipelines.github_billing import GitHubClient
from pipelines.github_billing.accounts import ENTERPRISE, BillingAccount
from pipelines.github_billing.contract import ACCOUNT_ID, TABLES
from pipelines.report_import import import_reports
from pipelines.runner import RunFailed, load
from pipelines.simulator import (
    Enterprise,
    EnterpriseSize,
    MultiAccountSimulator,
    Simulator,
    three_accounts,
)
from pipelines.simulator import faults as f
from pipelines.simulator import reports as sim_reports
from pipelines.simulator.accounts import HostedAccount, classic_token
from pipelines.simulator.gate import TokenInfo
from pipelines.simulator.server import DEMO_TOKEN, SimulatedAccount
from pipelines.store import pipelines_dir_for
from tests.conftest import TODAY, query
from tests.fixtures.pre_accounts import make as pre_accounts
from tests.test_cli import run_cli

RAW = "github_billing_raw"
SIZE = EnterpriseSize(orgs=2, repos=6, seat_holders=8, cost_centers=3, days=40, models=3)
START = TODAY - timedelta(days=20)
# a recent day the first account's GitHub restates, withdrawing its no-cost-center usage
RESTATED = TODAY - timedelta(days=3)


def two_enterprises() -> list[HostedAccount]:
    """Two enterprises whose organizations (`acme-<word>`) and cost centers share names."""
    return [
        HostedAccount(
            name,
            SimulatedAccount(
                Enterprise(slug=slug, seed=seed, today=TODAY, size=SIZE),
                tokens={classic_token(name): TokenInfo()},
            ),
        )
        for name, slug, seed in (("acme", "acme-corp", 11), ("labs", "acme-labs", 12))
    ]


def load_account(db: Path, sim: MultiAccountSimulator, name: str, **source_args: Any) -> None:
    hosted = sim.hosted_account(name)
    client = GitHubClient(
        sim.base_url(name), hosted.token, BillingAccount(ENTERPRISE, hosted.account.enterprise.slug)
    )
    source_args.setdefault("today", TODAY.isoformat())
    source_args.setdefault("start_date", START.isoformat())
    load(db, client, pipeline_name=f"github_billing__{name}", account_name=name, **source_args)


def rows_of(db: Path, account: str) -> dict[str, list[tuple[Any, ...]]]:
    """Every raw row of the account, dlt's load id and row key included: what another
    account's load must leave exactly as it was."""
    out = {}
    for name, table in TABLES.items():
        columns = ", ".join(f'"{c}"' for c in table.loaded_columns)
        out[name] = sorted(
            query(db, f"select {columns} from {RAW}.{name} where {ACCOUNT_ID} = ?", [account]),
            key=repr,
        )
    return out


def net_by_day(db: Path, account: str) -> dict[date, Decimal]:
    found = query(
        db,
        f"select usage_date, sum(net_amount) from {RAW}.usage_items "
        f"where {ACCOUNT_ID} = ? group by 1",
        [account],
    )
    return {day: Decimal(net) for day, net in found}


def truth_by_day(sim: MultiAccountSimulator, name: str) -> dict[date, Decimal]:
    by_day = sim.ground_truth()[name]["by_day"]
    return {
        date.fromisoformat(day): sum((Decimal(p["net"]) for p in parts.values()), Decimal(0))
        for day, parts in by_day.items()  # type: ignore[attr-defined]
        if date.fromisoformat(day) >= START and parts
    }


@pytest.fixture(scope="module")
def two(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[MultiAccountSimulator, Path]]:
    db = tmp_path_factory.mktemp("two") / "billing.duckdb"
    with MultiAccountSimulator(two_enterprises()) as sim:
        load_account(db, sim, "acme")
        load_account(db, sim, "labs")
        yield sim, db


def test_every_raw_table_leads_its_keys_with_the_billing_account() -> None:
    for table in TABLES.values():
        assert table.columns[0].name == ACCOUNT_ID and not table.columns[0].nullable
        for key in (table.merge_key, table.primary_key):
            assert not key or key[0] == ACCOUNT_ID, table.name
    assert TABLES["usage_items"].merge_key == (ACCOUNT_ID, "usage_date", "cost_center_id")
    assert TABLES["copilot_seats"].merge_key == (ACCOUNT_ID, "snapshot_date")
    # an scd2 load retires only the active rows whose merge key the load holds
    assert TABLES["cost_center_resources"].merge_key == (ACCOUNT_ID,)
    assert TABLES["billing_accounts"].primary_key == (ACCOUNT_ID,)


def test_each_account_has_its_rows_in_every_table_and_its_own_totals_to_the_cent(
    two: tuple[MultiAccountSimulator, Path],
) -> None:
    sim, db = two
    assert query(
        db,
        f"select {ACCOUNT_ID}, billing_account_kind, billing_account_name, "
        f"billing_account_login, api_base_url from {RAW}.billing_accounts order by 1",
    ) == [
        ("acme", "enterprise", "acme", "acme-corp", sim.address),
        ("labs", "enterprise", "labs", "acme-labs", sim.address),
    ]
    for account in ("acme", "labs"):
        held = rows_of(db, account)
        for table in ("usage_items", "copilot_seats", "cost_centers", "cost_center_resources"):
            assert held[table], (account, table)
        assert net_by_day(db, account) == truth_by_day(sim, account)
    # the two enterprises name their cost centers alike: the raw rows keep both
    names = query(
        db,
        f"select name, count(distinct {ACCOUNT_ID}) from {RAW}.cost_centers group by 1 order by 1",
    )
    assert names and all(accounts == 2 for _, accounts in names)


def test_a_second_run_of_one_account_leaves_the_others_rows_untouched(
    two: tuple[MultiAccountSimulator, Path],
) -> None:
    sim, db = two
    labs_before = rows_of(db, "labs")
    acme_before = rows_of(db, "acme")
    # acme's GitHub withdraws a day's usage in no cost center; labs has usage that day too
    sim["acme"].enterprise.restate(RESTATED, empty=["none"])
    labs_none = query(
        db,
        f"select count(*) from {RAW}.usage_items where {ACCOUNT_ID} = 'labs' "
        "and usage_date = ? and cost_center_id = 'none'",
        [RESTATED],
    )
    assert labs_none[0][0] > 0
    load_account(db, sim, "acme")
    assert rows_of(db, "labs") == labs_before  # every row, load id and row key included
    # acme's own day was replaced: the withdrawn partition is gone, the totals are the truth
    assert net_by_day(db, "acme") == truth_by_day(sim, "acme")
    acme_none = query(
        db,
        f"select count(*) from {RAW}.usage_items where {ACCOUNT_ID} = 'acme' "
        "and usage_date = ? and cost_center_id = 'none'",
        [RESTATED],
    )
    assert acme_none == [(0,)]
    # acme's snapshot of today's seats was replaced by the re-run, not added to
    assert len(rows_of(db, "acme")["copilot_seats"]) == len(acme_before["copilot_seats"])
    # neither account's cost-center resources were retired by the other's run
    active = query(
        db,
        f"select {ACCOUNT_ID}, count(*) from {RAW}.cost_center_resources "
        "where _dlt_valid_to is null group by 1 order by 1",
    )
    assert active == [
        (
            account,
            len(
                acme_before["cost_center_resources"]
                if account == "acme"
                else labs_before["cost_center_resources"]
            ),
        )
        for account in ("acme", "labs")
    ]


def test_an_import_replaces_only_its_own_accounts_days(
    two: tuple[MultiAccountSimulator, Path], tmp_path: Path
) -> None:
    sim, db = two
    labs_before = rows_of(db, "labs")
    acme = sim["acme"].enterprise
    first, last = START, TODAY - timedelta(days=1)
    report = tmp_path / "detailed.csv"
    report.write_bytes(sim_reports.report_files(acme, "detailed", first, last)[0])
    with pytest.raises(RunFailed) as refused:
        import_reports(db, [report])
    assert str(refused.value) == (
        f"{db} holds the accounts acme, labs: name the account the reports belong to "
        "(account_name); nothing was imported."
    )
    import_reports(db, [report], "acme")
    assert rows_of(db, "labs") == labs_before
    imported = query(
        db,
        f"select usage_date, sum(net_amount) from {RAW}.detailed_usage "
        f"where {ACCOUNT_ID} = 'acme' group by 1",
    )
    truth = sim_reports.net_by_day(acme, first, last)
    assert {d.isoformat(): Decimal(v) for d, v in imported} == truth


# -- the CLI: accounts configured the dlt way, `run`, `status`, old stores ---------------------
CLI_SIZE = EnterpriseSize(orgs=2, repos=3, seat_holders=4, cost_centers=2, days=12, models=2)
CLI_START = TODAY - timedelta(days=10)
# the store's account names -> the simulator's accounts (names of the store are the user's)
SIMULATED = {"acme": "acme", "acme-eu": "acme-eu", "octo": "octo-shop"}
REVOKED = "ghp_" + "0" * 36
FIXTURE = Path(__file__).parent / "fixtures" / "pre_accounts" / "billing.duckdb.gz"


@pytest.fixture
def accounts() -> Iterator[MultiAccountSimulator]:
    with MultiAccountSimulator(three_accounts(TODAY, seed=7, size=CLI_SIZE)) as sim:
        yield sim


def configure(project: Path, sim: MultiAccountSimulator, octo_token: str | None = None) -> dict:
    """A user's project: the two enterprises in .dlt/config.toml and secrets.toml, the
    organization in environment variables (a name without '-', as shells need). Returns the
    environment to run the CLI with (GHE.com hosts reach the simulator through its proxy)."""
    dlt_dir = project / ".dlt"
    dlt_dir.mkdir(parents=True)
    (dlt_dir / "config.toml").write_text(
        "[sources.github_billing]\n"
        f'start_date = "{CLI_START}"\n'
        "usage_exports = false\n"
        "backfill_via_exports = false\n"
        "\n[sources.github_billing.accounts.acme]\n"
        'enterprise = "acme-corp"\n'
        f'base_url = "{sim.base_url("acme")}"\n'
        "\n[sources.github_billing.accounts.acme-eu]\n"
        'enterprise = "acme-eu"\n'
        f'base_url = "{sim.base_url("acme-eu")}"\n'
    )
    (dlt_dir / "secrets.toml").write_text(
        "[sources.github_billing.accounts.acme]\n"
        f'access_token = "{sim.hosted_account("acme").token}"\n'
        "[sources.github_billing.accounts.acme-eu]\n"
        f'access_token = "{sim.hosted_account("acme-eu").token}"\n'
    )
    return {
        **sim.proxy_env(),
        "SOURCES__GITHUB_BILLING__ACCOUNTS__OCTO__ORGANIZATION": "octo-shop",
        "SOURCES__GITHUB_BILLING__ACCOUNTS__OCTO__BASE_URL": sim.base_url("octo-shop"),
        "SOURCES__GITHUB_BILLING__ACCOUNTS__OCTO__ACCESS_TOKEN": octo_token
        or sim.hosted_account("octo-shop").token,
    }


def run(project: Path, env: dict, db: Path, *args: str) -> object:
    return run_cli(
        "run", "--db", str(db), "--today", TODAY.isoformat(), *args, env=env, cwd=project
    )


def truth(sim: MultiAccountSimulator, name: str, since: date = CLI_START) -> dict[date, Decimal]:
    """The account's net cost per day, from the simulator's own ledger (`name`: the store's
    name of the account, or the simulator's)."""
    by_day = sim.ground_truth()[SIMULATED.get(name, name)]["by_day"]
    found = {
        date.fromisoformat(day): sum((Decimal(p["net"]) for p in parts.values()), Decimal(0))
        for day, parts in by_day.items()  # type: ignore[attr-defined]
        if date.fromisoformat(day) >= since
    }
    return {day: net for day, net in found.items() if net}


def loaded(db: Path, name: str, table: str = "usage_items") -> dict[date, Decimal]:
    found = query(
        db,
        f"select usage_date, sum(net_amount) from {RAW}.{table} where billing_account_id = ? "
        "group by 1",
        [name],
    )
    return {day: Decimal(net) for day, net in found if net}


def rows_of_others(db: Path, name: str) -> dict[str, list[tuple]]:
    """Every raw row (dlt's load ids included) of the accounts other than `name`."""
    tables = [
        t
        for (t,) in query(
            db,
            "select table_name from information_schema.columns where table_schema = ? and "
            "column_name = 'billing_account_id' order by 1",
            [RAW],
        )
    ]
    return {
        t: query(
            db, f'select * from {RAW}."{t}" where billing_account_id <> ? order by all', [name]
        )
        for t in tables
    }


def test_three_accounts_load_into_one_store_each_to_the_cent_and_dbt_builds_once(
    accounts: MultiAccountSimulator, tmp_path: Path
) -> None:
    env, db = configure(tmp_path, accounts), tmp_path / "billing.duckdb"
    done = run(tmp_path, env, db)
    assert done.returncode == 0, done.stderr
    for name in SIMULATED:
        assert loaded(db, name) == truth(accounts, name) != {}, name
    # one row per account, under its name in the store, with its own login and host
    assert query(
        db,
        "select billing_account_id, billing_account_kind, api_base_url "
        f"from {RAW}.billing_accounts order by 1",
    ) == [
        ("acme", "enterprise", accounts.base_url("acme")),
        ("acme-eu", "enterprise", "http://api.acme-eu.ghe.com"),
        ("octo", "organization", accounts.base_url("octo-shop")),
    ]
    # every account was read with its own token, on its own host, and never refused
    for hosted in accounts:
        assert hosted.account.requests and {r.status for r in hosted.account.requests} == {200}
    assert done.stdout.count("dbt build: all models and tests passed.") == 1
    assert done.stdout.count("BI file (open it from BI tools") == 1
    assert "All 3 accounts loaded: acme, acme-eu, octo." in done.stdout
    bills = {name: sum(truth(accounts, name).values(), Decimal(0)) for name in SIMULATED}
    assert "Net cost by account:" in done.stdout
    for name, bill in bills.items():
        assert any(
            line.split()[:2] == [name, f"${bill:,.2f}"] for line in done.stdout.splitlines()
        ), name
    assert f"Total net cost: ${sum(bills.values()):,.2f}" in done.stdout
    # one dlt pipeline per account: cursors, drift totals and export state are the account's
    pipelines = {p.name for p in pipelines_dir_for(db).iterdir() if p.is_dir()}
    assert pipelines == {"github_billing__acme", "github_billing__acme-eu", "github_billing__octo"}
    runs = query(db, "select account, outcome from github_billing_ops.runs order by account")
    assert runs == [("acme", "success"), ("acme-eu", "success"), ("octo", "success")]
    tokens = [h.token for h in accounts]
    assert not any(t in done.stdout + done.stderr for t in tokens)

    # the FOCUS export of one account: its rows only, reconciled with its own bill
    out = tmp_path / "acme-eu.parquet"
    export = run_cli(
        "export", "focus", "--db", str(db), "--out", str(out), "--account", "acme-eu",
        env=env, cwd=tmp_path,
    )  # fmt: skip
    assert export.returncode == 0, export.stderr
    assert f"BilledCost = EffectiveCost {bills['acme-eu']:,.2f} USD" in export.stdout
    assert query(db, f"select distinct \"BillingAccountId\" from '{out}'") == [("acme-eu",)]


def test_account_names_one_configured_account_or_gets_a_sentence(
    accounts: MultiAccountSimulator, tmp_path: Path
) -> None:
    env, db = configure(tmp_path, accounts), tmp_path / "billing.duckdb"
    checked = run_cli("check", "--account", "octo", env=env, cwd=tmp_path)
    assert checked.returncode == 0, checked.stderr
    assert checked.stdout.startswith("Connection OK.")  # one account: no account header
    assert accounts["octo-shop"].requests and not accounts["acme"].requests
    assert not accounts["acme-eu"].requests
    unknown = run(tmp_path, env, db, "--account", "nope")
    assert unknown.returncode == 2 and not db.exists()
    assert unknown.stderr.strip() == (
        "error: --account nope is not a configured account: configured are acme, acme-eu, octo."
    )


def test_a_second_cli_run_of_one_account_leaves_the_others_rows_untouched(
    accounts: MultiAccountSimulator, tmp_path: Path
) -> None:
    env, db = configure(tmp_path, accounts), tmp_path / "billing.duckdb"
    assert run(tmp_path, env, db, "--no-build").returncode == 0
    before = rows_of_others(db, "acme")
    assert all(before[t] for t in ("usage_items", "copilot_seats", "billing_accounts"))
    restated = TODAY - timedelta(days=2)
    accounts["acme"].enterprise.restate(restated)  # so the rerun rewrites acme's rows
    for hosted in accounts:
        hosted.account.clear_requests()

    done = run(tmp_path, env, db, "--no-build", "--account", "acme")
    assert done.returncode == 0, done.stderr
    assert loaded(db, "acme") == truth(accounts, "acme")  # the restated day included
    assert rows_of_others(db, "acme") == before
    assert accounts["acme"].requests
    assert accounts["acme-eu"].requests == [] and accounts["octo-shop"].requests == []
    assert query(db, "select account from github_billing_ops.runs order by started_at")[-1] == (
        "acme",
    )


@pytest.mark.parametrize("failure", ["revoked token", "5xx storm"])
def test_one_accounts_failure_leaves_the_others_loaded_and_status_names_it(
    accounts: MultiAccountSimulator, tmp_path: Path, failure: str
) -> None:
    if failure == "revoked token":
        env, broken = configure(tmp_path, accounts, octo_token=REVOKED), "octo"
        sentence = "GitHub rejected the access token (401 Bad credentials)"
    else:
        env, broken = configure(tmp_path, accounts), "acme-eu"
        accounts["acme-eu"].inject(f.server_error(r"/settings/billing/usage$", 502, times=10**6))
        sentence = "GitHub kept failing on /enterprises/acme-eu/settings/billing/usage (502)"
    db = tmp_path / "billing.duckdb"
    done = run(tmp_path, env, db, "--no-build")

    assert done.returncode == (2 if failure == "revoked token" else 1)
    assert f"error: account {broken}: {sentence}" in done.stderr
    if failure == "revoked token":  # the sentence names the key that account's token is under
        assert "set it as SOURCES__GITHUB_BILLING__ACCOUNTS__OCTO__ACCESS_TOKEN." in done.stderr
    healthy = [name for name in SIMULATED if name != broken]
    for name in healthy:
        assert loaded(db, name) == truth(accounts, name) != {}, name
    if failure == "revoked token":
        assert loaded(db, broken) == {}
    assert f"2 of 3 accounts loaded ({', '.join(healthy)}); {broken} failed" in done.stdout

    status = run_cli("status", "--db", str(db), env=env, cwd=tmp_path)
    assert status.returncode == 5
    lines = status.stdout.splitlines()
    assert lines[0] == f"Error: 1 of 3 accounts is Error: {broken}."
    assert f"  {broken}: Error: The last run failed: {sentence}" in "\n".join(lines)
    for name in healthy:
        assert any(
            line.startswith(f"  {name}: Healthy: The last run succeeded at") for line in lines
        )
    report = json.loads(run_cli("status", "--db", str(db), "--json", env=env, cwd=tmp_path).stdout)
    assert {name: a["state"] for name, a in report["accounts"].items()} == {
        **dict.fromkeys(healthy, "Healthy"),
        broken: "Error",
    }

    one = run_cli("status", "--db", str(db), "--account", broken, env=env, cwd=tmp_path)
    assert one.returncode == 5
    assert one.stdout.startswith(f"Error: The last run failed: {sentence}")
    fine = run_cli("status", "--db", str(db), "--account", healthy[0], env=env, cwd=tmp_path)
    assert fine.returncode == 0 and fine.stdout.startswith("Healthy: The last run succeeded")
    unknown = run_cli("status", "--db", str(db), "--account", "nope", env=env, cwd=tmp_path)
    assert unknown.returncode == 2
    assert (
        f"--account nope is not an account of this store (it holds {', '.join(sorted(SIMULATED))})"
        in unknown.stderr
    )


def test_the_single_enterprise_keys_keep_working_as_one_account_named_after_its_slug(
    tmp_path: Path,
) -> None:
    db = tmp_path / "billing.duckdb"
    with Simulator(pre_accounts.enterprise()) as sim:
        env = single_enterprise_env(sim)
        done = run_cli("run", "--no-build", "--db", str(db), "--today", TODAY.isoformat(), env=env)
        status = run_cli("status", "--db", str(db), env=env)
        expected = truth_of(sim, pre_accounts.START)
    assert done.returncode == 0, done.stderr
    assert "Account " not in done.stdout and "accounts loaded" not in done.stdout
    assert loaded(db, "acme-corp") == expected
    assert query(db, f"select distinct billing_account_id from {RAW}.usage_items") == [
        ("acme-corp",)
    ]
    assert (pipelines_dir_for(db) / "github_billing__acme-corp").is_dir()
    assert status.returncode == 0 and status.stdout.startswith("Healthy: The last run succeeded")


def single_enterprise_env(sim: Simulator) -> dict[str, str]:
    return {
        "SOURCES__GITHUB_BILLING__ENTERPRISE": "acme-corp",
        "SOURCES__GITHUB_BILLING__ACCESS_TOKEN": DEMO_TOKEN,
        "SOURCES__GITHUB_BILLING__BASE_URL": sim.base_url,
        "SOURCES__GITHUB_BILLING__START_DATE": pre_accounts.START.isoformat(),
        "SOURCES__GITHUB_BILLING__USAGE_EXPORTS": "false",
        "SOURCES__GITHUB_BILLING__BACKFILL_VIA_EXPORTS": "false",
    }


def truth_of(sim: Simulator, since: date) -> dict[date, Decimal]:
    by_day = sim.enterprise.ground_truth()["by_day"]
    found = {
        date.fromisoformat(day): sum((Decimal(p["net"]) for p in parts.values()), Decimal(0))
        for day, parts in by_day.items()  # type: ignore[attr-defined]
        if date.fromisoformat(day) >= since
    }
    return {day: net for day, net in found.items() if net}


def old_store(tmp_path: Path) -> Path:
    """A copy of the store the versions before accounts made (tests/fixtures/pre_accounts):
    acme-corp loaded 2026-11-13 to 2026-11-21 by pipeline `github_billing`, one run logged."""
    db = tmp_path / "old.duckdb"
    with gzip.open(FIXTURE) as packed, open(db, "wb") as out:
        shutil.copyfileobj(packed, out)
    return db


def test_a_store_of_before_accounts_is_migrated_in_place_and_goes_on_incrementally(
    tmp_path: Path,
) -> None:
    db = old_store(tmp_path)
    assert query(
        db,
        "select count(*) from information_schema.columns where table_schema = ? and "
        "table_name = 'usage_items' and column_name = 'billing_account_id'",
        [RAW],
    ) == [(0,)]
    with Simulator(pre_accounts.enterprise()) as sim:
        env = single_enterprise_env(sim)
        done = run_cli("run", "--no-build", "--db", str(db), "--today", TODAY.isoformat(), env=env)
        usage_days = {
            date(int(r.query["year"]), int(r.query["month"]), int(r.query["day"]))
            for r in sim.requests
            if r.path.endswith("/settings/billing/usage")
        }
        expected = truth_of(sim, pre_accounts.START)
    assert done.returncode == 0, done.stderr
    assert (
        f"note: {db} was built before billing accounts had names: migrated in place to account "
        "'acme-corp' (its 11 raw tables got billing_account_id = 'acme-corp', and dlt's state "
        "moved to pipeline github_billing__acme-corp); its history is kept."
    ) in done.stdout
    # the old days kept, once each, under the account; the new days added
    assert loaded(db, "acme-corp") == expected
    assert query(
        db, f"select count(*) from {RAW}.usage_items where billing_account_id is null"
    ) == [(0,)]
    # dlt's state moved: the run went on from the old cursor instead of starting again
    assert usage_days and min(usage_days) > date(2026, 11, 21) - timedelta(days=8)
    assert query(
        db, "select account, outcome from github_billing_ops.runs order by started_at"
    ) == [
        ("acme-corp", "success"),
        ("acme-corp", "success"),
    ]


def test_a_store_of_before_accounts_whose_account_is_not_configured_is_left_untouched(
    tmp_path: Path,
) -> None:
    db = old_store(tmp_path)
    ((url,),) = query(db, f"select api_base_url from {RAW}.billing_accounts")
    original = db.read_bytes()
    with Simulator(pre_accounts.enterprise()) as sim:
        env = {**single_enterprise_env(sim), "SOURCES__GITHUB_BILLING__ENTERPRISE": "other-corp"}
        done = run_cli("run", "--no-build", "--db", str(db), "--today", TODAY.isoformat(), env=env)
        assert sim.requests == []
    assert done.returncode == 2
    assert done.stderr.strip().splitlines()[-1] == (
        f"error: {db} holds the billing data of 'acme-corp' ({url}), loaded before "
        "billing accounts had names, and no configured account is that one: configure it (its "
        "enterprise or organization and base_url) so the run migrates its history, or point "
        "--db at another database."
    )
    assert db.read_bytes() == original


# -- the accounts configuration, as dlt resolves it -------------------------------------------
def test_an_accounts_identity_host_and_token_come_from_its_own_section_only(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from pipelines.accounts_config import configured_accounts, select

    for key, value in {
        "ENTERPRISE": "top-corp",
        "ACCESS_TOKEN": "ghp_top",
        "BASE_URL": "https://api.top.ghe.com",
        "LOOKBACK_DAYS": "9",
        "ACCOUNTS__OCTO__ORGANIZATION": "octo-shop",
        "ACCOUNTS__OCTO__ACCESS_TOKEN": "ghp_octo",
    }.items():
        monkeypatch.setenv(f"SOURCES__GITHUB_BILLING__{key}", value)
    octo, top = configured_accounts()
    # the shared keys fall back to [sources.github_billing]; who, where and with what never do
    assert (octo.name, octo.config.organization, octo.config.enterprise) == (
        "octo",
        "octo-shop",
        None,
    )
    assert (octo.config.access_token, octo.config.base_url) == (
        "ghp_octo",
        "https://api.github.com",
    )
    assert octo.config.lookback_days == 9 and octo.pipeline_name == "github_billing__octo"
    # the single-enterprise keys beside the sections: one more account, named after its slug
    assert (top.name, top.config.enterprise, top.config.access_token) == (
        "top-corp",
        "top-corp",
        "ghp_top",
    )
    assert octo.config.client().account.name == "octo"  # every raw row's billing_account_id
    assert [a.name for a in select([octo, top], ["top-corp"])] == ["top-corp"]


@pytest.mark.parametrize(
    ("env", "sentence"),
    [
        (
            {"ACCOUNTS__EU__ENTERPRISE": "acme-eu"},
            "Account 'eu' has no access token: set access_token under "
            "[sources.github_billing.accounts.eu] in .dlt/secrets.toml (or "
            "SOURCES__GITHUB_BILLING__ACCOUNTS__EU__ACCESS_TOKEN).",
        ),
        (
            {"ACCOUNTS__EU__ACCESS_TOKEN": "ghp_x"},
            "Account 'eu' names no billing account: set enterprise = \"<slug>\" or "
            'organization = "<login>" under [sources.github_billing.accounts.eu] (or '
            "SOURCES__GITHUB_BILLING__ACCOUNTS__EU__ENTERPRISE).",
        ),
    ],
    ids=["no-token", "no-account"],
)
def test_an_incomplete_account_section_gets_its_sentence(
    monkeypatch: pytest.MonkeyPatch, env: dict[str, str], sentence: str
) -> None:
    from pipelines.accounts_config import configured_accounts

    for key, value in env.items():
        monkeypatch.setenv(f"SOURCES__GITHUB_BILLING__{key}", value)
    with pytest.raises(ValueError) as refused:
        configured_accounts()
    assert str(refused.value) == sentence


def test_a_mistyped_key_of_an_account_is_named_with_its_account(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from pipelines.config_check import unknown_key_problems

    (tmp_path / ".dlt").mkdir()
    (tmp_path / ".dlt" / "config.toml").write_text(
        '[sources.github_billing.accounts.acme]\nenterprize = "acme-corp"\n'
    )
    monkeypatch.setenv("SOURCES__GITHUB_BILLING__ACCOUNTS__OCTO__ORGANISATION", "octo-shop")
    assert unknown_key_problems(tmp_path) == [
        "Unknown key 'enterprize' under [sources.github_billing.accounts.acme] in "
        f"{tmp_path / '.dlt' / 'config.toml'} (did you mean 'enterprise'?): fix or remove it.",
        "Unknown environment variable SOURCES__GITHUB_BILLING__ACCOUNTS__OCTO__ORGANISATION (did "
        "you mean SOURCES__GITHUB_BILLING__ACCOUNTS__OCTO__ORGANIZATION?): fix or unset it.",
    ]


@pytest.mark.postgres
def test_three_accounts_load_into_postgresql_each_to_the_cent_with_their_status(
    accounts: MultiAccountSimulator,
    postgres_cluster: Any,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    from pipelines.cli import main
    from tests.conftest import postgres_store

    store = postgres_store(postgres_cluster, "several_accounts", tmp_path)
    monkeypatch.chdir(tmp_path)  # dlt's local state goes under ./data
    names = {"acme": "acme", "eu": "acme-eu", "octo": "octo-shop"}
    env = {
        **accounts.proxy_env(),
        "SOURCES__GITHUB_BILLING__DESTINATION": "postgres",
        "DESTINATION__POSTGRES__CREDENTIALS": store.credentials.to_native_representation(),
        "SOURCES__GITHUB_BILLING__START_DATE": CLI_START.isoformat(),
        "SOURCES__GITHUB_BILLING__USAGE_EXPORTS": "false",
        "SOURCES__GITHUB_BILLING__BACKFILL_VIA_EXPORTS": "false",
    }
    for name, simulated in names.items():
        ent = accounts[simulated].enterprise
        prefix = f"SOURCES__GITHUB_BILLING__ACCOUNTS__{name.upper()}__"
        env[prefix + ("ORGANIZATION" if ent.kind == "organization" else "ENTERPRISE")] = ent.slug
        env[prefix + "BASE_URL"] = accounts.base_url(simulated)
        env[prefix + "ACCESS_TOKEN"] = accounts.hosted_account(simulated).token
    for key, value in env.items():
        monkeypatch.setenv(key, value)

    assert main(["run", "--no-build", "--today", TODAY.isoformat()]) == 0
    for name, simulated in names.items():
        found = query(
            store,
            f"select usage_date, sum(net_amount) from {RAW}.usage_items "
            "where billing_account_id = ? group by 1",
            [name],
        )
        assert {d: Decimal(n) for d, n in found if n} == truth(accounts, simulated) != {}
    capsys.readouterr()
    assert main(["status", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert (report["state"], report["destination"]) == ("Healthy", "postgres")
    assert {n: a["state"] for n, a in report["accounts"].items()} == dict.fromkeys(names, "Healthy")
