"""Several billing accounts in one store: every raw row carries its account
(`billing_account_id`, first in every merge key), each account loads through its own dlt
pipeline (`github_billing__<name>`) into the same dataset, and a load of one account deletes,
replaces or retires only that account's rows."""

from __future__ import annotations

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
from pipelines.simulator import Enterprise, EnterpriseSize, MultiAccountSimulator
from pipelines.simulator import reports as sim_reports
from pipelines.simulator.accounts import HostedAccount, classic_token
from pipelines.simulator.gate import TokenInfo
from pipelines.simulator.server import SimulatedAccount
from tests.conftest import TODAY, query

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
