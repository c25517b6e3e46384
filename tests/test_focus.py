"""FOCUS 1.3 export: the rows a FinOps platform ingests carry GitHub's bill to the cent, in the
columns and types FOCUS 1.3 asks for, and the FinOps Foundation's validator accepts the files."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from collections import defaultdict
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from pipelines.focus_export import ExportError, export_focus, split_paths
from tests.conftest import query
from tests.focus_validator import ACCEPTED_FAILURES, failed_rules

# one worker builds the validator's venv and the export once (make test runs pytest-xdist)
pytestmark = [pytest.mark.focus, pytest.mark.xdist_group("focus")]

DECIMAL, STRING, DATETIME = "Decimal", "String", "Date/Time"
# FOCUS 1.3's mandatory Cost and Usage columns (1.2's plus ServiceProviderName and
# HostProviderName; ProviderName and PublisherName are deprecated but still mandatory).
MANDATORY = {
    "BilledCost": DECIMAL,
    "BillingAccountId": STRING,
    "BillingAccountName": STRING,
    "BillingCurrency": STRING,
    "BillingPeriodEnd": DATETIME,
    "BillingPeriodStart": DATETIME,
    "ChargeCategory": STRING,
    "ChargeClass": STRING,
    "ChargeDescription": STRING,
    "ChargePeriodEnd": DATETIME,
    "ChargePeriodStart": DATETIME,
    "ContractedCost": DECIMAL,
    "EffectiveCost": DECIMAL,
    "HostProviderName": STRING,
    "InvoiceIssuerName": STRING,
    "ListCost": DECIMAL,
    "PricingQuantity": DECIMAL,
    "PricingUnit": STRING,
    "ProviderName": STRING,
    "PublisherName": STRING,
    "ServiceCategory": STRING,
    "ServiceName": STRING,
    "ServiceProviderName": STRING,
}
# The conditional and recommended columns that apply to GitHub's data.
APPLICABLE = {
    "AllocatedMethodDetails": STRING,
    "AllocatedMethodId": STRING,
    "AllocatedResourceId": STRING,
    "AllocatedResourceName": STRING,
    "AllocatedTags": STRING,
    "BillingAccountType": STRING,
    "ChargeFrequency": STRING,
    "CommitmentDiscountStatus": STRING,
    "ConsumedQuantity": DECIMAL,
    "ConsumedUnit": STRING,
    "ContractedUnitPrice": DECIMAL,
    "InvoiceId": STRING,
    "ListUnitPrice": DECIMAL,
    "PricingCategory": STRING,
    "PricingCurrency": STRING,
    "PricingCurrencyContractedUnitPrice": DECIMAL,
    "PricingCurrencyEffectiveCost": DECIMAL,
    "PricingCurrencyListUnitPrice": DECIMAL,
    "ResourceId": STRING,
    "ResourceName": STRING,
    "ResourceType": STRING,
    "ServiceSubcategory": STRING,
    "SkuId": STRING,
    "SkuMeter": STRING,
    "SkuPriceDetails": STRING,
    "SkuPriceId": STRING,
    "SubAccountId": STRING,
    "SubAccountName": STRING,
    "SubAccountType": STRING,
    "Tags": STRING,
}


def arrow_kind(data_type: pa.DataType) -> str:
    if pa.types.is_decimal(data_type):
        return DECIMAL
    if pa.types.is_timestamp(data_type) and data_type.tz == "UTC":
        return DATETIME
    if pa.types.is_string(data_type) or pa.types.is_large_string(data_type):
        return STRING
    return str(data_type)


@pytest.fixture(scope="module")
def exported(built_db: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    out = tmp_path_factory.mktemp("focus")
    files = {
        "parquet": out / "focus.parquet",
        "csv": out / "focus.csv",
        "seats": out / "focus-seats.parquet",
    }
    export_focus(built_db, files["parquet"], "parquet")
    export_focus(built_db, files["csv"], "csv")
    export_focus(built_db, files["seats"], "parquet", allocate_seats=True)
    return files


def read(path: Path) -> list[dict]:
    return pq.read_table(path).to_pylist()


def test_billed_cost_is_the_net_of_each_day_and_list_cost_the_gross(
    built_db: Path, exported: dict[str, Path]
) -> None:
    marts = {
        day: (net, gross)
        for day, net, gross in query(
            built_db,
            "select usage_date, sum(net_amount), sum(gross_amount) "
            "from marts.fct_usage_costs group by usage_date",
        )
    }
    for name in ("parquet", "seats"):
        focus: dict = defaultdict(lambda: [Decimal(0)] * 4)
        for row in read(exported[name]):
            sums = focus[row["x_UsageDate"]]
            for i, column in enumerate(
                ("BilledCost", "EffectiveCost", "ListCost", "ContractedCost")
            ):
                sums[i] += row[column]
        assert {day: (b, lc) for day, (b, e, lc, c) in focus.items()} == marts, name
        assert all(b == e and lc == c for b, e, lc, c in focus.values()), name
    assert len(marts) > 150


def test_every_usage_cost_line_is_one_row_and_included_usage_is_its_discount(
    built_db: Path, exported: dict[str, Path]
) -> None:
    lines = {
        key: (gross, discount, net)
        for key, gross, discount, net in query(
            built_db,
            "select usage_cost_id, gross_amount, discount_amount, net_amount "
            "from marts.fct_usage_costs",
        )
    }
    rows = read(exported["parquet"])
    assert len(rows) == len(lines)
    for row in rows:
        gross, discount, net = lines[row["x_UsageCostId"]]
        assert (row["ListCost"], row["x_DiscountAmount"], row["BilledCost"]) == (
            gross,
            discount,
            net,
        )
    assert any(r["BilledCost"] == 0 < r["ListCost"] for r in rows), "no included usage"


def test_allocated_seats_add_up_to_the_licence_lines_they_replace(
    built_db: Path, exported: dict[str, Path]
) -> None:
    licence_lines = {
        r["x_UsageCostId"]: r for r in read(exported["parquet"]) if r["x_IsSeatLicence"]
    }
    allocated: dict = defaultdict(list)
    for row in read(exported["seats"]):
        if row["AllocatedMethodId"] is not None:
            allocated[row["x_UsageCostId"]].append(row)
    assert licence_lines and set(allocated) == set(licence_lines)
    for key, line in licence_lines.items():
        shares = allocated[key]
        for column in ("BilledCost", "ListCost", "PricingQuantity"):
            total = sum(s[column] for s in shares)
            assert abs(total - line[column]) <= Decimal("1e-9"), (key, column)
        assert sum(s["BilledCost"] for s in shares) == line["BilledCost"]
        ratios = [json.loads(s["AllocatedMethodDetails"])["Elements"][0] for s in shares]
        assert abs(sum(e["AllocatedRatio"] for e in ratios) - 1) < 1e-9
        for share in shares:
            assert (share["AllocatedResourceId"] is None) == (
                share["AllocatedResourceName"] is None
            )
            tags = json.loads(share["Tags"])
            assert not set(json.loads(share["AllocatedTags"])) & set(tags)
    seat_holders = query(
        built_db,
        "select count(distinct seat_holder_login) from marts.fct_copilot_seat_days "
        "where cost_source = 'billed'",
    )[0][0]
    allocated_to = {s["AllocatedResourceId"] for rows in allocated.values() for s in rows}
    assert len(allocated_to - {None}) == seat_holders


def test_every_mandatory_and_applicable_focus_13_column_is_present_with_its_type(
    exported: dict[str, Path],
) -> None:
    for name in ("parquet", "seats"):
        schema = pq.read_schema(exported[name])
        kinds = {field.name: arrow_kind(field.type) for field in schema}
        for column, kind in {**MANDATORY, **APPLICABLE}.items():
            assert kinds.get(column) == kind, (name, column, kinds.get(column))
        # FOCUS columns first, alphabetically; x_ extensions after
        focus_columns = [c for c in schema.names if not c.startswith("x_")]
        assert set(focus_columns) == set(MANDATORY) | set(APPLICABLE), name
        assert schema.names[: len(focus_columns)] == sorted(focus_columns), name


def test_focus_13_values_for_github(exported: dict[str, Path]) -> None:
    rows = read(exported["parquet"])
    assert {r["ServiceProviderName"] for r in rows} == {"GitHub"}
    assert {r["BillingAccountId"] for r in rows} == {"acme-corp"}
    assert {r["HostProviderName"] for r in rows if r["x_BillingUnit"] == "licence"} == {
        "Not Applicable"
    }
    assert {r["HostProviderName"] for r in rows if r["x_BillingUnit"] != "licence"} == {"GitHub"}
    assert all(r[c] is None for r in rows for c in APPLICABLE if c.startswith("Allocated"))
    for row in rows:
        assert row["ChargePeriodEnd"] - row["ChargePeriodStart"] == timedelta(days=1)
        assert (
            row["BillingPeriodStart"].day == 1
            and row["BillingPeriodStart"] <= row["ChargePeriodStart"] < row["BillingPeriodEnd"]
        )
        assert (row["ResourceId"] is None) == (row["ResourceType"] is None)
        tags = json.loads(row["Tags"])
        assert tags["github/repository"] == row["ResourceId"]
    assert any(json.loads(r["Tags"])["github/workflow"] for r in rows), "no workflow tag"


def test_csv_has_the_focus_header_and_iso_utc_date_times(exported: dict[str, Path]) -> None:
    with exported["csv"].open(newline="") as handle:
        reader = csv.DictReader(handle)
        first = next(reader)
        assert reader.fieldnames == pq.read_schema(exported["parquet"]).names
    assert first["ChargePeriodStart"].endswith("T00:00:00Z")
    assert first["BillingPeriodStart"][8:] == "01T00:00:00Z"


def test_split_rows_writes_numbered_files_of_at_most_n_rows_in_order(
    built_db: Path, exported: dict[str, Path], tmp_path: Path
) -> None:
    result = export_focus(built_db, tmp_path / "part.csv", "csv", split_rows=1000)
    assert result.files == split_paths(tmp_path / "part.csv", len(result.files))
    assert len(result.files) == -(-result.rows // 1000) > 1
    parts = []
    for path in result.files:
        with path.open(newline="") as handle:
            rows = list(csv.reader(handle))
        assert 1 < len(rows) <= 1001
        parts += rows[1:]
    with exported["csv"].open(newline="") as handle:
        assert parts == list(csv.reader(handle))[1:]


def test_since_and_until_select_whole_days_and_still_reconcile(
    built_db: Path, tmp_path: Path
) -> None:
    first, last = query(
        built_db, "select min(usage_date), max(usage_date) from marts.fct_usage_costs"
    )[0]
    result = export_focus(built_db, tmp_path / "w.parquet", since=last, until=last)
    assert (result.first_day, result.last_day) == (last, last)
    assert result.billed_cost == result.marts_net > 0
    with pytest.raises(ExportError, match=r"--until .* is before --since"):
        export_focus(built_db, tmp_path / "x.parquet", since=last, until=first)


def test_the_cli_prints_totals_equal_to_the_marts(built_db: Path, tmp_path: Path) -> None:
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "pipelines.cli",
            "export",
            "focus",
            "--db",
            str(built_db),
            "--out",
            str(tmp_path / "f.csv"),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    net, gross = query(
        built_db, "select sum(net_amount), sum(gross_amount) from marts.fct_usage_costs"
    )[0]
    assert f"net_amount {net:,.2f}" in done.stdout and f"gross_amount {gross:,.2f}" in done.stdout
    assert f"BilledCost = EffectiveCost {net:,.2f} USD" in done.stdout


def test_a_database_without_focus_models_gets_a_sentence(loaded_db: Path, tmp_path: Path) -> None:
    with pytest.raises(ExportError, match="no FOCUS models yet"):
        export_focus(loaded_db, tmp_path / "f.parquet")


@pytest.mark.parametrize("name", ["parquet", "csv", "seats"])
def test_the_focus_validator_accepts_the_files(
    exported: dict[str, Path], tmp_path: Path, name: str
) -> None:
    assert failed_rules(exported[name], tmp_path / "junit.xml") == ACCEPTED_FAILURES


def test_the_focus_validator_catches_a_wrong_service_category(
    exported: dict[str, Path], tmp_path: Path
) -> None:
    tampered = tmp_path / "tampered.parquet"
    duckdb.sql(
        f"copy (select * replace ('Dev Tools' as ServiceCategory) from '{exported['parquet']}') "
        f"to '{tampered}' (format parquet)"
    )
    assert "ServiceCategory-C-003-M" in failed_rules(tampered, tmp_path / "junit.xml")
