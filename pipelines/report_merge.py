"""How the rows of several usage reports that cover the same days become one set of rows per
day, the same whatever order the reports are imported in (one command or one by one).

For each day of a raw table, the rows already loaded and the rows of every file being imported
are combined by three rules, each of which gives the same answer for the same set of rows:

1. a poorer report type gives way to a richer one (`RICHER`: legacy premium requests to the
   per-user reports, summarized to detailed) on any day the richer one has rows;
2. rows with the same grain (`GRAIN`: day, user, organization, cost center, model, SKU, ...)
   are the same usage reported twice (a file imported again, overlapping date ranges): one is
   kept; when they differ (GitHub restated the day between two downloads) the larger is kept,
   and the run says so;
3. everything else is different usage (another organization's report, another part of the
   same report) and is kept side by side.

So importing a file twice changes nothing, and `import a b` equals `import a; import b`.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from pipelines.github_billing.report_csv import MEASURES, RICHER, grain_of

LOADED = "the rows already loaded"
_METADATA = frozenset({"extracted_at", "_dlt_load_id", "_dlt_id"})


@dataclass
class Source:
    """The rows one file (or the database) holds for a table."""

    name: str
    rows: list[dict[str, Any]]


@dataclass
class Merged:
    rows: list[dict[str, Any]] = field(default_factory=list)  # every row of the changed days
    days: set[date] = field(default_factory=set)  # days whose rows change
    notes: list[str] = field(default_factory=list)


def _content(row: dict[str, Any]) -> tuple[tuple[str, str], ...]:
    return tuple(sorted((k, repr(v)) for k, v in row.items() if k not in _METADATA))


def _size(row: dict[str, Any]) -> tuple[Any, ...]:
    """Which of two readings of the same usage is kept: the larger measures, then a fixed
    order on the rest, so the choice never depends on which came first."""
    return (*(row.get(name) or Decimal(0) for name in MEASURES), _content(row))


def _span(days: set[date]) -> str:
    first, last = min(days), max(days)
    count = f"{len(days)} day" + ("s" if len(days) > 1 else "")
    return f"{count} ({first})" if first == last else f"{count} ({first} to {last})"


def _give_way(table: str, sources: list[Source], merged: Merged) -> list[tuple[Source, dict]]:
    """Rule 1: drop the rows of a poorer report type on days a richer one covers."""
    types: dict[date, set[str]] = defaultdict(set)
    for source in sources:
        for row in source.rows:
            types[row["usage_date"]].add(row["report_type"])
    kept: list[tuple[Source, dict[str, Any]]] = []
    dropped: dict[tuple[str, str, str], set[date]] = defaultdict(set)
    for source in sources:
        for row in source.rows:
            richer = [
                t for t in RICHER.get(row["report_type"], ()) if t in types[row["usage_date"]]
            ]
            if richer:
                dropped[(source.name, row["report_type"], " or ".join(richer))].add(
                    row["usage_date"]
                )
            else:
                kept.append((source, row))
    for (name, poorer, richer), days in sorted(dropped.items()):
        if name == LOADED:
            merged.notes.append(
                f"The {poorer} rows of {table} for {_span(days)} were replaced by the "
                f"{richer} report being imported."
            )
        else:
            merged.notes.append(
                f"The {poorer} rows of {name} for {_span(days)} were skipped: {table} has "
                f"those days from a {richer} report."
            )
    return kept


def merge(table: str, loaded: list[dict[str, Any]], files: list[Source]) -> Merged:
    """The rows of `table` for every day the files cover, combined with what is loaded."""
    merged = Merged()
    days = {row["usage_date"] for source in files for row in source.rows}
    loaded = [row for row in loaded if row["usage_date"] in days]
    sources = [Source(LOADED, loaded), *files]
    readings: dict[tuple[Any, ...], list[tuple[Source, dict[str, Any]]]] = defaultdict(list)
    for source, row in _give_way(table, sources, merged):
        readings[grain_of(table, row)].append((source, row))
    restated: dict[tuple[str, ...], set[date]] = defaultdict(set)
    by_day: dict[date, list[dict[str, Any]]] = defaultdict(list)
    for candidates in readings.values():
        # rule 2: one reading of the same usage; the loaded row on a tie keeps its extracted_at
        best = max(candidates, key=lambda c: (_size(c[1]), c[0].name == LOADED))[1]
        if len({_content(row) for _source, row in candidates}) > 1:
            names = tuple(sorted({source.name for source, _row in candidates}))
            restated[names].add(best["usage_date"])
        by_day[best["usage_date"]].append(best)
    for names, restated_days in sorted(restated.items()):
        merged.notes.append(
            f"Rows of {table} for {_span(restated_days)} differ between {' and '.join(names)} "
            "(GitHub restated them between the downloads?): the larger reading of each is "
            "kept, whatever the order of the imports."
        )
    before: dict[date, list[tuple[tuple[str, str], ...]]] = defaultdict(list)
    for row in loaded:
        before[row["usage_date"]].append(_content(row))
    for day, rows in by_day.items():
        if sorted(_content(row) for row in rows) != sorted(before[day]):
            merged.days.add(day)
            merged.rows.extend(rows)
    return merged
