"""What a load has planned and finished so far, for a progress display to read while it runs."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass
class LoadTally:
    """Day x cost-center requests and usage reports: planned as each resource learns its
    window, done as each answer is taken. `listener` is called after every change."""

    partitions_planned: int = 0
    partitions_done: int = 0
    reports_planned: int = 0
    reports_done: int = 0
    listener: Callable[[], None] | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def plan(self, partitions: int = 0, reports: int = 0) -> None:
        self._add(partitions, reports, planned=True)

    def done(self, partitions: int = 0, reports: int = 0) -> None:
        self._add(partitions, reports, planned=False)

    def _add(self, partitions: int, reports: int, planned: bool) -> None:
        with self._lock:
            if planned:
                self.partitions_planned += partitions
                self.reports_planned += reports
            else:
                self.partitions_done += partitions
                self.reports_done += reports
        if self.listener is not None:
            self.listener()
