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


def _client(account: Any) -> Any:
    try:
        return account.client()
    except ValueError as exc:
        raise UsageError(str(exc)) from None


def _check(client: Any, who: str = "") -> Any:
    """Check the client's token and account; `who` names the account among several."""
    from pipelines.github_billing.check import check_connection

    report = check_connection(client)
    for problem in report.problems:
        print(f"error: {who}{problem}", file=sys.stderr)
    if report.ok:
        print("Connection OK. This token can load: " + "; ".join(report.can_load) + ".")
    return report


def cmd_check(args: argparse.Namespace) -> int:
    accounts, _ = _accounts(args)
    clients = [_client(account) for account in accounts]  # every sentence first
    ok = True
    for account, client in zip(accounts, clients, strict=True):
        if len(accounts) > 1:
            print(f"Account {account.name} ({_describe(client)}):")
        ok = _check(client, f"account {account.name}: " if len(accounts) > 1 else "").ok and ok
    return 0 if ok else 2


def _describe(client: Any) -> str:
    return f"{client.account.kind} {client.account.login} at {client.base_url}"


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


@dataclass
class AccountRun:
    """One account's part of a run: its client, its run-log record and how it ended."""

    account: Any  # accounts_config.Account
    client: Any
    record: Any  # ops.RunRecord
    code: int = 0  # 0 loaded, 1 failed while loading, 2 refused before loading

    @property
    def loaded(self) -> bool:
        return self.code == 0


def _accounts(args: argparse.Namespace) -> tuple[list[Any], list[Any]]:
    """The accounts `--account` selects (all without it) and every configured account."""
    from pipelines import accounts_config

    _config()  # a mistyped key or storage version: refused first, with its sentence
    try:
        everyone = accounts_config.configured_accounts()
        selected = accounts_config.select(everyone, getattr(args, "account", None) or ())
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    return selected, everyone


def _run(store: Any, accounts: list[Any], request: RunRequest, everyone: list[Any]) -> int:
    """Load every account in turn (one's failure does not stop the others), then build the
    models once on what was loaded. The exit code is the worst account's."""
    from pipelines import account_migration, alert_settings, ops

    today_date = _parse_day(request.today, "--today") or datetime.now(UTC).date()
    _validate_window(request.since, request.until, today_date)
    # bad configuration is refused before the database is touched
    clients = [_client(account) for account in accounts]
    try:
        alert_vars = alert_settings.dbt_vars()
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    several = len(accounts) > 1
    with store.run_lock():
        migrated = account_migration.migrate(store, everyone)
        if migrated:
            print(f"note: {migrated}")
        runs = []
        for account, client in zip(accounts, clients, strict=True):
            if several:
                print(f"Account {account.name} ({_describe(client)}):")
            record = ops.RunRecord(
                started_at=datetime.now(UTC), command="run", account=account.name
            )
            run = AccountRun(account, client, record)
            runs.append(run)
            _logged(store, run, lambda run=run: _load_account(store, run, request, several))
        return _build_and_summarise(store, runs, request, alert_vars)


def _logged(store: Any, run: AccountRun, work: Any) -> None:
    """`work` with the account's run logged as running before and its outcome after."""
    from pipelines import ops

    record = run.record
    ops.start_run(store, record)
    try:
        run.code = work()
    except (UsageError, ops.OpsError) as exc:
        record.outcome, record.error = "error", str(exc)
        raise
    except BaseException as exc:
        record.outcome, record.error = "error", unexpected_sentence(exc)
        raise
    finally:
        record.ended_at = datetime.now(UTC)
        record.requests_made = run.client.requests_made
        record.rate_limit_remaining = run.client.rate_limit_remaining
        ops.finish_run(store, record)


def _say_error(run: AccountRun, sentence: str, several: bool) -> None:
    who = f"account {run.account.name}: " if several else ""
    print(f"error: {who}{sentence}", file=sys.stderr)


def _load_account(store: Any, run: AccountRun, request: RunRequest, several: bool) -> int:
    """Check the account's token, then load it; 0, or the account's failure code."""
    from pipelines import progress, runner

    client, record = run.client, run.record
    report = _check(client, f"account {run.account.name}: " if several else "")
    record.outcome, record.error = "error", " ".join(report.problems) or None
    if not report.ok:
        print(
            "Nothing was loaded" + (f" for account {run.account.name}." if several else "."),
            file=sys.stderr,
        )
        return 2
    shown = progress.RunProgress.for_stream(sys.stderr)
    try:
        with shown.load(client):
            result = runner.load(
                store,
                client,
                account_name=run.account.name,
                since=request.since.isoformat() if request.since else None,
                until=request.until.isoformat() if request.until else None,
                today=request.today,
                **run.account.config.source_arguments(),
            )
    except runner.RunFailed as exc:
        record.error = str(exc)
        _say_error(run, str(exc), several)
        return 1
    except Exception as exc:
        from pipelines.settings import run_settings

        if not several or run_settings().debug:
            raise
        record.error = unexpected_sentence(exc)
        _say_error(run, record.error, several)
        return 1
    record.rows_per_table = result.rows_loaded
    print(
        f"Loaded {sum(result.rows_loaded.values()):,} rows with {result.requests_made} API "
        f"requests (rate-limit budget left: {result.rate_limit_remaining})."
    )
    for note in client.notes:
        print(f"note: {note}")
    for warning in client.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    # a report to retry next run does not fail the run, but `status` shows it
    record.outcome, record.error = "success", " ".join(client.warnings) or None
    return 0


def _build_and_summarise(
    store: Any, runs: list[AccountRun], request: RunRequest, alert_vars: dict[str, Any]
) -> int:
    """dbt once, on every account's data, when any account loaded; the summary; the code."""
    from pipelines import bi_publish, ops, progress, runner, summary

    loaded = [run for run in runs if run.loaded]
    code = max((run.code for run in runs), default=0)
    if not loaded:
        return code
    if request.build:
        shown = progress.RunProgress.for_stream(sys.stderr)
        try:
            with shown.build() as on_dbt_event:
                runner.build_models(
                    store,
                    full_refresh=request.full_refresh,
                    callbacks=[on_dbt_event],
                    # the models rebuild the longest lookback any account re-checked
                    lookback_days=max(run.account.config.lookback_days for run in loaded),
                    dbt_vars=alert_vars,
                )
            print("dbt build: all models and tests passed.")
            if _is_duckdb(store):
                published = _publish_for_bi(store.path)  # once, for every account's marts
                for run in loaded:
                    run.client.warnings.extend(published)
        except (runner.RunFailed, bi_publish.PublishFailed) as exc:
            print(f"error: {exc}", file=sys.stderr)
            for run in loaded:  # their data is loaded, but the run did not complete
                run.record.outcome, run.record.error = "error", str(exc)
                ops.finish_run(store, run.record)
            return 1
        for run in loaded:
            run.record.error = " ".join(run.client.warnings) or None
            ops.finish_run(store, run.record)
    print(summary.render(store))
    if request.build:
        from pipelines.alerts import count_line

        print(count_line(store))
    if len(runs) > 1:
        print(_accounts_line(runs))
    return code


def _accounts_line(runs: list[AccountRun]) -> str:
    failed = [run.account.name for run in runs if not run.loaded]
    names = ", ".join(run.account.name for run in runs if run.loaded)
    if not failed:
        return f"All {len(runs)} accounts loaded: {names}."
    return (
        f"{len(runs) - len(failed)} of {len(runs)} accounts loaded ({names or 'none'}); "
        f"{', '.join(failed)} failed (its sentence above; `github-billing status` shows it)."
    )


def _is_duckdb(store: Any) -> bool:
    """The BI file, the cost report and storage formats are DuckDB files' (bi_publish.py)."""
    from pipelines.store import DuckDBStore

    return isinstance(store, DuckDBStore)


def _publish_for_bi(db_path: Path) -> list[str]:
    """The marts into the BI file and Parquet; a snapshot Windows could not put in place is a
    warning (kept in the run log), not a failure: the warnings."""
    from pipelines import bi_publish

    published = bi_publish.publish(db_path)
    print(
        f"BI file (open it from BI tools; runs never lock it): {published.database}; "
        f"Parquet: {published.parquet_dir}/ ({len(published.tables)} marts)."
    )
    for warning in published.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    return list(published.warnings)


def cmd_run(args: argparse.Namespace) -> int:
    accounts, everyone = _accounts(args)
    store = _store(args)
    request = RunRequest(
        since=_parse_day(args.since, "--since"),
        until=_parse_day(args.until, "--until"),
        build=not args.no_build,
        today=args.today,
        full_refresh=args.full_refresh,
    )
    return _report_after_run(_run(store, accounts, request, everyone), store, args)


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
            db_path,
            Path(args.out) if args.out else default_report_path(db_path, args.account),
            args.months,
            args.account,
        )
    except ReportError as exc:
        raise UsageError(str(exc)) from None
    print(
        f"Cost report for {written.period.start} to {written.period.end}: {written.path} "
        f"({written.size_bytes / 1e6:.1f} MB; opens in any browser, offline)"
    )
    return 0


def _configured_names() -> list[str]:
    """The configured accounts' names, or none when the configuration is incomplete: `status`
    reads the store and must work without a token."""
    from pipelines import accounts_config

    try:
        return [account.name for account in accounts_config.configured_accounts()]
    except Exception:
        return []


def cmd_status(args: argparse.Namespace) -> int:
    import json

    from pipelines import bi_publish, ops

    store = _store(args)
    if args.account and len(args.account) > 1:
        raise UsageError("status takes one --account; without it, it shows every account.")
    account = args.account[0] if args.account else None
    try:
        health = ops.health(
            store,
            stale_after_hours=args.stale_after_hours,
            account=account,
            configured=_configured_names() if account else (),
        )
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
                    "account": account,
                    "bi_database": bi,
                    "accounts": {
                        name: {"state": h.state, "sentence": h.sentence}
                        for name, h in health.accounts.items()
                    },
                    "last_runs": health.last_runs,
                },
                default=lambda v: v.isoformat() if isinstance(v, datetime) else str(v),
                indent=2,
            )
        )
    else:
        print(f"{health.state}: {health.sentence}")
        for name, account in health.accounts.items():
            print(f"  {name}: {account.state}: {account.sentence}")
        several = bool(health.accounts)
        for run in health.last_runs:
            budget = run["rate_limit_remaining"]
            who = f" {run['account'] or '':<12}" if several else ""
            line = (
                f"  {run['started_at'].astimezone(UTC):%Y-%m-%d %H:%M}{who} {run['outcome']:<8} "
                f"{run['rows_loaded'] or 0:>9,} rows {run['requests_made'] or 0:>6} requests"
                f"{'' if budget is None else f' ({budget} left)'}"
            )
            print(line + (f"  {run['error']}" if run["error"] else ""))
    return health.exit_code


def _import_account(args: argparse.Namespace) -> str | None:
    """The account reports are imported into: --account, else the only configured account,
    else (None) the store's only one."""
    from pipelines import accounts_config

    if args.account:
        if len(args.account) > 1:
            raise UsageError(
                "import takes one --account: the account the reports belong to; import each "
                "account's reports on their own."
            )
        return str(args.account[0])
    try:
        configured = accounts_config.configured_accounts()
    except ValueError:
        return None  # nothing usable configured: the store says which account it holds
    return configured[0].name if len(configured) == 1 else None


def cmd_import(args: argparse.Namespace) -> int:
    from pipelines.report_import import import_reports
    from pipelines.runner import RunFailed

    account_name = _import_account(args)
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


def _shape_from_args(args: argparse.Namespace) -> tuple[date, Any]:
    """The simulated enterprise's today and size, from the shape flags."""
    from pipelines.simulator import EnterpriseSize

    today = _parse_day(args.today, "--today") or datetime.now(UTC).date()
    size = EnterpriseSize(
        orgs=args.orgs,
        repos=args.repos,
        seat_holders=args.seat_holders,
        cost_centers=args.cost_centers,
        days=args.days,
        models=args.models,
    )
    return today, size


def _simulator_from_args(args: argparse.Namespace) -> Any:
    from pipelines.simulator import Enterprise, Simulator

    today, size = _shape_from_args(args)
    return Simulator(
        Enterprise(slug=args.enterprise, seed=args.seed, size=size, today=today),
        port=getattr(args, "port", 0),
    )


def cmd_demo(args: argparse.Namespace) -> int:
    """Three accounts served by the local API (two enterprises, one on a GHE.com-style host,
    and an organization), loaded into one store, the models built once."""
    from pipelines.accounts_config import explicit_account
    from pipelines.runner import scoped_environment
    from pipelines.simulator import MultiAccountSimulator, three_accounts

    store = _store(args, "data/demo.duckdb")
    today, size = _shape_from_args(args)
    hosted = three_accounts(today, seed=args.seed, size=size)
    _config()  # a mistyped key or storage version: refused before the database is reset
    # The demo always starts clean: a fresh database and fresh dlt state.
    store.reset(*(h.name for h in hosted))
    with MultiAccountSimulator(hosted) as sim, scoped_environment(sim.proxy_env()):
        accounts = []
        for h in sim:
            ent = h.account.enterprise
            print(
                f"Local GitHub billing API for {ent.kind} '{ent.slug}' at {sim.base_url(h.name)} "
                f"({len(ent.orgs)} orgs, {len(ent.repos)} repos, {len(ent.users)} seat holders, "
                f"{len(ent.cost_centers)} cost centers, {ent.size.days} days)."
            )
            login = {"organization" if ent.kind == "organization" else "enterprise": ent.slug}
            accounts.append(
                _demo_account(explicit_account, h.name, login, h.token, sim.base_url(h.name), ent)
            )
        request = RunRequest(build=not args.no_build, today=today.isoformat())
        code = _run(store, accounts, request, accounts)
    return _report_after_run(code, store, args)


def _demo_account(
    make: Any, name: str, login: dict[str, str], token: str, url: str, ent: Any
) -> Any:
    try:
        return make(
            name,
            **login,
            access_token=token,
            base_url=url,
            start_date=ent.first_day.isoformat(),
            lookback_days=7,
            # the local API builds usage reports in a few polls: no need for GitHub's waits
            export_poll_seconds=0.02,
        )
    except ValueError as exc:
        raise UsageError(str(exc)) from None


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


def add_account_option(p: argparse.ArgumentParser) -> None:
    """--account, for the commands that work on one billing account or several."""
    p.add_argument(
        "--account",
        action="append",
        metavar="NAME",
        help="only this billing account, by its name in the store (repeatable; default: all)",
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="github-billing",
        description="Load GitHub Enterprise Cloud billing into DuckDB or PostgreSQL and build "
        "cost models.",
    )
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("check", help="validate token, scopes and enterprise; load nothing")
    add_account_option(p)
    p.set_defaults(func=cmd_check)

    p = sub.add_parser("run", help="incremental load of every account, then dbt build")
    add_store_options(p)
    add_account_option(p)
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
    add_account_option(p)
    p.set_defaults(func=cmd_import)

    p = sub.add_parser("export", help="write the costs in an open format for FinOps tools")
    from pipelines.focus_export import add_command as add_focus_export

    add_focus_export(p.add_subparsers(dest="export_format", required=True))

    from pipelines.alerts import add_command as add_alerts

    add_alerts(sub, add_store_options)

    p = sub.add_parser("status", help="connection health: Pending Data, Healthy, Stale or Error")
    add_store_options(p)
    add_account_option(p)
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
    p.add_argument(
        "--account", metavar="NAME", help="only this billing account (default: every account)"
    )
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
