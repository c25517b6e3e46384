"""Backfills through GitHub's usage-report exports instead of one JSON request per day and
cost-center partition.

`/usage` and the by-model endpoints answer one day and one partition per request: a year of a
50-cost-center enterprise is 37,230 of them, most of a working day of a token's budget. A
`summarized` report holds a year of `usage_items` (date x SKU x organization x repository x
cost-center name) in one report, and the premium-request / AI-credit reports (31 days each) hold
the per-user rows that `premium_request_usage` / `ai_credit_usage` sum by model. So the days of
a run that are new and older than its JSON window (`lookback_days` before yesterday) are read
from reports; the recent days and every drift re-read stay on the JSON endpoints, so a nightly
run sends exactly what it sent before.

What keeps the two paths' rows the same:
- cost-center names become ids (`CostCenterNames`): a name two cost centers have shared is
  resolved by date only where what earlier runs saw of them allows; otherwise the days that
  carry it are read through the JSON partitions, never guessed;
- reconciliation: the report's net dollars equal `/usage/summary`'s for every whole calendar
  month it covers (one request a month) and for every day of a month it covers in part; a month
  that disagrees is checked day by day, and a day that disagrees is read through JSON instead;
- a report that fails, stays in processing or arrives damaged loads nothing: its days and all
  later ones are read through JSON in the same run; 403/404 from the export API sends the whole
  backfill to JSON, as before this path existed.
"""

from __future__ import annotations

import itertools
import logging
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping, MutableMapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any, Protocol

import pyarrow as pa
import pyarrow.compute as pc

from pipelines.github_billing import catalogue, rows, usage_arrow
from pipelines.github_billing.client import GitHubApiError, GitHubClient
from pipelines.github_billing.drift import DRIFT_TOLERANCE, DailySummaries
from pipelines.github_billing.exports import ExportUnavailable, UsageExports
from pipelines.github_billing.report_csv import ReportFormatError, read_report
from pipelines.github_billing.settings import (
    AI_CREDITS_START,
    NO_COST_CENTER,
    PREMIUM_REQUEST_REPORTS_FROM,
    REPORT_MAX_DAYS,
    SUMMARIZED_MAX_DAYS,
)

logger = logging.getLogger(__name__)

FROM_SUMMARIZED = "summarized_report"
# Rows a summarized report keeps as Python dicts before they become one Arrow table.
ARROW_BATCH_ROWS = 50_000


def contiguous_runs(days: Iterable[date], longest: int) -> list[tuple[date, date]]:
    """(first, last) of each run of consecutive days, each at most `longest` days long."""
    runs: list[tuple[date, date]] = []
    for day in sorted(set(days)):
        follows = runs and day == runs[-1][1] + timedelta(days=1)
        if follows and (day - runs[-1][0]).days < longest:
            runs[-1] = (runs[-1][0], day)
            continue
        runs.append((day, day))
    return runs


def report_chunks(first: date, last: date, longest: int) -> list[tuple[date, date]]:
    """The reports a run of days needs, at most `longest` days each: one when it fits, else
    pieces that end at month ends, so that every month but the run's first and last is
    checked whole, with one summary request."""
    if (last - first).days < longest:
        return [(first, last)]
    pieces: list[tuple[date, date]] = []
    start = first
    while start <= last:
        end = min(month_days(start.year, start.month)[-1], last)
        while end < last:
            following = end + timedelta(days=1)
            next_end = min(month_days(following.year, following.month)[-1], last)
            if (next_end - start).days >= longest:
                break
            end = next_end
        pieces.append((start, end))
        start = end + timedelta(days=1)
    return pieces


def report_plan(days: Iterable[date], longest: int) -> list[tuple[date, date]]:
    """Every report of a set of days: each run of consecutive days in `report_chunks`."""
    return [
        piece
        for first, last in contiguous_runs(days, 10**6)
        for piece in report_chunks(first, last, longest)
    ]


def summary_periods(days: Iterable[date]) -> list[tuple[int, int, int | None]]:
    """The `/usage/summary` periods that check `days`: a whole calendar month as one period
    (day None), the days of a month covered only in part one by one."""
    by_month: dict[tuple[int, int], set[date]] = defaultdict(set)
    for day in days:
        by_month[(day.year, day.month)].add(day)
    periods: list[tuple[int, int, int | None]] = []
    for (year, month), covered in sorted(by_month.items()):
        if len(covered) == len(month_days(year, month)):
            periods.append((year, month, None))
        else:
            periods += [(year, month, d.day) for d in sorted(covered)]
    return periods


def month_days(year: int, month: int) -> list[date]:
    first = date(year, month, 1)
    following = (first + timedelta(days=32)).replace(day=1)
    return [first + timedelta(days=i) for i in range((following - first).days)]


class CostCenterEvidence:
    """The days each cost center is known to have existed, from earlier runs: days its /usage
    partition carried usage, and run days on which GitHub listed it active. Kept in the
    source's dlt state (committed with the load package), as `{id: [first, last]}`."""

    def __init__(self, state: MutableMapping[str, Any]) -> None:
        self._spans: dict[str, list[str]] = state.setdefault("cost_center_days", {})

    def saw(self, cost_center_id: str, day: date) -> None:
        if cost_center_id == NO_COST_CENTER:
            return
        text = day.isoformat()
        span = self._spans.get(cost_center_id)
        if span is None:
            self._spans[cost_center_id] = [text, text]
        else:
            span[0], span[1] = min(span[0], text), max(span[1], text)

    def span(self, cost_center_id: str) -> tuple[date, date] | None:
        found = self._spans.get(cost_center_id)
        return (
            None if found is None else (date.fromisoformat(found[0]), date.fromisoformat(found[1]))
        )


@dataclass
class CostCenterNames:
    """A report's `cost_center_name` as an id of `cost_centers` (active and deleted).

    A name of one cost center is that cost center. A name several have had (one deleted, a new
    one given its name) is resolved by date, on the rule that no two cost centers hold the same
    name at once and each exists over one stretch of days: ordered by what earlier runs saw of
    them, a day inside or before the first one's known days is the first's, a day inside or
    after the last one's is the last's, and so on. A day between two of them, a sharer never
    seen, or seen days that overlap, leave the name unresolved (None): the caller reads those
    days through the JSON partitions."""

    by_name: dict[str, list[str]]
    evidence: CostCenterEvidence

    @classmethod
    def of(
        cls, centers: Iterable[Mapping[str, Any]], evidence: CostCenterEvidence
    ) -> CostCenterNames:
        by_name: dict[str, list[str]] = defaultdict(list)
        for center in centers:
            by_name[str(center.get("name") or "")].append(str(center["id"]))
        return cls(dict(by_name), evidence)

    def resolve(self, name: str, day: date) -> str | None:
        if name == "":
            return NO_COST_CENTER
        ids = self.by_name.get(name) or []
        if len(ids) <= 1:
            return ids[0] if ids else None
        spans = [(self.evidence.span(cc), cc) for cc in ids]
        if any(span is None for span, _ in spans):
            return None
        ordered = sorted((span, cc) for span, cc in spans if span is not None)
        for (earlier, _), (later, _) in itertools.pairwise(ordered):
            if later[0] <= earlier[1]:
                return None  # seen at once: the rule does not hold, so no day is certain
        for i, ((first, last), cc) in enumerate(ordered):
            if day <= last:
                return cc if day >= first or i == 0 else None
        return ordered[-1][1]


class Directory(Protocol):
    def all(self) -> list[dict[str, Any]]: ...

    def partitions(self) -> list[tuple[str, str | None]]: ...


class _ReportSink:
    """Counts a report's net dollars per day and the cost-center names each day carries (the
    two things the backfill checks before loading anything of it)."""

    report_format = ""
    formats: tuple[str, ...] = ()

    def __init__(self) -> None:
        self.lines = 0
        self.day_net: dict[date, Decimal] = defaultdict(Decimal)
        self.names: dict[date, set[str]] = defaultdict(set)

    def read(self, lines: Iterable[str], name: str) -> str:
        found = read_report(lines, name, self)
        if found not in self.formats:
            raise ReportFormatError(
                f"{name}: GitHub sent a {found} report where a {self.report_format} one was "
                "asked for"
            )
        return found

    def count(self, row: dict[str, Any]) -> None:
        day = row["usage_date"]
        self.day_net[day] += row["net_amount"]
        self.names[day].add(row["cost_center_name"])


_SUMMARIZED_SCHEMA = usage_arrow.USAGE_ITEM_SCHEMA.append(pa.field("cost_center_name", pa.string()))


class SummarizedRows(_ReportSink):
    """A summarized report's lines as `usage_items` rows, batched into Arrow tables (a year of
    a large enterprise is a million lines: dicts would not fit in memory)."""

    report_format = "summarized"
    formats = ("summarized",)

    def __init__(self, extracted_at: datetime) -> None:
        super().__init__()
        self.extracted_at = extracted_at
        self.tables: list[pa.Table] = []
        self._rows: list[dict[str, Any]] = []

    def read(self, lines: Iterable[str], name: str) -> str:
        found = super().read(lines, name)
        self._flush()
        return found

    def add(self, row: dict[str, Any]) -> None:
        self.count(row)
        self._rows.append(
            {
                "usage_date": row["usage_date"],
                "date_raw": None,  # the CSV's date is parsed by report_csv's one date rule
                "cost_center_id": "",
                "organization_name": row["organization"],
                "repository_name": row["repository_name"],
                "repository_name_raw": row["repository_name"] or None,
                **{k: row[k] for k in catalogue_keys()},
                "quantity": row["quantity"],
                "price_per_unit": row["price_per_unit"],
                "gross_amount": row["gross_amount"],
                "discount_amount": row["discount_amount"],
                "net_amount": row["net_amount"],
                "extracted_at": self.extracted_at,
                rows.WITHDRAWN: None,
                rows.SOURCE_PATH: FROM_SUMMARIZED,
                "cost_center_name": row["cost_center_name"],
            }
        )
        if len(self._rows) >= ARROW_BATCH_ROWS:
            self._flush()

    def _flush(self) -> None:
        if self._rows:
            self.tables.append(pa.Table.from_pylist(self._rows, schema=_SUMMARIZED_SCHEMA))
            self._rows = []

    def usage_tables(
        self, ids: Mapping[tuple[date, str], str], keep: set[date]
    ) -> Iterator[pa.Table]:
        """The rows of the days in `keep`, each with its cost center's id."""
        keep_array = pa.array(sorted(keep), pa.date32())
        for table in self.tables:
            kept = table.filter(pc.is_in(table.column("usage_date"), value_set=keep_array))
            if not kept.num_rows:
                continue
            days = kept.column("usage_date").to_pylist()
            names = kept.column("cost_center_name").to_pylist()
            cc = pa.array([ids[(d, n)] for d, n in zip(days, names, strict=True)], pa.string())
            index = kept.schema.get_field_index("cost_center_id")
            kept = kept.set_column(index, usage_arrow.USAGE_ITEM_SCHEMA.field(index), cc)
            yield kept.drop_columns(["cost_center_name"])


def catalogue_keys() -> tuple[str, ...]:
    return ("product", "product_raw", "sku", "sku_raw", "unit_type", "unit_type_raw")


class ModelRows(_ReportSink):
    """A premium-request or AI-credit report's per-user lines summed to the grain of the
    by-model endpoints (day x cost-center name x model x SKU x unit x price); only the lines of
    the resource's SKUs (`skus`) count."""

    formats = ("premium_request", "ai_credit")

    def __init__(self, report_type: str, skus: frozenset[str]) -> None:
        super().__init__()
        self.report_format = report_type
        self.skus = skus
        self.sums: dict[tuple[Any, ...], list[Decimal]] = {}

    def add(self, row: dict[str, Any]) -> None:
        if row["sku"] not in self.skus:
            return
        self.count(row)
        key = (
            row["usage_date"],
            row["cost_center_name"],
            row["model"],
            *(row[k] for k in catalogue_keys()),
            row["price_per_unit"],
        )
        gross, discount, quantity = row["gross_amount"], row["discount_amount"], row["quantity"]
        # The CSV has no discounted quantity: a line's included share is its discounted share.
        discounted = (
            quantity if discount == gross else (quantity * discount / gross if gross else 0)
        )
        acc = self.sums.setdefault(key, [Decimal(0)] * 4)
        for i, value in enumerate((quantity, gross, rows.as_decimal(discounted), discount)):
            acc[i] += value

    def model_rows(
        self,
        ids: Mapping[tuple[date, str], str],
        names: Mapping[str, str | None],
        keep: set[date],
        extracted_at: datetime,
    ) -> list[dict[str, Any]]:
        out = []
        for key, (quantity, gross, discounted, discount) in self.sums.items():
            day, name, model, *catalogue_values, price = key
            if day not in keep:
                continue
            cc = ids[(day, name)]
            out.append(
                {
                    "usage_date": day,
                    "cost_center_id": cc,
                    "cost_center_name": names.get(cc),
                    **dict(zip(catalogue_keys(), catalogue_values, strict=True)),
                    "model": model,
                    "price_per_unit": price,
                    "gross_quantity": quantity,
                    "gross_amount": gross,
                    "discount_quantity": discounted,
                    "discount_amount": discount,
                    "net_quantity": quantity - discounted,
                    "net_amount": gross - discount,
                    "extracted_at": extracted_at,
                    rows.SOURCE_PATH: f"{self.report_format}_report",
                }
            )
        return out


@dataclass
class Part:
    """What the report path loaded of a resource's days: the rows (Arrow tables or dicts),
    net dollars per day for the drift state, and the days it covered (JSON reads the rest)."""

    batches: list[Any] = field(default_factory=list)
    day_net: dict[date, Decimal] = field(default_factory=dict)
    done: set[date] = field(default_factory=set)


@dataclass
class Backfill:
    """The report path of one run, shared by `usage_items`, `premium_request_usage` and
    `ai_credit_usage`."""

    client: GitHubClient
    directory: Directory
    summaries: DailySummaries
    exports: UsageExports
    today: date
    lookback_days: int
    available: bool = True  # False once the export API answered 403/404
    _evidence: CostCenterEvidence | None = None
    _said_unchecked: bool = False

    @property
    def json_from(self) -> date:
        """The first day of the JSON window: `lookback_days` before yesterday."""
        return self.today - timedelta(days=1 + self.lookback_days)

    def report_days(self, days: Iterable[date], newest_loaded: date | None) -> list[date]:
        """The days to read from reports: new (never loaded by a regular run) and older than
        the JSON window. A loaded day is re-read only when it drifted, through JSON."""
        return [
            day
            for day in days
            if (newest_loaded is None or day > newest_loaded) and day < self.json_from
        ]

    def evidence(self, state: MutableMapping[str, Any]) -> CostCenterEvidence:
        if self._evidence is None:
            self._evidence = CostCenterEvidence(state)
            for center in self.directory.all():
                if center.get("state") == "active":
                    self._evidence.saw(str(center["id"]), self.today)
        return self._evidence

    # -- usage_items ------------------------------------------------------------------------
    def usage_items(
        self,
        days: list[date],
        newest_loaded: date | None,
        state: MutableMapping[str, Any],
        tombstones: bool,
        extracted_at: datetime,
    ) -> Part:
        wanted = self.report_days(days, newest_loaded)
        part = Part()
        ranges = report_plan(wanted, SUMMARIZED_MAX_DAYS)
        for first, last, sink in self._reports(
            "usage_items", "summarized", ranges, lambda: SummarizedRows(extracted_at)
        ):
            covered = [d for d in wanted if first <= d <= last]
            ids, keep = self._checked("usage_items", covered, sink, state, None, "/usage")
            part.batches += list(sink.usage_tables(ids, keep))
            if tombstones:  # a partition with no line on a loaded day has no usage left
                present = {(d, cc) for (d, _name), cc in ids.items() if d in keep}
                empty = [
                    (d, cc)
                    for d in sorted(keep)
                    for cc, _name in self.directory.partitions()
                    if (d, cc) not in present
                ]
                if empty:
                    part.batches.append(usage_arrow.tombstones(empty, extracted_at))
            part.day_net.update({d: sink.day_net.get(d, Decimal(0)) for d in keep})
            part.done |= keep
        return part

    # -- premium_request_usage / ai_credit_usage ------------------------------------------------
    def model_usage(
        self,
        days: list[date],
        newest_loaded: date | None,
        state: MutableMapping[str, Any],
        ai_credits: bool,
        tombstones: bool,
        extracted_at: datetime,
    ) -> Part:
        table = "ai_credit_usage" if ai_credits else "premium_request_usage"
        report_type = "ai_credit" if ai_credits else "premium_request"
        oldest = AI_CREDITS_START if ai_credits else PREMIUM_REQUEST_REPORTS_FROM
        wanted = [d for d in self.report_days(days, newest_loaded) if d >= oldest]
        skus = catalogue.skus_billed_in(
            catalogue.AI_CREDITS if ai_credits else catalogue.PREMIUM_REQUESTS
        )
        ranges = report_plan(wanted, REPORT_MAX_DAYS)
        names = {cc: name for cc, name in self.directory.partitions()}
        part = Part()
        for first, last, sink in self._reports(
            table, report_type, ranges, lambda: ModelRows(report_type, skus)
        ):
            covered = [d for d in wanted if first <= d <= last]
            path = f"{report_type}/usage"
            ids, keep = self._checked(table, covered, sink, state, skus, path)
            batch = sink.model_rows(ids, names, keep, extracted_at)
            if tombstones:
                present = {(r["usage_date"], r["cost_center_id"]) for r in batch}
                batch += [
                    rows.tombstone(usage_date=d, cost_center_id=cc)
                    for d in sorted(keep)
                    for cc, _name in self.directory.partitions()
                    if (d, cc) not in present
                ]
            if batch:
                part.batches.append(batch)
            part.day_net.update({d: sink.day_net.get(d, Decimal(0)) for d in keep})
            part.done |= keep
        return part

    # -- shared ------------------------------------------------------------------------------
    def _reports(
        self, table: str, report_type: str, ranges: list[tuple[date, date]], make_sink: Any
    ) -> Iterator[tuple[date, date, Any]]:
        """Each report of `ranges` in turn; the first that fails ends the report path of the
        table (its days and the later ones go to JSON), 403/404 ends it for the run."""
        self.client.tally.plan(reports=len(ranges) if self.available else 0)
        for first, last in ranges:
            if not self.available:
                return
            try:
                sink = self.exports.fetch(report_type, first, last, into=make_sink())
            except ExportUnavailable as exc:
                self.available = False
                self.client.notes.append(
                    f"{exc}, so {table} backfilled {first} onwards through the JSON endpoints."
                )
                return
            except GitHubApiError as exc:  # failed, stuck, expired, damaged; 5xx after retries
                self.client.warnings.append(
                    f"{exc} ({table} read {first} onwards through the JSON endpoints instead, "
                    "in this run.)"
                )
                return
            self.client.tally.done(reports=1)
            self.client.notes.append(
                f"{table} {first} to {last} came from a {report_type} usage report "
                f"({self.exports.last_cost} requests)."
            )
            yield first, last, sink

    def _checked(
        self,
        table: str,
        covered: list[date],
        sink: _ReportSink,
        state: MutableMapping[str, Any],
        skus: frozenset[str] | None,
        json_path: str,
    ) -> tuple[dict[tuple[date, str], str], set[date]]:
        """The ids of the report's (day, cost-center name) pairs, and the days to load from it:
        those whose names all resolved and whose dollars match GitHub's summary."""
        resolver = CostCenterNames.of(self.directory.all(), self.evidence(state))
        ids: dict[tuple[date, str], str] = {}
        unresolved: dict[date, set[str]] = defaultdict(set)
        for day in covered:
            for name in sink.names.get(day, ()):
                cc = resolver.resolve(name, day)
                if cc is None:
                    unresolved[day].add(name)
                else:
                    ids[(day, name)] = cc
        mismatched = self.mismatched_days(covered, sink.day_net, skus)
        keep = set(covered) - set(unresolved) - mismatched
        if unresolved:
            shared = sorted({n for names in unresolved.values() for n in names})
            self.client.notes.append(
                f"{table}: {len(unresolved)} day(s) of the report name cost center(s) "
                f"{', '.join(repr(n) for n in shared)} that no single cost center can be "
                f"given on those days, so they were read through {json_path} per cost center "
                f"({_days_text(unresolved)})."
            )
        if mismatched:
            self.client.warnings.append(
                f"{table}: {len(mismatched)} day(s) of the usage report did not match GitHub's "
                f"usage summary, so they were read through {json_path} per cost center "
                f"instead ({_days_text(mismatched)})."
            )
        evidence = self.evidence(state)
        for (day, _name), cc in ids.items():
            if day in keep:
                evidence.saw(cc, day)
        return ids, keep

    def mismatched_days(
        self, covered: list[date], net: Mapping[date, Decimal], skus: frozenset[str] | None
    ) -> set[date]:
        """Days whose net dollars in the report differ from `/usage/summary`'s: whole months
        first (one request each), a month that differs day by day."""
        covered_set = set(covered)
        bad: set[date] = set()
        for year, month, day in summary_periods(covered):
            check = [date(year, month, day)] if day is not None else []
            if day is None:
                expected = self.summaries.period_net(year, month, None, skus)
                got = sum((net.get(d, Decimal(0)) for d in month_days(year, month)), Decimal(0))
                if expected is not None and abs(expected - got) > DRIFT_TOLERANCE:
                    check = [d for d in month_days(year, month) if d in covered_set]
            for one in check:
                expected = self.summaries.period_net(one.year, one.month, one.day, skus)
                if (
                    expected is not None
                    and abs(expected - net.get(one, Decimal(0))) > DRIFT_TOLERANCE
                ):
                    bad.add(one)
        if not self.summaries.available and not self._said_unchecked:
            self._said_unchecked = True
            self.client.notes.append(
                "GitHub's usage summary is not available to this token, so the usage reports "
                "were loaded without checking them against it."
            )
        return bad

    def saw_partitions(
        self, state: MutableMapping[str, Any], keys: Iterable[tuple[date, str]]
    ) -> None:
        """Record the (day, partition) pairs the JSON path found usage in, for later runs."""
        evidence = self.evidence(state)
        for day, cc in keys:
            evidence.saw(cc, day)


def _days_text(days: Iterable[date]) -> str:
    ordered = sorted(days)
    shown = ", ".join(d.isoformat() for d in ordered[:5])
    return shown + (f" and {len(ordered) - 5} more" if len(ordered) > 5 else "")
