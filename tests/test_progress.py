"""Progress of long runs where no terminal shows a live bar (cron, CI): plain lines, at most one
per interval, in order, and a last one at 100% when the stage ends."""

from __future__ import annotations

import io
import re
from pathlib import Path
from types import SimpleNamespace

import pytest

from pipelines.github_billing.tally import LoadTally
from pipelines.progress import PlainLines, RunProgress
from pipelines.simulator import Simulator
from tests.conftest import TODAY
from tests.test_cli import run_cli


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def _client() -> SimpleNamespace:
    return SimpleNamespace(tally=LoadTally(), requests_made=0, rate_limit_remaining=None)


def test_every_change_is_a_line_at_interval_zero_ending_at_100_percent() -> None:
    out, clock, client = io.StringIO(), FakeClock(), _client()
    show = RunProgress(PlainLines(out, interval=0, clock=clock))
    with show.load(client):
        client.tally.plan(partitions=4, reports=1)
        for _ in range(4):
            clock.now += 10
            client.requests_made += 1
            client.rate_limit_remaining = 5000 - client.requests_made
            client.tally.done(partitions=1)
        client.tally.done(reports=1)
    assert out.getvalue().splitlines() == [
        "load: 0/4 day x cost-center requests (0%), 0/1 usage reports, 0 requests, "
        "rate-limit budget unknown left",
        "load: 1/4 day x cost-center requests (25%), 0/1 usage reports, 1 requests, "
        "rate-limit budget 4,999 left, about 30 s left",
        "load: 2/4 day x cost-center requests (50%), 0/1 usage reports, 2 requests, "
        "rate-limit budget 4,998 left, about 20 s left",
        "load: 3/4 day x cost-center requests (75%), 0/1 usage reports, 3 requests, "
        "rate-limit budget 4,997 left, about 10 s left",
        "load: 4/4 day x cost-center requests (100%), 0/1 usage reports, 4 requests, "
        "rate-limit budget 4,996 left",
        "load: 4/4 day x cost-center requests (100%), 1/1 usage reports, 4 requests, "
        "rate-limit budget 4,996 left",
    ]


def test_at_most_one_line_per_interval_and_always_the_last() -> None:
    out, clock, client = io.StringIO(), FakeClock(), _client()
    show = RunProgress(PlainLines(out, interval=30, clock=clock))
    with show.load(client):
        client.tally.plan(partitions=300)
        for _ in range(300):
            clock.now += 0.5  # GitHub's pace: a request every half second
            client.requests_made += 1
            client.tally.done(partitions=1)
    lines = out.getvalue().splitlines()
    done = [int(re.match(r"load: (\d+)/300 ", line).group(1)) for line in lines]
    assert done == [60, 120, 180, 240, 300], "one line every 30 s (60 requests), then the end"
    assert lines[0].endswith(", about 2 min left"), "240 requests to go at 0.5 s each"
    assert lines[-1].startswith("load: 300/300 day x cost-center requests (100%)")


def test_a_stage_that_fails_prints_no_last_line() -> None:
    out, clock, client = io.StringIO(), FakeClock(), _client()
    show = RunProgress(PlainLines(out, interval=30, clock=clock))
    with pytest.raises(RuntimeError), show.load(client):
        client.tally.plan(partitions=3)
        raise RuntimeError("GitHub kept failing")
    assert out.getvalue() == ""
    assert client.tally.listener is None, "the client is let go"


def _event(name: str, **data: object) -> SimpleNamespace:
    return SimpleNamespace(info=SimpleNamespace(name=name), data=SimpleNamespace(**data))


def test_dbt_build_counts_models_and_tests_from_dbts_events() -> None:
    out, clock = io.StringIO(), FakeClock()
    show = RunProgress(PlainLines(out, interval=0, clock=clock))
    with show.build() as on_event:
        on_event(_event("MainReportVersion"))  # not a node: ignored
        for index in (1, 2, 3):
            on_event(_event("LogStartLine", index=index, total=3))
            clock.now += 2
            on_event(_event("NodeFinished"))
    assert out.getvalue().splitlines() == [
        "dbt build: 0/3 models and tests (0%)",
        "dbt build: 1/3 models and tests (33%), about 4 s left",
        "dbt build: 2/3 models and tests (67%), about 2 s left",
        "dbt build: 3/3 models and tests (100%)",
    ]


def test_a_run_without_a_terminal_prints_progress_lines_in_order_to_100_percent(
    configured: Simulator, tmp_path: Path
) -> None:
    done = run_cli(
        "run",
        "--no-build",
        "--db",
        str(tmp_path / "billing.duckdb"),
        "--today",
        TODAY.isoformat(),
        "--since",
        "2026-11-18",
        env={"SOURCES__GITHUB_BILLING__PROGRESS_SECONDS": "0"},
    )
    assert done.returncode == 0, done.stderr
    rows = [
        re.fullmatch(
            r"load: (\d+)/(\d+) day x cost-center requests \((\d+)%\)(?:, (\d+)/(\d+) usage "
            r"reports)?, ([\d,]+) requests, rate-limit budget ([\d,]+|unknown) left.*",
            line,
        )
        for line in done.stderr.splitlines()
    ]
    assert rows and all(rows), done.stderr
    done_counts = [int(row.group(1)) for row in rows]
    requests = [int(row.group(6).replace(",", "")) for row in rows]
    assert done_counts == sorted(done_counts) and requests == sorted(requests)
    last = rows[-1]
    # 7 days x (4 cost centers + none) x (usage + AI credits), and the two per-user reports
    assert (last.group(1), last.group(2), last.group(3)) == ("70", "70", "100")
    assert (last.group(4), last.group(5)) == ("2", "2")
    assert requests[-1] == len(configured.requests), "the last line counts every request"
