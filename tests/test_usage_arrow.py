"""The Arrow fast path of usage_items gives exactly the rows of the row-by-row path."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest

from pipelines.github_billing.client import loads_exact
from pipelines.github_billing.resources import _UsageBatch
from pipelines.github_billing.rows import usage_item_row
from pipelines.github_billing.usage_arrow import NotExact, usage_table, with_row_ids

EXTRACTED_AT = datetime(2026, 11, 25, 3, 4, 5, 678901, tzinfo=UTC)

TRICKY = b"""{"timePeriod": {"year": 2025, "month": 1, "day": 1},
 "usageItems": [
  {"date": "2025-01-01T00:00:00Z", "product": "Actions", "sku": "Actions storage",
   "quantity": 5.801260062, "unitType": "GigabyteHours", "pricePerUnit": 0.00033602,
   "grossAmount": 0.001949096, "discountAmount": 0.001949096, "netAmount": 0.0,
   "organizationName": "octokit"},
  {"date": "2025-01-01", "product": "ACTIONS", "sku": "Actions Linux", "quantity": 3,
   "unitType": "Minutes", "pricePerUnit": 0.008, "grossAmount": 0.024, "discountAmount": 0,
   "netAmount": 0.024, "organizationName": "octokit", "repositoryName": ""},
  {"date": "2025-01-01T22:00:00-06:00", "product": " actions ", "sku": "actions_linux",
   "quantity": 1e-05, "unitType": "minutes", "pricePerUnit": 1.5E+1, "grossAmount": 0.00015,
   "discountAmount": 0, "netAmount": 0.00015, "organizationName": "octo",
   "repositoryName": "octo/a", "billingRegion": "eu-west"},
  {"date": "2025-01-02", "product": "Copilot", "sku": "Copilot Business",
   "quantity": 123456789012.123456789012, "unitType": "UserMonths", "pricePerUnit": 19,
   "grossAmount": 0.1, "discountAmount": 0.2, "netAmount": -0.1, "organizationName": null,
   "repositoryName": null}
 ]}"""


def row_path(body: bytes, cost_center_id: str) -> list[dict[str, Any]]:
    items = loads_exact(body)["usageItems"]
    return [usage_item_row(item, cost_center_id, EXTRACTED_AT) for item in items]


def test_arrow_rows_equal_dict_rows_on_tricky_payloads() -> None:
    other = json.dumps({"usageItems": [{"date": "2025-02-03", "quantity": "7.25"}]}).encode()
    empty = b'{"usageItems": []}'
    table = usage_table(
        [TRICKY, other, empty, b"{}"], ["cc-1", "none", "cc-2", "cc-3"], EXTRACTED_AT
    )
    expected = row_path(TRICKY, "cc-1") + row_path(other, "none")
    assert table.to_pylist() == expected
    assert [(r["repository_name"], r["repository_name_raw"]) for r in expected[:4]] == [
        ("", None),
        ("", ""),
        ("octo/a", "octo/a"),
        ("", None),
    ]
    assert {r["product"] for r in expected} == {"actions", "copilot", ""}
    assert expected[3]["quantity"] == Decimal("123456789012.123456789012")  # no float on the way
    assert expected[2]["usage_date"].isoformat() == "2025-01-02"  # the UTC day


@pytest.mark.parametrize(
    "item",
    [
        {"date": "2025-01-01", "grossAmount": 0.30000000000000004},  # 0.1 + 0.2, 17 decimals
        {"date": "2025-01-01", "quantity": True},
        {"date": "2025-01-01", "quantity": " 2 "},
    ],
)
def test_what_arrow_cannot_take_exactly_goes_the_row_by_row_way(item: dict[str, Any]) -> None:
    body = json.dumps({"usageItems": [item]}).encode()
    with pytest.raises(NotExact):
        usage_table([body], ["none"], EXTRACTED_AT)

    class Client:
        def path(self, template: str) -> str:
            return template

        def decode(self, content: bytes, path: str) -> Any:
            return loads_exact(content)

    batch = _UsageBatch(Client(), EXTRACTED_AT)  # type: ignore[arg-type]
    batch.add(TRICKY, "cc-1", datetime(2025, 1, 1).date())
    batch.add(body, "none", datetime(2025, 1, 1).date())
    tables = list(batch.flush())
    ids = [i for table in tables for i in table.column("_dlt_id").to_pylist()]
    assert len(set(ids)) == len(ids) and all(ids), "each row has its own dlt row key"
    loaded = [row for table in tables for row in table.drop_columns("_dlt_id").to_pylist()]
    assert loaded == row_path(TRICKY, "cc-1") + row_path(body, "none")


def test_row_keys_are_unique_across_tables_and_never_empty() -> None:
    """dlt's `_dlt_id` comes with the Arrow tables, so dlt imports the extracted files as they
    are instead of rewriting each one to add it."""
    table = usage_table([TRICKY], ["none"], EXTRACTED_AT)
    first, second = with_row_ids(table), with_row_ids(table)
    ids = first.column("_dlt_id").to_pylist() + second.column("_dlt_id").to_pylist()
    assert len(set(ids)) == len(ids) == 2 * table.num_rows
    assert first.schema.field("_dlt_id").nullable is False
    assert first.drop_columns("_dlt_id").equals(table)
