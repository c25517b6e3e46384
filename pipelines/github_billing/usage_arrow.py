"""The fast path of `usage_items`: /usage response bytes parsed straight into Arrow columns.

pyarrow's JSON reader converts each number from its JSON text to decimal128(38, 12) exactly
(never through float or a Python Decimal per value), and normalisation runs once per distinct
value (a handful per response) instead of once per row. The columns, types and values equal
`rows.usage_item_row`'s (tests/test_usage_arrow.py proves it on tricky payloads). What the reader
cannot take exactly (a number with more than twelve decimals, a quantity sent as `true`, a body
that is not one JSON object...) raises `NotExact`, and the caller shapes that response row by
row with `rows.usage_item_row`.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.json as pj
from dlt.common.utils import uniq_id_base64

from pipelines.github_billing import catalogue, contract
from pipelines.github_billing.contract import WITHDRAWN
from pipelines.github_billing.rows import FROM_API, SOURCE_PATH, parse_usage_date

ROW_ID = "_dlt_id"
ROW_ID_PREFIX_BYTES = 12  # 96 random bits per table: collisions are not a practical concern

# The raw table's columns and types, from the contract (`rows.usage_item_row` fills the same),
# but the billing account's, which `contract.stamp_account` adds to every table the resource
# yields.
USAGE_ITEM_SCHEMA = contract.TABLES["usage_items"].arrow_schema(with_account=False)
DECIMAL = USAGE_ITEM_SCHEMA.field("net_amount").type  # decimal128(38, 12)
TEXT = pa.string()

_AMOUNTS = {
    "quantity": "quantity",
    "pricePerUnit": "price_per_unit",
    "grossAmount": "gross_amount",
    "discountAmount": "discount_amount",
    "netAmount": "net_amount",
}
_TEXTS = ("date", "product", "sku", "unitType", "organizationName", "repositoryName")
_ITEM = pa.struct([(name, TEXT) for name in _TEXTS] + [(name, DECIMAL) for name in _AMOUNTS])
_PARSE = pj.ParseOptions(
    explicit_schema=pa.schema([("usageItems", pa.list_(_ITEM))]),
    unexpected_field_behavior="ignore",  # GitHub adds fields; the raw table keeps its columns
)
_ZERO = pa.scalar(0, DECIMAL)


class NotExact(ValueError):
    """These bodies cannot be converted exactly by the Arrow reader: shape them row by row."""


def usage_table(
    bodies: Sequence[bytes], cost_center_ids: Sequence[str], extracted_at: datetime
) -> pa.Table:
    """Many /usage responses (one per day and partition) as one table of raw rows."""
    # Valid JSON has raw newlines only between tokens, so each body becomes one NDJSON line
    # and one reader call parses them all, in blocks on every core (a block holds whole lines:
    # at least the longest body). Threads took extraction of 2 M rows from 5.3 s to 4.4 s (P1).
    text = b"\n".join(body.replace(b"\n", b" ").replace(b"\r", b" ") for body in bodies)
    try:
        parsed = pj.read_json(
            io.BytesIO(text),
            read_options=pj.ReadOptions(
                use_threads=True, block_size=max(1 << 20, max(map(len, bodies)) + 1)
            ),
            parse_options=_PARSE,
        )
    except (pa.ArrowInvalid, pa.ArrowTypeError) as exc:
        raise NotExact(str(exc)) from None
    if parsed.num_rows != len(bodies):
        raise NotExact(f"{len(bodies)} bodies read as {parsed.num_rows} documents")
    lists = parsed.column("usageItems").combine_chunks()
    items = lists.flatten()
    fields = {name: items.field(name) for name in _ITEM.names}
    date_raw = fields["date"]
    if date_raw.null_count:
        raise NotExact("an item without a date")
    partition = pc.take(pa.array(list(cost_center_ids), TEXT), pc.list_parent_indices(lists))
    repository_raw = fields["repositoryName"]
    columns: dict[str, Any] = {
        "usage_date": _per_distinct(date_raw, parse_usage_date, pa.date32()),
        "date_raw": date_raw,
        "cost_center_id": partition,
        "organization_name": pc.fill_null(fields["organizationName"], ""),
        "repository_name": pc.fill_null(repository_raw, ""),
        "repository_name_raw": repository_raw,
        "product": _products(fields["product"], fields["sku"]),
        "product_raw": fields["product"],
        "sku": _per_distinct(fields["sku"], catalogue.canonical_sku, TEXT),
        "sku_raw": fields["sku"],
        "unit_type": _per_distinct(fields["unitType"], catalogue.canonical_unit, TEXT),
        "unit_type_raw": fields["unitType"],
        **{column: pc.fill_null(fields[name], _ZERO) for name, column in _AMOUNTS.items()},
        "extracted_at": _repeat(extracted_at, "extracted_at", len(items)),
        WITHDRAWN: pa.nulls(len(items), pa.bool_()),
        SOURCE_PATH: pa.repeat(pa.scalar(FROM_API, TEXT), len(items)),
    }
    try:
        return pa.table(columns, schema=USAGE_ITEM_SCHEMA)
    except (pa.ArrowInvalid, pa.ArrowTypeError) as exc:
        raise NotExact(str(exc)) from None


def tombstones(keys: Sequence[tuple[Any, str]], extracted_at: datetime) -> pa.Table:
    """Tombstone rows (`rows.tombstone`) for (usage_date, cost_center_id) keys, in the table's
    schema: every other column null."""
    columns = {f.name: pa.nulls(len(keys), f.type) for f in USAGE_ITEM_SCHEMA}
    columns["usage_date"] = pa.array([day for day, _ in keys], pa.date32())
    columns["cost_center_id"] = pa.array([cc for _, cc in keys], TEXT)
    columns["extracted_at"] = _repeat(extracted_at, "extracted_at", len(keys))
    columns[WITHDRAWN] = pa.repeat(pa.scalar(True), len(keys))
    return pa.table(columns, schema=USAGE_ITEM_SCHEMA)


def _repeat(value: Any, column: str, n: int) -> pa.Array:
    return pa.repeat(pa.scalar(value, USAGE_ITEM_SCHEMA.field(column).type), n)


def with_row_ids(table: pa.Table) -> pa.Table:
    """The table with dlt's row key `_dlt_id`, made here, in bulk: when dlt's normalize has to
    add it, it rewrites every extracted Parquet file (a fifth of the load's time, `make bench`
    P1); with it present, the files are imported as extracted. A random prefix per table and a
    row counter keep the ids unique across tables and loads, like dlt's random ids."""
    counter = pc.cumulative_sum(pa.repeat(pa.scalar(1, pa.int64()), table.num_rows))
    prefix = uniq_id_base64(ROW_ID_PREFIX_BYTES)
    ids = pc.binary_join_element_wise(prefix, pc.cast(counter, TEXT), "")
    return table.append_column(pa.field(ROW_ID, TEXT, nullable=False), ids)


def usage_table_from_rows(rows: list[dict[str, Any]]) -> pa.Table:
    """Rows shaped by `rows.usage_item_row` (the exact slow path) as a table of the same schema."""
    return pa.Table.from_pylist(rows, schema=USAGE_ITEM_SCHEMA)


def _per_distinct(column: pa.Array, convert: Callable[[Any], Any], type_: pa.DataType) -> pa.Array:
    """Apply a Python rule once per distinct value (the same rule the row path applies)."""
    encoded = pc.dictionary_encode(column)
    try:
        converted = pa.array([convert(v) for v in encoded.dictionary.to_pylist()], type_)
    except (ValueError, TypeError, AttributeError) as exc:
        raise NotExact(str(exc)) from None
    indices = encoded.indices
    if indices.null_count:  # null raw values: the rule's answer for None (`''` for keys)
        converted = pa.concat_arrays([converted, pa.array([convert(None)], type_)])
        indices = pc.fill_null(indices, len(converted) - 1)
    return pc.take(converted, indices)


def _products(product: pa.Array, sku: pa.Array) -> pa.Array:
    """`catalogue.canonical_product` per row, its rule applied once per distinct value."""
    of_known_sku = _per_distinct(sku, catalogue.product_of_sku, TEXT)
    spelled = _per_distinct(product, lambda p: catalogue.canonical("product", p), TEXT)
    return pc.coalesce(of_known_sku, spelled)
