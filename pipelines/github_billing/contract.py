"""The raw tables' contract: every raw table's columns, types, keys and load rule, written once.

Everything else reads it: the resources' dlt hints (`resource_hints`), the Arrow fast path's
schema (`arrow_schema`), the import of report CSVs, and dbt, which needs no copy of its own:
every table is created on its first load, empty if need be (`materialise`), so the staging
models select from `source()` directly. `tests/test_contract.py` holds the contract, a real
load's dlt schema and the dbt sources file (`_github_billing__sources.yml`) to the same columns.

Normalisation happens in one layer, Python at load, before a row reaches any table:
- dates: `rows.parse_usage_date` (every payload and report) gives the UTC day;
- product, SKU and unit spellings: `catalogue.product_columns` gives the canonical names beside
  GitHub's raw spellings; the fast path (`usage_arrow`) and the CSV parser (`report_csv`) call
  the same rules. A later catalogue (a new spelling, a renamed id) reaches rows loaded before
  it through `recanonicalise`, which every load runs, from the raw spellings;
- sentinels: `''` for an absent organization, repository or model, `none` for no cost center,
  lower-case cost-center states, `normalise_key` of resource types.
dbt staging only renames and casts; it never spells a value again. What it adds is modelling:
lower-cased logins and names as case-insensitive join keys, and the closed set of resource
types attribution uses. A data test (`raw_catalogue_values_are_canonical`) proves the raw
values arrive canonical.

Every table holds the rows of several billing accounts: its first column, `billing_account_id`,
is the account's name (`BillingAccount.name`), and it leads every merge and primary key, so a
load of one account deletes, replaces or retires only that account's rows. `RawTable` adds the
column and the key prefix itself; `stamp_account` fills it, on every item of every resource
(`resource`), the Arrow tables of the fast path included.

Money, quantities and prices are decimal(38, 12), never double. Merge-key columns are NOT NULL
(dlt makes them so), which is why "no cost center" is the sentinel `none`, not NULL.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Literal

import dlt
import pyarrow as pa
from dlt.common.schema.typing import TColumnSchema, TTableSchemaColumns

from pipelines.github_billing.settings import MONEY_PRECISION, MONEY_SCALE

DataType = Literal["text", "date", "timestamp", "decimal", "bool", "bigint"]
Load = Literal["delete-insert", "upsert", "scd2"]

# The tombstone flag: a row with only a merge key and `is_withdrawn = true` makes dlt delete
# what was loaded for that key, and is itself never inserted (`hard_delete`). See rows.tombstone.
WITHDRAWN = "is_withdrawn"

# The billing account a row belongs to: first column, and first in every merge and primary key.
ACCOUNT_ID = "billing_account_id"

# Columns dlt adds to every row, and the validity bounds its scd2 strategy adds.
DLT_COLUMNS = ("_dlt_load_id", "_dlt_id")
SCD2_COLUMNS = ("_dlt_valid_from", "_dlt_valid_to")

_ARROW_TYPES: dict[str, pa.DataType] = {
    "text": pa.string(),
    "date": pa.date32(),
    "timestamp": pa.timestamp("us", tz="UTC"),
    "decimal": pa.decimal128(MONEY_PRECISION, MONEY_SCALE),
    "bool": pa.bool_(),
    "bigint": pa.int64(),
}


@dataclass(frozen=True)
class Column:
    name: str
    data_type: DataType
    nullable: bool = True
    hard_delete: bool = False

    def hint(self) -> TColumnSchema:
        hint: dict[str, Any] = {"data_type": self.data_type, "nullable": self.nullable}
        if self.data_type == "decimal":
            hint |= {"precision": MONEY_PRECISION, "scale": MONEY_SCALE}
        if self.hard_delete:
            hint["hard_delete"] = True
        return hint  # type: ignore[return-value]


@dataclass(frozen=True)
class RawTable:
    """A raw table. `billing_account_id` is added as its first column and put first in its
    keys; an scd2 table gets it as merge key, so a load retires only its own account's rows
    (dlt retires the active rows whose merge key is in the load)."""

    name: str
    columns: tuple[Column, ...]
    load: Load
    merge_key: tuple[str, ...] = ()
    primary_key: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        own = tuple(c for c in self.columns if c.name != ACCOUNT_ID)
        object.__setattr__(self, "columns", (_ACCOUNT, *own))
        merge_key = self.merge_key or (() if self.load != "scd2" else (ACCOUNT_ID,))
        for hint, key in (("merge_key", merge_key), ("primary_key", self.primary_key)):
            if key:
                rest = tuple(k for k in key if k != ACCOUNT_ID)
                object.__setattr__(self, hint, (ACCOUNT_ID, *rest))

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)

    @property
    def loaded_columns(self) -> tuple[str, ...]:
        """Every column of the table in the destination: the contract's and dlt's own."""
        extra = SCD2_COLUMNS if self.load == "scd2" else ()
        return self.column_names + extra + DLT_COLUMNS

    def hints(self) -> TTableSchemaColumns:
        return {c.name: c.hint() for c in self.columns}

    def resource_hints(self) -> dict[str, Any]:
        """The keyword arguments of `dlt.resource` that make the table this contract."""
        disposition = {"disposition": "merge", "strategy": self.load}
        hints: dict[str, Any] = {"write_disposition": disposition, "columns": self.hints()}
        if self.merge_key:
            hints["merge_key"] = list(self.merge_key)
        if self.primary_key:
            hints["primary_key"] = list(self.primary_key)
        return hints

    def arrow_schema(self, with_account: bool = True) -> pa.Schema:
        """The table's Arrow schema; without the account column for tables built before they
        are stamped (`stamp_account`)."""
        return pa.schema(
            pa.field(c.name, _ARROW_TYPES[c.data_type], nullable=c.nullable)
            for c in self.columns
            if with_account or c.name != ACCOUNT_ID
        )

    @property
    def has_catalogue_columns(self) -> bool:
        return "sku_raw" in self.column_names


def _text(*names: str, nullable: bool = True) -> tuple[Column, ...]:
    return tuple(Column(name, "text", nullable) for name in names)


def _money(*names: str) -> tuple[Column, ...]:
    return tuple(Column(name, "decimal") for name in names)


def _key(name: str, data_type: DataType = "text") -> Column:
    return Column(name, data_type, nullable=False)


_ACCOUNT = _key(ACCOUNT_ID)
_ACCOUNT_FIELD = pa.field(ACCOUNT_ID, _ARROW_TYPES["text"], nullable=False)


_EXTRACTED_AT = Column("extracted_at", "timestamp")
_WITHDRAWN = Column(WITHDRAWN, "bool", hard_delete=True)
# which path a usage row came from: `usage_api` (JSON) or a backfill's report (rows.SOURCE_PATH);
# nullable: rows loaded before backfills existed have none
_SOURCE_PATH = Column("source_path", "text")
# the canonical product, SKU and unit beside GitHub's spellings (catalogue.product_columns)
_CATALOGUE = _text("product", "product_raw", "sku", "sku_raw", "unit_type", "unit_type_raw")
# token counts of the AI usage report (report_csv reads them into these columns)
TOKENS = ("input_tokens", "output_tokens", "cache_read_tokens", "cache_write_tokens")
_AMOUNTS = _money("price_per_unit", "quantity", "gross_amount", "discount_amount", "net_amount")


def _model_usage(name: str) -> RawTable:
    """premium_request_usage and ai_credit_usage: one shape, only the billing unit differs."""
    return RawTable(
        name,
        (
            _key("usage_date", "date"),
            _key("cost_center_id"),
            *_text("cost_center_name"),
            *_CATALOGUE,
            *_text("model"),
            *_money(
                "price_per_unit",
                "gross_quantity",
                "gross_amount",
                "discount_quantity",
                "discount_amount",
                "net_quantity",
                "net_amount",
            ),
            _EXTRACTED_AT,
            _WITHDRAWN,
            _SOURCE_PATH,
        ),
        load="delete-insert",
        merge_key=("usage_date", "cost_center_id"),
    )


def _report_usage(name: str, *columns: Column) -> RawTable:
    """Per-user rows from usage-report exports and imported CSVs. Text columns a tombstone must
    fill are NOT NULL (`resources._day_tombstones`); columns later report versions added are
    nullable, so older reports and tables created before them still load."""
    return RawTable(
        name,
        (
            _key("usage_date", "date"),
            *_text("report_type", "username", "organization", "cost_center_name", nullable=False),
            *_CATALOGUE,
            *_AMOUNTS,
            *columns,
            _EXTRACTED_AT,
            _WITHDRAWN,
        ),
        load="delete-insert",
        merge_key=("usage_date",),
    )


TABLES: dict[str, RawTable] = {
    t.name: t
    for t in (
        RawTable(
            "billing_accounts",
            (
                *_text("billing_account_kind", "billing_account_name", nullable=False),
                # the enterprise slug or the organization's login (the API paths name it);
                # nullable: tables made before several accounts have none
                *_text("billing_account_login"),
                *_text("api_base_url", nullable=False),
                _EXTRACTED_AT,
            ),
            load="delete-insert",
            primary_key=("billing_account_id",),
        ),
        RawTable(
            "cost_centers",
            (
                _key("id"),
                *_text("name", "state", "azure_subscription"),
                Column("ai_credit_pool_enabled", "bool"),
                *_money("ai_credit_pool_target_amount", "ai_credit_pool_current_amount"),
                _EXTRACTED_AT,
            ),
            load="delete-insert",
            primary_key=("id",),
        ),
        RawTable(
            "cost_center_resources",
            _text("cost_center_id", "resource_type", "resource_type_raw", "resource_name"),
            load="scd2",
        ),
        RawTable(
            "usage_items",
            (
                _key("usage_date", "date"),
                *_text("date_raw"),
                _key("cost_center_id"),
                *_text("organization_name", "repository_name", "repository_name_raw"),
                *_CATALOGUE,
                *_money("quantity", "price_per_unit", "gross_amount", "discount_amount"),
                *_money("net_amount"),
                _EXTRACTED_AT,
                _WITHDRAWN,  # null on rows GitHub sent; true on tombstones
                _SOURCE_PATH,
            ),
            load="delete-insert",
            merge_key=("usage_date", "cost_center_id"),
        ),
        _model_usage("premium_request_usage"),
        _model_usage("ai_credit_usage"),
        RawTable(
            "copilot_seats",
            (
                _key("snapshot_date", "date"),
                *_text("seat_key", "assignee_login"),
                Column("assignee_id", "bigint"),
                *_text(
                    "assignee_type",
                    "organization_login",
                    "assigning_team_slug",
                    "assigning_team_name",
                    "assigning_team_type",
                    "plan_type",
                ),
                Column("created_at", "timestamp"),
                Column("updated_at", "timestamp"),
                Column("pending_cancellation_date", "date"),
                Column("last_activity_at", "timestamp"),
                *_text("last_activity_editor"),
                Column("last_authenticated_at", "timestamp"),
                _EXTRACTED_AT,
            ),
            load="delete-insert",
            merge_key=("snapshot_date",),
        ),
        _report_usage(
            "copilot_user_usage",
            _key("model"),
            *_text("repository_name"),  # AI usage report only
            Column("exceeds_quota", "bool"),
            *_money("total_monthly_quota"),  # null when GitHub wrote a word (`Unlimited`)
            *_text("total_monthly_quota_raw"),
            *_money("aic_quantity", "aic_gross_amount"),
            *(Column(name, "bigint") for name in TOKENS),
            Column("is_transition_backfill", "bool"),
        ),
        # Budgets (budgets.py): daily snapshots merged on snapshot_date, so each run replaces
        # its own day and the history of amounts and settings builds up.
        RawTable(
            "budgets",
            (
                _key("snapshot_date", "date"),
                _key("budget_id"),
                *_text("budget_type", "budget_scope", "budget_entity_name", "budget_user"),
                *_text("budget_product_sku", "budget_product_skus_raw"),
                *_money("budget_amount"),
                Column("prevent_further_usage", "bool"),
                Column("will_alert", "bool"),
                *_text("alert_recipients"),
                *_money("consumed_amount"),
                Column("expires_at", "timestamp"),
                _EXTRACTED_AT,
            ),
            load="delete-insert",
            merge_key=("snapshot_date",),
        ),
        RawTable(
            "budget_user_states",
            (
                _key("snapshot_date", "date"),
                _key("budget_id"),
                _key("user_login"),
                *_money("consumed_amount", "target_amount"),
                *_text("override_budget_id"),
                _EXTRACTED_AT,
            ),
            load="delete-insert",
            merge_key=("snapshot_date",),
        ),
        RawTable(
            "cost_center_pool_states",
            (
                _key("snapshot_date", "date"),
                _key("cost_center_id"),
                Column("ai_credit_pool_enabled", "bool"),
                *_money("ai_credit_pool_target_amount", "ai_credit_pool_current_amount"),
                _EXTRACTED_AT,
            ),
            load="delete-insert",
            merge_key=("snapshot_date",),
        ),
        _report_usage(
            "detailed_usage",
            _key("repository_name"),
            _key("workflow_path"),
            *_text("workflow_name"),  # reports until mid-2025
        ),
    )
}


def catalogue_tables() -> Iterable[RawTable]:
    """The tables whose rows carry a product, SKU and unit (canonical beside raw)."""
    return (t for t in TABLES.values() if t.has_catalogue_columns)


def stamp_account(item: Any, account: str) -> Any:
    """A row (dict) or an Arrow table with `billing_account_id` = `account` as its first column
    (replacing any value it had). Every resource's items pass here (`resource`)."""
    if isinstance(item, pa.Table):
        if ACCOUNT_ID in item.column_names:
            item = item.drop_columns([ACCOUNT_ID])
        return item.add_column(0, _ACCOUNT_FIELD, pa.repeat(pa.scalar(account), item.num_rows))
    if isinstance(item, dict):
        return {ACCOUNT_ID: account, **{k: v for k, v in item.items() if k != ACCOUNT_ID}}
    return item  # dlt's own markers (an empty table's schema)


def resource(data: Any, name: str, account: str) -> Any:
    """`dlt.resource` of raw table `name` (a function or rows) for billing account `account`:
    its columns, keys and load rule are the contract's, and every row it yields is stamped with
    the account."""
    if not account:
        raise ValueError(f"raw table {name} needs the billing account its rows belong to")
    made = dlt.resource(data, name=name, **TABLES[name].resource_hints())
    return made.add_map(lambda item: stamp_account(item, account))
