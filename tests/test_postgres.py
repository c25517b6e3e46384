"""`github-billing` with `destination = "postgres"`: the same commands, run log, lock and summary
on a real PostgreSQL server (the reconciliations of the built marts run on both engines in
test_models.py, through the `built` fixture)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from pipelines.cli import main
from pipelines.simulator import Simulator
from pipelines.simulator.reports import net_by_day
from pipelines.store.postgres import PostgresStore
from tests.conftest import TODAY, postgres_store, query

pytestmark = pytest.mark.postgres

PASSWORD = "pw-never-shown-31415"  # the cluster trusts loopback: any password is accepted
DAYS = 10


@pytest.fixture
def pg(
    postgres_cluster: Any,
    configured: Simulator,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    request: pytest.FixtureRequest,
) -> Iterator[PostgresStore]:
    """A fresh database, configured the dlt way as the destination of the CLI's runs."""
    store = postgres_store(postgres_cluster, request.node.name[:40].lower(), tmp_path)
    store.credentials.password = PASSWORD
    monkeypatch.chdir(tmp_path)  # dlt's local state goes under ./data
    monkeypatch.setenv("SOURCES__GITHUB_BILLING__DESTINATION", "postgres")
    monkeypatch.setenv(
        "DESTINATION__POSTGRES__CREDENTIALS", store.credentials.to_native_representation()
    )
    monkeypatch.setenv(
        "SOURCES__GITHUB_BILLING__START_DATE", (TODAY - timedelta(days=DAYS)).isoformat()
    )
    yield store


def run(*argv: str) -> list[str]:
    return ["run", "--no-build", "--today", TODAY.isoformat(), *argv]


def test_a_run_into_postgresql_loads_exact_money_and_is_logged_and_summarised(
    pg: PostgresStore, configured: Simulator, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(run()) == 0
    out, err = capsys.readouterr()
    assert f"PostgreSQL database: {pg.location}" in out
    ent = configured.enterprise
    truth = net_by_day(ent, TODAY - timedelta(days=DAYS), ent.last_day)
    [(net,)] = query(pg, "select sum(net_amount) from github_billing_raw.usage_items")
    assert net == sum(truth.values()) and isinstance(net, Decimal)
    assert f"Total net cost: ${net:,.2f}" in out
    money = query(
        pg,
        "select data_type, numeric_precision, numeric_scale from information_schema.columns "
        "where table_schema = 'github_billing_raw' and column_name like ?",
        ["%amount"],
    )
    assert money and set(money) == {("numeric", 38, 12)}

    assert main(["status", "--json"]) == 0
    status = json.loads(capsys.readouterr().out)
    assert (status["state"], status["destination"], status["database"]) == (
        "Healthy",
        "postgres",
        pg.location,
    )
    assert status["last_runs"][0]["rows_per_table"]["usage_items"] > 0
    assert PASSWORD not in out + err + json.dumps(status)


def test_a_second_run_on_the_same_database_is_refused_while_one_holds_the_lock(
    pg: PostgresStore, capsys: pytest.CaptureFixture[str]
) -> None:
    with pg.run_lock():
        assert pg.run_in_progress()
        assert main(run()) == 2
    err = capsys.readouterr().err
    assert f"error: Another github-billing run is in progress on {pg.location} (process " in err
    assert not pg.run_in_progress()  # released with its connection: nothing to clean up
    assert main(run()) == 0
