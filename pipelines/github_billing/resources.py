"""One function per raw table. Each streams: one API response at a time, never the history."""

import logging
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any, TypeVar

import dlt
import pyarrow as pa
from dlt.common.schema.utils import has_table_seen_data

from pipelines.github_billing import catalogue, contract, drift, rows, usage_arrow
from pipelines.github_billing.accounts import BillingAccount
from pipelines.github_billing.backfill import Backfill
from pipelines.github_billing.client import GitHubApiError, GitHubClient, UserFilterRefused
from pipelines.github_billing.exports import (
    ExportFailed,
    ExportUnavailable,
    UsageExports,
    report_ranges,
)
from pipelines.github_billing.report_csv import COPILOT_USER_USAGE, DETAILED_USAGE
from pipelines.github_billing.settings import (
    AI_CREDIT_PATH,
    AI_CREDITS_START,
    COST_CENTERS_PATH,
    NO_COST_CENTER,
    PREMIUM_REQUEST_PATH,
    SEATS_PATH,
    SEATS_PER_PAGE,
    USAGE_PATH,
)

logger = logging.getLogger(__name__)


@dataclass
class LoadWindow:
    """Which days a run asks GitHub for. `since`/`until` are an explicit backfill."""

    today: date
    start_date: date
    lookback_days: int
    since: date | None = None
    until: date | None = None

    @property
    def last_day(self) -> date:
        """Only complete UTC days are loaded: yesterday, unless `until` says earlier."""
        yesterday = self.today - timedelta(days=1)
        return min(self.until, yesterday) if self.until else yesterday

    def first_day(self, cursor_last_value: date | None) -> date:
        """`cursor_last_value` is dlt's cursor with `lag` applied: the newest loaded day minus
        `lookback_days`, so restated days are read again."""
        if self.since:
            return self.since
        if cursor_last_value is None:
            return self.start_date
        return max(self.start_date, cursor_last_value)

    def settled_after(self, newest_loaded: date) -> date:
        """The first day worth re-reading for a cursor that may have stopped moving (premium
        requests end on 2026-05-31): loaded days older than this run's own lookback window are
        final, so a nightly run does not re-read the last week of May forever."""
        recent = self.last_day - timedelta(days=self.lookback_days)
        return min(newest_loaded + timedelta(days=1), recent)

    def incremental(self, cursor: str) -> dlt.sources.incremental[date]:
        """The cursor for a daily resource. A backfill (since/until) leaves the state alone."""
        if self.since or self.until:
            return dlt.sources.incremental(
                cursor,
                initial_value=self.since or self.start_date,
                end_value=self.last_day + timedelta(days=1),
                primary_key=(),
            )
        # lag keeps re-read days from being filtered out; primary_key=() turns off dlt's
        # boundary de-duplication, which would drop unchanged rows of a restated day.
        return dlt.sources.incremental(
            cursor, initial_value=self.start_date, lag=self.lookback_days, primary_key=()
        )


@dataclass
class CostCenterDirectory:
    """All cost centers, active and deleted, fetched once per run and shared by resources."""

    client: GitHubClient
    _centers: list[dict[str, Any]] | None = field(default=None, init=False)

    def all(self) -> list[dict[str, Any]]:
        if not self.client.account.has_cost_centers:
            return []  # an organization account: all its usage is in no cost center
        if self._centers is None:
            seen: dict[str, dict[str, Any]] = {}
            path = self.client.path(COST_CENTERS_PATH)
            for state in ("active", "deleted"):
                payload = self.client.get_json(path, params={"state": state})
                centers = _shaped(
                    lambda c, s=state: {"state": s, **c, "id": c["id"]},
                    payload,
                    "costCenters",
                    path,
                )
                for center in centers:
                    seen.setdefault(center["id"], center)
            self._centers = list(seen.values())
        return self._centers

    def partitions(self) -> list[tuple[str, str | None]]:
        """(id, name) of every usage partition: no cost center first, then each cost center."""
        return [(NO_COST_CENTER, None)] + [(c["id"], c.get("name")) for c in self.all()]


def _now() -> datetime:
    return datetime.now(UTC)


def _shaped(
    shape: Callable[[dict[str, Any]], dict[str, Any]],
    payload: Any,
    key: str,
    endpoint: str,
    day: date | None = None,
) -> list[dict[str, Any]]:
    """Shape the items under `key` of a response, or fail the whole response with a sentence:
    a malformed payload must never load half-way."""
    try:
        return [shape(item) for item in payload.get(key) or []]
    except (KeyError, TypeError, ValueError, ArithmeticError, AttributeError) as exc:
        detail = f"missing field {exc}" if isinstance(exc, KeyError) else type(exc).__name__
        raise GitHubApiError(
            f"GitHub sent an unreadable item ({detail}) from {endpoint}"
            f"{f' for {day}' if day else ''}: nothing from that response was loaded; run again, "
            "and report it if it persists.",
            endpoint=endpoint,
        ) from None


def _as_day(value: Any) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, str):
        return date.fromisoformat(value[:10])
    return value  # type: ignore[no-any-return]


def _has_held_rows() -> bool:
    """Whether the table of the resource being extracted exists (has been loaded, if only
    empty): only then can a tombstone (rows.tombstone) have something to delete."""
    table = dlt.current.source_schema().tables.get(dlt.current.resource_name())
    return table is not None and has_table_seen_data(table)


def create_table() -> Iterator[Any]:
    """On the resource's first load, the item that has dlt create its table with no rows.
    dlt creates a table only for rows it loads, and an enterprise may have none for a table
    (no cost centers, no Copilot seats, no usage before the AI-credit switch): created empty,
    with the contract's columns, every raw table exists for dbt after the first run. Only
    then: an empty load into an scd2 table would retire every row it holds."""
    if not _has_held_rows():
        yield dlt.mark.materialize_table_schema()


def empty_table() -> Iterator[Any]:
    """A resource of no rows for a table this run does not read (the export tables when
    exports are off, the API's tables in an import): it creates the table if missing."""
    yield from create_table()


def _cursor_start(cursor: dlt.sources.incremental[date], window: LoadWindow) -> date:
    return window.first_day(_as_day(cursor.last_value))


# Responses parsed together by the fast path: large enough that the per-call cost of the Arrow
# reader vanishes, small enough to keep memory flat whatever the period.
USAGE_BATCH_BYTES = 8 << 20


def _newest_loaded(usage_date: dlt.sources.incremental[date], window: LoadWindow) -> date | None:
    """The newest day a regular run loaded (None on a first run or a backfill, which read
    every day they cover)."""
    if window.since or window.until:
        return None
    state = usage_date.get_state()  # unlagged; a first run's holds the initial value
    newest = _as_day(state.get("last_value"))
    return None if newest == _as_day(state.get("initial_value")) else newest


def _keep_totals_from(window: LoadWindow) -> date:
    """The oldest day a later run may check for drift (with room for a missed night or two)."""
    return window.last_day - timedelta(days=2 * window.lookback_days + 7)


K = TypeVar("K")
R = TypeVar("R")


def fetch_in_order(
    fetch: Callable[[K], R], keys: Iterable[K], parallel: int
) -> Iterator[tuple[K, R]]:
    """`(key, fetch(key))` for every key, in the order of `keys`, with up to `parallel` fetches
    running at once; 1 fetches one after another in the calling thread, exactly as a loop.

    Only `parallel` keys are taken ahead of the one handed out, so at most that many answers
    wait in memory beside the caller's batch. A fetch that raised raises here, at its turn, as
    it would have in the loop; fetches still out are cancelled or awaited, never abandoned."""
    if parallel <= 1:
        for key in keys:
            yield key, fetch(key)
        return
    pool = ThreadPoolExecutor(max_workers=parallel, thread_name_prefix="github-billing")
    pending: deque[tuple[K, Future[R]]] = deque()
    try:
        for key in keys:
            pending.append((key, pool.submit(fetch, key)))
            if len(pending) >= parallel:
                done_key, future = pending.popleft()
                yield done_key, future.result()
        while pending:
            done_key, future = pending.popleft()
            yield done_key, future.result()
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def usage_items(
    client: GitHubClient,
    directory: CostCenterDirectory,
    window: LoadWindow,
    usage_date: dlt.sources.incremental[date],
    summaries: drift.DailySummaries,
    parallel: int = 1,
    backfill: Backfill | None = None,
) -> Iterator[pa.Table]:
    """Daily usage from `/settings/billing/usage`, one request per day and partition.

    `/usage` returns only usage in no cost center unless `cost_center_id` is given, so a
    complete day is the default partition plus one per cost center, active or deleted.
    Days already loaded are read again only when GitHub's summary says they changed
    (`drift`). Responses are parsed into Arrow tables in batches (`usage_arrow`), in the
    order of days and partitions whatever `parallel` requests are out at once. With a
    `backfill`, new days older than the JSON window come from a summarized report instead.
    """
    loaded = drift.LoadedTotals(dlt.current.resource_state())
    batch = _UsageBatch(client, _now(), tombstones=_has_held_rows())
    if not batch.tombstones:  # the table's first load: created even if no usage comes
        yield usage_arrow.with_row_ids(usage_arrow.USAGE_ITEM_SCHEMA.empty_table())
    candidates = rows.day_range(_cursor_start(usage_date, window), window.last_day)
    newest = _newest_loaded(usage_date, window)
    days = list(drift.days_to_read(candidates, newest, loaded, summaries))
    if backfill is not None:
        part = backfill.usage_items(
            days, newest, dlt.current.source_state(), batch.tombstones, batch.extracted_at
        )
        for table in part.batches:
            yield usage_arrow.with_row_ids(table)
        batch.day_net.update(part.day_net)
        days = [day for day in days if day not in part.done]
    client.tally.plan(partitions=len(days) * len(directory.partitions()))

    def partitions_of_each_day() -> Iterator[tuple[date, str]]:
        for day in days:
            batch.day_net[day] = Decimal(0)
            for cc_id, _name in directory.partitions():
                yield day, cc_id

    def fetch(key: tuple[date, str]) -> bytes:
        day, cc_id = key
        # no cost_center_id is GitHub's way of asking for usage in no cost center
        filters = {} if cc_id == NO_COST_CENTER else {"cost_center_id": cc_id}
        return client.get_bytes(client.path(USAGE_PATH), params=rows.day_query(day, **filters))

    for (day, cc_id), body in fetch_in_order(fetch, partitions_of_each_day(), parallel):
        batch.add(body, cc_id, day)
        client.tally.done(partitions=1)
        if batch.size >= USAGE_BATCH_BYTES:
            yield from batch.flush()
    yield from batch.flush()
    if backfill is not None:  # what later backfills resolve shared cost-center names by
        backfill.saw_partitions(dlt.current.source_state(), batch.seen)
    loaded.record(batch.day_net, keep_from=_keep_totals_from(window))


@dataclass
class _UsageBatch:
    """/usage bodies waiting to be parsed in one Arrow call, with their partition and day."""

    client: GitHubClient
    extracted_at: datetime
    tombstones: bool = False  # a (day, partition) read back empty deletes what was loaded
    bodies: list[tuple[bytes, str, date]] = field(default_factory=list)
    size: int = 0
    # net dollars per day read so far, for the drift check of later runs
    day_net: dict[date, Decimal] = field(default_factory=dict)
    seen: set[tuple[date, str]] = field(default_factory=set)  # (day, partition) with rows

    def add(self, body: bytes, cost_center_id: str, day: date) -> None:
        self.bodies.append((body, cost_center_id, day))
        self.size += len(body)

    def flush(self) -> Iterator[pa.Table]:
        bodies, self.bodies, self.size = self.bodies, [], 0
        if not bodies:
            return
        read: set[tuple[date, str]] = set()
        for table in self._tables(bodies):
            read |= self._count(table)
            yield usage_arrow.with_row_ids(table)
        self.seen |= read
        withdrawn = sorted({(day, cc) for _, cc, day in bodies} - read)
        if self.tombstones and withdrawn:
            yield usage_arrow.with_row_ids(usage_arrow.tombstones(withdrawn, self.extracted_at))

    def _tables(self, bodies: list[tuple[bytes, str, date]]) -> Iterator[pa.Table]:
        try:
            table = usage_arrow.usage_table(
                [b for b, _, _ in bodies], [cc for _, cc, _ in bodies], self.extracted_at
            )
        except usage_arrow.NotExact as exc:
            # Something the reader cannot take exactly: each response the row-by-row way,
            # which also names the response that is malformed, if one is.
            logger.info("usage batch shaped row by row: %s", exc)
            for body, cc_id, day in bodies:
                shaped = self._shaped_rows(body, cc_id, day)
                if shaped:
                    yield usage_arrow.usage_table_from_rows(shaped)
            return
        if table.num_rows:
            yield table

    def _count(self, table: pa.Table) -> set[tuple[date, str]]:
        """Add the table's net dollars to `day_net`; the (day, partition) keys it holds."""
        keys = ["usage_date", "cost_center_id"]
        sums = table.group_by(keys).aggregate([("net_amount", "sum")]).to_pydict()
        for day, net in zip(sums["usage_date"], sums["net_amount_sum"], strict=True):
            self.day_net[day] = self.day_net.get(day, Decimal(0)) + net
        return set(zip(sums["usage_date"], sums["cost_center_id"], strict=True))

    def _shaped_rows(self, body: bytes, cc_id: str, day: date) -> list[dict[str, Any]]:
        path = self.client.path(USAGE_PATH)
        payload = self.client.decode(body, path)
        return _shaped(
            lambda item: rows.usage_item_row(item, cc_id, self.extracted_at),
            payload,
            "usageItems",
            path,
            day,
        )


def model_usage(
    client: GitHubClient,
    directory: CostCenterDirectory,
    window: LoadWindow,
    usage_date: dlt.sources.incremental[date],
    ai_credits: bool,
    summaries: drift.DailySummaries,
    parallel: int = 1,
    backfill: Backfill | None = None,
) -> Iterator[list[dict[str, Any]]]:
    """Copilot usage by model per day and partition: premium requests until 2026-05-31,
    AI credits from 2026-06-01. Days outside the unit's period are not requested. Up to
    `parallel` requests are out at once; rows come in the order of days and partitions.
    With a `backfill`, new days older than the JSON window come from the per-user reports."""
    path = client.path(AI_CREDIT_PATH if ai_credits else PREMIUM_REQUEST_PATH)
    extracted_at = _now()
    first = _cursor_start(usage_date, window)
    newest = _newest_loaded(usage_date, window)
    if not ai_credits and newest is not None:
        first = max(first, window.settled_after(newest))
    loaded = drift.LoadedTotals(dlt.current.resource_state())
    tombstones = _has_held_rows()
    yield from create_table()
    day_net: dict[date, Decimal] = {}
    candidates = (
        day
        for day in rows.day_range(first, window.last_day)
        if (day >= AI_CREDITS_START) == ai_credits
    )
    skus = catalogue.skus_billed_in(
        catalogue.AI_CREDITS if ai_credits else catalogue.PREMIUM_REQUESTS
    )
    days = list(drift.days_to_read(candidates, newest, loaded, summaries, skus))
    if backfill is not None:
        part = backfill.model_usage(
            days, newest, dlt.current.source_state(), ai_credits, tombstones, extracted_at
        )
        yield from part.batches
        day_net.update(part.day_net)
        days = [day for day in days if day not in part.done]
    client.tally.plan(partitions=len(days) * len(directory.partitions()))

    def partitions_of_each_day() -> Iterator[tuple[date, str, str | None]]:
        for day in days:
            day_net[day] = Decimal(0)
            for cc_id, name in directory.partitions():
                yield day, cc_id, name

    def fetch(key: tuple[date, str, str | None]) -> Any:
        # an organization's endpoints have no cost_center_id (its one partition is all usage)
        filters = {"cost_center_id": key[1]} if client.account.has_cost_centers else {}
        return client.get_json(path, params=rows.day_query(key[0], **filters))

    for (day, cc_id, name), payload in fetch_in_order(fetch, partitions_of_each_day(), parallel):
        batch = _shaped(
            lambda item, cc=cc_id, n=name, d=day: rows.model_usage_row(
                item, d, cc, n, extracted_at
            ),
            payload,
            "usageItems",
            path,
            day,
        )
        day_net[day] += sum((row["net_amount"] for row in batch), Decimal(0))
        client.tally.done(partitions=1)
        if batch:
            yield batch
        elif tombstones:  # GitHub withdrew the partition's usage of the day, if it had any
            yield [rows.tombstone(usage_date=day, cost_center_id=cc_id)]
    loaded.record(day_net, keep_from=_keep_totals_from(window))


def copilot_seats(
    client: GitHubClient, window: LoadWindow, per_page: int = SEATS_PER_PAGE
) -> Iterator[list[dict[str, Any]]]:
    """Today's seat assignments, one row per (holder, granting org or team), as a dated
    snapshot: history builds up run after run, so removed seats keep their seat-days."""
    extracted_at = _now()
    path = client.path(SEATS_PATH)
    yield from create_table()
    for page in client.get_pages(path, params={"per_page": per_page, "page": 1}):
        yield _shaped(
            lambda seat: rows.seat_row(seat, window.today, extracted_at),
            page,
            "seats",
            path,
            window.today,
        )


def billing_accounts(api: GitHubClient, account: BillingAccount) -> Iterator[dict[str, Any]]:
    """The account this load bills (an enterprise or an organization), under its name in the
    store: nothing in GitHub's usage rows names it, and exports such as FOCUS need it as their
    billing account. No request is sent."""
    yield {
        contract.ACCOUNT_ID: account.name,
        "billing_account_kind": account.kind,
        "billing_account_name": account.name,
        "billing_account_login": account.login,
        "api_base_url": api.base_url,
        "extracted_at": _now(),
    }


def cost_centers(directory: CostCenterDirectory) -> Iterator[Any]:
    yield from create_table()
    extracted_at = _now()
    for center in directory.all():
        yield rows.cost_center_row(center, extracted_at)


def cost_center_resources(directory: CostCenterDirectory) -> Iterator[Any]:
    yield from create_table()
    for center in directory.all():
        yield from rows.cost_center_resource_rows(center)


# -- per-user usage from GitHub's usage-report exports (exports.py, report_csv.py) -------------


def report_usage(
    client: GitHubClient,
    exports: UsageExports,
    window: LoadWindow,
    usage_date: dlt.sources.incremental[date],
    report_family: str,
) -> Iterator[list[dict[str, Any]]]:
    """Per-user rows from usage-report exports over the window, one report at a time, oldest
    first. A report that fails stops the resource: the cursor stays at the last whole report,
    so the next run asks again from there (minus the lookback)."""
    table = COPILOT_USER_USAGE if report_family == "copilot" else DETAILED_USAGE
    tombstones = _has_held_rows()
    yield from create_table()
    if not client.account.has_exports:  # an organization: its per-user usage is user= only
        reason = "Organization accounts have no usage-report exports"
        yield from _user_usage_fallback(client, window, _cursor_start(usage_date, window), reason)
        return
    extracted_at = _now()
    reports = requests = 0
    ranges = report_ranges(report_family, _cursor_start(usage_date, window), window.last_day)
    client.tally.plan(reports=len(ranges))
    for report_type, first, last in ranges:
        try:
            found = exports.fetch(report_type, first, last)
            reports, requests = reports + 1, requests + exports.last_cost
            client.tally.done(reports=1)
        except ExportUnavailable as exc:
            if table == DETAILED_USAGE:
                client.warnings.append(f"{exc}: {table} was not loaded (only exports have it).")
                return
            yield from _user_usage_fallback(client, window, first, str(exc))
            return
        except ExportFailed as exc:
            client.warnings.append(str(exc))
            return
        except GitHubApiError as exc:  # 5xx after retries, 400, ...: only this table waits
            client.warnings.append(
                f"{exc} ({table} stops before the {report_type} report for {first} to {last}; "
                "the next run asks again.)"
            )
            return
        batch = [{**row, "extracted_at": extracted_at} for row in found.for_table(table)]
        if tombstones:  # a day the report has no rows for has none left: delete what it had
            batch += _day_tombstones(table, set(rows.day_range(first, last)) - found.days(table))
        if batch:
            yield batch
    client.notes.append(f"{table} came from {reports} usage-report exports ({requests} requests).")


def _day_tombstones(table: str, days: Iterable[date]) -> list[dict[str, Any]]:
    """Tombstones of whole days of a per-user table (merge key usage_date), with its NOT NULL
    text columns filled: the staging copy of the table keeps the constraints."""
    required = {
        column.name: ""
        for column in contract.TABLES[table].columns
        if not column.nullable and column.data_type == "text"
    }
    return [rows.tombstone(usage_date=day, **required) for day in sorted(days)]


def _user_usage_fallback(
    client: GitHubClient, window: LoadWindow, first: date, reason: str
) -> Iterator[list[dict[str, Any]]]:
    """Without the export API: premium_request / ai_credit usage with `user=` for each of
    today's seat holders, day by day (D x S requests). Rows carry no organization or cost
    center, which those answers do not split by."""
    before = client.requests_made
    logins = sorted(
        {
            (seat.get("assignee") or {}).get("login") or ""
            for page in client.get_pages(client.path(SEATS_PATH), params={"per_page": 100})
            for seat in page.get("seats") or []
        }
        - {""}
    )
    extracted_at = _now()
    tombstones = _has_held_rows()
    days = list(rows.day_range(first, window.last_day))
    for day in days:
        credits = day >= AI_CREDITS_START
        path = client.path(AI_CREDIT_PATH if credits else PREMIUM_REQUEST_PATH)
        report_type = "ai_credit_api" if credits else "premium_request_api"
        batch = []
        for login in logins:
            params = rows.day_query(day, user=login)
            try:
                payload = client.get_json(path, params=params)
            except UserFilterRefused as exc:  # an enterprise-owned organization: never allowed
                client.warnings.append(str(exc))
                return
            batch += _shaped(
                lambda item, u=login, d=day, t=report_type: rows.user_usage_api_row(
                    item, d, u, t, extracted_at
                ),
                payload,
                "usageItems",
                path,
                day,
            )
        if not batch and tombstones:
            batch = _day_tombstones(COPILOT_USER_USAGE, {day})
        if batch:
            yield batch
    client.notes.append(
        f"{reason}, so copilot_user_usage came from the premium_request/ai_credit usage "
        f"endpoints with user= for {len(logins)} seat holders over {len(days)} days "
        f"({client.requests_made - before} requests); it has no organization or cost center."
    )
