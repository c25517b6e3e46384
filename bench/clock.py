"""Clocks for the benchmarks: a compressed wall clock shared by the simulator (parent) and the
client (child process), `factor` simulated seconds per real second from the same real `origin`
(P5); and a virtual clock that only sleeping moves (P7)."""

from __future__ import annotations

import time
from collections.abc import Callable


class CompressedClock:
    def __init__(self, factor: float, origin: float) -> None:
        self.factor = factor
        self.origin = origin

    def time(self) -> float:
        return self.origin + (time.time() - self.origin) * self.factor

    def sleep(self, seconds: float) -> None:
        time.sleep(max(0.0, seconds) / self.factor)


class VirtualClock:
    """A clock that moves only when slept on: a client's waits (report polls, rate-limit
    resets) cost no real time, and their sum is the wall time they would take. `settle` runs
    after each sleep (the simulator finishing the work it models as taking that time)."""

    def __init__(self, origin: float, settle: Callable[[], None] | None = None) -> None:
        self.origin = origin
        self.slept = 0.0
        self.settle = settle

    def time(self) -> float:
        return self.origin + self.slept

    def sleep(self, seconds: float) -> None:
        self.slept += max(0.0, seconds)
        if self.settle is not None:
            self.settle()
