"""The tables under the charts: cells already formatted, money cells keeping the exact Decimal
beside the text, and the two shapes the report needs (month pivots and top lists with the rest)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from pipelines.cost_report import formatting as fmt


@dataclass(frozen=True)
class Cell:
    text: str
    exact: str | None = None  # money: the Decimal as the marts hold it (data-exact on the page)
    numeric: bool = False


def text(value: Any) -> Cell:
    return Cell(str(value))


def money(value: Decimal | None) -> Cell:
    value = value if value is not None else Decimal(0)
    return Cell(fmt.money(value), exact=str(value), numeric=True)


def number(value: Decimal | int | None) -> Cell:
    return Cell(fmt.quantity(value), numeric=True)


@dataclass
class Table:
    name: str  # data-table on the page
    columns: list[str]
    rows: list[list[Cell]]
    footer: list[Cell] | None = None
    note: str = ""
    collapsed: bool = False  # long tables sit behind a <details>


def month_pivot(
    name: str,
    rows: Sequence[tuple[date, str, Decimal]],
    label: str,
    collapsed: bool = False,
) -> Table:
    """Categories down, months across, totals right and below: every dollar of `rows` once."""
    cells: dict[str, dict[date, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    for month, category, net in rows:
        cells[category][month] += net
    months = sorted({m for m, _, _ in rows})
    by_total = sorted(cells, key=lambda c: (-sum(cells[c].values()), c))
    body = [
        [
            text(c),
            *(money(cells[c].get(m, Decimal(0))) for m in months),
            money(sum(cells[c].values(), Decimal(0))),
        ]
        for c in by_total
    ]
    column_totals = [sum((cells[c].get(m, Decimal(0)) for c in cells), Decimal(0)) for m in months]
    footer = [text("Total"), *map(money, column_totals), money(sum(column_totals, Decimal(0)))]
    return Table(name, [label, *map(fmt.month, months), "Total"], body, footer, collapsed=collapsed)


@dataclass(frozen=True)
class Measure:
    title: str
    kind: str = "money"  # or "number"

    def cell(self, value: Decimal | None) -> Cell:
        return money(value) if self.kind == "money" else number(value)


def top_with_rest(
    name: str,
    rows: Sequence[tuple[Any, ...]],
    limit: int,
    labels: list[str],
    measures: list[Measure],
    what: str,
    label_cells: Callable[[tuple[Any, ...]], list[Cell]] | None = None,
) -> Table:
    """The first `limit` rows (label columns, then one value per measure), one row for the
    rest and the total of all: the table adds up to what the mart holds for the period,
    however long its tail."""
    width = len(labels)

    def values(found: Sequence[tuple[Any, ...]]) -> list[Cell]:
        sums = [
            sum((row[width + i] or 0 for row in found), Decimal(0)) for i in range(len(measures))
        ]
        return [m.cell(v) for m, v in zip(measures, sums, strict=True)]

    def labelled(row: tuple[Any, ...]) -> list[Cell]:
        return label_cells(row) if label_cells else [text(v) for v in row[:width]]

    shown, rest = rows[:limit], rows[limit:]
    body = [labelled(row) + values([row]) for row in shown]
    blanks = [text("")] * (width - 1)
    if rest:
        body.append([text(f"{len(rest):,} other {what}"), *blanks, *values(rest)])
    footer = [text(f"Total ({len(rows):,} {what})"), *blanks, *values(rows)]
    return Table(name, [*labels, *(m.title for m in measures)], body, footer)
