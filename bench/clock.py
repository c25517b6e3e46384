"""A compressed wall clock shared by the simulator (parent) and the client (child process):
`factor` simulated seconds pass per real second, counted from the same real `origin`."""

from __future__ import annotations

import time


class CompressedClock:
    def __init__(self, factor: float, origin: float) -> None:
        self.factor = factor
        self.origin = origin

    def time(self) -> float:
        return self.origin + (time.time() - self.origin) * self.factor

    def sleep(self, seconds: float) -> None:
        time.sleep(max(0.0, seconds) / self.factor)
