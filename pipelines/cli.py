"""`github-billing`: check the connection, run the load and models, demo, serve the simulator."""

from __future__ import annotations

import argparse
import contextlib
import logging
import os
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DB = "data/github_billing.duckdb"


def _prepare_environment() -> None:
    """dlt reads ./.dlt; fall back to the project's own config when run from elsewhere.
    Telemetry is off in that config; the env vars repeat it for runs outside the project."""
    if not Path(".dlt").is_dir() and (PROJECT_ROOT / ".dlt").is_dir():
        os.environ.setdefault("DLT_PROJECT_DIR", str(PROJECT_ROOT))
    os.environ.setdefault("RUNTIME__DLTHUB_TELEMETRY", "false")
    os.environ.setdefault("DO_NOT_TRACK", "1")


class UsageError(Exception):
    """Bad input: the message is the sentence to show."""


def unexpected_sentence(exc: BaseException) -> str:
    """The one line shown (and logged) for a failure nobody wrote a sentence for."""
    if isinstance(exc, KeyboardInterrupt):
        return "The run was interrupted: run again; the next run completes what it left behind."
    first_line = str(exc).splitlines()[0] if str(exc) else ""
    return (
        f"unexpected {type(exc).__name__}: {first_line}"
        " (set SOURCES__GITHUB_BILLING__DEBUG=1 for the traceback, and please report it)."
    )


def _parse_day(value: str | None, flag: str) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise UsageError(f"{flag} must be a date like 2026-01-31, not '{value}'.") from None


def _db_path(args: argparse.Namespace, default: str) -> Path:
    """The DuckDB file: --db, then `duckdb_path` under [sources.github_billing], then the
    GITHUB_BILLING_DUCKDB that profiles.yml reads too, then the command's default."""
    from pipelines.settings import run_settings

    configured = run_settings().duckdb_path
    return Path(args.db or configured or os.environ.get("GITHUB_BILLING_DUCKDB") or default)


def _store(args: argparse.Namespace, default_db: str = DEFAULT_DB) -> Any:
    """The store the command works on: --destination, else the `destination` setting."""
    from pipelines.settings import run_settings
    from pipelines.store import open_store

    destination = getattr(args, "destination", None) or run_settings().destination
    return open_store(destination, _db_path(args, default_db))


def _config(**overrides: Any) -> Any:
    """The source's configuration as dlt resolves it, the CLI's `overrides` first; every bad
    value refused with its sentence before anything is touched."""
    from pipelines import storage
    from pipelines.config_check import unknown_key_problems
    from pipelines.github_billing import config

    problems = unknown_key_problems(Path(os.environ.get("DLT_PROJECT_DIR", ".")))
    if problems:
        raise UsageError(" ".join(problems))
    try:
        storage.storage_version()  # the files' format: refused before any file is made
        return config.resolve(**overrides)
    except ValueError as exc:
        raise UsageError(str(exc)) from None


def _client(cfg: Any) -> Any:
    try:
        return cfg.client()
    except ValueError as exc:
        raise UsageError(str(exc)) from None


def _check(client: Any) -> Any:
    from pipelines.github_billing.check import check_connection

    report = check_connection(client)
    for problem in report.problems:
        print(f"error: {problem}", file=sys.stderr)
    if report.ok:
        print("Connection OK. This token can load: " + "; ".join(report.can_load) + ".")
    return report


def cmd_check(args: argparse.Namespace) -> int:
    return 0 if _check(_client(_config())).ok else 2


def _validate_window(since: date | None, until: date | None, today: date) -> None:
    oldest = date(today.year - 2, today.month, 1)
    if since and since >= today:
        raise UsageError(
            f"--since {since} is not in the past: GitHub has complete days only up to yesterday."
        )
    if since and since < oldest:
        raise UsageError(
            f"--since {since} is before GitHub's 24-month window: "
            f"the oldest day it serves is {oldest}."
        )
    if since and until and until < since:
        raise UsageError(f"--until {until} is before --since {since}.")


@dataclass
class RunRequest:
    """What one `run` (or `demo`) loads and builds."""

    since: date | None = None
    until: date | None = None
    build: bool = True
    today: str | None = None
    full_refresh: bool = False


def _run(store: Any, cfg: Any, request: RunRequest) -> int:
    from pipelines import ops

    today_date = _parse_day(request.today, "--today") or datetime.now(UTC).date()
    _validate_window(request.since, request.until, today_date)
    client = _client(cfg)  # bad configuration is refused before the database is touched
    with store.run_lock():
        record = ops.RunRecord(started_at=datetime.now(UTC), command="run")
        ops.start_run(store, record)
        try:
            return _checked_load(store, cfg, client, request, record)
        except (UsageError, ops.OpsError) as exc:
            record.outcome, record.error = "error", str(exc)
            raise
        except BaseException as exc:
            record.outcome, record.error = "error", unexpected_sentence(exc)
            raise
        finally:
            record.ended_at = datetime.now(UTC)
            ops.finish_run(store, record)


def _checked_load(store: Any, cfg: Any, client: Any, request: RunRequest, record: Any) -> int:
    from pipelines import alert_settings, bi_publish, progress, runner, summary

    try:
        alert_vars = alert_settings.dbt_vars()
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    report = _check(client)
    record.outcome, record.error = "error", " ".join(report.problems) or None
    if not report.ok:
        print("Nothing was loaded.", file=sys.stderr)
        return 2
    shown = progress.RunProgress.for_stream(sys.stderr)
    try:
        with shown.load(client):
            result = runner.load(
                store,
                client,
                since=request.since.isoformat() if request.since else None,
                until=request.until.isoformat() if request.until else None,
                today=request.today,
                **cfg.source_arguments(),
            )
        record.rows_per_table = result.rows_loaded
        print(
            f"Loaded {sum(result.rows_loaded.values()):,} rows with {result.requests_made} API "
            f"requests (rate-limit budget left: {result.rate_limit_remaining})."
        )
        for note in client.notes:
            print(f"note: {note}")
        for warning in client.warnings:
            print(f"warning: {warning}", file=sys.stderr)
        if request.build:
            with shown.build() as on_dbt_event:
                runner.build_models(
                    store,
                    full_refresh=request.full_refresh,
                    callbacks=[on_dbt_event],
                    lookback_days=cfg.lookback_days,
                    dbt_vars=alert_vars,
                )
            print("dbt build: all models and tests passed.")
            if _is_duckdb(store):
                _publish_for_bi(store.path, client)
    except (runner.RunFailed, bi_publish.PublishFailed) as exc:
        record.error = str(exc)
        print(f"error: {exc}", file=sys.stderr)
        return 1
    finally:
        record.requests_made = client.requests_made
        record.rate_limit_remaining = client.rate_limit_remaining
    # a report to retry next run does not fail the run, but `status` shows it
    record.outcome, record.error = "success", " ".join(client.warnings) or None
    print(summary.render(store))
    if request.build:
        from pipelines.alerts import count_line

        print(count_line(store))
    return 0


def _is_duckdb(store: Any) -> bool:
    """The BI file, the cost report and storage formats are DuckDB files' (bi_publish.py)."""
    from pipelines.store import DuckDBStore

    return isinstance(store, DuckDBStore)


def _publish_for_bi(db_path: Path, client: Any) -> None:
    """The marts into the BI file and Parquet; a snapshot Windows could not put in place is a
    warning (kept in the run log), not a failure."""
    from pipelines import bi_publish

    published = bi_publish.publish(db_path)
    print(
        f"BI file (open it from BI tools; runs never lock it): {published.database}; "
        f"Parquet: {published.parquet_dir}/ ({len(published.tables)} marts)."
    )
    for warning in published.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    client.warnings.extend(published.warnings)


def cmd_run(args: argparse.Namespace) -> int:
    cfg = _config()
    store = _store(args)
    request = RunRequest(
        since=_parse_day(args.since, "--since"),
        until=_parse_day(args.until, "--until"),
        build=not args.no_build,
        today=args.today,
        full_refresh=args.full_refresh,
    )
    return _report_after_run(_run(store, cfg, request), store, args)


def _report_after_run(code: int, store: Any, args: argparse.Namespace) -> int:
    """A run that built the models writes the cost report; one that could not write it has
    still loaded and built everything, so it only warns (`github-billing report` retries).
    The report reads a DuckDB file: a run into PostgreSQL writes none."""
    if code != 0 or args.no_build or args.no_report or not _is_duckdb(store):
        return code
    from pipelines.cost_report import ReportError, default_report_path, write_report

    try:
        written = write_report(store.path, default_report_path(store.path))
    except ReportError as exc:
        print(f"warning: the cost report was not written: {exc}", file=sys.stderr)
        return code
    print(f"Cost report: {written.path} ({written.size_bytes / 1e6:.1f} MB)")
    return code


def cmd_report(args: argparse.Namespace) -> int:
    from pipelines.cost_report import ReportError, default_report_path, write_report

    db_path = _db_path(args, DEFAULT_DB)
    try:
        written = write_report(
            db_path, Path(args.out) if args.out else default_report_path(db_path), args.months
        )
    except ReportError as exc:
        raise UsageError(str(exc)) from None
    print(
        f"Cost report for {written.period.start} to {written.period.end}: {written.path} "
        f"({written.size_bytes / 1e6:.1f} MB; opens in any browser, offline)"
    )
    return 0


def cmd_status(args: argparse.Namespace) -> int:
    import json

    from pipelines import bi_publish, ops

    store = _store(args)
    try:
        health = ops.health(store, stale_after_hours=args.stale_after_hours)
    except ops.OpsError as exc:
        raise UsageError(str(exc)) from None
    if args.json:
        bi = str(bi_publish.bi_database_for(store.path)) if _is_duckdb(store) else None
        print(
            json.dumps(
                {
                    "state": health.state,
                    "sentence": health.sentence,
                    "destination": store.name,
                    "database": store.location,
                    "bi_database": bi,
                    "last_runs": health.last_runs,
                },
                default=lambda v: v.isoformat() if isinstance(v, datetime) else str(v),
                indent=2,
            )
        )
    else:
        print(f"{health.state}: {health.sentence}")
        for run in health.last_runs:
            budget = run["rate_limit_remaining"]
            line = (
                f"  {run['started_at'].astimezone(UTC):%Y-%m-%d %H:%M} {run['outcome']:<8} "
                f"{run['rows_loaded'] or 0:>9,} rows {run['requests_made'] or 0:>6} requests"
                f"{'' if budget is None else f' ({budget} left)'}"
            )
            print(line + (f"  {run['error']}" if run["error"] else ""))
    return health.exit_code


def cmd_import(args: argparse.Namespace) -> int:
    from pipelines.github_billing import config
    from pipelines.report_import import import_reports
    from pipelines.runner import RunFailed

    try:  # the configured account, if any; else the store's only one
        account_name = config.resolve().configured_account_name()
    except ValueError:
        account_name = None
    store = _store(args)
    with store.run_lock():
        with store.session():
            pass  # locked or unwritable: a sentence before any work
        try:
            result = import_reports(store, [Path(p) for p in args.paths], account_name)
        except RunFailed as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 1
    print(
        f"Read {result.lines:,} lines from {result.files} files "
        f"({', '.join(sorted(result.formats))})."
    )
    for note in result.notes:
        print(f"note: {note}")
    for table, count in sorted(result.rows_per_table.items()):
        first, last = result.days_per_table[table]
        print(f"  {table:<20} {count:>9,} rows, {first} to {last} (whole days rewritten)")
    if not result.rows_per_table:
        print("Nothing new to load.")
    print(f"{_where(store)}: {store.location}")
    return 0


def _where(store: Any) -> str:
    return "DuckDB file" if _is_duckdb(store) else "PostgreSQL database"


def cmd_migrate_storage(args: argparse.Namespace) -> int:
    from pipelines import ops, storage

    store = _store(args)
    if not _is_duckdb(store):
        raise UsageError(
            f"migrate-storage rewrites DuckDB files; the destination is {store.name}: "
            "run it with --destination duckdb --db FILE."
        )
    db_path = store.path
    if not db_path.is_file():
        raise UsageError(f"There is no DuckDB file at {db_path}: point --db at one.")
    _config()  # a mistyped key or duckdb_storage_version is refused before the file is touched
    with store.run_lock():
        print(storage.migrate(db_path, ops.open_db(db_path)).sentence)
    return 0


def _simulator_from_args(args: argparse.Namespace) -> Any:
    from pipelines.simulator import Enterprise, EnterpriseSize, Simulator

    today = _parse_day(args.today, "--today") or datetime.now(UTC).date()
    size = EnterpriseSize(
        orgs=args.orgs,
        repos=args.repos,
        seat_holders=args.seat_holders,
        cost_centers=args.cost_centers,
        days=args.days,
        models=args.models,
    )
    return Simulator(
        Enterprise(slug=args.enterprise, seed=args.seed, size=size, today=today),
        port=getattr(args, "port", 0),
    )


def cmd_demo(args: argparse.Namespace) -> int:
    from pipelines.simulator.server import DEMO_TOKEN

    store = _store(args, "data/demo.duckdb")
    simulator = _simulator_from_args(args)
    # The demo always starts clean: a fresh database and fresh dlt state.
    store.reset(simulator.enterprise.slug)
    sim = simulator.start()
    try:
        ent = sim.enterprise
        print(
            f"Local GitHub billing API for '{ent.slug}' at {sim.base_url} "
            f"({len(ent.orgs)} orgs, {len(ent.repos)} repos, {len(ent.users)} seat holders, "
            f"{len(ent.cost_centers)} cost centers, {ent.size.days} days)."
        )
        cfg = _config(
            enterprise=ent.slug,
            access_token=DEMO_TOKEN,
            base_url=sim.base_url,
            start_date=ent.first_day.isoformat(),
            lookback_days=7,
            # the local API builds usage reports in a few polls: no need for GitHub's waits
            export_poll_seconds=0.02,
        )
        request = RunRequest(build=not args.no_build, today=ent.today.isoformat())
        code = _run(store, cfg, request)
    finally:
        sim.stop()
    return _report_after_run(code, store, args)


def cmd_simulate(args: argparse.Namespace) -> int:
    from pipelines.simulator.faults import parse_fault_spec
    from pipelines.simulator.server import DEMO_TOKEN

    sim = _simulator_from_args(args)
    for spec in args.fault or []:
        try:
            sim.inject(parse_fault_spec(spec))
        except ValueError as exc:
            raise UsageError(f"--fault {spec}: {exc}.") from None
    ent = sim.enterprise
    print(f"Serving enterprise '{ent.slug}' at {sim.base_url} ({ent.first_day} to {ent.last_day}).")
    print(f"Token: {DEMO_TOKEN}  (Ctrl-C to stop)", flush=True)
    with contextlib.suppress(KeyboardInterrupt):
        sim.serve_forever()
    return 0


def _add_no_report(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--no-report", action="store_true", help="do not write the HTML cost report after the build"
    )


def _add_enterprise_shape(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--enterprise", default="demo-enterprise", help="slug of the simulated enterprise"
    )
    p.add_argument("--seed", type=int, default=42)
    p.add_argument("--orgs", type=int, default=3)
    p.add_argument("--repos", type=int, default=12)
    p.add_argument("--seat-holders", type=int, default=25)
    p.add_argument("--cost-centers", type=int, default=4)
    p.add_argument("--days", type=int, default=210)
    p.add_argument("--models", type=int, default=5)
    p.add_argument("--today", help="the simulator's today (UTC date); data ends the day before")


def add_store_options(p: argparse.ArgumentParser, default_db: str = DEFAULT_DB) -> None:
    """--destination and --db, for every command that reads or writes the store."""
    p.add_argument(
        "--destination",
        choices=("duckdb", "postgres"),
        help="where the data lives (default: the destination setting, else duckdb)",
    )
    p.add_argument(
        "--db",
        help=f"DuckDB file (duckdb_path setting, env GITHUB_BILLING_DUCKDB; default {default_db})",
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="github-billing",
        description="Load GitHub Enterprise Cloud billing into DuckDB or PostgreSQL and build "
        "cost models.",
    )
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("check", help="validate token, scopes and enterprise; load nothing")
    p.set_defaults(func=cmd_check)

    p = sub.add_parser("run", help="incremental load, then dbt build")
    add_store_options(p)
    p.add_argument("--since", help="backfill from this UTC date (YYYY-MM-DD)")
    p.add_argument("--until", help="backfill up to this UTC date, included")
    p.add_argument("--no-build", action="store_true", help="load only; skip dbt build")
    _add_no_report(p)
    p.add_argument(
        "--full-refresh",
        action="store_true",
        help="rebuild the incremental models from scratch (after changing dbt vars or upgrading)",
    )
    p.add_argument("--today", help=argparse.SUPPRESS)
    p.set_defaults(func=cmd_run)

    p = sub.add_parser(
        "import",
        help="load usage-report CSVs downloaded from GitHub's billing pages",
        description="Load summarized, detailed, premium-request, AI-credit and legacy "
        "premium-request report CSVs into the raw tables; the format is read from the header. "
        "Whole days are replaced, so importing a file twice changes nothing.",
    )
    p.add_argument("paths", nargs="+", metavar="PATH", help="report CSV files")
    add_store_options(p)
    p.set_defaults(func=cmd_import)

    p = sub.add_parser("export", help="write the costs in an open format for FinOps tools")
    from pipelines.focus_export import add_command as add_focus_export

    add_focus_export(p.add_subparsers(dest="export_format", required=True))

    from pipelines.alerts import add_command as add_alerts

    add_alerts(sub, add_store_options)

    p = sub.add_parser("status", help="connection health: Pending Data, Healthy, Stale or Error")
    add_store_options(p)
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.add_argument(
        "--stale-after-hours",
        type=float,
        default=36.0,
        help="Stale when the last successful run is older than this (default 36)",
    )
    p.set_defaults(func=cmd_status)

    p = sub.add_parser(
        "migrate-storage",
        help="rewrite a DuckDB file in duckdb_storage_version's format (default v1.4.0), "
        "keeping a backup",
    )
    add_store_options(p)
    p.set_defaults(func=cmd_migrate_storage)

    p = sub.add_parser("demo", help="run the whole pipeline on a built-in demo enterprise")
    add_store_options(p, "data/demo.duckdb")
    p.add_argument("--no-build", action="store_true", help="load only; skip dbt build")
    _add_no_report(p)
    _add_enterprise_shape(p)
    p.set_defaults(func=cmd_demo)

    p = sub.add_parser(
        "report",
        help="write the cost report: one HTML file with charts that opens offline",
        description="Write a self-contained HTML cost report (charts and the numbers behind "
        "them) from the marts of a DuckDB file: the warehouse, or a snapshot of it.",
    )
    p.add_argument("--db", help=f"DuckDB file (env GITHUB_BILLING_DUCKDB; default {DEFAULT_DB})")
    p.add_argument("--out", help="HTML file to write (default: report.html beside the database)")
    p.add_argument("--months", type=int, help="only the last N calendar months (default: all)")
    p.set_defaults(func=cmd_report)

    p = sub.add_parser("simulate", help="serve the local GitHub billing API on a port")
    p.add_argument("--port", type=int, default=8765)
    p.add_argument(
        "--fault",
        action="append",
        metavar="KIND[:PATH_REGEX[:TIMES]]",
        help="misbehave like GitHub does, e.g. 503:/usage$:2, secondary-429, primary, slow, "
        "truncate, reset, unknown-field, missing-optional, casing (repeatable)",
    )
    _add_enterprise_shape(p)
    p.set_defaults(func=cmd_simulate)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    _prepare_environment()
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    from pipelines.settings import adopt_legacy_environment

    adopt_legacy_environment()
    args = build_parser().parse_args(argv)
    from pipelines.ops import OpsError

    try:
        return int(args.func(args))
    except (UsageError, OpsError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt as exc:
        print(f"error: {unexpected_sentence(exc)}", file=sys.stderr)
        return 130
    except Exception as exc:
        from pipelines.settings import run_settings

        if run_settings().debug:
            raise
        print(f"error: {unexpected_sentence(exc)}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
