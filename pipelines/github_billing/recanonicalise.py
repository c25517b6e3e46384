"""Rows loaded before a catalogue change, re-spelled the way today's catalogue spells them.

The loader is the one layer that gives GitHub's products, SKUs and units their canonical names
(contract.py), so a newer catalogue (a spelling added, an id renamed) would otherwise leave the
rows loaded before it with the old names, where dbt, which no longer re-spells them, would keep
them. After every load each raw table's distinct spellings are held to the catalogue and only
those that differ are updated, from GitHub's raw spellings (the canonical ones where a report
sent none): a handful of distinct values, so a load that changed nothing costs one small query
per table. Portable SQL through dlt's client, so it runs on every destination.
"""

from __future__ import annotations

import logging
from typing import Any

import dlt

from pipelines.github_billing.catalogue import product_columns
from pipelines.github_billing.contract import catalogue_tables

logger = logging.getLogger(__name__)

_NAMES = ("product", "sku", "unit_type")


def respelled(row: tuple[Any, ...]) -> tuple[str, str, str] | None:
    """For a distinct (product_raw, sku_raw, unit_type_raw, product, sku, unit_type): the
    canonical names today's catalogue gives it, or None when the row has them already."""
    raw, loaded = row[:3], row[3:]
    spelled = (r if r is not None else c for r, c in zip(raw, loaded, strict=True))
    columns = product_columns(*spelled)
    wanted = tuple(str(columns[name]) for name in _NAMES)
    return None if wanted == tuple(loaded) else wanted  # type: ignore[return-value]


def recanonicalise(sql_client: Any) -> dict[str, int]:
    """Re-spell what the catalogue now names differently; the distinct spellings fixed, by
    table. `sql_client` is an open dlt SQL client of the raw dataset."""
    fixed: dict[str, int] = {}
    for table in catalogue_tables():
        name = sql_client.make_qualified_table_name(table.name)
        rows = sql_client.execute_sql(
            "select distinct product_raw, sku_raw, unit_type_raw, product, sku, unit_type "
            f"from {name}"
        )
        for row in rows or []:
            wanted = respelled(tuple(row))
            if wanted is None:
                continue
            sql_client.execute_sql(
                f"update {name} set product = %s, sku = %s, unit_type = %s "
                "where product_raw is not distinct from %s and sku_raw is not distinct from %s "
                "and unit_type_raw is not distinct from %s "
                "and product = %s and sku = %s and unit_type = %s",
                *wanted,
                *row,
            )
            fixed[table.name] = fixed.get(table.name, 0) + 1
    if fixed:
        logger.info("re-spelled by today's catalogue (distinct spellings): %s", fixed)
    return fixed


def recanonicalise_dataset(pipeline: dlt.Pipeline) -> dict[str, int]:
    """`recanonicalise` on the pipeline's raw dataset (after its load)."""
    with pipeline.sql_client() as client:
        return recanonicalise(client)
