"""One raw contract: the columns, types and keys in `pipelines/github_billing/contract.py` are
what a real load creates, what dbt's sources file lists, and every raw table exists after a
first load even when GitHub had no rows for it, so no other copy of the contract is needed."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import dlt
import yaml

from pipelines.accounts_config import pipeline_name
from pipelines.github_billing.contract import TABLES, RawTable
from pipelines.github_billing.recanonicalise import recanonicalise_dataset
from pipelines.github_billing.settings import RAW_DATASET
from pipelines.runner import make_pipeline, pipelines_dir_for
from pipelines.simulator import Simulator
from tests.conftest import TODAY, edited_copy, load_into, query

SOURCES_YML = (
    Path(__file__).resolve().parents[1]
    / "dbt_project/models/staging/github_billing/_github_billing__sources.yml"
)


def dlt_tables(db: Path) -> dict[str, Any]:
    # the account's own pipeline: the enterprise acme-corp, named after its slug
    pipeline = dlt.attach(pipeline_name("acme-corp"), pipelines_dir=str(pipelines_dir_for(db)))
    return pipeline.default_schema.tables


def destination_columns(db: Path) -> dict[str, dict[str, str]]:
    found: dict[str, dict[str, str]] = {}
    for table, column, data_type in query(
        db,
        "select table_name, column_name, data_type from information_schema.columns "
        "where table_schema = ? order by table_name, ordinal_position",
        [RAW_DATASET],
    ):
        found.setdefault(table, {})[column] = data_type
    return found


def hinted(columns: dict[str, Any], hint: str) -> set[str]:
    return {name for name, column in columns.items() if column.get(hint)}


def assert_loaded_as_contracted(db: Path, table: RawTable) -> None:
    columns = dlt_tables(db)[table.name]["columns"]
    assert set(columns) == set(table.loaded_columns), table.name
    for column in table.columns:
        loaded = columns[column.name]
        expected = column.hint()
        assert loaded["data_type"] == expected["data_type"], (table.name, column.name)
        assert loaded.get("nullable", True) == column.nullable, (table.name, column.name)
        if column.data_type == "decimal":
            assert (loaded["precision"], loaded["scale"]) == (38, 12), (table.name, column.name)
    assert hinted(columns, "merge_key") == set(table.merge_key), table.name
    assert hinted(columns, "primary_key") == set(table.primary_key), table.name
    assert hinted(columns, "hard_delete") == {c.name for c in table.columns if c.hard_delete}
    in_destination = destination_columns(db)[table.name]
    assert list(in_destination) == list(columns), table.name
    money = {c.name for c in table.columns if c.data_type == "decimal"}
    assert {n for n, t in in_destination.items() if t == "DECIMAL(38,12)"} == money, table.name


def test_a_real_load_creates_every_raw_table_with_the_contracts_columns_types_and_keys(
    loaded_db: Path,
) -> None:
    for table in TABLES.values():
        assert_loaded_as_contracted(loaded_db, table)


def test_dbts_sources_list_the_contracts_tables_and_columns() -> None:
    (source,) = yaml.safe_load(SOURCES_YML.read_text())["sources"]
    listed = {t["name"]: [c["name"] for c in t.get("columns", [])] for t in source["tables"]}
    assert listed == {name: list(table.loaded_columns) for name, table in TABLES.items()}


def test_every_raw_table_exists_after_a_first_load_even_with_no_rows_for_it(
    simulator: Simulator, tmp_path: Path
) -> None:
    """Four days after the switch to AI credits, without exports: no premium requests and no
    per-user rows, yet every table is there, empty and typed, and dbt can read it."""
    db = tmp_path / "first.duckdb"
    load_into(db, simulator, start_date=str(TODAY - timedelta(days=4)))
    counts = {
        name: query(db, f"select count(*) from {RAW_DATASET}.{name}")[0][0] for name in TABLES
    }
    assert {name for name, count in counts.items() if count == 0} == {
        "premium_request_usage",
        "copilot_user_usage",
        "detailed_usage",
    }
    for table in TABLES.values():
        assert_loaded_as_contracted(db, table)
    # Created once: a later run neither re-creates the tables nor retires the scd2 history
    # an empty load of it would end.
    current = (
        "select count(*) from github_billing_raw.cost_center_resources where _dlt_valid_to is null"
    )
    before = query(db, current)
    load_into(db, simulator, start_date=str(TODAY - timedelta(days=4)))
    assert query(db, current) == before and before[0][0] > 0


def test_a_catalogue_change_reaches_the_rows_loaded_before_it(
    loaded_db: Path, tmp_path: Path
) -> None:
    """Rows loaded when the catalogue did not know `copilot_business` kept that name; the next
    load gives them the canonical one from their raw spelling, and leaves the rest alone."""
    db = edited_copy(
        loaded_db,
        tmp_path / "old_catalogue.duckdb",
        f"update {RAW_DATASET}.usage_items set sku = 'copilot_business' "
        "where sku = 'copilot_for_business'; "
        f"update {RAW_DATASET}.copilot_user_usage set unit_type = 'credits' "
        "where unit_type = 'ai_credits'",
    )
    spellings = {
        table: f"select sku, product, unit_type, count(*) from {RAW_DATASET}.{table} "
        "group by 1, 2, 3 order by 1, 2, 3"
        for table in ("usage_items", "copilot_user_usage")
    }
    for sql in spellings.values():
        assert query(db, sql) != query(loaded_db, sql)
    assert set(recanonicalise_dataset(make_pipeline(db))) == {"usage_items", "copilot_user_usage"}
    for sql in spellings.values():
        assert query(db, sql) == query(loaded_db, sql)
    assert recanonicalise_dataset(make_pipeline(db)) == {}
