"""The load path's steps, timed apart: the profile behind P1's optimisations.

    python -m bench.steps <payload folder> <days> [--cprofile]

Replays `usage_items` from payloads recorded by `python -m bench --keep` (the work folder's
`payloads`) into a fresh DuckDB file and prints dlt's extract, normalize and load times; with
`--cprofile`, the 25 functions with the most time of their own.
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import tempfile
import time
from datetime import timedelta
from pathlib import Path

from bench.__main__ import TODAY
from bench.replay import ReplayClient, replay_source
from pipelines.runner import make_pipeline


def main() -> None:
    p = argparse.ArgumentParser(prog="python -m bench.steps", description=__doc__.split("\n\n")[0])
    p.add_argument("payloads", type=Path, help="a bench work folder's payloads")
    p.add_argument("days", type=int, help="days before the bench's today to replay")
    p.add_argument("--cprofile", action="store_true")
    p.add_argument("--enterprise", default="bench-corp")
    args = p.parse_args()
    source = replay_source(
        ReplayClient(args.payloads, args.enterprise),
        usage_exports=False,
        today=TODAY.isoformat(),
        lookback_days=0,
        start_date=(TODAY - timedelta(days=args.days)).isoformat(),
    )
    with tempfile.TemporaryDirectory() as work:
        pipeline = make_pipeline(Path(work) / "steps.duckdb")
        profile = cProfile.Profile()
        if args.cprofile:
            profile.enable()
        started = time.perf_counter()
        pipeline.extract(source, loader_file_format="parquet")
        extracted = time.perf_counter()
        pipeline.normalize()
        normalized = time.perf_counter()
        pipeline.load()
        loaded = time.perf_counter()
        profile.disable()
        rows = pipeline.last_trace.last_normalize_info.row_counts.get("usage_items", 0)
    print(
        f"{rows:,} rows: extract {extracted - started:.2f} s, normalize "
        f"{normalized - extracted:.2f} s, load {loaded - normalized:.2f} s, total "
        f"{loaded - started:.2f} s ({rows / (loaded - started):,.0f} rows/s)"
    )
    if args.cprofile:
        pstats.Stats(profile).sort_stats("tottime").print_stats(25)


if __name__ == "__main__":
    main()
