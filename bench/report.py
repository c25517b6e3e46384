"""The bench table: one line per figure, measured against its in-run baseline."""

from __future__ import annotations

import math
from dataclasses import dataclass


@dataclass
class Figure:
    name: str
    measured: str
    baseline: str
    ratio: float
    goal: str
    met: bool | None
    note: str = ""


def render(figures: list[Figure]) -> str:
    header = ("figure", "measured", "baseline (same run)", "ratio", "goal", "met")
    rows = [
        (
            f.name,
            f.measured,
            f.baseline,
            "-" if math.isnan(f.ratio) else f"{f.ratio:.2f}",
            f.goal,
            {True: "yes", False: "NO", None: "-"}[f.met],
        )
        for f in figures
    ]
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    line = "  ".join("-" * w for w in widths)
    out = [line, "  ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)), line]
    out += ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)) for r in rows]
    out.append(line)
    out += [f"{f.name}: {f.note}" for f in figures if f.note]
    return "\n".join(out)
