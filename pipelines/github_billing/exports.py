"""GitHub's usage-report export API: create a report, poll it with backoff until it completes
or fails, download every file it lists and parse the CSV as it streams.

GitHub builds one report per account at a time and at most 31 days per report, so ranges are
split and reports are taken strictly one after another.
"""

from __future__ import annotations

import io
import logging
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from requests.exceptions import RequestException
from urllib3.exceptions import HTTPError

from pipelines.github_billing.client import GitHubApiError, GitHubClient, origin_text
from pipelines.github_billing.report_csv import ReportFormatError, ReportRows
from pipelines.github_billing.settings import (
    AI_CREDITS_START,
    EXPORT_MAX_POLL_SECONDS,
    EXPORT_POLL_SECONDS,
    EXPORT_TIMEOUT_SECONDS,
    REPORT_MAX_DAYS,
    REPORT_PATH,
    REPORTS_PATH,
)

logger = logging.getLogger(__name__)

RETRY_NEXT_RUN = (
    "nothing from it was loaded, data loaded earlier is kept, and the next run asks again"
)


class ExportFailed(GitHubApiError):
    """A report that failed, expired or stayed in processing: retried on the next run."""


class ExportUnavailable(GitHubApiError):
    """The export API answered 403 or 404 for this token or enterprise."""


def report_ranges(report_type: str, start: date, end: date) -> list[tuple[str, date, date]]:
    """(report type, first day, last day) of every report a window needs, oldest first:
    at most 31 days each; Copilot per-user usage is premium_request to 2026-05-31 and
    ai_credit from 2026-06-01."""
    pieces: list[tuple[str, date, date]] = []
    if report_type == "copilot":
        spans = [("premium_request", start, min(end, AI_CREDITS_START - timedelta(days=1)))]
        spans.append(("ai_credit", max(start, AI_CREDITS_START), end))
    else:
        spans = [(report_type, start, end)]
    for kind, first, last in spans:
        day = first
        while day <= last:
            chunk_end = min(last, day + timedelta(days=REPORT_MAX_DAYS - 1))
            pieces.append((kind, day, chunk_end))
            day = chunk_end + timedelta(days=1)
    return pieces


def poll_waits(first: float, cap: float) -> Iterator[float]:
    """First, then doubling waits, capped."""
    wait = first
    while True:
        yield wait
        wait = min(cap, wait * 2 if wait else 0)


@dataclass
class UsageExports:
    """Runs reports for one client, one at a time, and counts what they cost."""

    client: GitHubClient
    sleep: Callable[[float], None] = time.sleep
    clock: Callable[[], float] = time.monotonic
    poll_seconds: float = EXPORT_POLL_SECONDS
    timeout_seconds: float = EXPORT_TIMEOUT_SECONDS
    last_cost: int = 0  # requests the last fetch took

    def fetch(self, report_type: str, start: date, end: date) -> ReportRows:
        """The whole lifecycle of one report; every file parsed before anything is returned,
        so a report either loads whole or not at all."""
        before = self.client.requests_made
        try:
            report = self._create(report_type, start, end)
            report = self._await(report)
            rows = ReportRows()
            for url in report.get("download_urls") or []:
                self._download_into(rows, url, report)
            return rows
        finally:
            self.last_cost = self.client.requests_made - before

    # -- lifecycle ----------------------------------------------------------------------------
    def _create(self, report_type: str, start: date, end: date) -> dict[str, Any]:
        body = {"report_type": report_type, "start_date": start.isoformat()}
        body["end_date"] = end.isoformat()
        path = self.client.path(REPORTS_PATH)
        for _attempt in range(3):
            try:
                return dict(self.client.post_json(path, body))
            except GitHubApiError as exc:
                # a spent rate limit is a 403 too, and no reason to leave the export API
                if exc.status in (403, 404) and "rate limit" not in str(exc):
                    raise ExportUnavailable(
                        f"GitHub's usage-report export API is not available to this token or "
                        f"enterprise ({exc.status} on {exc.endpoint})",
                        status=exc.status,
                        endpoint=exc.endpoint,
                    ) from None
                if exc.status not in (409, 422):
                    raise
            # One report per account at a time: wait for the one in progress (perhaps left by
            # an earlier run or by someone in the web UI), or adopt it if it is this very one.
            busy = self._in_progress()
            if busy is None:
                continue
            same = (busy.get("report_type"), busy.get("start_date"), busy.get("end_date")) == (
                report_type,
                start.isoformat(),
                end.isoformat(),
            )
            if same:
                return busy
            self._await(busy, adopt=False)
        raise ExportFailed(
            f"GitHub kept refusing a new {report_type} usage report for {start} to {end} because "
            f"another report was in progress: {RETRY_NEXT_RUN}.",
            endpoint=REPORTS_PATH,
        )

    def _in_progress(self) -> dict[str, Any] | None:
        listing = self.client.get_json(self.client.path(REPORTS_PATH))
        for report in listing.get("usage_report_exports") or []:
            if report.get("status") == "processing":
                return dict(report)
        return None

    def _await(self, report: dict[str, Any], adopt: bool = True) -> dict[str, Any]:
        describe = _describe(report)
        path = self.client.path(REPORT_PATH, report_id=str(report["id"]))
        deadline = self.clock() + self.timeout_seconds
        waits = poll_waits(self.poll_seconds, EXPORT_MAX_POLL_SECONDS)
        while report.get("status") == "processing":
            if self.clock() >= deadline:
                raise ExportFailed(
                    f"GitHub's {describe} was still processing after "
                    f"{self.timeout_seconds / 60:g} minutes: {RETRY_NEXT_RUN}.",
                    endpoint=REPORT_PATH,
                )
            self.sleep(next(waits))
            report = dict(self.client.get_json(path))
        if report.get("status") == "failed" and adopt:
            raise ExportFailed(
                f"GitHub reported that its {describe} failed: {RETRY_NEXT_RUN}.",
                endpoint=REPORT_PATH,
            )
        if report.get("status") not in ("completed", "failed"):
            raise ExportFailed(
                f"GitHub answered an unknown status '{report.get('status')}' for its {describe}: "
                f"{RETRY_NEXT_RUN}.",
                endpoint=REPORT_PATH,
            )
        return report

    def _download_into(self, rows: ReportRows, url: str, report: dict[str, Any]) -> None:
        describe = _describe(report)
        response = self.client.download(url)
        try:
            if response.status_code in (401, 403, 404, 410):
                raise ExportFailed(
                    f"The download link of GitHub's {describe} has expired or was refused "
                    f"({response.status_code} from {origin_text(url)}): {RETRY_NEXT_RUN}, with "
                    "a new report.",
                    status=response.status_code,
                    endpoint=REPORT_PATH,
                )
            if response.status_code >= 400:
                raise ExportFailed(
                    f"Downloading GitHub's {describe} failed ({response.status_code} from "
                    f"{origin_text(url)}): {RETRY_NEXT_RUN}.",
                    status=response.status_code,
                    endpoint=REPORT_PATH,
                )
            response.raw.decode_content = True
            response.raw.auto_close = False  # TextIOWrapper closes it; EOF must not close first
            text = io.TextIOWrapper(response.raw, encoding="utf-8-sig", newline="")
            name = f"{describe} (file {url.rsplit('/', 1)[-1].split('?')[0]})"
            try:
                rows.read(text, name)
            except ReportFormatError as exc:
                raise ExportFailed(
                    f"{exc}; nothing from the report was loaded, data loaded earlier is kept, "
                    "and the next run asks again."
                ) from None
            except (OSError, ValueError, HTTPError, RequestException) as exc:  # stream broke
                raise ExportFailed(
                    f"The download of GitHub's {describe} broke off ({type(exc).__name__}): "
                    f"{RETRY_NEXT_RUN}."
                ) from None
        finally:
            response.close()


def _describe(report: dict[str, Any]) -> str:
    return (
        f"{report.get('report_type')} usage report {report.get('id')} "
        f"({report.get('start_date')} to {report.get('end_date')})"
    )
