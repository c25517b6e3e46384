"""Progress of a run's load and `dbt build`: a live display on a terminal (rich), and one plain
line every `interval` seconds otherwise (cron, CI), so a backfill of hours is not silent.

The load's figures come from the client (requests, rate-limit budget) and its tally (day x
cost-center requests and usage reports, planned and done); dbt's from its events (`dbtRunner`
callbacks). Lines are printed when something changes, at most one per interval, and once more
when a stage ends.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, TextIO

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeRemainingColumn,
)

DEFAULT_INTERVAL_SECONDS = 30.0


@dataclass
class Figures:
    """One stage's state: `done` of `total` units, and what else to say about it."""

    stage: str
    unit: str
    done: int
    total: int
    detail: str = ""

    def fraction(self) -> float:
        return 1.0 if self.total <= 0 else min(self.done / self.total, 1.0)


def load_figures(client: Any) -> Figures:
    tally = client.tally
    budget = client.rate_limit_remaining
    detail = [
        *(
            [f"{tally.reports_done}/{tally.reports_planned} usage reports"]
            if tally.reports_planned
            else []
        ),
        f"{client.requests_made:,} requests",
        f"rate-limit budget {'unknown' if budget is None else f'{budget:,}'} left",
    ]
    return Figures(
        "load",
        "day x cost-center requests",
        tally.partitions_done,
        tally.partitions_planned,
        ", ".join(detail),
    )


class DbtTally:
    """`dbt build`'s nodes (models, seeds, tests) done of total, from dbt's events."""

    def __init__(self) -> None:
        self.done = 0
        self.total = 0
        self.listener: Callable[[], None] | None = None
        self._lock = threading.Lock()

    def on_event(self, event: Any) -> None:
        name = event.info.name
        if name not in ("LogStartLine", "NodeFinished"):
            return
        with self._lock:
            if name == "LogStartLine":  # "12 of 252 START ...": the build's size
                self.total = max(self.total, int(getattr(event.data, "total", 0) or 0))
            else:
                self.done += 1
        if self.listener is not None:
            self.listener()

    def figures(self) -> Figures:
        return Figures("dbt build", "models and tests", self.done, self.total)


def _duration(seconds: float) -> str:
    if seconds < 90:
        return f"{seconds:.0f} s"
    if seconds < 90 * 60:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h"


class PlainLines:
    """One line per `interval` seconds at most, when figures change; the last one always."""

    def __init__(
        self, stream: TextIO, interval: float, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.stream, self.interval, self.clock = stream, interval, clock
        self._lock = threading.Lock()

    @contextmanager
    def stage(self, figures: Callable[[], Figures]) -> Iterator[Callable[[], None]]:
        started = last = self.clock()
        printed: Figures | None = None

        def line(final: bool = False) -> None:
            nonlocal last, printed
            with self._lock:
                now, shown = self.clock(), figures()
                if shown == printed or (not final and now - last < self.interval):
                    return
                last, printed = now, shown
                self.stream.write(self.render(shown, now - started) + "\n")
                self.stream.flush()

        yield line
        line(final=True)

    @staticmethod
    def render(shown: Figures, elapsed: float) -> str:
        text = (
            f"{shown.stage}: {shown.done:,}/{shown.total:,} {shown.unit} ({shown.fraction():.0%})"
        )
        if shown.detail:
            text += f", {shown.detail}"
        if 0 < shown.done < shown.total:
            text += f", about {_duration(elapsed / shown.done * (shown.total - shown.done))} left"
        return text


class LiveDisplay:
    """rich's live progress bar on a terminal, redrawn a few times a second."""

    def __init__(self, stream: TextIO) -> None:
        self.console = Console(file=stream)

    @contextmanager
    def stage(self, figures: Callable[[], Figures]) -> Iterator[Callable[[], None]]:
        first = figures()
        with Progress(
            TextColumn("[bold]{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.fields[unit]}"),
            TimeRemainingColumn(),
            TextColumn("{task.fields[detail]}"),
            console=self.console,
        ) as bar:
            task: TaskID = bar.add_task(
                first.stage, total=first.total or None, unit=first.unit, detail=first.detail
            )

            def update() -> None:
                shown = figures()
                bar.update(
                    task, completed=shown.done, total=shown.total or None, detail=shown.detail
                )

            yield update
            update()


class RunProgress:
    """What `run` and `demo` show while they load and build."""

    def __init__(self, display: PlainLines | LiveDisplay) -> None:
        self.display = display

    @classmethod
    def for_stream(cls, stream: TextIO, interval: float | None = None) -> RunProgress:
        """Live on a terminal; otherwise plain lines every `interval` seconds
        (`progress_seconds` under [sources.github_billing], default 30)."""
        if stream.isatty() and interval is None:
            return cls(LiveDisplay(stream))
        if interval is None:
            from pipelines.settings import run_settings

            configured = run_settings().progress_seconds
            interval = DEFAULT_INTERVAL_SECONDS if configured is None else configured
        return cls(PlainLines(stream, interval))

    @contextmanager
    def load(self, client: Any) -> Iterator[None]:
        """Follow `client`'s load while the block runs."""
        with self.display.stage(lambda: load_figures(client)) as update:
            client.tally.listener = update
            try:
                yield
            finally:
                client.tally.listener = None

    @contextmanager
    def build(self) -> Iterator[Callable[[Any], None]]:
        """A callback for `dbtRunner(callbacks=[...])` that follows the build."""
        tally = DbtTally()
        with self.display.stage(tally.figures) as update:
            tally.listener = update
            yield tally.on_event
