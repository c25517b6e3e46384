"""One measurement per child process (`python -m bench.worker TASK JSON`), so each reports its
own peak RSS and no run warms another's caches. The last stdout line is `BENCH_RESULT {json}`."""

from __future__ import annotations

import json
import os
import resource
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

os.environ.setdefault("RUNTIME__DLTHUB_TELEMETRY", "false")
os.environ.setdefault("RUNTIME__LOG_LEVEL", "WARNING")
os.environ.setdefault("DO_NOT_TRACK", "1")

RESULT = "BENCH_RESULT "
Task = Callable[[dict[str, Any]], dict[str, Any]]
TASKS: dict[str, Task] = {}


def task(fn: Task) -> Task:
    TASKS[fn.__name__] = fn
    return fn


def peak_rss_mib() -> float:
    """This process's peak RSS. Not getrusage's ru_maxrss: Linux carries that across exec, so a
    child would report its parent's (the simulator's) peak whenever it is larger."""
    try:
        status = Path("/proc/self/status").read_text()
    except OSError:
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
    kib = next(line.split()[1] for line in status.splitlines() if line.startswith("VmHWM:"))
    return int(kib) / 1024


def _json_path(source: dict[str, Any]) -> dict[str, Any]:
    """The benchmarks measure the JSON endpoints' load path and request plan; the per-user
    export path (a constant number of reports per 31 days) is measured by its tests."""
    return {"usage_exports": False, **source}


@task
def record(a: dict[str, Any]) -> dict[str, Any]:
    """A first run over HTTP that also records every /usage body (the P1/P4 payloads)."""
    from bench.replay import RecordingClient
    from pipelines.runner import load

    client = RecordingClient(Path(a["folder"]), a["base_url"], a["token"], a["enterprise"])
    started = time.perf_counter()
    result = load(Path(a["db"]), client, **_json_path(a["source"]))
    return {
        "seconds": time.perf_counter() - started,
        "requests": result.requests_made,
        "rows": result.rows_loaded,
    }


@task
def run(a: dict[str, Any]) -> dict[str, Any]:
    """A run over HTTP (load, then dbt build when asked): P3's incremental runs, P5's backfill."""
    from pipelines.github_billing import GitHubClient
    from pipelines.runner import build_models, load

    clock = None
    if a.get("clock_factor"):
        from bench.clock import CompressedClock

        clock = CompressedClock(a["clock_factor"], a["clock_origin"])
    client = GitHubClient(a["base_url"], a["token"], a["enterprise"], clock=clock)
    started = time.perf_counter()
    result = load(Path(a["db"]), client, **_json_path(a["source"]))
    loaded = time.perf_counter()
    if a.get("build"):
        build_models(Path(a["db"]))
    return {
        "seconds": time.perf_counter() - started,
        "load_seconds": loaded - started,
        "build_seconds": time.perf_counter() - loaded,
        "requests": result.requests_made,
        "rows": result.rows_loaded,
        "paced_seconds": client.paced_seconds,
        "clock_seconds": clock.time() - a["clock_origin"] if clock else None,
    }


@task
def build(a: dict[str, Any]) -> dict[str, Any]:
    """`dbt build` from scratch on a loaded database: P3's starting point, and its contrast."""
    from pipelines.runner import build_models

    started = time.perf_counter()
    build_models(Path(a["db"]))
    return {"seconds": time.perf_counter() - started}


@task
def duckdb_read_json(a: dict[str, Any]) -> dict[str, Any]:
    """P1's baseline: plain DuckDB read_json of the recorded payload files into a table."""
    import duckdb

    from bench.replay import read_manifest

    folder = Path(a["folder"])
    files = [str(folder / e["file"]) for e in read_manifest(folder)]
    con = duckdb.connect(a["db"])
    started = time.perf_counter()
    con.execute(
        "create table usage_items as "
        "select unnest(usageItems, recursive := true) from read_json(?)",
        [files],
    )
    seconds = time.perf_counter() - started
    rows = con.execute("select count(*) from usage_items").fetchone()[0]  # type: ignore[index]
    return {"seconds": seconds, "rows": rows}


@task
def replay(a: dict[str, Any]) -> dict[str, Any]:
    """The pipeline's usage_items from recorded payloads to the raw table (no HTTP): P1, P4.
    `mode: dicts` restores the row-by-row path (one list of dicts per response) for contrast."""
    from bench.replay import ReplayClient, replay_source
    from pipelines.github_billing import resources as r
    from pipelines.runner import make_pipeline
    from pipelines.store import as_store

    if a.get("mode") == "dicts":

        def flush_dicts(self: r._UsageBatch) -> Iterator[Any]:
            bodies, self.bodies, self.size = self.bodies, [], 0
            for body, cc_id, day in bodies:
                shaped = self._shaped_rows(body, cc_id, day)
                if shaped:
                    yield shaped

        r._UsageBatch.flush = flush_dicts  # type: ignore[method-assign]

    client = ReplayClient(Path(a["folder"]), a["enterprise"])
    source = replay_source(client, **_json_path(a["source"]))
    store = as_store(Path(a["db"]))
    if a.get("dsn"):  # `--destination postgres`: the same replay into a fresh database
        from pipelines.store.postgres import PostgresStore

        store = PostgresStore.from_dsn(a["dsn"], pipelines_dir=Path(a["db"]).with_suffix(".dlt"))
    pipeline = make_pipeline(store)
    started = time.perf_counter()
    pipeline.run(source, loader_file_format=store.loader_file_format)
    seconds = time.perf_counter() - started
    counts = pipeline.last_trace.last_normalize_info.row_counts
    return {
        "seconds": seconds,
        "rows": counts.get("usage_items", 0),
        "payload_bytes": client.bytes_served,
        "responses": client.requests_made,
    }


def main() -> None:
    name, args = sys.argv[1], json.loads(sys.argv[2])
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    result = TASKS[name](args)
    result["peak_rss_mib"] = peak_rss_mib()
    print(RESULT + json.dumps(result, default=str), flush=True)


if __name__ == "__main__":
    main()
